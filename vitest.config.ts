import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/util/setup.ts"],
    testTimeout: 30_000,
    pool: "forks",
  },
});
