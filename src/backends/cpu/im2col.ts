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
import type { Conv2dPassRunner, Window2d } from "../../core/conv-geometry.js";
import type { FloatArray } from "./gemm.js";
import { gemm } from "./gemm.js";

// NOTE: one grown scratch buffer for im2col columns (and column gradients), shared by all calls:
// allocation of a fresh ~0.5 MB array per image would dominate small convolutions. Float64 keeps
// float32 inputs exact and gives gemm the same operand type for both dtypes. The kernels are not
// re-entrant (JS is single-threaded).
let colScratch: Float64Array = new Float64Array(0);

/**
 * Runs conv2d pass `pass` by im2col (see the module comment), overwriting `out`. Operands
 * (contiguous): x `(n, cIn, h, w)`, w `(cOut, cIn/groups, kh, kw)`, y `(n, cOut, outH, outW)`;
 * `a`, `b` and `out` are as {@link Conv2dPass} says.
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
  if (!pointwise && colScratch.length < ckk * ohw) colScratch = new Float64Array(ckk * ohw);
  const cols = colScratch;
  if (pass === "gradWeight" && g.n === 0) out.fill(0, 0, g.cOut * ckk);
  for (let img = 0; img < g.n; img++) {
    for (let gi = 0; gi < g.groups; gi++) {
      // the group's planes in image img: input side (x or gradX), output side (y or gradY)
      const xOff = (img * g.cIn + gi * cg) * g.h * g.w;
      const yOff = (img * g.cOut + gi * og) * ohw;
      const wOff = gi * og * ckk;
      switch (pass) {
        case "forward":
          // y[g] (og x ohw) = W[g] (og x ckk) @ cols (ckk x ohw)
          if (pointwise) gemm(og, ohw, ckk, b, wOff, ckk, 1, a, xOff, ohw, 1, out, yOff);
          else {
            im2col("gather", g, a, xOff, cg, cols);
            gemm(og, ohw, ckk, b, wOff, ckk, 1, cols, 0, ohw, 1, out, yOff);
          }
          break;
        case "gradInput":
          // colGrad (ckk x og @ og x ohw) = W[g]^T @ gradY[g]; element (r, o) of W[g]^T is
          // w[wOff + o*ckk + r]. The scatter walk of im2col (col2im) adds colGrad into gradX.
          if (pointwise) gemm(ckk, ohw, og, b, wOff, 1, ckk, a, yOff, ohw, 1, out, xOff);
          else {
            gemm(ckk, ohw, og, b, wOff, 1, ckk, a, yOff, ohw, 1, cols, 0);
            im2col("scatter", g, out, xOff, cg, cols);
          }
          break;
        case "gradWeight":
          // gradW[g] (og x ckk) += gradY[g] (og x ohw) @ cols^T; element (p, r) of cols^T is
          // cols[r*ohw + p]. The first image overwrites, the others accumulate.
          if (pointwise) gemm(og, ckk, ohw, b, yOff, ohw, 1, a, xOff, 1, ohw, out, wOff, img > 0);
          else {
            im2col("gather", g, a, xOff, cg, cols);
            gemm(og, ckk, ohw, b, yOff, ohw, 1, cols, 0, 1, ohw, out, wOff, img > 0);
          }
          break;
        default:
          pass satisfies never;
      }
    }
  }
};

/**
 * Walks the (c*kh*kw) x (outH*outW) column matrix `cols` of `c` input planes at `x[xOff ..]`:
 * row (ci, ki, kj), column (oh, ow) is x[ci, oh*sH - pH + ki*dH, ow*sW - pW + kj*dW], or 0 in
 * the padding. `"gather"` (im2col) writes every element of `cols` from `x`; `"scatter"` (col2im,
 * its adjoint) zeroes the `c` planes of `x`, then adds each element of `cols` into its input.
 */
function im2col(
  dir: "gather" | "scatter",
  g: Window2d,
  x: FloatArray,
  xOff: number,
  c: number,
  cols: Float64Array,
): void {
  const { h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilH, dilW } = g;
  const scatter = dir === "scatter";
  if (scatter) x.fill(0, xOff, xOff + c * h * w);
  let p = 0;
  for (let ci = 0; ci < c; ci++) {
    const plane = xOff + ci * h * w;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const iw0 = kj * dilW - padW;
        const [lo, hi] = validRange(iw0, strideW, w, outW);
        for (let oh = 0; oh < outH; oh++, p += outW) {
          const ih = oh * strideH - padH + ki * dilH;
          const row = plane + ih * w + iw0;
          if (ih < 0 || ih >= h) {
            if (!scatter) cols.fill(0, p, p + outW);
          } else if (scatter) {
            for (let ow = lo; ow < hi; ow++) x[row + ow * strideW] += cols[p + ow];
          } else {
            let ow = 0;
            for (; ow < lo; ow++) cols[p + ow] = 0;
            for (; ow < hi; ow++) cols[p + ow] = x[row + ow * strideW];
            for (; ow < outW; ow++) cols[p + ow] = 0;
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
