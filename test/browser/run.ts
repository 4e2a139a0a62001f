/**
 * `npm run test:browser`: webtorch in headless Chromium (test/browser/chromium.ts). Parts, all by
 * default, or those named on the command line:
 *   golden   the op-table golden suite (test/golden/golden.test.ts) on each of BROWSER_DEVICES
 *   errors   messages that speak of the browser (no WebGPU adapter, torch.save(path))
 *   demo     the MNIST demo page (examples/mnist-web): trains, draws, predicts, screenshot
 *   bundles  scripts/check-bundles.ts --browser: each bundler's output runs in Chromium
 *   threads  the CPU GEMM's Web Workers: same bits on 2 threads, one thread without isolation
 * Exits non-zero when any part fails.
 */
import { runBundles } from "./bundles.js";
import { runDemo } from "./demo.js";
import { runErrors } from "./errors.js";
import { runGolden } from "./golden.js";
import { runThreads } from "./threads.js";

const PARTS = {
  golden: runGolden,
  errors: runErrors,
  demo: runDemo,
  bundles: runBundles,
  threads: runThreads,
} as const satisfies Record<string, () => Promise<boolean>>;

type Part = keyof typeof PARTS;
const asked = process.argv.slice(2);
for (const a of asked)
  if (!(a in PARTS)) {
    console.error(
      `test:browser: unknown part ${a}; the parts are ${Object.keys(PARTS).join(", ")}`,
    );
    process.exit(2);
  }
const parts = (asked.length ? asked : Object.keys(PARTS)) as Part[];
const failed: string[] = [];
for (const p of parts) {
  console.log(`\n== test:browser ${p}`);
  const start = Date.now();
  if (!(await PARTS[p]())) failed.push(p);
  console.log(`(${p}: ${((Date.now() - start) / 1000).toFixed(0)} s)`);
}
if (failed.length) {
  console.error(`\ntest:browser: FAILED: ${failed.join(", ")}`);
  process.exit(1);
}
console.log(`\ntest:browser: passed (${parts.join(", ")})`);
