/**
 * How fast.ts gets the fast kernels in Node (and in the tests, which run `src/`): a static
 * import, so they are there from the first op. NOTE: the browser build (scripts/build-browser.ts)
 * resolves fast.ts's import of this module to `fast-load-browser.ts` instead.
 *
 * @module
 */
import * as fastKernels from "./fast-kernels.js";

/** The fast kernels' module, at once. */
export function loadFastKernels(): typeof fastKernels | Promise<typeof fastKernels> {
  return fastKernels;
}
