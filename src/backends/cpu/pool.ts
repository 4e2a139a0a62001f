/**
 * The CPU's 2-D max pooling (NCHW), forward only: the frontend computes the backward as a
 * scatter-add of gradOut at the returned indices. The geometry, output size included, comes from
 * the shapes of the frontend's tensors.
 *
 * @module
 */
import { pool2dGeometry, type Pool2dGeometry } from "../../core/conv-geometry.js";
import type { KernelArgs } from "../../ops/prims.js";
import type { FloatArray } from "./gemm.js";
import { contiguousElements } from "./strided.js";

/** The `maxPool2d` kernel: x contiguous `(N, C, H, W)`; out and indices `(N, C, outH, outW)`. */
export function maxPool2dKernel({ x, out, indices, attrs }: KernelArgs["maxPool2d"]): void {
  const g = pool2dGeometry(x.shape, out.shape, attrs);
  const values = contiguousElements<FloatArray>(out);
  maxPool2dForward(g, contiguousElements(x), values, contiguousElements<Int32Array>(indices));
}

/**
 * Max pooling forward, overwriting `out` `(n, c, outH, outW)` and `indices` (same shape) from `x`
 * `(n, c, h, w)`, all contiguous. `indices` holds the flat `ih * w + iw` position of the maximum
 * within its input plane, as PyTorch's `return_indices=True`.
 *
 * Semantics follow PyTorch's CPU kernel exactly: padding never wins (it is -inf), ties keep the
 * first maximum in row-major window order, and a NaN wins over any number (the last NaN in the
 * window, as PyTorch's `val > max || isnan(val)` scan gives).
 *
 * @example
 * const g = pool2dGeometry([1, 1, 4, 4], [1, 1, 2, 2], attrs); // 2x2 windows, stride 2
 * maxPool2dForward(g, x, out, idx); // out and idx have 4 elements
 */
export function maxPool2dForward(
  g: Pool2dGeometry,
  x: FloatArray,
  out: FloatArray,
  indices: Int32Array,
): void {
  const { h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilH, dilW } = g;
  const planes = g.n * g.c;
  // NOTE: the valid taps of each window row/column are found once per output row/column
  // (firstTap/endTap), so the inner loops carry no bounds checks on padding.
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let oh = 0; oh < outH; oh++) {
      const ihStart = oh * strideH - padH;
      const ih0 = ihStart + firstTap(ihStart, dilH) * dilH;
      const ih1 = ihStart + endTap(ihStart, dilH, kh, h) * dilH;
      for (let ow = 0; ow < outW; ow++, o++) {
        const iwStart = ow * strideW - padW;
        const iw0 = iwStart + firstTap(iwStart, dilW) * dilW;
        const iw1 = iwStart + endTap(iwStart, dilW, kw, w) * dilW;
        let best = -Infinity;
        let arg = ih0 * w + iw0;
        for (let ih = ih0; ih < ih1; ih += dilH) {
          const row = ih * w;
          for (let iw = iw0; iw < iw1; iw += dilW) {
            const v = x[base + row + iw];
            // NOTE: `v !== v` is the NaN test; keep scanning so that the last NaN wins, as in
            // PyTorch (its backward then routes the gradient to the same element).
            if (v > best || v !== v) {
              best = v;
              arg = row + iw;
            }
          }
        }
        out[o] = best;
        indices[o] = arg;
      }
    }
  }
}

/** First tap index t >= 0 with start + t*dil >= 0. */
function firstTap(start: number, dil: number): number {
  return start >= 0 ? 0 : Math.ceil(-start / dil);
}

/** One past the last tap index t < k with start + t*dil < size (at least firstTap). */
function endTap(start: number, dil: number, k: number, size: number): number {
  const last = start >= size ? -1 : Math.floor((size - 1 - start) / dil);
  return Math.max(Math.min(k, last + 1), firstTap(start, dil));
}
