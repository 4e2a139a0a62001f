/**
 * The bundles part of `npm run test:browser`: scripts/check-bundles.ts with `--browser` (every
 * check of `npm run test:bundles`, sizes included, and then each bundler's output run as a page
 * in Chromium). Needs `npm run build` first.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

import { ROOT } from "../../scripts/vite-webtorch.js";

export function runBundles(): Promise<boolean> {
  if (!existsSync(join(ROOT, "dist", "browser", "index.js"))) {
    console.error("bundles: no dist/browser: run npm run build first");
    return Promise.resolve(false);
  }
  const tsx = join(ROOT, "node_modules", ".bin", "tsx");
  const r = spawnSync(tsx, [join(ROOT, "scripts", "check-bundles.ts"), "--browser"], {
    stdio: "inherit",
  });
  return Promise.resolve(r.status === 0);
}
