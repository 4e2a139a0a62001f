/**
 * 2-D convolution kernels on raw typed arrays (NCHW input, OIHW weight, as PyTorch), forward
 * and both gradients. Knows nothing about tensors.
 *
 * The fast kernels lower each (image, group) to one {@link gemm} through im2col:
 * - forward:      out[g]   = W[g] (cOut/g x cIn/g*kh*kw) @ cols (cIn/g*kh*kw x outH*outW)
 * - grad weight:  gW[g]   += gradOut[g] @ cols^T, accumulated over the batch
 * - grad input:   colGrad  = W[g]^T @ gradOut[g], then col2im scatter-adds it into gradIn
 * A 1x1 kernel with stride 1 and no padding skips im2col: the input plane already is `cols`.
 * The `...Reference` functions are direct loops and serve as the test oracle.
 *
 * @module
 */
import type { FloatArray } from "./gemm.js";
import { gemm } from "./gemm.js";

/**
 * Everything a conv2d kernel needs to know about its shapes, resolved once by
 * {@link conv2dGeometry}. Stride, padding and dilation are per dimension (H, W).
 */
export interface Conv2dGeometry {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilH: number;
  dilW: number;
  groups: number;
  outH: number;
  outW: number;
}

/**
 * Resolves the geometry of a conv2d from the input shape `(N, C_in, H, W)` and the weight shape
 * `(C_out, C_in / groups, kH, kW)`. `outH = floor((H + 2*padH - dilH*(kH-1) - 1) / strideH) + 1`,
 * as in PyTorch. Arguments are assumed validated by the op; violations throw `internal:` errors.
 *
 * @example
 * const g = conv2dGeometry([64, 1, 28, 28], [32, 1, 3, 3], [1, 1], [1, 1], [1, 1], 1);
 * // g.outH === 28, g.outW === 28
 */
export function conv2dGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  stride: [number, number],
  padding: [number, number],
  dilation: [number, number],
  groups: number,
): Conv2dGeometry {
  const [n, cIn, h, w] = xShape;
  const [cOut, cPerGroup, kh, kw] = wShape;
  const [strideH, strideW] = stride;
  const [padH, padW] = padding;
  const [dilH, dilW] = dilation;
  const outH = Math.floor((h + 2 * padH - dilH * (kh - 1) - 1) / strideH) + 1;
  const outW = Math.floor((w + 2 * padW - dilW * (kw - 1) - 1) / strideW) + 1;
  if (
    xShape.length !== 4 ||
    wShape.length !== 4 ||
    groups < 1 ||
    cIn !== cPerGroup * groups ||
    cOut % groups !== 0 ||
    strideH < 1 ||
    strideW < 1 ||
    dilH < 1 ||
    dilW < 1 ||
    padH < 0 ||
    padW < 0 ||
    outH < 1 ||
    outW < 1
  ) {
    throw new Error(
      `internal: conv2dGeometry: bad arguments x [${xShape.join(", ")}], w [${wShape.join(", ")}], ` +
        `stride [${stride.join(", ")}], padding [${padding.join(", ")}], ` +
        `dilation [${dilation.join(", ")}], groups ${groups}`,
    );
  }
  return { n, cIn, h, w, cOut, kh, kw, strideH, strideW, padH, padW, dilH, dilW, groups, outH, outW };
}

// NOTE: one grown scratch buffer for im2col columns (and column gradients), shared by all calls:
// allocation of a fresh ~0.5 MB array per image would dominate small convolutions. Float64 keeps
// float32 inputs exact and gives gemm the same operand type for both dtypes.
let colScratch = new Float64Array(0);

function colBuffer(size: number): Float64Array {
  if (colScratch.length < size) colScratch = new Float64Array(size);
  return colScratch;
}

/** True when im2col would copy the input plane unchanged (1x1 kernel, stride 1, no padding). */
function isPointwise(g: Conv2dGeometry): boolean {
  return (
    g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0
  );
}

/**
 * Forward conv2d: `out = conv2d(x, w)` with no bias, overwriting `out`.
 * Shapes (contiguous): x `(n, cIn, h, w)`, w `(cOut, cIn/groups, kh, kw)`,
 * out `(n, cOut, outH, outW)`.
 *
 * @example
 * const g = conv2dGeometry([1, 1, 4, 4], [1, 1, 3, 3], [1, 1], [0, 0], [1, 1], 1);
 * conv2dForward(g, x, w, out); // out has 1 * 1 * 2 * 2 elements
 */
export function conv2dForward(
  g: Conv2dGeometry,
  x: FloatArray,
  w: FloatArray,
  out: FloatArray,
): void {
  const { n, cIn, cOut, groups, kh, kw, h, w: width } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  const ckk = cg * kh * kw;
  const ohw = g.outH * g.outW;
  const pointwise = isPointwise(g);
  const cols = pointwise ? colScratch : colBuffer(ckk * ohw);
  for (let b = 0; b < n; b++) {
    for (let gi = 0; gi < groups; gi++) {
      const xOff = (b * cIn + gi * cg) * h * width;
      const outOff = (b * cOut + gi * og) * ohw;
      const wOff = gi * og * ckk;
      if (pointwise) {
        gemm(og, ohw, ckk, w, wOff, ckk, 1, x, xOff, ohw, 1, out, outOff);
      } else {
        im2col(g, x, xOff, cg, cols);
        gemm(og, ohw, ckk, w, wOff, ckk, 1, cols, 0, ohw, 1, out, outOff);
      }
    }
  }
}

/**
 * Gradient of conv2d with respect to its input, overwriting `gradIn` `(n, cIn, h, w)`, from
 * `gradOut` `(n, cOut, outH, outW)` and the weight `(cOut, cIn/groups, kh, kw)`.
 *
 * @example
 * conv2dGradInput(g, gradOut, w, gradIn);
 */
export function conv2dGradInput(
  g: Conv2dGeometry,
  gradOut: FloatArray,
  w: FloatArray,
  gradIn: FloatArray,
): void {
  const { n, cIn, cOut, groups, kh, kw, h, w: width } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  const ckk = cg * kh * kw;
  const ohw = g.outH * g.outW;
  const pointwise = isPointwise(g);
  const cols = pointwise ? colScratch : colBuffer(ckk * ohw);
  for (let b = 0; b < n; b++) {
    for (let gi = 0; gi < groups; gi++) {
      const inOff = (b * cIn + gi * cg) * h * width;
      const goOff = (b * cOut + gi * og) * ohw;
      const wOff = gi * og * ckk;
      // W[g]^T: element (r, o) of the (ckk x og) matrix is w[wOff + o*ckk + r].
      if (pointwise) {
        gemm(ckk, ohw, og, w, wOff, 1, ckk, gradOut, goOff, ohw, 1, gradIn, inOff);
      } else {
        gemm(ckk, ohw, og, w, wOff, 1, ckk, gradOut, goOff, ohw, 1, cols, 0);
        col2im(g, cols, cg, gradIn, inOff);
      }
    }
  }
}

/**
 * Gradient of conv2d with respect to its weight, overwriting `gradW` `(cOut, cIn/groups, kh, kw)`,
 * from the input `(n, cIn, h, w)` and `gradOut` `(n, cOut, outH, outW)`.
 *
 * @example
 * conv2dGradWeight(g, x, gradOut, gradW);
 */
export function conv2dGradWeight(
  g: Conv2dGeometry,
  x: FloatArray,
  gradOut: FloatArray,
  gradW: FloatArray,
): void {
  const { n, cIn, cOut, groups, kh, kw, h, w: width } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  const ckk = cg * kh * kw;
  const ohw = g.outH * g.outW;
  const pointwise = isPointwise(g);
  const cols = pointwise ? colScratch : colBuffer(ckk * ohw);
  if (n === 0) gradW.fill(0, 0, cOut * ckk);
  for (let b = 0; b < n; b++) {
    for (let gi = 0; gi < groups; gi++) {
      const xOff = (b * cIn + gi * cg) * h * width;
      const goOff = (b * cOut + gi * og) * ohw;
      const wOff = gi * og * ckk;
      // cols^T: element (p, r) of the (ohw x ckk) matrix is cols[r*ohw + p].
      if (pointwise) {
        gemm(og, ckk, ohw, gradOut, goOff, ohw, 1, x, xOff, 1, ohw, gradW, wOff, b > 0);
      } else {
        im2col(g, x, xOff, cg, cols);
        gemm(og, ckk, ohw, gradOut, goOff, ohw, 1, cols, 0, 1, ohw, gradW, wOff, b > 0);
      }
    }
  }
}

/**
 * Writes the (c*kh*kw) x (outH*outW) column matrix of `c` input planes starting at `xOff`:
 * row (ci, ki, kj), column (oh, ow) holds x[ci, oh*sH - pH + ki*dH, ow*sW - pW + kj*dW], or 0 in
 * the padding.
 */
function im2col(g: Conv2dGeometry, x: FloatArray, xOff: number, c: number, cols: Float64Array) {
  const { h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilH, dilW } = g;
  let p = 0;
  for (let ci = 0; ci < c; ci++) {
    const plane = xOff + ci * h * w;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const iw0 = kj * dilW - padW;
        const [lo, hi] = validRange(iw0, strideW, w, outW);
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padH + ki * dilH;
          if (ih < 0 || ih >= h) {
            cols.fill(0, p, p + outW);
            p += outW;
            continue;
          }
          const row = plane + ih * w + iw0;
          let ow = 0;
          for (; ow < lo; ow++) cols[p++] = 0;
          for (; ow < hi; ow++) cols[p++] = x[row + ow * strideW];
          for (; ow < outW; ow++) cols[p++] = 0;
        }
      }
    }
  }
}

/** The adjoint of {@link im2col}: scatter-adds the column matrix into `c` planes at `off`. */
function col2im(g: Conv2dGeometry, cols: Float64Array, c: number, dst: FloatArray, off: number) {
  const { h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilH, dilW } = g;
  dst.fill(0, off, off + c * h * w);
  let p = 0;
  for (let ci = 0; ci < c; ci++) {
    const plane = off + ci * h * w;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const iw0 = kj * dilW - padW;
        const [lo, hi] = validRange(iw0, strideW, w, outW);
        for (let oh = 0; oh < outH; oh++, p += outW) {
          const ih = oh * strideH - padH + ki * dilH;
          if (ih < 0 || ih >= h) continue;
          const row = plane + ih * w + iw0;
          for (let ow = lo; ow < hi; ow++) dst[row + ow * strideW] += cols[p + ow];
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

/**
 * Test oracle for {@link conv2dForward}: the direct seven-deep loop.
 *
 * @example
 * conv2dForwardReference(g, x, w, expected);
 */
export function conv2dForwardReference(
  g: Conv2dGeometry,
  x: FloatArray,
  w: FloatArray,
  out: FloatArray,
): void {
  const { n, cIn, cOut, groups, kh, kw, outH, outW } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < cOut; co++) {
      const gi = Math.floor(co / og);
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          let s = 0;
          for (let c = 0; c < cg; c++) {
            for (let ki = 0; ki < kh; ki++) {
              for (let kj = 0; kj < kw; kj++) {
                const xi = inputIndex(g, b, gi * cg + c, oh, ow, ki, kj);
                if (xi >= 0) s += x[xi] * w[((co * cg + c) * kh + ki) * kw + kj];
              }
            }
          }
          out[((b * cOut + co) * outH + oh) * outW + ow] = s;
        }
      }
    }
  }
}

/**
 * Test oracle for {@link conv2dGradInput}: scatters every gradOut element through the weight.
 *
 * @example
 * conv2dGradInputReference(g, gradOut, w, expected);
 */
export function conv2dGradInputReference(
  g: Conv2dGeometry,
  gradOut: FloatArray,
  w: FloatArray,
  gradIn: FloatArray,
): void {
  const { n, cIn, cOut, groups, kh, kw, outH, outW } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  gradIn.fill(0, 0, n * cIn * g.h * g.w);
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < cOut; co++) {
      const gi = Math.floor(co / og);
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const go = gradOut[((b * cOut + co) * outH + oh) * outW + ow];
          for (let c = 0; c < cg; c++) {
            for (let ki = 0; ki < kh; ki++) {
              for (let kj = 0; kj < kw; kj++) {
                const xi = inputIndex(g, b, gi * cg + c, oh, ow, ki, kj);
                if (xi >= 0) gradIn[xi] += go * w[((co * cg + c) * kh + ki) * kw + kj];
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Test oracle for {@link conv2dGradWeight}: for each weight, the sum over the batch and the
 * output plane of gradOut times the input it touched.
 *
 * @example
 * conv2dGradWeightReference(g, x, gradOut, expected);
 */
export function conv2dGradWeightReference(
  g: Conv2dGeometry,
  x: FloatArray,
  gradOut: FloatArray,
  gradW: FloatArray,
): void {
  const { n, cIn, cOut, groups, kh, kw, outH, outW } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  for (let co = 0; co < cOut; co++) {
    const gi = Math.floor(co / og);
    for (let c = 0; c < cg; c++) {
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          let s = 0;
          for (let b = 0; b < n; b++) {
            for (let oh = 0; oh < outH; oh++) {
              for (let ow = 0; ow < outW; ow++) {
                const xi = inputIndex(g, b, gi * cg + c, oh, ow, ki, kj);
                if (xi >= 0) s += gradOut[((b * cOut + co) * outH + oh) * outW + ow] * x[xi];
              }
            }
          }
          gradW[((co * cg + c) * kh + ki) * kw + kj] = s;
        }
      }
    }
  }
}

/** Flat index of the input element that output (oh, ow) sees through tap (ki, kj), or -1 in padding. */
function inputIndex(
  g: Conv2dGeometry,
  b: number,
  c: number,
  oh: number,
  ow: number,
  ki: number,
  kj: number,
): number {
  const ih = oh * g.strideH - g.padH + ki * g.dilH;
  const iw = ow * g.strideW - g.padW + kj * g.dilW;
  if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return -1;
  return ((b * g.cIn + c) * g.h + ih) * g.w + iw;
}
