// A child process for test/backends/wasm-threads.test.ts: one matmul big enough to use the worker
// pool, then nothing; the process must exit by itself (the workers are unref'd).
import { poolInternals } from "../../src/backends/cpu/wasm-pool.js";
import * as torch from "../../src/index.js";

torch.backends.wasm.enabled = true;
torch.setNumThreads(2);
const a = torch.randn([256, 256]);
const y = a.matmul(a);
y.dataSync();
console.log(
  JSON.stringify({ splitCalls: poolInternals.splitCalls, pools: poolInternals.poolsBuilt }),
);
