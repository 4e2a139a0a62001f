/**
 * 2-D convolution kernels on raw typed arrays (NCHW input, OIHW weight, as PyTorch), forward
 * and both gradients. Knows nothing about tensors.
 *
 * The fast kernels reduce convolution to {@link gemm}:
 * - 3x3, stride 1, dilation 1, at least 4 channels per group in and out (the bulk of a CNN's
 *   work): Winograd F(4x4, 3x3), 4x fewer multiplies than im2col (see the section below).
 * - everything else: im2col per (image, group):
 *   - forward:      out[g]   = W[g] (cOut/g x cIn/g*kh*kw) @ cols (cIn/g*kh*kw x outH*outW)
 *   - grad weight:  gW[g]   += gradOut[g] @ cols^T, accumulated over the batch
 *   - grad input:   colGrad  = W[g]^T @ gradOut[g], then col2im scatter-adds it into gradIn
 *   A 1x1 kernel with stride 1 and no padding skips im2col: the input plane already is `cols`.
 * The `...Reference` functions are direct loops and serve as the test oracle. Scratch buffers are
 * module-level, grown on demand and kept (the kernels are not re-entrant; JS is single-threaded).
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
    const [xs, ws] = [xShape.join(", "), wShape.join(", ")];
    throw new Error(
      `internal: conv2dGeometry: bad arguments x [${xs}], w [${ws}], ` +
        `stride [${stride.join(", ")}], padding [${padding.join(", ")}], ` +
        `dilation [${dilation.join(", ")}], groups ${groups}`,
    );
  }
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kh,
    kw,
    strideH,
    strideW,
    padH,
    padW,
    dilH,
    dilW,
    groups,
    outH,
    outW,
  };
}

// NOTE: one grown scratch buffer for im2col columns (and column gradients), shared by all calls:
// allocation of a fresh ~0.5 MB array per image would dominate small convolutions. Float64 keeps
// float32 inputs exact and gives gemm the same operand type for both dtypes.
let colScratch: Float64Array = new Float64Array(0);

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
  if (useWinograd(g)) {
    winogradForward(g, x, w, out);
    return;
  }
  const { n, cIn, cOut, groups, kh, kw, h, w: width } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  const ckk = cg * kh * kw;
  const ohw = g.outH * g.outW;
  const pointwise = isPointwise(g);
  const cols = colBuffer(pointwise ? 0 : ckk * ohw);
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
  if (useWinograd(g)) {
    winogradGradInput(g, gradOut, w, gradIn);
    return;
  }
  const { n, cIn, cOut, groups, kh, kw, h, w: width } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  const ckk = cg * kh * kw;
  const ohw = g.outH * g.outW;
  const pointwise = isPointwise(g);
  const cols = colBuffer(pointwise ? 0 : ckk * ohw);
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
  if (useWinograd(g) && g.n > 0) {
    winogradGradWeight(g, x, gradOut, gradW);
    return;
  }
  const { n, cIn, cOut, groups, kh, kw, h, w: width } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  const ckk = cg * kh * kw;
  const ohw = g.outH * g.outW;
  const pointwise = isPointwise(g);
  const cols = colBuffer(pointwise ? 0 : ckk * ohw);
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

// ---------------------------------------------------------------------------------------------
// Winograd F(4x4, 3x3) for 3x3 / stride 1 / dilation 1 convolutions (Lavin & Gray, 2015).
//
// Each 4x4 output tile is Y = A^T [ U ⊙ V ] A with U = G g G^T (filter, 6x6) and V = B^T d B
// (6x6 input patch). Summed over input channels, the 36 positions ξ of the 6x6 transforms
// become 36 independent gemms M[ξ] (outCh x tiles) = U[ξ] (outCh x inCh) @ V[ξ] (inCh x tiles):
// 36 multiplies per tile and channel pair instead of 16 * 9, i.e. 4x fewer, plus cheap
// transforms. All three passes use it:
// - forward:     input x, filters g, padding p.
// - grad input:  input gradOut, filters g rotated by 180 degrees and transposed (o <-> c),
//                padding 2 - p (a "full" correlation), output h x w.
// - grad weight: dU[ξ] = dM[ξ] @ V[ξ]^T with dM = A dY A^T per tile, then dg = G^T dU G.
// Tiles of the whole batch are processed together, in chunks that bound the scratch size.
// NOTE: F(4x4, 3x3) is usually avoided in float32 for its rounding error (its transforms use
// the points 0, ±1, ±2, ∞); here transforms and gemm accumulate in float64, so the error stays
// far below float32 resolution (and near 1e-14 relative for float64 inputs).
// ---------------------------------------------------------------------------------------------

/** Output tile size m of F(m x m, 3 x 3). */
const TILE = 4;
/** Transformed tile size: m + 3 - 1. */
const ALPHA = 6;
/**
 * Least channels per group (in and out) for Winograd. Measured with 28x28 planes: from 4 up it
 * beats im2col 2-3x; with a single input channel (an image's first layer) im2col wins.
 */
const WINOGRAD_MIN_CHANNELS = 4;
/** Upper bound on the elements of each of the V and M scratch buffers. */
const WINOGRAD_CHUNK_ELEMENTS = 1 << 18;

let winoU: Float64Array = new Float64Array(0);
let winoV: Float64Array = new Float64Array(0);
let winoM: Float64Array = new Float64Array(0);
/** One zero-padded input (or output-gradient) plane, so that tile loads need no bounds checks. */
let paddedPlane: Float64Array = new Float64Array(0);
/** Intermediate results of the two 1-D passes of one tile's 2-D transform. */
const stage1 = new Float64Array(ALPHA * ALPHA);
const stage2 = new Float64Array(ALPHA * ALPHA);

function grow(buf: Float64Array, size: number): Float64Array {
  return buf.length < size ? new Float64Array(size) : buf;
}

/** True when the Winograd path applies and pays off. */
function useWinograd(g: Conv2dGeometry): boolean {
  return (
    g.kh === 3 &&
    g.kw === 3 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.dilH === 1 &&
    g.dilW === 1 &&
    g.cIn / g.groups >= WINOGRAD_MIN_CHANNELS &&
    g.cOut / g.groups >= WINOGRAD_MIN_CHANNELS
  );
}

// The 1-D transforms. Each reads its inputs at src[s + i*ss] and writes its outputs at
// dst[d + i*ds], so that one function serves both the column pass and the row pass.

/** B^T x (6 -> 6), B^T = [[4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0], [0,-2,-1,2,1,0],
 * [0,2,-1,-2,1,0], [0,4,0,-5,0,1]]. */
function inputTransform1d(
  src: Float64Array,
  s: number,
  ss: number,
  dst: Float64Array,
  d: number,
  ds: number,
): void {
  // prettier-ignore
  const x0 = src[s], x1 = src[s + ss], x2 = src[s + 2 * ss], x3 = src[s + 3 * ss];
  // prettier-ignore
  const x4 = src[s + 4 * ss], x5 = src[s + 5 * ss];
  const a = x4 - 4 * x2; // shared by rows 1 and 2
  const b = x3 - 4 * x1;
  const c = x4 - x2; // shared by rows 3 and 4
  const e = 2 * (x3 - x1);
  dst[d] = 4 * x0 - 5 * x2 + x4;
  dst[d + ds] = a + b;
  dst[d + 2 * ds] = a - b;
  dst[d + 3 * ds] = c + e;
  dst[d + 4 * ds] = c - e;
  dst[d + 5 * ds] = 4 * x1 - 5 * x3 + x5;
}

/** A^T x (6 -> 4), A^T = [[1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0], [0,1,-1,8,-8,1]]. */
function outputTransform1d(
  src: Float64Array,
  s: number,
  ss: number,
  dst: Float64Array,
  d: number,
  ds: number,
): void {
  // prettier-ignore
  const x0 = src[s], x1 = src[s + ss], x2 = src[s + 2 * ss], x3 = src[s + 3 * ss];
  // prettier-ignore
  const x4 = src[s + 4 * ss], x5 = src[s + 5 * ss];
  // prettier-ignore
  const p12 = x1 + x2, m12 = x1 - x2, p34 = x3 + x4, m34 = x3 - x4;
  dst[d] = x0 + p12 + p34;
  dst[d + ds] = m12 + 2 * m34;
  dst[d + 2 * ds] = p12 + 4 * p34;
  dst[d + 3 * ds] = m12 + 8 * m34 + x5;
}

/** G x (3 -> 6), G = [[1/4,0,0], [-1/6,-1/6,-1/6], [-1/6,1/6,-1/6], [1/24,1/12,1/6],
 * [1/24,-1/12,1/6], [0,0,1]]. */
function filterTransform1d(
  src: Float64Array,
  s: number,
  ss: number,
  dst: Float64Array,
  d: number,
  ds: number,
): void {
  // prettier-ignore
  const g0 = src[s], g1 = src[s + ss], g2 = src[s + 2 * ss];
  const p = g0 + g2;
  dst[d] = g0 / 4;
  dst[d + ds] = -(p + g1) / 6;
  dst[d + 2 * ds] = -(p - g1) / 6;
  dst[d + 3 * ds] = g0 / 24 + g1 / 12 + g2 / 6;
  dst[d + 4 * ds] = g0 / 24 - g1 / 12 + g2 / 6;
  dst[d + 5 * ds] = g2;
}

/** A y (4 -> 6): the adjoint of {@link outputTransform1d}. */
function gradOutputTransform1d(
  src: Float64Array,
  s: number,
  ss: number,
  dst: Float64Array,
  d: number,
  ds: number,
): void {
  // prettier-ignore
  const y0 = src[s], y1 = src[s + ss], y2 = src[s + 2 * ss], y3 = src[s + 3 * ss];
  // prettier-ignore
  const e = y0 + y2, o = y1 + y3, e4 = y0 + 4 * y2, o8 = 2 * y1 + 8 * y3;
  dst[d] = y0;
  dst[d + ds] = e + o;
  dst[d + 2 * ds] = e - o;
  dst[d + 3 * ds] = e4 + o8;
  dst[d + 4 * ds] = e4 - o8;
  dst[d + 5 * ds] = y3;
}

/** G^T u (6 -> 3): the adjoint of {@link filterTransform1d}. */
function filterGradTransform1d(
  src: Float64Array,
  s: number,
  ss: number,
  dst: FloatArray,
  d: number,
  ds: number,
): void {
  // prettier-ignore
  const u0 = src[s], u1 = src[s + ss], u2 = src[s + 2 * ss], u3 = src[s + 3 * ss];
  // prettier-ignore
  const u4 = src[s + 4 * ss], u5 = src[s + 5 * ss];
  dst[d] = u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24;
  dst[d + ds] = (u2 - u1) / 6 + (u3 - u4) / 12;
  dst[d + 2 * ds] = (u3 + u4 - u1 - u2) / 6 + u5;
}

/**
 * One Winograd-lowered 3x3 correlation: `cIn` planes of `hIn x wIn` per image (image stride
 * `inImage`), padding `padH`/`padW` (may be negative), into `cOut` planes of `hOut x wOut`
 * (image stride `outImage`). Tiles are TILE x TILE output blocks, `tilesH x tilesW` per image.
 */
interface WinogradPass {
  n: number;
  cIn: number;
  cOut: number;
  hIn: number;
  wIn: number;
  hOut: number;
  wOut: number;
  padH: number;
  padW: number;
  inImage: number;
  outImage: number;
  tilesH: number;
  tilesW: number;
  /** Tiles per chunk (the last chunk may be shorter). */
  chunk: number;
}

function makePass(
  n: number,
  cIn: number,
  cOut: number,
  [hIn, wIn]: [number, number],
  [hOut, wOut]: [number, number],
  [padH, padW]: [number, number],
): WinogradPass {
  const tilesH = Math.ceil(hOut / TILE);
  const tilesW = Math.ceil(wOut / TILE);
  const budget = Math.floor(WINOGRAD_CHUNK_ELEMENTS / (ALPHA * ALPHA * Math.max(cIn, cOut)));
  const chunk = Math.min(Math.max(budget, 1), n * tilesH * tilesW);
  const inImage = cIn * hIn * wIn;
  const outImage = cOut * hOut * wOut;
  const tiling = { tilesH, tilesW, chunk };
  return { n, cIn, cOut, hIn, wIn, hOut, wOut, padH, padW, inImage, outImage, ...tiling };
}

/**
 * The end (exclusive) of the run of tiles from `q` that lie in the same image as `q`, capped at
 * `qEnd`. Tiles are numbered image-major, then row-major within an image.
 */
function segmentEnd(perImage: number, q: number, qEnd: number): number {
  return Math.min(qEnd, (Math.floor(q / perImage) + 1) * perImage);
}

/**
 * Runs pass `p` with transformed filters `u` (ALPHA² x cOut x cIn) on the input channels
 * starting at `src[inOff]`, overwriting the output channels starting at `dst[outOff]`.
 */
function winogradCorrelate(
  p: WinogradPass,
  u: Float64Array,
  src: FloatArray,
  inOff: number,
  dst: FloatArray,
  outOff: number,
): void {
  const total = p.n * p.tilesH * p.tilesW;
  const v = (winoV = grow(winoV, ALPHA * ALPHA * p.cIn * p.chunk));
  const m = (winoM = grow(winoM, ALPHA * ALPHA * p.cOut * p.chunk));
  for (let q0 = 0; q0 < total; q0 += p.chunk) {
    const count = Math.min(p.chunk, total - q0);
    transformInputTiles(p, src, inOff, q0, count, v);
    for (let xi = 0; xi < ALPHA * ALPHA; xi++) {
      // M[ξ] (cOut x count) = U[ξ] (cOut x cIn) @ V[ξ] (cIn x count)
      const uOff = xi * p.cOut * p.cIn;
      const vOff = xi * p.cIn * count;
      const mOff = xi * p.cOut * count;
      gemm(p.cOut, count, p.cIn, u, uOff, p.cIn, 1, v, vOff, count, 1, m, mOff);
    }
    transformOutputTiles(p, m, q0, count, dst, outOff);
  }
}

/**
 * Copies plane `src[base ..]` (h x w) into the zero-padded scratch plane of
 * (TILE*tilesH + 2) x (TILE*tilesW + 2), shifted by (padH, padW); returns the scratch plane.
 */
function padPlane(
  src: FloatArray,
  base: number,
  h: number,
  w: number,
  padH: number,
  padW: number,
  tilesH: number,
  tilesW: number,
): Float64Array {
  const ph = TILE * tilesH + 2;
  const pw = TILE * tilesW + 2;
  const pp = (paddedPlane = grow(paddedPlane, ph * pw));
  pp.fill(0, 0, ph * pw);
  const y0 = Math.max(0, padH);
  const y1 = Math.min(ph, h + padH);
  const x0 = Math.max(0, padW);
  const x1 = Math.min(pw, w + padW);
  for (let y = y0; y < y1; y++) {
    const s = base + (y - padH) * w - padW;
    const d = y * pw;
    for (let x = x0; x < x1; x++) pp[d + x] = src[s + x];
  }
  return pp;
}

/**
 * Writes V[ξ][c][t] = (B^T d B)[ξ] (layout ξ, c, t; row stride `count`) for the 6x6 input
 * patch d of every tile t of the chunk [q0, q0 + count) and every input channel c.
 */
function transformInputTiles(
  p: WinogradPass,
  src: FloatArray,
  inOff: number,
  q0: number,
  count: number,
  v: Float64Array,
): void {
  const { cIn, hIn, wIn, tilesH, tilesW } = p;
  const perImage = tilesH * tilesW;
  // NOTE: plain loops and helper calls with explicit arguments, no closures: values captured by a
  // closure live in a heap context that V8 reloads on every use inside the hot loop.
  for (let c = 0; c < cIn; c++) {
    for (let q = q0; q < q0 + count;) {
      const end = segmentEnd(perImage, q, q0 + count);
      const b = Math.floor(q / perImage);
      const base = inOff + b * p.inImage + c * hIn * wIn;
      const pp = padPlane(src, base, hIn, wIn, p.padH, p.padW, tilesH, tilesW);
      const r0 = q - b * perImage;
      const o = c * count + q - q0;
      transformInputRun(pp, TILE * tilesW + 2, tilesW, r0, r0 + end - q, v, o, cIn * count);
      q = end;
    }
  }
}

/**
 * Transforms tiles r0 .. r1-1 of one zero-padded plane `pp` (row length `pw`), writing tile r's
 * 36 values at `v[o + (r - r0) + ξ * X]`.
 */
function transformInputRun(
  pp: Float64Array,
  pw: number,
  tilesW: number,
  r0: number,
  r1: number,
  v: Float64Array,
  o: number,
  X: number,
): void {
  const t = stage1;
  let ty = Math.floor(r0 / tilesW);
  let tx = r0 - ty * tilesW;
  for (let r = r0; r < r1; r++, o++) {
    const s = TILE * (ty * pw + tx);
    if (++tx === tilesW) {
      tx = 0;
      ty++;
    }
    // B^T d: transform each column j of the patch into column j of t ...
    for (let j = 0; j < ALPHA; j++) inputTransform1d(pp, s + j, pw, t, j, ALPHA);
    // ... then (B^T d) B: each row i of t into V[ξ = 6i + j].
    for (let i = 0; i < ALPHA; i++) inputTransform1d(t, ALPHA * i, 1, v, o + ALPHA * i * X, X);
  }
}

/**
 * Writes Y = A^T M[., o, t] A (4x4) for every output channel o and tile t of the chunk, keeping
 * only the part inside the hOut x wOut output. M has layout ξ, o, t with row stride `count`.
 */
function transformOutputTiles(
  p: WinogradPass,
  m: Float64Array,
  q0: number,
  count: number,
  dst: FloatArray,
  outOff: number,
): void {
  const { cOut, hOut, wOut, tilesH, tilesW } = p;
  const perImage = tilesH * tilesW;
  for (let o = 0; o < cOut; o++) {
    for (let q = q0; q < q0 + count;) {
      const end = segmentEnd(perImage, q, q0 + count);
      const b = Math.floor(q / perImage);
      const r0 = q - b * perImage;
      const base = outOff + b * p.outImage + o * hOut * wOut;
      const s = o * count + q - q0;
      transformOutputRun(m, s, cOut * count, r0, r0 + end - q, tilesW, hOut, wOut, dst, base);
      q = end;
    }
  }
}

/**
 * Output transform of tiles r0 .. r1-1 of one plane; tile r's M values are at
 * `m[s + (r - r0) + ξ * X]`.
 */
function transformOutputRun(
  m: Float64Array,
  s: number,
  X: number,
  r0: number,
  r1: number,
  tilesW: number,
  hOut: number,
  wOut: number,
  dst: FloatArray,
  base: number,
): void {
  const t = stage1;
  const y = stage2;
  let ty = Math.floor(r0 / tilesW);
  let tx = r0 - ty * tilesW;
  for (let r = r0; r < r1; r++, s++) {
    // A^T M: each column j (ξ = 6i + j, i = 0..5) into column j of t (4 rows) ...
    for (let j = 0; j < ALPHA; j++) outputTransform1d(m, s + j * X, ALPHA * X, t, j, ALPHA);
    // ... then (A^T M) A: each row of t into a row of the 4x4 tile y.
    for (let i = 0; i < TILE; i++) outputTransform1d(t, ALPHA * i, 1, y, TILE * i, 1);
    const oh = TILE * ty;
    const ow = TILE * tx;
    if (++tx === tilesW) {
      tx = 0;
      ty++;
    }
    const rows = Math.min(TILE, hOut - oh);
    const cols = Math.min(TILE, wOut - ow);
    let d = base + oh * wOut + ow;
    for (let i = 0; i < rows; i++, d += wOut) {
      for (let j = 0; j < cols; j++) dst[d + j] = y[TILE * i + j];
    }
  }
}

/**
 * Writes U[ξ][row][col] = (G g G^T)[ξ] for the 3x3 filters of group `gi`: (row, col) = (o, c)
 * with g = w[o, c], or with `adjoint` (for the input gradient) (row, col) = (c, o) and g = w[o, c]
 * rotated by 180 degrees.
 */
function transformFilters(
  w: FloatArray,
  gi: number,
  og: number,
  cg: number,
  adjoint: boolean,
  u: Float64Array,
): void {
  const X = og * cg;
  const k = stage2;
  const t = stage1;
  for (let o = 0; o < og; o++) {
    for (let c = 0; c < cg; c++) {
      const src = ((gi * og + o) * cg + c) * 9;
      for (let i = 0; i < 9; i++) k[i] = w[adjoint ? src + 8 - i : src + i];
      // G g: each column j of g into column j of t (6 rows) ...
      for (let j = 0; j < 3; j++) filterTransform1d(k, j, 3, t, j, 3);
      // ... then (G g) G^T: each row i of t into U[ξ = 6i + j].
      const d = adjoint ? c * og + o : o * cg + c;
      for (let i = 0; i < ALPHA; i++) filterTransform1d(t, 3 * i, 1, u, d + ALPHA * i * X, X);
    }
  }
}

/**
 * Writes dM[ξ][o][t] = (A dY A^T)[ξ] (layout ξ, o, t; row stride `count`) for the 4x4
 * output-gradient tile dY (zero outside the output) of every tile and output channel.
 */
function transformGradOutputTiles(
  p: WinogradPass,
  gradOut: FloatArray,
  goOff: number,
  q0: number,
  count: number,
  dm: Float64Array,
): void {
  const { cOut, hOut, wOut, tilesH, tilesW } = p;
  const perImage = tilesH * tilesW;
  for (let o = 0; o < cOut; o++) {
    for (let q = q0; q < q0 + count;) {
      const end = segmentEnd(perImage, q, q0 + count);
      const b = Math.floor(q / perImage);
      const base = goOff + b * p.outImage + o * hOut * wOut;
      const pp = padPlane(gradOut, base, hOut, wOut, 0, 0, tilesH, tilesW);
      const r0 = q - b * perImage;
      const d = o * count + q - q0;
      transformGradOutputRun(pp, TILE * tilesW + 2, tilesW, r0, r0 + end - q, dm, d, cOut * count);
      q = end;
    }
  }
}

/** Grad-output transform of tiles r0 .. r1-1 of one zero-padded plane (see transformInputRun). */
function transformGradOutputRun(
  pp: Float64Array,
  pw: number,
  tilesW: number,
  r0: number,
  r1: number,
  dm: Float64Array,
  d: number,
  X: number,
): void {
  const t = stage1;
  let ty = Math.floor(r0 / tilesW);
  let tx = r0 - ty * tilesW;
  for (let r = r0; r < r1; r++, d++) {
    const s = TILE * (ty * pw + tx);
    if (++tx === tilesW) {
      tx = 0;
      ty++;
    }
    // A dY: each column j of the 4x4 tile into column j of t (6 rows) ...
    for (let j = 0; j < TILE; j++) gradOutputTransform1d(pp, s + j, pw, t, j, TILE);
    // ... then (A dY) A^T: each row i of t into dM[ξ = 6i + j].
    // prettier-ignore
    for (let i = 0; i < ALPHA; i++) gradOutputTransform1d(t, TILE * i, 1, dm, d + ALPHA * i * X, X);
  }
}

/** gradW[o, c] = G^T dU[., o, c] G (6x6 -> 3x3) for group `gi`; dU has U's layout. */
function untransformFilterGrads(
  du: Float64Array,
  gi: number,
  og: number,
  cg: number,
  gradW: FloatArray,
): void {
  const X = og * cg;
  const t = stage1;
  for (let o = 0; o < og; o++) {
    for (let c = 0; c < cg; c++) {
      const s = o * cg + c;
      // G^T dU: each column j (ξ = 6i + j) into column j of t (3 rows) ...
      for (let j = 0; j < ALPHA; j++) filterGradTransform1d(du, s + j * X, ALPHA * X, t, j, ALPHA);
      // ... then (G^T dU) G: each row of t into a row of the 3x3 filter gradient.
      const d = ((gi * og + o) * cg + c) * 9;
      for (let i = 0; i < 3; i++) filterGradTransform1d(t, ALPHA * i, 1, gradW, d + 3 * i, 1);
    }
  }
}

/** The forward pass (per group) of `g` as a Winograd correlation. */
function forwardPass(g: Conv2dGeometry): WinogradPass {
  const [cg, og] = [g.cIn / g.groups, g.cOut / g.groups];
  const p = makePass(g.n, cg, og, [g.h, g.w], [g.outH, g.outW], [g.padH, g.padW]);
  // NOTE: channel planes of one group are strided by the full image, not the group's slice.
  return { ...p, inImage: g.cIn * g.h * g.w, outImage: g.cOut * g.outH * g.outW };
}

function winogradForward(g: Conv2dGeometry, x: FloatArray, w: FloatArray, out: FloatArray): void {
  const p = forwardPass(g);
  const u = (winoU = grow(winoU, ALPHA * ALPHA * p.cIn * p.cOut));
  for (let gi = 0; gi < g.groups; gi++) {
    transformFilters(w, gi, p.cOut, p.cIn, false, u);
    winogradCorrelate(p, u, x, gi * p.cIn * g.h * g.w, out, gi * p.cOut * g.outH * g.outW);
  }
}

function winogradGradInput(
  g: Conv2dGeometry,
  gradOut: FloatArray,
  w: FloatArray,
  gradIn: FloatArray,
): void {
  const [cg, og] = [g.cIn / g.groups, g.cOut / g.groups];
  // NOTE: the input gradient of a 3x3 stride-1 correlation with padding p is the correlation
  // of gradOut with the rotated, transposed filters and padding 2 - p (a "full" convolution).
  const base = makePass(g.n, og, cg, [g.outH, g.outW], [g.h, g.w], [2 - g.padH, 2 - g.padW]);
  const p = { ...base, inImage: g.cOut * g.outH * g.outW, outImage: g.cIn * g.h * g.w };
  const u = (winoU = grow(winoU, ALPHA * ALPHA * cg * og));
  for (let gi = 0; gi < g.groups; gi++) {
    transformFilters(w, gi, og, cg, true, u);
    winogradCorrelate(p, u, gradOut, gi * og * g.outH * g.outW, gradIn, gi * cg * g.h * g.w);
  }
}

function winogradGradWeight(
  g: Conv2dGeometry,
  x: FloatArray,
  gradOut: FloatArray,
  gradW: FloatArray,
): void {
  const p = forwardPass(g);
  const { cIn: cg, cOut: og } = p;
  const total = p.n * p.tilesH * p.tilesW;
  const du = (winoU = grow(winoU, ALPHA * ALPHA * cg * og));
  const v = (winoV = grow(winoV, ALPHA * ALPHA * cg * p.chunk));
  const dm = (winoM = grow(winoM, ALPHA * ALPHA * og * p.chunk));
  for (let gi = 0; gi < g.groups; gi++) {
    const xOff = gi * cg * g.h * g.w;
    const goOff = gi * og * g.outH * g.outW;
    for (let q0 = 0; q0 < total; q0 += p.chunk) {
      const count = Math.min(p.chunk, total - q0);
      transformInputTiles(p, x, xOff, q0, count, v);
      transformGradOutputTiles(p, gradOut, goOff, q0, count, dm);
      for (let xi = 0; xi < ALPHA * ALPHA; xi++) {
        // dU[ξ] (og x cg) += dM[ξ] (og x count) @ V[ξ]^T (count x cg)
        const [mOff, vOff] = [xi * og * count, xi * cg * count];
        gemm(og, cg, count, dm, mOff, count, 1, v, vOff, 1, count, du, xi * og * cg, q0 > 0);
      }
    }
    untransformFilterGrads(du, gi, og, cg, gradW);
  }
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

/** Flat index of the input element seen by output (oh, ow) through tap (ki, kj); -1 in padding. */
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
