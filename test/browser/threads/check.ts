/**
 * The check both the threads page and its worker run: a 256^3 float32 matmul on one thread, then
 * on two (the first product builds the pool; workers start only once this thread yields, so it
 * waits a little before the products that count); every result must equal one thread's bit for
 * bit, and the workers must have computed some shares.
 */
import { poolInternals } from "../../../src/backends/cpu/wasm-pool.js";
import * as torch from "../../../src/index.js";

export interface ThreadsResult {
  isolated: boolean;
  threads: number;
  splitCalls: number;
  workerShares: number;
  sameBits: boolean;
}

export async function checkThreads(): Promise<ThreadsResult> {
  await torch.init({ device: "cpu" });
  torch.manualSeed(0);
  const a = torch.randn([256, 256]);
  const b = torch.randn([256, 256]);
  torch.setNumThreads(1);
  const one = a.matmul(b);
  const expected = one.dataSync();
  torch.setNumThreads(2);
  let sameBits = true;
  const check = () => {
    const y = a.matmul(b);
    const got = y.dataSync();
    sameBits &&= got.every((v, i) => Object.is(v, expected[i]));
    y.dispose();
  };
  check();
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < 5; i++) check();
  for (const t of [a, b, one]) t.dispose();
  return {
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    threads: torch.getNumThreads(),
    splitCalls: poolInternals.splitCalls,
    workerShares: poolInternals.workerShares,
    sameBits,
  };
}
