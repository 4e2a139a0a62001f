import { readFileSync } from "node:fs";

import { defineConfig, type Plugin } from "vitest/config";

/** Loads `.wgsl` files as text, as tsup's `loader: { ".wgsl": "text" }` does for the build. */
const wgslText: Plugin = {
  name: "wgsl-text",
  load: (id) =>
    id.endsWith(".wgsl") ? `export default ${JSON.stringify(readFileSync(id, "utf8"))};` : null,
};

export default defineConfig({
  plugins: [wgslText],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/util/setup.ts"],
    testTimeout: 30_000,
    pool: "forks",
  },
});
