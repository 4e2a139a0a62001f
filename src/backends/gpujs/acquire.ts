import { findBackend, registerBackend } from "../backend.js";
import { initGpujs, type GpujsBackend } from "./index.js";

let gpujsPending: Promise<GpujsBackend | { reason: string }> | null = null;

/**
 * Acquires gpu.js once: the module `given` to init, else the optional `gpu.js` package imported
 * now (in Node; in a browser the global `GPU` of its script), and the backend's own code, loaded
 * only now, so that an app that never asks for gpujs neither loads nor bundles it. Resolves to
 * the backend, registered as "gpujs", or to the reason there is none.
 */
export async function acquireGpujs(given: unknown): Promise<GpujsBackend | { reason: string }> {
  const existing = findBackend("gpujs") as GpujsBackend | undefined;
  if (existing) return existing;
  gpujsPending ??= (async () => {
    try {
      const result = await initGpujs(given);
      if (!("reason" in result)) registerBackend(result);
      return result;
    } finally {
      gpujsPending = null;
    }
  })();
  return gpujsPending;
}
