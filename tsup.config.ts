import { writeFile } from "node:fs/promises";

import { defineConfig, type Options } from "tsup";

/**
 * The Node build (`dist/index.js`, `dist/index.cjs`, package.json's "node" condition) and the type
 * declarations; its platform module is `src/core/platform/node.ts` (file system, zlib,
 * AsyncLocalStorage, Dawn's WebGPU binding). The browser build (`dist/browser/`, the "browser" and
 * "default" conditions) is `scripts/build-browser.ts`, which `npm run build` runs next.
 *
 * The subpaths "webtorch/nn" and "webtorch/optim" (for bundlers that tree-shake named imports but
 * not a namespace's members, such as esbuild) are ES entries of their own, sharing chunks with
 * the main one (one Tensor class, one set of backends); in CommonJS they are the main bundle's
 * `nn` and `optim` (two CommonJS bundles would each hold their own copy of the library).
 */
const common: Options = {
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
};

const SUBPATHS = ["nn", "optim"] as const;

export default defineConfig([
  {
    ...common,
    entry: { index: "src/index.ts", nn: "src/nn/index.ts", optim: "src/optim/index.ts" },
    format: ["esm"],
    dts: true,
  },
  {
    ...common,
    entry: { index: "src/index.ts" },
    format: ["cjs"],
    dts: true,
    async onSuccess() {
      for (const name of SUBPATHS)
        await writeFile(
          `dist/${name}.cjs`,
          `"use strict";\n// "webtorch/${name}" in CommonJS: the main bundle's \`${name}\`\nmodule.exports = require("./index.cjs").${name};\n`,
        );
    },
  },
]);
