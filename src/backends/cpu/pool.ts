/**
 * 2-D max pooling on raw typed arrays (NCHW), forward only: the caller computes the backward as a
 * scatter-add of gradOut at the returned indices. Knows nothing about tensors.
 *
 * @module
 */
import type { FloatArray } from "./gemm.js";

/**
 * Shapes and window parameters of a 2-D pooling, per dimension (H, W). `outH`/`outW` are given
 * by the caller (so `ceilMode` is the caller's business, see {@link pool2dGeometry}).
 */
export interface Pool2dGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilH: number;
  dilW: number;
  outH: number;
  outW: number;
}

/**
 * Resolves a pooling geometry for input `(N, C, H, W)` with PyTorch's output-size rule:
 * `out = floor_or_ceil((H + 2*pad - dil*(k-1) - 1) / stride) + 1`, and in ceil mode the last
 * window is dropped if it would start in the right/bottom padding.
 *
 * @example
 * const g = pool2dGeometry([64, 32, 28, 28], [2, 2], [2, 2], [0, 0], [1, 1], false);
 * // g.outH === 14
 */
export function pool2dGeometry(
  xShape: readonly number[],
  kernel: [number, number],
  stride: [number, number],
  padding: [number, number],
  dilation: [number, number],
  ceilMode: boolean,
): Pool2dGeometry {
  const [n, c, h, w] = xShape;
  const outH = pooledSize(h, kernel[0], stride[0], padding[0], dilation[0], ceilMode);
  const outW = pooledSize(w, kernel[1], stride[1], padding[1], dilation[1], ceilMode);
  if (xShape.length !== 4 || outH < 1 || outW < 1) {
    throw new Error(`internal: pool2dGeometry: bad arguments for input [${xShape.join(", ")}]`);
  }
  const [kh, kw] = kernel;
  const [strideH, strideW] = stride;
  const [padH, padW] = padding;
  const [dilH, dilW] = dilation;
  return { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilH, dilW, outH, outW };
}

function pooledSize(
  size: number,
  k: number,
  stride: number,
  pad: number,
  dil: number,
  ceilMode: boolean,
): number {
  const span = size + 2 * pad - dil * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
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
 * const g = pool2dGeometry([1, 1, 4, 4], [2, 2], [2, 2], [0, 0], [1, 1], false);
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

/**
 * Test oracle for {@link maxPool2dForward}: the direct loop with a bounds check per tap.
 *
 * @example
 * maxPool2dForwardReference(g, x, expectedOut, expectedIdx);
 */
export function maxPool2dForwardReference(
  g: Pool2dGeometry,
  x: FloatArray,
  out: FloatArray,
  indices: Int32Array,
): void {
  const { h, w, kh, kw, outH, outW } = g;
  for (let p = 0; p < g.n * g.c; p++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let best = -Infinity;
        let arg = -1;
        for (let ki = 0; ki < kh; ki++) {
          const ih = oh * g.strideH - g.padH + ki * g.dilH;
          if (ih < 0 || ih >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const iw = ow * g.strideW - g.padW + kj * g.dilW;
            if (iw < 0 || iw >= w) continue;
            const v = x[(p * h + ih) * w + iw];
            if (arg < 0 || v > best || Number.isNaN(v)) {
              best = v;
              arg = ih * w + iw;
            }
          }
        }
        const o = (p * outH + oh) * outW + ow;
        out[o] = best;
        indices[o] = arg;
      }
    }
  }
}
