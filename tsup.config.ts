import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // NOTE: neutral, not node: the same bundle runs in Node and in browsers; Node-only modules are
  // imported lazily (`await import(...)`) and stay external.
  platform: "neutral",
  // WGSL kernels (top-level kernels/webgpu/) are bundled as strings.
  loader: { ".wgsl": "text" },
  // Optional GPU runtimes, imported lazily and never bundled; `node:` built-ins likewise.
  external: ["webgpu", "gpu.js", /^node:/],
  // Keep `node:worker_threads` as written (tsup 8 strips the prefix by default), so that browser
  // bundlers and Deno recognise the import as a Node built-in.
  removeNodeProtocol: false,
});
