/**
 * Winograd F(4x4, 3x3) for 3x3 / stride 1 / dilation 1 convolutions (Lavin & Gray, 2015).
 *
 * Each 4x4 output tile is Y = A^T [ U ⊙ V ] A with U = G g G^T (filter, 6x6) and V = B^T d B
 * (6x6 input patch). Summed over input channels, the 36 positions ξ of the 6x6 transforms
 * become 36 independent gemms M[ξ] (outCh x tiles) = U[ξ] (outCh x inCh) @ V[ξ] (inCh x tiles):
 * 36 multiplies per tile and channel pair instead of 16 * 9, i.e. 4x fewer, plus cheap
 * transforms (`winograd-transforms.ts`). All three passes use it:
 * - forward:     input x, filters g, padding p.
 * - grad input:  input gradOut, filters g rotated by 180 degrees and transposed (o <-> c),
 *                padding 2 - p (a "full" correlation), output h x w.
 * - grad weight: dU[ξ] = dM[ξ] @ V[ξ]^T with dM = A dY A^T per tile, then dg = G^T dU G.
 * Tiles of the whole batch are processed together, in chunks that bound the scratch size.
 *
 * NOTE: F(4x4, 3x3) is usually avoided in float32 for its rounding error (its transforms use
 * the points 0, ±1, ±2, ∞); here transforms and gemm accumulate in float64, so the error stays
 * far below float32 resolution (and near 1e-14 relative for float64 inputs).
 *
 * @module
 */
import type { Conv2dGeometry, Conv2dPassRunner } from "../../core/conv-geometry.js";
import type { FloatArray } from "./gemm.js";
import { gemm } from "./gemm.js";
import {
  filterGradTransform1d,
  filterTransform1d,
  gradOutputTransform1d,
  inputTransform1d,
  outputTransform1d,
} from "./winograd-transforms.js";

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

// NOTE: scratch buffers are module-level, grown on demand and kept (the kernels are not
// re-entrant; JS is single-threaded).
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

/**
 * True when the Winograd path applies and pays off: a 3x3 kernel, stride 1, dilation 1, and at
 * least {@link WINOGRAD_MIN_CHANNELS} channels per group in and out.
 *
 * @example
 * if (useWinograd(g)) winogradConv2d("forward", g, x, w, y);
 */
export function useWinograd(g: Conv2dGeometry): boolean {
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

/**
 * The pass that correlates `cIn` planes of hIn x wIn into `cOut` planes of hOut x wOut, with
 * consecutive images `inImage` and `outImage` elements apart; it sizes the tiling and the chunks.
 */
function makePass(
  n: number,
  [cIn, cOut]: [number, number],
  [hIn, wIn]: [number, number],
  [hOut, wOut]: [number, number],
  [padH, padW]: [number, number],
  [inImage, outImage]: [number, number],
): WinogradPass {
  const tilesH = Math.ceil(hOut / TILE);
  const tilesW = Math.ceil(wOut / TILE);
  const budget = Math.floor(WINOGRAD_CHUNK_ELEMENTS / (ALPHA * ALPHA * Math.max(cIn, cOut)));
  const chunk = Math.min(Math.max(budget, 1), n * tilesH * tilesW);
  const tiling = { tilesH, tilesW, chunk };
  return { n, cIn, cOut, hIn, wIn, hOut, wOut, padH, padW, inImage, outImage, ...tiling };
}

/**
 * The forward pass (per group) of `g` as a Winograd correlation.
 * NOTE: channel planes of one group are strided by the full image, not the group's slice.
 */
function forwardPass(g: Conv2dGeometry): WinogradPass {
  const channels: [number, number] = [g.cIn / g.groups, g.cOut / g.groups];
  const images: [number, number] = [g.cIn * g.h * g.w, g.cOut * g.outH * g.outW];
  return makePass(g.n, channels, [g.h, g.w], [g.outH, g.outW], [g.padH, g.padW], images);
}

/**
 * Runs conv2d pass `pass` by Winograd F(4x4, 3x3), overwriting `out`; `a`, `b` and `out` are as
 * {@link Conv2dPass} says (contiguous NCHW / OIHW). Only where {@link useWinograd} holds, and for
 * the weight gradient, with a non-empty batch.
 *
 * @example
 * if (useWinograd(g)) winogradConv2d("forward", g, x, w, y);
 */
export const winogradConv2d: Conv2dPassRunner<FloatArray> = (pass, g, a, b, out) => {
  if (pass === "forward") winogradForward(g, a, b, out);
  else if (pass === "gradInput") winogradGradInput(g, a, b, out);
  else winogradGradWeight(g, a, b, out);
};

/** y `(n, cOut, outH, outW)` from x `(n, cIn, h, w)` and the 3x3 filters w. */
function winogradForward(g: Conv2dGeometry, x: FloatArray, w: FloatArray, out: FloatArray): void {
  const p = forwardPass(g);
  const u = (winoU = grow(winoU, ALPHA * ALPHA * p.cIn * p.cOut));
  for (let gi = 0; gi < g.groups; gi++) {
    transformFilters("filters", w, gi, p.cOut, p.cIn, u);
    winogradCorrelate(p, u, x, gi * p.cIn * g.h * g.w, out, gi * p.cOut * g.outH * g.outW);
  }
}

/** gradX `(n, cIn, h, w)` from gradY `(n, cOut, outH, outW)` and the 3x3 filters w. */
function winogradGradInput(
  g: Conv2dGeometry,
  gradOut: FloatArray,
  w: FloatArray,
  gradIn: FloatArray,
): void {
  const [cg, og] = [g.cIn / g.groups, g.cOut / g.groups];
  // NOTE: the input gradient of a 3x3 stride-1 correlation with padding p is the correlation
  // of gradOut with the rotated, transposed filters and padding 2 - p (a "full" convolution).
  const pad: [number, number] = [2 - g.padH, 2 - g.padW];
  const images: [number, number] = [g.cOut * g.outH * g.outW, g.cIn * g.h * g.w];
  const p = makePass(g.n, [og, cg], [g.outH, g.outW], [g.h, g.w], pad, images);
  const u = (winoU = grow(winoU, ALPHA * ALPHA * cg * og));
  for (let gi = 0; gi < g.groups; gi++) {
    transformFilters("rotatedFilters", w, gi, og, cg, u);
    winogradCorrelate(p, u, gradOut, gi * og * g.outH * g.outW, gradIn, gi * cg * g.h * g.w);
  }
}

/** gradW `(cOut, cIn/groups, 3, 3)` from x and gradY, summed over the (non-empty) batch. */
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
      sweepTiles("input", p, x, xOff, v, q0, count);
      sweepTiles("gradOutput", p, gradOut, goOff, dm, q0, count);
      for (let xi = 0; xi < ALPHA * ALPHA; xi++) {
        // dU[ξ] (og x cg) += dM[ξ] (og x count) @ V[ξ]^T (count x cg)
        const [mOff, vOff] = [xi * og * count, xi * cg * count];
        gemm(og, cg, count, dm, mOff, count, 1, v, vOff, 1, count, du, xi * og * cg, q0 > 0);
      }
    }
    transformFilters("filterGrads", gradW, gi, og, cg, du);
  }
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
    sweepTiles("input", p, src, inOff, v, q0, count);
    for (let xi = 0; xi < ALPHA * ALPHA; xi++) {
      // M[ξ] (cOut x count) = U[ξ] (cOut x cIn) @ V[ξ] (cIn x count)
      const uOff = xi * p.cOut * p.cIn;
      const vOff = xi * p.cIn * count;
      const mOff = xi * p.cOut * count;
      gemm(p.cOut, count, p.cIn, u, uOff, p.cIn, 1, v, vOff, count, 1, m, mOff);
    }
    sweepTiles("output", p, dst, outOff, m, q0, count);
  }
}

/**
 * The per-tile transforms of a pass, by the plane they touch:
 * - "input":      V = B^T d B of each 6x6 input patch d (reads the input planes);
 * - "gradOutput": dM = A dY A^T of each 4x4 output-gradient tile dY (reads the output planes);
 * - "output":     Y = A^T M A of each tile, cut to the output (writes the output planes).
 */
type TileTransform = "input" | "gradOutput" | "output";

/**
 * Applies `kind` to every tile t of the chunk [q0, q0 + count) and every channel c of the planes
 * it touches (those of `plane`, from `planeOff`). The transformed side lives in `scratch` with
 * layout ξ, c, t (row stride `count`).
 */
function sweepTiles(
  kind: TileTransform,
  p: WinogradPass,
  plane: FloatArray,
  planeOff: number,
  scratch: Float64Array,
  q0: number,
  count: number,
): void {
  const onInput = kind === "input";
  const channels = onInput ? p.cIn : p.cOut;
  const h = onInput ? p.hIn : p.hOut;
  const w = onInput ? p.wIn : p.wOut;
  const image = onInput ? p.inImage : p.outImage;
  const { tilesH, tilesW } = p;
  const perImage = tilesH * tilesW;
  const X = channels * count;
  // NOTE: plain loops and helper calls with explicit arguments, no closures: values captured by a
  // closure live in a heap context that V8 reloads on every use inside the hot loop.
  for (let c = 0; c < channels; c++) {
    for (let q = q0; q < q0 + count;) {
      // the run of tiles from q that lie in the same image (tiles are numbered image-major)
      const b = Math.floor(q / perImage);
      const end = Math.min(q0 + count, (b + 1) * perImage);
      const base = planeOff + b * image + c * h * w;
      const r0 = q - b * perImage;
      const r1 = end - b * perImage;
      const s = c * count + q - q0;
      if (kind === "output") {
        transformOutputRun(scratch, s, X, r0, r1, tilesW, h, w, plane, base);
      } else {
        // output-gradient tiles are the output's own tiles: no padding
        const padH = onInput ? p.padH : 0;
        const padW = onInput ? p.padW : 0;
        const pp = padPlane(plane, base, h, w, padH, padW, tilesH, tilesW);
        transformPatchRun(onInput, pp, TILE * tilesW + 2, tilesW, r0, r1, scratch, s, X);
      }
      q = end;
    }
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
 * Transforms tiles r0 .. r1-1 of one zero-padded plane `pp` (row length `pw`), writing tile r's
 * 36 values at `dst[d + (r - r0) + ξ * X]`: the 6x6 input patch at the tile (`input`) or the
 * 4x4 output-gradient tile (otherwise).
 */
function transformPatchRun(
  input: boolean,
  pp: Float64Array,
  pw: number,
  tilesW: number,
  r0: number,
  r1: number,
  dst: Float64Array,
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
    if (input) {
      // B^T d: transform each column j of the patch into column j of t ...
      for (let j = 0; j < ALPHA; j++) inputTransform1d(pp, s + j, pw, t, j, ALPHA);
      // ... then (B^T d) B: each row i of t into V[ξ = 6i + j].
      for (let i = 0; i < ALPHA; i++) inputTransform1d(t, ALPHA * i, 1, dst, d + ALPHA * i * X, X);
    } else {
      // A dY: each column j of the 4x4 tile into column j of t (6 rows) ...
      for (let j = 0; j < TILE; j++) gradOutputTransform1d(pp, s + j, pw, t, j, TILE);
      // ... then (A dY) A^T: each row i of t into dM[ξ = 6i + j].
      // prettier-ignore
      for (let i = 0; i < ALPHA; i++) gradOutputTransform1d(t, TILE * i, 1, dst, d + ALPHA * i * X, X);
    }
  }
}

/**
 * Output transform of tiles r0 .. r1-1 of one plane; tile r's M values are at
 * `m[s + (r - r0) + ξ * X]`. Writes the part of each 4x4 tile inside the hOut x wOut plane at
 * `dst[base ..]`.
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
    let o = base + oh * wOut + ow;
    for (let i = 0; i < rows; i++, o += wOut) {
      for (let j = 0; j < cols; j++) dst[o + j] = y[TILE * i + j];
    }
  }
}

/**
 * The filter-side transforms, between the 3x3 filters of group `gi` (`w`, OIHW) and their 6x6
 * transforms (`u`, layout ξ, row, col):
 * - `"filters"`:        U[ξ][o][c] = (G g G^T)[ξ] with g = w[o, c] (forward);
 * - `"rotatedFilters"`: U[ξ][c][o] = (G g G^T)[ξ] with g = w[o, c] rotated by 180 degrees (the
 *   input gradient's filters);
 * - `"filterGrads"`:    w[o, c] = G^T dU[., o, c] G, with `u` holding dU in U's layout (writes
 *   the weight gradient).
 */
function transformFilters(
  kind: "filters" | "rotatedFilters" | "filterGrads",
  w: FloatArray,
  gi: number,
  og: number,
  cg: number,
  u: Float64Array,
): void {
  const X = og * cg;
  const k = stage2;
  const t = stage1;
  const rotated = kind === "rotatedFilters";
  for (let o = 0; o < og; o++) {
    for (let c = 0; c < cg; c++) {
      const wOff = ((gi * og + o) * cg + c) * 9;
      if (kind === "filterGrads") {
        const s = o * cg + c;
        // G^T dU: each column j (ξ = 6i + j) into column j of t (3 rows) ...
        for (let j = 0; j < ALPHA; j++) filterGradTransform1d(u, s + j * X, ALPHA * X, t, j, ALPHA);
        // ... then (G^T dU) G: each row of t into a row of the 3x3 filter gradient.
        for (let i = 0; i < 3; i++) filterGradTransform1d(t, ALPHA * i, 1, w, wOff + 3 * i, 1);
        continue;
      }
      for (let i = 0; i < 9; i++) k[i] = w[rotated ? wOff + 8 - i : wOff + i];
      // G g: each column j of g into column j of t (6 rows) ...
      for (let j = 0; j < 3; j++) filterTransform1d(k, j, 3, t, j, 3);
      // ... then (G g) G^T: each row i of t into U[ξ = 6i + j].
      const d = rotated ? c * og + o : o * cg + c;
      for (let i = 0; i < ALPHA; i++) filterTransform1d(t, 3 * i, 1, u, d + ALPHA * i * X, X);
    }
  }
}
