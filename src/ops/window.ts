import type { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../core/errors.js";
import { emptyTensor, runKernel } from "./dispatch.js";
import { cat } from "./movement.js";

/**
 * Sliding-window geometry shared by convolution and pooling: `(h, w)` pairs, the output size of a
 * window sweep, and zero padding after the last rows/columns.
 */

/**
 * The options of the sliding-window ops, declared once for `checkOptions` (the functions in
 * `F` and `torch.*`, and the nn modules, which add their own keys).
 */
export const CONV_OPTIONS = {
  stride: "size",
  padding: "size|string",
  dilation: "size",
  groups: "int",
} as const;
export const CONV_TRANSPOSE_OPTIONS = {
  stride: "size",
  padding: "size",
  outputPadding: "size",
  dilation: "size",
  groups: "int",
} as const;
export const MAX_POOL_OPTIONS = {
  stride: "size|null",
  padding: "size",
  dilation: "size",
  ceilMode: "boolean",
} as const;
export const AVG_POOL_OPTIONS = {
  stride: "size|null",
  padding: "size",
  ceilMode: "boolean",
  countIncludePad: "boolean",
  divisorOverride: "int|null",
} as const;
/** Where a functional op's options object stands, and the example its error shows. */
export const CONV_PLACE = { argument: 4, example: "{ stride: 1, padding: 1 }" } as const;
export const POOL_PLACE = { argument: 3, example: "{ stride: 2, padding: 1 }" } as const;

/** A size for both spatial dims, or `[h, w]`. */
export type Pair = number | readonly [number, number];

/**
 * `(h, w)` from one number or a pair; throws naming `op` unless both are integers (and, given
 * `min`, both at least `min`).
 */
export function pair(v: Pair, name: string, op: string, min?: number): [number, number] {
  const p: [number, number] =
    typeof v === "number" ? [v, v] : Array.isArray(v) ? [v[0], v[1]] : [NaN, NaN];
  const shown = Array.isArray(v) ? `[${v.join(", ")}]` : String(v);
  if (!Number.isInteger(p[0]) || !Number.isInteger(p[1]) || (Array.isArray(v) && v.length !== 2))
    throw new ValueError(op, `${name} must be integers; got ${shown}`);
  if (min !== undefined && (p[0] < min || p[1] < min))
    throw new ValueError(op, `${name} must be integers >= ${min}; got ${shown}`);
  return p;
}

/**
 * The output length of a window of size `k` swept over `size` with stride `s`, padding `p` and
 * dilation `d`: floor((size + 2p - d(k - 1) - 1) / s) + 1, or rounded up in ceil mode (PyTorch's
 * rule: the last window must start inside the input or the left padding).
 */
export function outSize(
  size: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceil = false,
): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // PyTorch: with ceil mode the last window must start inside the input or the left padding
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

/** x (N, C, H, W) with `extra` zero rows and columns appended after its last ones. */
export function padAfter(x: Tensor, extra: readonly [number, number]): Tensor {
  let out = x;
  for (const [dim, n] of [
    [2, extra[0]],
    [3, extra[1]],
  ] as const) {
    if (n === 0) continue;
    const shape = out.shape.slice();
    shape[dim] = n;
    const z = emptyTensor(out.backend, out.dtype, shape, "conv2d");
    runKernel(out.backend, "fill", { value: 0, out: z });
    out = cat([out, z], dim);
  }
  return out;
}
