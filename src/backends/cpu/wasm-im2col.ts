/**
 * The host of the WebAssembly im2col / col2im (kernels/wasm/im2col.ts): where the input planes
 * and the column matrix both live on the wasm heap, the walk runs there, by address, split by
 * rows over the worker pool's threads (col2im by whole channels: rows of one channel add into
 * the same input elements). Elsewhere it returns false and the TypeScript walk runs (im2col.ts);
 * both give the same bits.
 *
 * @module
 */
import { IM2COL_HEADER, IM2COL_ROWS } from "../../../kernels/wasm/im2col.js";
import type { Conv2dGeometry } from "../../core/conv-geometry.js";
import type { FloatArray } from "./gemm.js";
import { getNumThreads } from "./num-threads.js";
import { heapAddress, ScratchBlock } from "./wasm-heap.js";
import { heapInstance, runHeapKernel } from "./wasm.js";

/** Column elements from which a walk is split over threads; a count of wasm walks (tests). */
export const im2colWasmInternals = { minSplit: 2 ** 16, calls: 0 };

/** The heap block of the geometry and per-row entries. */
const params = new ScratchBlock(4096);

/**
 * im2col's walk (`"gather"`) or col2im's (`"scatter"`) over `c` input planes of `nb` images from
 * `x[xOff ..]`, as the TypeScript `im2col` of im2col.ts takes them, on wasm; false (nothing done)
 * where `x` or `cols` is not on the heap.
 */
export function im2colWasm(
  dir: "gather" | "scatter",
  g: Conv2dGeometry,
  x: FloatArray,
  xOff: number,
  c: number,
  nb: number,
  cols: FloatArray,
): boolean {
  const xAt = heapAddress(x);
  const cAt = heapAddress(cols);
  if (xAt < 0 || cAt < 0 || !heapInstance()) return false;
  const kk = g.kh * g.kw;
  const rows = c * kk;
  const p = params.reserve(IM2COL_ROWS + 16 * rows);
  // NOTE: after the block's allocation, which may have grown the memory
  const inst = p === 0 ? null : heapInstance();
  if (!inst) return false;
  const i32 = new Int32Array(inst.f32.buffer, p, IM2COL_ROWS / 4 + 4 * rows);
  const H = IM2COL_HEADER;
  i32[H.nb] = nb;
  i32[H.outH] = g.outH;
  i32[H.outW] = g.outW;
  i32[H.h] = g.h;
  i32[H.w] = g.w;
  i32[H.imageStride] = g.cIn * g.h * g.w;
  i32[H.strideH] = g.strideH;
  i32[H.strideW] = g.strideW;
  i32[H.kk] = kk;
  for (let ci = 0, r = IM2COL_ROWS / 4; ci < c; ci++)
    for (let ki = 0; ki < g.kh; ki++)
      for (let kj = 0; kj < g.kw; kj++, r += 4) {
        const iw0 = kj * g.dilW - g.padW;
        const lo = Math.min(g.outW, iw0 >= 0 ? 0 : Math.ceil(-iw0 / g.strideW));
        const hi = iw0 >= g.w ? 0 : Math.floor((g.w - 1 - iw0) / g.strideW) + 1;
        i32[r] = ci * g.h * g.w + iw0;
        i32[r + 1] = ki * g.dilH - g.padH;
        i32[r + 2] = lo;
        i32[r + 3] = Math.max(Math.min(hi, g.outW), lo);
      }
  const work = rows * nb * g.outH * g.outW;
  im2colWasmInternals.calls++;
  runHeapKernel(inst, work >= im2colWasmInternals.minSplit ? getNumThreads() : 1, {
    fn: dir === "gather" ? "im2colGather" : "im2colScatter",
    args: [p, xAt + 4 * xOff, cAt, 0, 0, 0],
    total: rows,
    unit: dir === "gather" ? 1 : kk,
    minShare: 1,
    op: "conv2d",
    kernel: dir === "gather" ? "im2col" : "col2im",
    sizes: () => `${rows} rows of ${nb * g.outH * g.outW} columns`,
  });
  return true;
}

/**
 * im2col.ts's `regroup` (channels `[0, c)` of `nb` images between y's layout at `y[yOff ..]` and
 * the chunk's matrix `rows`) on wasm; false (nothing done) where either is not on the heap.
 */
export function regroupWasm(
  dir: "toRows" | "fromRows",
  g: Conv2dGeometry,
  y: FloatArray,
  yOff: number,
  c: number,
  nb: number,
  rows: FloatArray,
): boolean {
  const [yAt, rAt] = [heapAddress(y), heapAddress(rows)];
  const inst = yAt < 0 || rAt < 0 ? null : heapInstance();
  if (!inst) return false;
  const ohw = g.outH * g.outW;
  const work = c * nb * ohw;
  im2colWasmInternals.calls++;
  runHeapKernel(inst, work >= im2colWasmInternals.minSplit ? getNumThreads() : 1, {
    fn: dir === "toRows" ? "regroupToRows" : "regroupFromRows",
    args: [yAt + 4 * yOff, rAt, nb, ohw, g.cOut * ohw, 0],
    total: c,
    unit: 1,
    minShare: 1,
    op: "conv2d",
    kernel: "regroup",
    sizes: () => `${c} channels of ${nb} x ${ohw}`,
  });
  return true;
}
