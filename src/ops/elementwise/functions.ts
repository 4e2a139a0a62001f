import { ValueError } from "../../core/errors.js";
import type { Tensor, TensorOrScalar } from "../../tensor/tensor.js";
import { composite } from "../dispatch.js";
import { BINARY, type BinaryDef } from "./binary-table.js";
import { binary, unary } from "./run.js";
import { UNARY } from "./unary-table.js";

/** A binary elementwise function: tensors or JS numbers, broadcast together. */
type BinaryFn = (a: TensorOrScalar, b: TensorOrScalar) => Tensor;

/**
 * The public elementwise functions: one line per primitive of the tables, plus the composites
 * (clamp, addcmul, addcdiv, lerp). `where` is in `run.ts`, `cast` in `copy.ts`.
 */

export const neg = (x: Tensor): Tensor => unary(UNARY.neg, x);
export const abs = (x: Tensor): Tensor => unary(UNARY.abs, x);
export const exp = (x: Tensor): Tensor => unary(UNARY.exp, x);
export const exp2 = (x: Tensor): Tensor => unary(UNARY.exp2, x);
export const log = (x: Tensor): Tensor => unary(UNARY.log, x);
export const log2 = (x: Tensor): Tensor => unary(UNARY.log2, x);
export const log10 = (x: Tensor): Tensor => unary(UNARY.log10, x);
export const log1p = (x: Tensor): Tensor => unary(UNARY.log1p, x);
export const expm1 = (x: Tensor): Tensor => unary(UNARY.expm1, x);
export const sqrt = (x: Tensor): Tensor => unary(UNARY.sqrt, x);
export const rsqrt = (x: Tensor): Tensor => unary(UNARY.rsqrt, x);
export const square = (x: Tensor): Tensor => unary(UNARY.square, x);
export const reciprocal = (x: Tensor): Tensor => unary(UNARY.reciprocal, x);
export const sin = (x: Tensor): Tensor => unary(UNARY.sin, x);
export const cos = (x: Tensor): Tensor => unary(UNARY.cos, x);
export const tan = (x: Tensor): Tensor => unary(UNARY.tan, x);
export const asin = (x: Tensor): Tensor => unary(UNARY.asin, x);
export const acos = (x: Tensor): Tensor => unary(UNARY.acos, x);
export const atan = (x: Tensor): Tensor => unary(UNARY.atan, x);
export const sinh = (x: Tensor): Tensor => unary(UNARY.sinh, x);
export const cosh = (x: Tensor): Tensor => unary(UNARY.cosh, x);
export const tanh = (x: Tensor): Tensor => unary(UNARY.tanh, x);
export const sigmoid = (x: Tensor): Tensor => unary(UNARY.sigmoid, x);
export const relu = (x: Tensor): Tensor => unary(UNARY.relu, x);
export const erf = (x: Tensor): Tensor => unary(UNARY.erf, x);
export const sign = (x: Tensor): Tensor => unary(UNARY.sign, x);
export const floor = (x: Tensor): Tensor => unary(UNARY.floor, x);
export const ceil = (x: Tensor): Tensor => unary(UNARY.ceil, x);
export const round = (x: Tensor): Tensor => unary(UNARY.round, x);
export const trunc = (x: Tensor): Tensor => unary(UNARY.trunc, x);
export const logicalNot = (x: Tensor): Tensor => unary(UNARY.logicalNot, x);
export const isnan = (x: Tensor): Tensor => unary(UNARY.isnan, x);
export const isinf = (x: Tensor): Tensor => unary(UNARY.isinf, x);
export const isfinite = (x: Tensor): Tensor => unary(UNARY.isfinite, x);

/** a + alpha * b */
export const add = (a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor =>
  withAlpha(BINARY.add, a, b, options?.alpha ?? 1);
/** a - alpha * b */
export const sub = (a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor =>
  withAlpha(BINARY.sub, a, b, options?.alpha ?? 1);

/** `a op (alpha * b)`: PyTorch's `alpha` keyword of add and sub. */
function withAlpha(def: BinaryDef, a: TensorOrScalar, b: TensorOrScalar, alpha: number): Tensor {
  if (alpha === 1) return binary(def, a, b);
  const scaled = mul(b, alpha);
  const out = binary(def, a, scaled);
  scaled.dispose();
  return out;
}
export const mul: BinaryFn = (a, b) => binary(BINARY.mul, a, b);
/** True division, or rounded with `roundingMode` ("trunc" or "floor", as `//`). */
export function div(
  a: TensorOrScalar,
  b: TensorOrScalar,
  options?: { roundingMode?: "trunc" | "floor" },
): Tensor {
  const mode = options?.roundingMode;
  if (mode === undefined) return binary(BINARY.div, a, b);
  if (mode === "trunc") return binary(BINARY.divTrunc, a, b);
  if (mode === "floor") return binary(BINARY.divFloor, a, b);
  throw new ValueError("div", `roundingMode must be "trunc" or "floor"; got ${String(mode)}`);
}
export const pow: BinaryFn = (a, b) => binary(BINARY.pow, a, b);
export const maximum: BinaryFn = (a, b) => binary(BINARY.maximum, a, b);
export const minimum: BinaryFn = (a, b) => binary(BINARY.minimum, a, b);
export const remainder: BinaryFn = (a, b) => binary(BINARY.remainder, a, b);
export const fmod: BinaryFn = (a, b) => binary(BINARY.fmod, a, b);
export const atan2: BinaryFn = (a, b) => binary(BINARY.atan2, a, b);
export const eq: BinaryFn = (a, b) => binary(BINARY.eq, a, b);
export const ne: BinaryFn = (a, b) => binary(BINARY.ne, a, b);
export const lt: BinaryFn = (a, b) => binary(BINARY.lt, a, b);
export const le: BinaryFn = (a, b) => binary(BINARY.le, a, b);
export const gt: BinaryFn = (a, b) => binary(BINARY.gt, a, b);
export const ge: BinaryFn = (a, b) => binary(BINARY.ge, a, b);
export const logicalAnd: BinaryFn = (a, b) => binary(BINARY.logicalAnd, a, b);
export const logicalOr: BinaryFn = (a, b) => binary(BINARY.logicalOr, a, b);
export const logicalXor: BinaryFn = (a, b) => binary(BINARY.logicalXor, a, b);

/** The fractional part, x - trunc(x), with x's sign (PyTorch's `frac`). */
export function frac(x: Tensor): Tensor {
  return composite("frac", [x], () => sub(x, trunc(x)));
}

/** Clamps into [min, max]; either bound may be omitted, NaN propagates. */
export function clamp(
  x: Tensor,
  min?: number | Tensor | null,
  max?: number | Tensor | null,
): Tensor {
  return composite("clamp", [x], () => {
    const hasMin = min !== undefined && min !== null;
    const hasMax = max !== undefined && max !== null;
    if (!hasMin && !hasMax)
      throw new ValueError("clamp", "at least one of min and max must be given");
    if (!hasMax) return binary(BINARY.clampMin, x, min!);
    if (!hasMin) return binary(BINARY.clampMax, x, max!);
    const lo = binary(BINARY.clampMin, x, min!);
    const out = binary(BINARY.clampMax, lo, max!);
    lo.dispose();
    return out;
  });
}

/** addcmul and addcdiv: `input + value * op(t1, t2)`. */
type AddcFn = (input: Tensor, t1: Tensor, t2: Tensor, options?: { value?: number }) => Tensor;

/** input + value * t1 * t2 */
export const addcmul: AddcFn = (input, t1, t2, options) =>
  addScaled("addcmul", input, mul, t1, t2, options?.value ?? 1);

/** input + value * t1 / t2 */
export const addcdiv: AddcFn = (input, t1, t2, options) =>
  addScaled("addcdiv", input, div, t1, t2, options?.value ?? 1);

/** input + value * op(t1, t2), as one composite named `name`. */
function addScaled(
  name: string,
  input: Tensor,
  op: (a: Tensor, b: Tensor) => Tensor,
  t1: Tensor,
  t2: Tensor,
  value: number,
): Tensor {
  return composite(name, [input, t1, t2], () => {
    const p = op(t1, t2);
    const out = add(input, p, { alpha: value });
    p.dispose();
    return out;
  });
}

/** start + weight * (end - start) */
export function lerp(start: Tensor, end: Tensor, weight: number | Tensor): Tensor {
  return composite("lerp", [start, end], () => {
    const d = sub(end, start);
    const w = mul(d, weight);
    const out = add(start, w);
    d.dispose();
    w.dispose();
    return out;
  });
}
