/**
 * The browser build (`dist/browser/`, package.json's "browser" and "default" conditions): every
 * module of `src/` (and the TypeScript of `kernels/wasm/`) as its own ES module, imports between
 * them kept, so that an app's bundler tree-shakes what it does not use (a single flat file keeps
 * every namespace object and so everything: NOTES-ENV.md, "Bundlers and the browser"). Each WGSL
 * file is inlined as a string into the backend module that hosts it, and those modules are reached
 * only through `init({ device: "webgpu" })`'s dynamic import: no shader text up front.
 *
 * The platform module's `./node.js` becomes `./browser.js` (src/core/platform/current.ts), and
 * `node.ts` is not emitted: any other import of a Node built-in or of a package fails this build.
 * The CPU backend's fast kernels likewise come by dynamic import (src/backends/cpu/fast.ts).
 *
 * Run by `npm run build` after tsup (which makes the Node build and the type declarations).
 */
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { build, type Plugin } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist", "browser");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [path] : [];
  });
}

/**
 * The frontend and what it stands on (core, ops, tensor, autograd, backends): one tangle of
 * import cycles (Tensor <-> its ops), all of which any tensor needs (the Tensor class installs
 * every op as a method). It is bundled into shared chunks; Rollup would warn about every cycle,
 * and its cross-chunk re-exports could run out of order. What sits above it (nn, optim, data,
 * datasets, io and the entry) stays one module per file, for tree-shaking.
 */
const SHARED = [
  ...["core", "ops", "tensor", "autograd", "backends"].map((d) => join(ROOT, "src", d)),
  join(ROOT, "kernels", "wasm"),
];
/**
 * Namespace barrels inside those folders (`torch.autograd`, `torch.backends`), kept as modules of
 * their own: bundled into a shared chunk, a namespace object is a statement that no bundler drops,
 * so an app that never names the namespace would still carry all it holds (gradcheck, ...).
 */
const BARRELS = [join("src", "autograd", "index.ts"), join("src", "backends", "switches.ts")].map(
  (f) => join(ROOT, f),
);
const inShared = (file: string) =>
  !BARRELS.includes(file) && SHARED.some((d) => file.startsWith(d + "/"));
const entries = tsFiles(join(ROOT, "src")).filter((f) => !inShared(f));

/**
 * Imports that the browser build resolves to another module than Node does, by importer: the
 * platform (file system, zlib, Dawn), and the CPU backend's fast kernels (WebAssembly GEMM,
 * Winograd), which a browser loads by dynamic import, after the page, rather than up front.
 */
const BROWSER_TWINS: Record<string, { node: string; browser: string }> = {
  [join("src", "core", "platform", "current.ts")]: {
    node: "./node.js",
    browser: join("src", "core", "platform", "browser.ts"),
  },
  [join("src", "backends", "cpu", "fast.ts")]: {
    node: "./fast-load-node.js",
    browser: join("src", "backends", "cpu", "fast-load-browser.ts"),
  },
};

/** Keeps imports between the modules above the frontend as imports; WGSL is inlined as text. */
const keepModules: Plugin = {
  name: "webtorch-keep-modules",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point" || args.path.endsWith(".wgsl")) return undefined;
      if (!args.path.startsWith(".")) {
        return {
          errors: [
            {
              text: `${relative(ROOT, args.importer)} imports "${args.path}", which a browser build must not reach (move it behind src/core/platform/)`,
            },
          ],
        };
      }
      const twin = BROWSER_TWINS[relative(ROOT, args.importer)];
      if (twin && args.path === twin.node) return { path: join(ROOT, twin.browser) };
      const target = resolve(dirname(args.importer), args.path.replace(/\.js$/, ".ts"));
      // NOTE: the frontend is bundled (into shared chunks, by splitting); the rest stays modules
      return inShared(target) || inShared(args.importer)
        ? undefined
        : { path: args.path, external: true };
    });
  },
};

const result = await build({
  entryPoints: entries,
  outbase: join(ROOT, "src"),
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  outdir: OUT,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  loader: { ".wgsl": "text" },
  plugins: [keepModules],
  logLevel: "warning",
  sourcemap: true,
  // NOTE: tree-shaking inside each module would drop nothing of use; keep names for stack traces.
  treeShaking: true,
});
if (result.errors.length > 0 || result.warnings.length > 0) process.exit(1);
console.log(`browser build: ${entries.length} modules in ${relative(ROOT, OUT)}/`);
