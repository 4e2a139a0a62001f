/**
 * Every CPU benchmark (sequence.ts adds webgpu rows), one after another, each in its own process
 * (so one's JIT state or a detached ArrayBuffer from TensorFlow.js cannot slow the next). Each
 * prints its own table with the peers side by side. Benchmarks inform; they do not gate CI.
 *
 * Run: npm run bench   (several minutes; `npm run bench -- elementwise adam` runs a subset)
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BENCHES = {
  elementwise: "elementwise.ts",
  adam: "adam.ts",
  matmul: "matmul-kernel.ts",
  mnist: "mnist-train-step.ts",
  seq: "sequence.ts",
} as const;

const here = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2).filter((a): a is keyof typeof BENCHES => a in BENCHES);
for (const name of wanted.length ? wanted : (Object.keys(BENCHES) as (keyof typeof BENCHES)[])) {
  console.log(`\n=== bench/${BENCHES[name]} ===`);
  const r = spawnSync(process.execPath, ["--import", "tsx", `${here}${BENCHES[name]}`], {
    stdio: "inherit",
  });
  if (r.status !== 0) process.exitCode = 1;
}
