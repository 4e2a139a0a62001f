/**
 * The 1-D transforms of Winograd F(4x4, 3x3) (Lavin & Gray, 2015), used by `winograd.ts` along
 * the columns and then along the rows of each tile. The points are 0, ±1, ±2 and ∞; the matrices
 * are written out in each function's comment, and every product is unrolled.
 *
 * @module
 */
import type { FloatArray } from "./gemm.js";

/**
 * A 1-D transform: reads its inputs at `src[s + i*ss]` and writes its outputs at `dst[d + i*ds]`,
 * so that one function serves both the column pass and the row pass of a tile.
 */
export type Transform1d = (
  src: Float64Array,
  s: number,
  ss: number,
  dst: FloatArray,
  d: number,
  ds: number,
) => void;

/** B^T x (6 -> 6), B^T = [[4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0], [0,-2,-1,2,1,0],
 * [0,2,-1,-2,1,0], [0,4,0,-5,0,1]]. */
export const inputTransform1d: Transform1d = (src, s, ss, dst, d, ds) => {
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
};

/** A^T x (6 -> 4), A^T = [[1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0], [0,1,-1,8,-8,1]]. */
export const outputTransform1d: Transform1d = (src, s, ss, dst, d, ds) => {
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
};

/** G x (3 -> 6), G = [[1/4,0,0], [-1/6,-1/6,-1/6], [-1/6,1/6,-1/6], [1/24,1/12,1/6],
 * [1/24,-1/12,1/6], [0,0,1]]. */
export const filterTransform1d: Transform1d = (src, s, ss, dst, d, ds) => {
  // prettier-ignore
  const g0 = src[s], g1 = src[s + ss], g2 = src[s + 2 * ss];
  const p = g0 + g2;
  dst[d] = g0 / 4;
  dst[d + ds] = -(p + g1) / 6;
  dst[d + 2 * ds] = -(p - g1) / 6;
  dst[d + 3 * ds] = g0 / 24 + g1 / 12 + g2 / 6;
  dst[d + 4 * ds] = g0 / 24 - g1 / 12 + g2 / 6;
  dst[d + 5 * ds] = g2;
};

/** A y (4 -> 6): the adjoint of {@link outputTransform1d}. */
export const gradOutputTransform1d: Transform1d = (src, s, ss, dst, d, ds) => {
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
};

/** G^T u (6 -> 3): the adjoint of {@link filterTransform1d}. */
export const filterGradTransform1d: Transform1d = (src, s, ss, dst, d, ds) => {
  // prettier-ignore
  const u0 = src[s], u1 = src[s + ss], u2 = src[s + 2 * ss], u3 = src[s + 3 * ss];
  // prettier-ignore
  const u4 = src[s + 4 * ss], u5 = src[s + 5 * ss];
  dst[d] = u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24;
  dst[d + ds] = (u2 - u1) / 6 + (u3 - u4) / 12;
  dst[d + 2 * ds] = (u3 + u4 - u1 - u2) / 6 + u5;
};
