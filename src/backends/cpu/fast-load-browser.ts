/**
 * How fast.ts gets the fast kernels in the browser build: by dynamic import, so that their code
 * (the WebAssembly code generator, the worker pool, Winograd: about 7 KB gzip) is not part of
 * what a page loads up front. Until it arrives the TypeScript kernels run; `await torch.init()`
 * waits for it.
 *
 * @module
 */
import type * as FastKernels from "./fast-kernels.js";

/** The fast kernels' module, when its chunk has loaded. */
export function loadFastKernels(): typeof FastKernels | Promise<typeof FastKernels> {
  return import("./fast-kernels.js");
}
