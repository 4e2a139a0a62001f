/**
 * The host of the WebAssembly 2x2 max pooling (kernels/wasm/max-pool.ts): where the input, the
 * values and the indices all live on the wasm heap, it runs there, split by planes over the
 * worker pool's threads; elsewhere it returns false and the TypeScript loop runs (pool.ts), with
 * the same results.
 *
 * @module
 */
import type { FloatArray } from "./gemm.js";
import { getNumThreads } from "./num-threads.js";
import { heapAddress } from "./wasm-heap.js";
import { heapInstance, runHeapKernel } from "./wasm.js";

/** Input elements from which a call is split over threads; a count of wasm calls (tests). */
export const maxPoolWasmInternals = { minSplit: 2 ** 16, calls: 0 };

/**
 * 2x2 max pooling at stride 2 of `planes` planes of `h` x `w` (`out`, `indices`: h/2 x w/2 each)
 * on wasm; false (nothing done) where an array is not on the heap.
 */
export function maxPool2x2Wasm(
  planes: number,
  h: number,
  w: number,
  x: FloatArray,
  out: FloatArray,
  indices: Int32Array,
): boolean {
  const [xAt, oAt, iAt] = [heapAddress(x), heapAddress(out), heapAddress(indices)];
  const inst = xAt < 0 || oAt < 0 || iAt < 0 ? null : heapInstance();
  if (!inst) return false;
  maxPoolWasmInternals.calls++;
  const threads = planes * h * w >= maxPoolWasmInternals.minSplit ? getNumThreads() : 1;
  runHeapKernel(inst, threads, {
    fn: "maxPool2x2",
    args: [xAt, oAt, iAt, h, w, 0],
    total: planes,
    unit: 1,
    minShare: 1,
    op: "maxPool2d",
    kernel: "max pooling",
    sizes: () => `${planes} planes of ${h} x ${w}`,
  });
  return true;
}
