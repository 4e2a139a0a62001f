/**
 * General matrix multiply on raw typed arrays: the CPU backend's matmul, linear and im2col-conv
 * hot path. Knows nothing about tensors; every operand is (array, offset, row stride, column
 * stride), so transposed and sliced views need no copy.
 *
 * Design (GotoBLAS / BLIS in miniature, in plain TypeScript):
 * - B is packed per (KC x NC) panel into NR-wide column slivers, A per (MC x KC) block into
 *   MR-high row slivers, both zero-padded to whole slivers, into reused Float64Array scratch.
 * - A 4x3 register-tiled micro-kernel (inlined in the macro-kernel) multiplies one A sliver by
 *   one B sliver and adds the tile into `out`.
 * - Tiny problems and matrix-vector shapes skip packing (see gemmDirect).
 * - Float32 products of some size go to the WebAssembly SIMD kernel instead (`wasm.ts`).
 *
 * Performance note for callers: V8 optimizes typed-array access assuming no ArrayBuffer in the
 * process has ever been detached (transferred to a worker, `ArrayBuffer.prototype.transfer`,
 * a growing WebAssembly memory...). The first detach anywhere invalidates that assumption for
 * good and these kernels lose 20-40%; loading TensorFlow.js does it, for example.
 *
 * @module
 */

import { gemmWasm, useWasmGemm } from "./fast.js";

/** A float tensor's storage: float32 is the hot path, float64 is used for gradcheck. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The signature of {@link gemm}, shared by its two strategies (packed and direct): sizes, then
 * each operand as (array, offset, row stride, column stride), then `out` and its offset.
 */
export type Gemm = (
  M: number,
  N: number,
  K: number,
  a: FloatArray,
  aOff: number,
  aRs: number,
  aCs: number,
  b: FloatArray,
  bOff: number,
  bRs: number,
  bCs: number,
  out: FloatArray,
  outOff: number,
  accumulate?: boolean,
) => void;

/** Rows of A per micro-tile. */
const MR = 4;
/** Columns of B per micro-tile. */
const NR = 3;
// NOTE: measured on the dev machine (Node 20 / V8 11.3, Zen 5): 4x3 and 3x4 tiles reach
// ~6.5 GFLOP/s, 4x4 ~6.0 and 4x8 ~5.7. V8 uses 16 xmm registers and no FMA, and every
// typed-array load costs ~6 integer instructions (index add with overflow check, bounds check,
// base recompute): 12 accumulators plus 4+3 operands is the sweet spot before spills win.
/** Depth of one packed panel (shared dimension). */
const KC = 384;
/** Rows of A per packed block (a multiple of MR). */
const MC = 128;
/** Columns of B per packed panel (a multiple of NR). */
const NC = 1536;
/** Below this many multiply-adds, packing costs more than it saves. */
const SMALL_MACS = 16 * 16 * 16;

// NOTE: scratch is always Float64Array, whatever the input dtype: the micro-kernel then sees one
// array type and stays monomorphic (a polymorphic load costs a map dispatch per element), the
// packed operands are exact for float32 and float64 alike, and accumulation is in double.
const packedA = new Float64Array(MC * KC);
let packedB: Float64Array = new Float64Array(0);
/** Holds one edge tile before its valid part is copied out. */
const edgeTile = new Float64Array(MR * NR);
/** One output row of the unpacked path, accumulated in double precision. */
let rowAcc: Float64Array = new Float64Array(0);

/**
 * `out[outOff + i*N + j] = (accumulate ? out[...] : 0) + sum_k A[i,k] * B[k,j]` for
 * `0 <= i < M`, `0 <= j < N`, where `A[i,k] = a[aOff + i*aRs + k*aCs]` and
 * `B[k,j] = b[bOff + k*bRs + j*bCs]` (any strides: transposed or sliced views work as is).
 *
 * `out` is written as a contiguous row-major M x N block and must not overlap `a` or `b`.
 *
 * Float32 products big enough to pay for it run on the WebAssembly SIMD kernel (`wasm.ts`),
 * accumulating in float32 as PyTorch's BLAS does; the rest run on {@link gemmTs}, which
 * accumulates in float64 and rounds a float32 `out` once per KC-deep panel. An all-float64 call
 * always takes gemmTs.
 *
 * @example
 * // C (2x2) = A (2x3) @ B (3x2), all row-major
 * gemm(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, c, 0);
 * // C = A @ W^T with W stored as (2x3) row-major: B[k,j] = W[j,k]
 * gemm(2, 2, 3, a, 0, 3, 1, w, 0, 1, 3, c, 0);
 */
// prettier-ignore
export const gemm: Gemm = (
  M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, out, outOff, accumulate = false,
) => {
  if (M <= 0 || N <= 0) return;
  if (
    useWasmGemm(M, N, K, a, b, out) &&
    gemmWasm(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, out, outOff, accumulate)
  )
    return;
  gemmTs(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, out, outOff, accumulate);
};

/**
 * The TypeScript kernel behind {@link gemm} (same contract), used for float64 work, small
 * products, and whenever WebAssembly is off or missing. Accumulates in float64.
 */
// prettier-ignore
export const gemmTs: Gemm = (
  M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, out, outOff, accumulate = false,
) => {
  if (M <= 0 || N <= 0) return;
  if (K > 0 && M >= MR && N >= NR && M * N * K > SMALL_MACS) {
    gemmPacked(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, out, outOff, accumulate);
    return;
  }
  if (!accumulate) out.fill(0, outOff, outOff + M * N);
  if (K > 0) gemmDirect(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, out, outOff);
};

/**
 * Adds A @ B into `out` without packing, accumulating in double precision. Walks B along its
 * contiguous direction: dot products down the columns of a column-major B, row updates
 * (axpy) along the rows of a row-major one.
 */
const gemmDirect: Gemm = (M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, out, outOff) => {
  const byRows = Math.abs(bCs) < Math.abs(bRs);
  if (byRows && rowAcc.length < N) rowAcc = new Float64Array(N);
  const acc = rowAcc;
  for (let i = 0; i < M; i++) {
    const aRow = aOff + i * aRs;
    const oRow = outOff + i * N;
    if (byRows) {
      acc.fill(0, 0, N);
      for (let k = 0; k < K; k++) {
        const aik = a[aRow + k * aCs];
        const bRow = bOff + k * bRs;
        for (let j = 0; j < N; j++) acc[j] += aik * b[bRow + j * bCs];
      }
      for (let j = 0; j < N; j++) out[oRow + j] += acc[j];
      continue;
    }
    for (let j = 0; j < N; j++) {
      let s = 0;
      let pa = aRow;
      let pb = bOff + j * bCs;
      for (let k = 0; k < K; k++, pa += aCs, pb += bRs) s += a[pa] * b[pb];
      out[oRow + j] += s;
    }
  }
};

/**
 * Writes (or with `accumulate`, adds) A @ B into `out` through packed panels and the
 * register-tiled micro-kernel.
 */
// prettier-ignore
const gemmPacked: Gemm = (
  M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, out, outOff, accumulate,
) => {
  const ncMax = Math.min(NC, roundUp(N, NR));
  const kcMax = Math.min(KC, K);
  if (packedB.length < ncMax * kcMax) packedB = new Float64Array(ncMax * kcMax);
  const pB = packedB;
  const pA = packedA;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      packSlivers(nc, kc, b, bOff + pc * bRs + jc * bCs, bCs, bRs, NR, pB);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packSlivers(mc, kc, a, aOff + ic * aRs + pc * aCs, aRs, aCs, MR, pA);
        macroKernel(mc, nc, kc, pA, pB, out, outOff + ic * N + jc, N, accumulate || pc > 0);
      }
    }
  }
};

/**
 * Multiplies a packed (mc x kc) A block by a packed (kc x nc) B panel into `out` (row stride
 * `ldo`), adding to it when `add` is set and overwriting it otherwise. The body of the loop over
 * tiles is the MR x NR register-tiled micro-kernel.
 */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  pA: Float64Array,
  pB: Float64Array,
  out: FloatArray,
  outOff: number,
  ldo: number,
  add: boolean,
): void {
  // NOTE: the micro-kernel is written inline rather than called per tile: V8 does not inline a
  // function this size, and the call plus re-entry cost ~5% at 1024^3.
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = Math.min(MR, mc - ir);
      // prettier-ignore
      let c00 = 0, c01 = 0, c02 = 0,
          c10 = 0, c11 = 0, c12 = 0,
          c20 = 0, c21 = 0, c22 = 0,
          c30 = 0, c31 = 0, c32 = 0;
      let pa = ir * kc;
      let pb = jr * kc;
      const end = pa + kc * MR;
      for (; pa < end; pa += MR, pb += NR) {
        const a0 = pA[pa];
        const a1 = pA[pa + 1];
        const a2 = pA[pa + 2];
        const a3 = pA[pa + 3];
        // NOTE: one B value live at a time (not three) keeps the live set near 16 registers.
        let bk = pB[pb];
        c00 += a0 * bk;
        c10 += a1 * bk;
        c20 += a2 * bk;
        c30 += a3 * bk;
        bk = pB[pb + 1];
        c01 += a0 * bk;
        c11 += a1 * bk;
        c21 += a2 * bk;
        c31 += a3 * bk;
        bk = pB[pb + 2];
        c02 += a0 * bk;
        c12 += a1 * bk;
        c22 += a2 * bk;
        c32 += a3 * bk;
      }
      let o = outOff + ir * ldo + jr;
      if (mr === MR && nr === NR && !add) {
        out[o] = c00;
        out[o + 1] = c01;
        out[o + 2] = c02;
        o += ldo;
        out[o] = c10;
        out[o + 1] = c11;
        out[o + 2] = c12;
        o += ldo;
        out[o] = c20;
        out[o + 1] = c21;
        out[o + 2] = c22;
        o += ldo;
        out[o] = c30;
        out[o + 1] = c31;
        out[o + 2] = c32;
      } else if (mr === MR && nr === NR) {
        out[o] += c00;
        out[o + 1] += c01;
        out[o + 2] += c02;
        o += ldo;
        out[o] += c10;
        out[o + 1] += c11;
        out[o + 2] += c12;
        o += ldo;
        out[o] += c20;
        out[o + 1] += c21;
        out[o + 2] += c22;
        o += ldo;
        out[o] += c30;
        out[o + 1] += c31;
        out[o + 2] += c32;
      } else {
        // NOTE: the packed slivers are zero-padded, so the full tile is valid; only its
        // mr x nr corner lands in `out`.
        const t = edgeTile;
        t[0] = c00;
        t[1] = c01;
        t[2] = c02;
        t[3] = c10;
        t[4] = c11;
        t[5] = c12;
        t[6] = c20;
        t[7] = c21;
        t[8] = c22;
        t[9] = c30;
        t[10] = c31;
        t[11] = c32;
        storeEdgeTile(t, out, o, ldo, mr, nr, add);
      }
    }
  }
}

/** Stores (or adds) the top-left `mr` x `nr` corner of an MR x NR tile into `out` at `o`. */
function storeEdgeTile(
  t: Float64Array,
  out: FloatArray,
  o: number,
  ldo: number,
  mr: number,
  nr: number,
  add: boolean,
): void {
  for (let r = 0; r < mr; r++, o += ldo) {
    for (let q = 0; q < nr; q++) out[o + q] = add ? out[o + q] + t[r * NR + q] : t[r * NR + q];
  }
}

/**
 * Packs a block of `lines` x `depth` elements, element (l, k) at `src[off + l*ls + k*ds]`, into
 * slivers of `width` lines: sliver s holds, for each k, the `width` values (s*width + r, k)
 * contiguously; lines past the end are zero. A blocks are packed with lines = rows of A, B panels
 * with lines = columns of B.
 */
function packSlivers(
  lines: number,
  depth: number,
  src: FloatArray,
  off: number,
  ls: number,
  ds: number,
  width: number,
  dst: Float64Array,
): void {
  // NOTE: walk the source along its smaller stride: a row-major B read line by line would touch a
  // new cache line per element.
  const alongDepth = Math.abs(ds) <= Math.abs(ls);
  let base = 0;
  for (let l0 = 0; l0 < lines; l0 += width, base += width * depth) {
    const full = Math.min(width, lines - l0);
    if (full < width) dst.fill(0, base, base + width * depth);
    if (alongDepth) {
      for (let r = 0; r < full; r++) {
        let s = off + (l0 + r) * ls;
        for (let d = base + r, k = 0; k < depth; k++, d += width, s += ds) dst[d] = src[s];
      }
    } else {
      for (let k = 0, d = base; k < depth; k++, d += width) {
        let s = off + l0 * ls + k * ds;
        for (let r = 0; r < full; r++, s += ls) dst[d + r] = src[s];
      }
    }
  }
}

function roundUp(x: number, m: number): number {
  return Math.ceil(x / m) * m;
}
