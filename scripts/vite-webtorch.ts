/**
 * A Vite plugin that serves webtorch from its TypeScript sources in a browser (the MNIST demo page,
 * the browser tests): WGSL files load as text (as tsup's `loader: { ".wgsl": "text" }` does for
 * the build), and the platform module's `./node.js` becomes `./browser.ts`, as the browser build
 * does (scripts/build-browser.ts), so that no `node:` import reaches the page. Apps that install
 * webtorch from npm need none of this: its package.json sends browsers to `dist/browser/`.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import type { Plugin } from "vite";

/** The repository's root folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const PLATFORM_DIR = join(ROOT, "src", "core", "platform");

/** WGSL as text, and the browser platform module in place of the Node one. */
export function webtorchFromSource(): Plugin {
  return {
    name: "webtorch-from-source",
    enforce: "pre",
    resolveId(source, importer) {
      if (source === "./node.js" && importer?.startsWith(join(PLATFORM_DIR, "current.ts")))
        return join(PLATFORM_DIR, "browser.ts");
      return null;
    },
    load(id) {
      const file = id.split("?")[0]!;
      return file.endsWith(".wgsl")
        ? `export default ${JSON.stringify(readFileSync(file, "utf8"))};`
        : null;
    },
  };
}

/**
 * The headers that make a page cross-origin isolated (COOP `same-origin` + COEP `require-corp`):
 * with them the page has `SharedArrayBuffer`, and the CPU backend's GEMM its worker threads
 * (`torch.setNumThreads`). A request whose query has `isolated=0` gets none (the tests use it to
 * check the one-thread fallback). A production site sets the same two headers on its server.
 */
export function crossOriginIsolation(): Plugin {
  const headers = (url: string | undefined, set: (k: string, v: string) => void) => {
    if (url?.includes("isolated=0")) return;
    set("Cross-Origin-Opener-Policy", "same-origin");
    set("Cross-Origin-Embedder-Policy", "require-corp");
  };
  return {
    name: "webtorch-cross-origin-isolation",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        headers(req.url, (k, v) => res.setHeader(k, v));
        next();
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        headers(req.url, (k, v) => res.setHeader(k, v));
        next();
      });
    },
  };
}
