import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";
import { defineConfig, type Options } from "tsup";

/**
 * Two builds of `src/index.ts` (package.json `exports`):
 * - Node (`dist/index.js`, `dist/index.cjs`, the "node" condition): the platform module is
 *   `src/core/platform/node.ts` (file system, zlib, AsyncLocalStorage, Dawn's WebGPU binding).
 * - Browser (`dist/browser/`, the "browser" and "default" conditions): the same code with
 *   `src/core/platform/browser.ts` in its place, bundled for `platform: "browser"` with no
 *   externals, so that any `node:` import left in the browser path fails this build.
 * `npm run build` empties `dist/` first (the two builds must not clean each other's output).
 */

const BROWSER_PLATFORM = fileURLToPath(new URL("./src/core/platform/browser.ts", import.meta.url));

/** Resolves the platform module's `./node.js` to `./browser.ts` (see src/core/platform/current.ts). */
const browserPlatform: Plugin = {
  name: "webtorch-browser-platform",
  setup(build) {
    build.onResolve({ filter: /^\.\/node\.js$/ }, (args) =>
      /[\\/]core[\\/]platform[\\/]current\.ts$/.test(args.importer)
        ? { path: BROWSER_PLATFORM }
        : undefined,
    );
  },
};

const common: Options = {
  entry: { index: "src/index.ts" },
  sourcemap: true,
  clean: false,
  target: "es2022",
  // WGSL kernels (top-level kernels/webgpu/) are bundled as strings.
  loader: { ".wgsl": "text" },
};

export default defineConfig([
  {
    ...common,
    format: ["esm", "cjs"],
    dts: true,
    // NOTE: neutral, not node: Deno and Bun take the "node" condition too.
    platform: "neutral",
    // Optional GPU runtimes, imported lazily and never bundled; `node:` built-ins likewise.
    external: ["webgpu", "gpu.js", "mnist", /^node:/],
    // Keep `node:worker_threads` as written (tsup 8 strips the prefix by default), so that
    // Deno recognises the import as a Node built-in.
    removeNodeProtocol: false,
  },
  {
    ...common,
    outDir: "dist/browser",
    format: ["esm"],
    dts: false,
    platform: "browser",
    esbuildPlugins: [browserPlatform],
  },
]);
