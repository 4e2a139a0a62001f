import { defineConfig } from "tsup";

/**
 * The Node build (`dist/index.js`, `dist/index.cjs`, package.json's "node" condition) and the type
 * declarations; its platform module is `src/core/platform/node.ts` (file system, zlib,
 * AsyncLocalStorage, Dawn's WebGPU binding). The browser build (`dist/browser/`, the "browser" and
 * "default" conditions) is `scripts/build-browser.ts`, which `npm run build` runs next.
 */
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  // NOTE: `npm run build` empties dist/ itself; cleaning here would race the browser build.
  clean: false,
  target: "es2022",
  // NOTE: neutral, not node: Deno and Bun take the "node" condition too.
  platform: "neutral",
  // WGSL kernels (top-level kernels/webgpu/) are bundled as strings.
  loader: { ".wgsl": "text" },
  // Optional GPU runtimes and packages, imported lazily and never bundled; `node:` built-ins too.
  external: ["webgpu", "gpu.js", "mnist", /^node:/],
  // Keep `node:worker_threads` as written (tsup 8 strips the prefix by default), so that
  // Deno recognises the import as a Node built-in.
  removeNodeProtocol: false,
});
