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
import { maxPool2x2Wasm } from "./fast.js";

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
  if (kh === 2 && kw === 2 && strideH === 2 && strideW === 2 && padH + padW === 0)
    // NOTE: ceil mode can make the last window run off the edge: the general loop clips it
    if (dilH === 1 && dilW === 1 && 2 * outH <= h && 2 * outW <= w) {
      // on wasm where all three are on its heap (then outH = h/2, outW = w/2, rounded down)
      if (outH === h >> 1 && outW === w >> 1 && maxPool2x2Wasm(planes, h, w, x, out, indices))
        return;
      return maxPool2x2(planes, h, w, outH, outW, x, out, indices);
    }
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

/**
 * {@link maxPool2dForward} for 2x2 windows at stride 2 without padding or dilation (nearly every
 * CNN's pooling), with the window unrolled: the same scan order and NaN rule, 3x faster.
 */
function maxPool2x2(
  planes: number,
  h: number,
  w: number,
  outH: number,
  outW: number,
  x: FloatArray,
  out: FloatArray,
  indices: Int32Array,
): void {
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let oh = 0; oh < outH; oh++) {
      const row = 2 * oh * w;
      for (let ow = 0; ow < outW; ow++, o++) {
        const i = row + 2 * ow;
        let best = x[base + i]!;
        let arg = i;
        const b = x[base + i + 1]!;
        const c = x[base + i + w]!;
        const d = x[base + i + w + 1]!;
        // NOTE: `v !== v` is the NaN test (a later NaN wins, as in the general loop)
        if (b > best || b !== b) {
          best = b;
          arg = i + 1;
        }
        if (c > best || c !== c) {
          best = c;
          arg = i + w;
        }
        if (d > best || d !== d) {
          best = d;
          arg = i + w + 1;
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
