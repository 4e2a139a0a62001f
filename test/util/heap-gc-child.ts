// A child process for test/backends/wasm-heap.test.ts (run with --expose-gc): tensors on the wasm
// heap that are never disposed give their blocks back once garbage-collected, so a loop that
// forgets dispose() stays within a bounded heap. Prints the heap's live bytes along the way.
import { heapInternals } from "../../src/backends/cpu/wasm-heap.js";
import * as torch from "../../src/index.js";

const gc = (globalThis as { gc?: () => void }).gc!;
const settle = async () => {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
};
const x = torch.randn([256, 1024]); // 1 MB on the heap, kept
await settle();
const start = heapInternals.liveBytes;
for (let i = 0; i < 50; i++) x.mul(2).relu(); // 2 MB a round, never disposed
const peak = heapInternals.liveBytes;
await settle();
const after = heapInternals.liveBytes;
console.log(JSON.stringify({ start, peak, after, memoryBytes: torch.memory().numBytes }));
