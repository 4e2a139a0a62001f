import type { DType } from "../../core/dtype.js";
import { contiguousStrides, isContiguous, type View } from "../../core/layout.js";
import type { Shape } from "../../core/shape.js";

/**
 * Pieces of gpu.js kernel source shared by the kernel families. Kernels index their inputs as
 * flat arrays; these helpers write the index arithmetic of a strided view with its shape,
 * strides and offset as literal numbers (float arithmetic, exact below 2^24 elements).
 */

/** A number as kernel source (always with a decimal point, so gpu.js types it as a float). */
export function lit(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`internal: gpujs: a non-finite literal ${n}`);
  return Number.isInteger(n) ? `${n}.0` : `${n}`;
}

/**
 * The flat storage index of element `i` (row-major over `shape`) of view `v`, whose shape is
 * `shape` (broadcast already applied as stride 0).
 */
export function stridedIndex(v: View, shape: Shape, i = "i"): string {
  if (isContiguous(shape, v.strides) && v.strides.length === shape.length)
    return v.offset === 0 ? i : `(${i} + ${lit(v.offset)})`;
  const cs = contiguousStrides(shape);
  const terms: string[] = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    const s = v.strides[d]!;
    if (n === 1 || s === 0) continue;
    const q = cs[d] === 1 ? i : `Math.floor(${i} / ${lit(cs[d]!)})`;
    const c = d === 0 ? q : `(${q} % ${lit(n)})`;
    terms.push(s === 1 ? c : `${c} * ${lit(s)}`);
  }
  if (v.offset !== 0 || terms.length === 0) terms.unshift(lit(v.offset));
  return `(${terms.join(" + ")})`;
}

/** The key fragment that identifies a view's layout (for the kernel cache). */
export function layoutKey(v: View): string {
  return `${v.shape.join("x")}/${v.strides.join(",")}@${v.offset}`;
}

/**
 * `expr` converted to what an output of `dtype` stores: int32 truncates toward zero (as storing
 * into an Int32Array does), bool is 1 for anything nonzero (NaN included, as in PyTorch).
 */
export function storeAs(dtype: DType, expr: string): string {
  switch (dtype) {
    case "int32":
      return `Math.trunc(${expr})`;
    case "bool":
      return `(${expr} != 0.0 ? 1.0 : 0.0)`;
    case "float32":
    case "float64":
      return expr;
    default:
      return dtype satisfies never;
  }
}

/** A kernel function's source: its parameters and body (which reads `i`, the output index). */
export function kernelSource(params: readonly string[], body: string): string {
  return `function (${params.join(", ")}) {\n  const i = this.thread.x;\n  ${body}\n}`;
}
