/**
 * The Vite dev server of the browser tests, on 127.0.0.1 and a free port: webtorch from source
 * (scripts/vite-webtorch.ts), pages cross-origin isolated unless `?isolated=0`, and for the
 * golden page the shims that let a vitest file run in a
 * page ("vitest", test/util/backends.ts and node:fs, see test/browser/golden/).
 */
import { join } from "node:path";

import { createServer, type Plugin, type ViteDevServer } from "vite";

import { crossOriginIsolation, ROOT, webtorchFromSource } from "../../scripts/vite-webtorch.js";

const SHIMS = join(ROOT, "test", "browser", "golden");

const testShims: Plugin = {
  name: "webtorch-test-shims",
  enforce: "pre",
  resolveId(source, importer) {
    if (source === "vitest") return join(SHIMS, "vitest-shim.ts");
    if (!importer?.startsWith(join(ROOT, "test"))) return null;
    if (source === "node:fs" && importer.endsWith(join("golden", "fixtures.ts")))
      return join(SHIMS, "fs-shim.ts");
    if (source.endsWith("/util/backends.js")) return join(SHIMS, "backends-shim.ts");
    return null;
  },
};

/** Starts the server; `url(path)` is a page's address. Close it with `server.close()`. */
export async function startServer(): Promise<{
  server: ViteDevServer;
  url: (p: string) => string;
}> {
  const server = await createServer({
    root: ROOT,
    configFile: false,
    logLevel: "warn",
    plugins: [webtorchFromSource(), crossOriginIsolation(), testShims],
    optimizeDeps: {
      entries: ["test/browser/**/*.html"],
      include: ["@vitest/expect", "chai"],
    },
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const base = server.resolvedUrls!.local[0]!;
  return { server, url: (p) => new URL(p, base).href };
}
