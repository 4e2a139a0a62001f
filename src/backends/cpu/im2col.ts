/**
 * conv2d as im2col + {@link gemm}, per (image, group), for every shape the Winograd path does not
 * take (see `conv.ts`):
 * - forward:      y[g]     = W[g] (cOut/g x cIn/g*kh*kw) @ cols (cIn/g*kh*kw x outH*outW)
 * - grad weight:  gW[g]   += gradY[g] @ cols^T, accumulated over the batch
 * - grad input:   colGrad  = W[g]^T @ gradY[g], then col2im scatter-adds it into gradX
 * A 1x1 kernel with stride 1 and no padding skips im2col: the input plane already is `cols`.
 * Arrays are contiguous NCHW / OIHW, indexed from 0.
 *
 * @module
 */
import type { Conv2dGeometry, Conv2dPassRunner } from "../../core/conv-geometry.js";
import type { FloatArray } from "./gemm.js";
import { gemm } from "./gemm.js";
import { heapStorage, im2colWasm, regroupWasm, releaseHeapArray } from "./fast.js";

/**
 * Column elements per GEMM: images are taken together, as many as fit, so that each pass is one
 * big product per group instead of one small product per image (64 small products cost ~3x the
 * big one at the MNIST CNN's second layer: per-call packing, copies, and too little work to
 * split across threads). 4M elements is 16 MB of float32 columns. (An object, for tests.)
 */
export const im2colInternals = { maxChunkElements: 4 * 2 ** 20 };

// NOTE: grown scratch buffers shared by all calls (allocating ~MBs per call would dominate small
// convolutions), one set per element type: float32 columns feed the WebAssembly GEMM (on the wasm
// heap where there is one, else by a plain copy), float64 ones keep float64 work exact. The
// kernels are not re-entrant (JS is single-threaded).
const scratch = {
  f32: { cols: new Float32Array(0) as Float32Array, rows: new Float32Array(0) as Float32Array },
  f64: { cols: new Float64Array(0), rows: new Float64Array(0) },
};

/**
 * A float32 scratch array of `n` elements in place of `old`: on the wasm heap where there is one
 * (the wasm GEMM and im2col then read and write it where it is), else a plain array.
 */
function float32Scratch(old: Float32Array, n: number): Float32Array {
  releaseHeapArray(old);
  return heapStorage("float32", n) ?? new Float32Array(n);
}

/** Scratch of the element type of `like`, at least `cols` and `rows` elements long. */
function scratchFor(like: FloatArray, cols: number, rows: number) {
  if (like instanceof Float32Array) {
    const s = scratch.f32;
    if (s.cols.length < cols) s.cols = float32Scratch(s.cols, cols);
    if (s.rows.length < rows) s.rows = float32Scratch(s.rows, rows);
    return s as { cols: FloatArray; rows: FloatArray };
  }
  const s = scratch.f64;
  if (s.cols.length < cols) s.cols = new Float64Array(cols);
  if (s.rows.length < rows) s.rows = new Float64Array(rows);
  return s as { cols: FloatArray; rows: FloatArray };
}

/**
 * Runs conv2d pass `pass` by im2col (see the module comment), overwriting `out`. Operands
 * (contiguous): x `(n, cIn, h, w)`, w `(cOut, cIn/groups, kh, kw)`, y `(n, cOut, outH, outW)`;
 * `a`, `b` and `out` are as {@link Conv2dPass} says.
 *
 * Images go in chunks of `nb`: the columns of a chunk form one `ckk x (nb * ohw)` matrix (image
 * i's columns at `i * ohw`), and the y side is rearranged to match, `(og, nb * ohw)`, in a second
 * scratch. A chunk of one image (or a 1x1 kernel) uses the tensors in place.
 *
 * @example
 * im2colConv2d("forward", g, x, w, y);
 * im2colConv2d("gradInput", g, gradY, w, gradX);
 */
export const im2colConv2d: Conv2dPassRunner<FloatArray> = (pass, g, a, b, out) => {
  const cg = g.cIn / g.groups;
  const og = g.cOut / g.groups;
  const ckk = cg * g.kh * g.kw;
  const ohw = g.outH * g.outW;
  // A 1x1 kernel with stride 1 and no padding: im2col would copy the input plane unchanged.
  const pointwise =
    g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0;
  const chunk = pointwise
    ? 1
    : Math.max(1, Math.min(g.n, Math.floor(im2colInternals.maxChunkElements / (ckk * ohw))));
  const s = scratchFor(a, pointwise ? 0 : ckk * chunk * ohw, chunk > 1 ? og * chunk * ohw : 0);
  if (pass === "gradWeight" && g.n === 0) out.fill(0, 0, g.cOut * ckk);
  for (let img0 = 0; img0 < g.n; img0 += chunk) {
    const nb = Math.min(chunk, g.n - img0);
    const L = nb * ohw; // columns of this chunk
    for (let gi = 0; gi < g.groups; gi++) {
      // the group's planes in image img0: input side (x or gradX), output side (y or gradY)
      const xOff = (img0 * g.cIn + gi * cg) * g.h * g.w;
      const yOff = (img0 * g.cOut + gi * og) * ohw;
      const wOff = gi * og * ckk;
      // The y side as an (og x L) matrix: in place for one image, else rearranged in s.rows.
      const single = nb === 1;
      switch (pass) {
        case "forward": {
          // y[g] (og x L) = W[g] (og x ckk) @ cols (ckk x L)
          const [cols, cOff] = pointwise ? [a, xOff] : [s.cols, 0];
          if (!pointwise) im2col("gather", g, a, xOff, cg, nb, cols);
          if (single) gemm(og, L, ckk, b, wOff, ckk, 1, cols, cOff, L, 1, out, yOff);
          else {
            gemm(og, L, ckk, b, wOff, ckk, 1, cols, cOff, L, 1, s.rows, 0);
            regroup("fromRows", g, out, yOff, og, nb, s.rows);
          }
          break;
        }
        case "gradInput": {
          // colGrad (ckk x L) = W[g]^T (ckk x og) @ gradY[g] (og x L); element (r, o) of W[g]^T is
          // w[wOff + o*ckk + r]. The scatter walk of im2col (col2im) adds colGrad into gradX.
          const [gy, gyOff] = single ? [a, yOff] : [s.rows, 0];
          if (!single) regroup("toRows", g, a, yOff, og, nb, s.rows);
          if (pointwise) gemm(ckk, L, og, b, wOff, 1, ckk, gy, gyOff, L, 1, out, xOff);
          else {
            gemm(ckk, L, og, b, wOff, 1, ckk, gy, gyOff, L, 1, s.cols, 0);
            im2col("scatter", g, out, xOff, cg, nb, s.cols);
          }
          break;
        }
        case "gradWeight": {
          // gradW[g] (og x ckk) += gradY[g] (og x L) @ cols^T; element (p, r) of cols^T is
          // cols[r*L + p]. The first chunk overwrites, the others accumulate.
          const [gy, gyOff] = single ? [b, yOff] : [s.rows, 0];
          if (!single) regroup("toRows", g, b, yOff, og, nb, s.rows);
          const [cols, cOff] = pointwise ? [a, xOff] : [s.cols, 0];
          if (!pointwise) im2col("gather", g, a, xOff, cg, nb, cols);
          gemm(og, ckk, L, gy, gyOff, L, 1, cols, cOff, 1, L, out, wOff, img0 > 0);
          break;
        }
        default:
          pass satisfies never;
      }
    }
  }
};

/**
 * Moves `c` channels of `nb` images between the y side's layout `(nb, cOut, ohw)` at
 * `y[yOff ..]` (image stride `cOut * ohw`) and the matrix `rows` `(c, nb * ohw)` that the
 * chunk's GEMM reads or writes.
 */
function regroup(
  dir: "toRows" | "fromRows",
  g: Conv2dGeometry,
  y: FloatArray,
  yOff: number,
  c: number,
  nb: number,
  rows: FloatArray,
): void {
  if (regroupWasm(dir, g, y, yOff, c, nb, rows)) return; // both on the wasm heap
  const ohw = g.outH * g.outW;
  const imageStride = g.cOut * ohw;
  const L = nb * ohw;
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < nb; i++) {
      const at = yOff + i * imageStride + ch * ohw;
      const r = ch * L + i * ohw;
      if (dir === "toRows") rows.set(y.subarray(at, at + ohw), r);
      else y.set(rows.subarray(r, r + ohw), at);
    }
  }
}

/**
 * Walks the (c*kh*kw) x (nb*outH*outW) column matrix `cols` of `c` input planes of `nb` images,
 * the first at `x[xOff ..]` (images `cIn * h * w` apart): row (ci, ki, kj), column
 * (i, oh, ow) is x[i, ci, oh*sH - pH + ki*dH, ow*sW - pW + kj*dW], or 0 in the padding.
 * `"gather"` (im2col) writes every element of `cols` from `x`; `"scatter"` (col2im, its adjoint)
 * zeroes the `c` planes of each image in `x`, then adds each element of `cols` into its input.
 */
function im2col(
  dir: "gather" | "scatter",
  g: Conv2dGeometry,
  x: FloatArray,
  xOff: number,
  c: number,
  nb: number,
  cols: FloatArray,
): void {
  if (im2colWasm(dir, g, x, xOff, c, nb, cols)) return; // both on the wasm heap
  const { h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilH, dilW } = g;
  const scatter = dir === "scatter";
  const imageStride = g.cIn * h * w;
  const ohw = outH * outW;
  const L = nb * ohw;
  if (scatter)
    for (let i = 0; i < nb; i++) {
      const at = xOff + i * imageStride;
      x.fill(0, at, at + c * h * w);
    }
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const iw0 = kj * dilW - padW;
        const [lo, hi] = validRange(iw0, strideW, w, outW);
        const rowStart = ((ci * kh + ki) * kw + kj) * L;
        for (let i = 0; i < nb; i++) {
          const plane = xOff + i * imageStride + ci * h * w;
          let p = rowStart + i * ohw;
          for (let oh = 0; oh < outH; oh++, p += outW) {
            const ih = oh * strideH - padH + ki * dilH;
            const row = plane + ih * w + iw0;
            if (ih < 0 || ih >= h) {
              if (!scatter) cols.fill(0, p, p + outW);
            } else if (scatter) {
              for (let ow = lo; ow < hi; ow++) x[row + ow * strideW] += cols[p + ow]!;
            } else {
              let ow = 0;
              for (; ow < lo; ow++) cols[p + ow] = 0;
              for (; ow < hi; ow++) cols[p + ow] = x[row + ow * strideW]!;
              for (; ow < outW; ow++) cols[p + ow] = 0;
            }
          }
        }
      }
    }
  }
}

/**
 * The output columns `[lo, hi)` whose input column `iw0 + ow*stride` lies in `[0, w)`;
 * hoisting this out of the inner loop removes a branch per element.
 */
function validRange(iw0: number, stride: number, w: number, outW: number): [number, number] {
  const lo = iw0 >= 0 ? 0 : Math.ceil(-iw0 / stride);
  const hi = iw0 >= w ? 0 : Math.floor((w - 1 - iw0) / stride) + 1;
  return [Math.min(lo, outW), Math.max(Math.min(hi, outW), Math.min(lo, outW))];
}
