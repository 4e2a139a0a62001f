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

/**
 * -x, elementwise (`torch.neg`).
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.neg(torch.tensor([1, -2])); // [-1, 2]
 */
export const neg = (x: Tensor): Tensor => unary(UNARY.neg, x);

/**
 * |x|, elementwise (`torch.abs`).
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.abs(torch.tensor([-1.5, 2])); // [1.5, 2]
 */
export const abs = (x: Tensor): Tensor => unary(UNARY.abs, x);

/**
 * e^x, elementwise (`torch.exp`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.exp(torch.tensor([0, 1])); // [1, 2.7183]
 */
export const exp = (x: Tensor): Tensor => unary(UNARY.exp, x);

/** 2^x, elementwise (`torch.exp2`); integers compute in float32. Shapes: `x: (*)` -> `(*)`. */
export const exp2 = (x: Tensor): Tensor => unary(UNARY.exp2, x);

/**
 * ln(x), elementwise (`torch.log`): NaN below 0, -inf at 0; integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.log(torch.tensor([1, Math.E])); // [0, 1]
 */
export const log = (x: Tensor): Tensor => unary(UNARY.log, x);

/** log2(x), elementwise (`torch.log2`); integers compute in float32. Shapes: `x: (*)` -> `(*)`. */
export const log2 = (x: Tensor): Tensor => unary(UNARY.log2, x);

/**
 * log10(x), elementwise (`torch.log10`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const log10 = (x: Tensor): Tensor => unary(UNARY.log10, x);

/**
 * ln(1 + x), accurate for small x, elementwise (`torch.log1p`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const log1p = (x: Tensor): Tensor => unary(UNARY.log1p, x);

/**
 * e^x - 1, accurate for small x, elementwise (`torch.expm1`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const expm1 = (x: Tensor): Tensor => unary(UNARY.expm1, x);

/**
 * The square root, elementwise (`torch.sqrt`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.sqrt(torch.tensor([4, 9])); // [2, 3]
 */
export const sqrt = (x: Tensor): Tensor => unary(UNARY.sqrt, x);

/**
 * 1 / sqrt(x), elementwise (`torch.rsqrt`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const rsqrt = (x: Tensor): Tensor => unary(UNARY.rsqrt, x);

/** x * x, in x's dtype, elementwise (`torch.square`). Shapes: `x: (*)` -> `(*)`. */
export const square = (x: Tensor): Tensor => unary(UNARY.square, x);

/**
 * 1 / x, elementwise (`torch.reciprocal`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const reciprocal = (x: Tensor): Tensor => unary(UNARY.reciprocal, x);

/**
 * sin(x), x in radians, elementwise (`torch.sin`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const sin = (x: Tensor): Tensor => unary(UNARY.sin, x);

/**
 * cos(x), x in radians, elementwise (`torch.cos`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const cos = (x: Tensor): Tensor => unary(UNARY.cos, x);

/**
 * tan(x), x in radians, elementwise (`torch.tan`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const tan = (x: Tensor): Tensor => unary(UNARY.tan, x);

/**
 * arcsin(x) in radians, elementwise (`torch.asin`); NaN outside [-1, 1]; integers give float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const asin = (x: Tensor): Tensor => unary(UNARY.asin, x);

/**
 * arccos(x) in radians, elementwise (`torch.acos`); NaN outside [-1, 1]; integers give float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const acos = (x: Tensor): Tensor => unary(UNARY.acos, x);

/**
 * arctan(x), in radians, elementwise (`torch.atan`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const atan = (x: Tensor): Tensor => unary(UNARY.atan, x);

/**
 * The hyperbolic sine, elementwise (`torch.sinh`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const sinh = (x: Tensor): Tensor => unary(UNARY.sinh, x);

/**
 * The hyperbolic cosine, elementwise (`torch.cosh`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const cosh = (x: Tensor): Tensor => unary(UNARY.cosh, x);

/**
 * The hyperbolic tangent, elementwise (`torch.tanh`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.tanh(torch.tensor([0, 100])); // [0, 1]
 */
export const tanh = (x: Tensor): Tensor => unary(UNARY.tanh, x);

/**
 * The logistic sigmoid 1 / (1 + e^-x), elementwise (`torch.sigmoid`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.sigmoid(torch.tensor([0])); // [0.5]
 */
export const sigmoid = (x: Tensor): Tensor => unary(UNARY.sigmoid, x);

/**
 * max(x, 0), elementwise (`torch.relu`).
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.relu(torch.tensor([-1, 2])); // [0, 2]
 */
export const relu = (x: Tensor): Tensor => unary(UNARY.relu, x);

/**
 * The error function (float64 to 1e-15), elementwise (`torch.erf`); integers compute in float32.
 * Shapes: `x: (*)` -> `(*)`.
 */
export const erf = (x: Tensor): Tensor => unary(UNARY.erf, x);

/**
 * -1, 0 or 1 by the sign of x, in x's dtype, elementwise (`torch.sign`).
 * Shapes: `x: (*)` -> `(*)`.
 */
export const sign = (x: Tensor): Tensor => unary(UNARY.sign, x);

/** Rounds down, in x's dtype, elementwise (`torch.floor`). Shapes: `x: (*)` -> `(*)`. */
export const floor = (x: Tensor): Tensor => unary(UNARY.floor, x);

/** Rounds up, in x's dtype, elementwise (`torch.ceil`). Shapes: `x: (*)` -> `(*)`. */
export const ceil = (x: Tensor): Tensor => unary(UNARY.ceil, x);

/**
 * Rounds half to even, as PyTorch (2.5 -> 2), elementwise (`torch.round`).
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.round(torch.tensor([0.5, 1.5, 2.5])); // [0, 2, 2]
 */
export const round = (x: Tensor): Tensor => unary(UNARY.round, x);

/** Rounds toward zero, in x's dtype, elementwise (`torch.trunc`). Shapes: `x: (*)` -> `(*)`. */
export const trunc = (x: Tensor): Tensor => unary(UNARY.trunc, x);

/**
 * Whether x is zero (NaN counts as nonzero), as bool, elementwise (`torch.logical_not`).
 * Shapes: `x: (*)` -> `(*)`.
 */
export const logicalNot = (x: Tensor): Tensor => unary(UNARY.logicalNot, x);

/** Whether x is NaN, as bool, elementwise (`torch.isnan`). Shapes: `x: (*)` -> `(*)`. */
export const isnan = (x: Tensor): Tensor => unary(UNARY.isnan, x);

/** Whether x is +inf or -inf, as bool, elementwise (`torch.isinf`). Shapes: `x: (*)` -> `(*)`. */
export const isinf = (x: Tensor): Tensor => unary(UNARY.isinf, x);

/**
 * Whether x is neither infinite nor NaN, as bool, elementwise (`torch.isfinite`).
 * Shapes: `x: (*)` -> `(*)`.
 */
export const isfinite = (x: Tensor): Tensor => unary(UNARY.isfinite, x);

/**
 * a + alpha * b, elementwise (`torch.add`); `a` and `b` may be tensors or JS numbers.
 * Shapes: `a`, `b` broadcast together.
 *
 * @example
 * torch.add(torch.tensor([1, 2]), torch.tensor([10, 20]), { alpha: 2 }); // [21, 42]
 */
export const add = (a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor =>
  withAlpha(BINARY.add, a, b, options?.alpha ?? 1);
/**
 * a - alpha * b, elementwise (`torch.sub`). Shapes: `a`, `b` broadcast together.
 *
 * @example
 * torch.sub(torch.tensor([5, 5]), 1); // [4, 4]
 */
export const sub = (a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor =>
  withAlpha(BINARY.sub, a, b, options?.alpha ?? 1);

/** `a op (alpha * b)`: PyTorch's `alpha` keyword of add and sub. */
function withAlpha(def: BinaryDef, a: TensorOrScalar, b: TensorOrScalar, alpha: number): Tensor {
  if (alpha === 1) return binary(def, a, b);
  const scaled = mul(b, alpha);
  try {
    return binary(def, a, scaled);
  } finally {
    scaled.dispose();
  }
}

/**
 * a * b, elementwise (`torch.mul`).
 * Shapes: `a`, `b` broadcast together.
 *
 * @example
 * torch.mul(torch.tensor([1, 2]), 3); // [3, 6]
 */
export const mul: BinaryFn = (a, b) => binary(BINARY.mul, a, b);
/**
 * a / b, elementwise (`torch.div`): true division (integers give float32), or rounded toward
 * zero (`roundingMode: "trunc"`) or down (`"floor"`, Python's `//`) in the operands' dtype.
 * Shapes: `a`, `b` broadcast together.
 *
 * @example
 * torch.div(torch.tensor([7, -7], { dtype: "int32" }), 2, { roundingMode: "floor" }); // [3, -4]
 */
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

/**
 * a^b (0^0 = 1, as C's pow), elementwise (`torch.pow`).
 * Shapes: `a`, `b` broadcast together.
 *
 * @example
 * torch.pow(torch.tensor([2, 3]), 2); // [4, 9]
 */
export const pow: BinaryFn = (a, b) => binary(BINARY.pow, a, b);

/**
 * The larger of a and b (NaN if either is NaN), elementwise (`torch.maximum`).
 * Shapes: `a`, `b` broadcast together.
 */
export const maximum: BinaryFn = (a, b) => binary(BINARY.maximum, a, b);

/**
 * The smaller of a and b (NaN if either is NaN), elementwise (`torch.minimum`).
 * Shapes: `a`, `b` broadcast together.
 */
export const minimum: BinaryFn = (a, b) => binary(BINARY.minimum, a, b);

/**
 * a mod b with the sign of b, as Python's %, elementwise (`torch.remainder`).
 * Shapes: `a`, `b` broadcast together.
 *
 * @example
 * torch.remainder(torch.tensor([-3, 3]), 2); // [1., 1.]
 */
export const remainder: BinaryFn = (a, b) => binary(BINARY.remainder, a, b);

/**
 * a mod b with the sign of a, as C's fmod, elementwise (`torch.fmod`).
 * Shapes: `a`, `b` broadcast together.
 */
export const fmod: BinaryFn = (a, b) => binary(BINARY.fmod, a, b);

/**
 * The angle of the point (b, a) in radians, elementwise (`torch.atan2`); integers give float32.
 * Shapes: `a`, `b` broadcast together.
 */
export const atan2: BinaryFn = (a, b) => binary(BINARY.atan2, a, b);

/**
 * a == b, as bool, elementwise (`torch.eq`).
 * Shapes: `a`, `b` broadcast together.
 *
 * @example
 * torch.eq(torch.tensor([1, 2]), 2); // [false, true]
 */
export const eq: BinaryFn = (a, b) => binary(BINARY.eq, a, b);

/** a != b, as bool, elementwise (`torch.ne`). Shapes: `a`, `b` broadcast together. */
export const ne: BinaryFn = (a, b) => binary(BINARY.ne, a, b);

/** a < b, as bool, elementwise (`torch.lt`). Shapes: `a`, `b` broadcast together. */
export const lt: BinaryFn = (a, b) => binary(BINARY.lt, a, b);

/** a <= b, as bool, elementwise (`torch.le`). Shapes: `a`, `b` broadcast together. */
export const le: BinaryFn = (a, b) => binary(BINARY.le, a, b);

/** a > b, as bool, elementwise (`torch.gt`). Shapes: `a`, `b` broadcast together. */
export const gt: BinaryFn = (a, b) => binary(BINARY.gt, a, b);

/**
 * @internal relu's gradient: `g` where `y > 0`, else 0 (PyTorch's `threshold_backward(g, y, 0)`).
 * Shapes: `g`, `y` broadcast together.
 */
export const reluBackward: BinaryFn = (g, y) => binary(BINARY.reluBackward, g, y);

/** a >= b, as bool, elementwise (`torch.ge`). Shapes: `a`, `b` broadcast together. */
export const ge: BinaryFn = (a, b) => binary(BINARY.ge, a, b);

/**
 * a and b (nonzero is true), as bool, elementwise (`torch.logical_and`).
 * Shapes: `a`, `b` broadcast together.
 */
export const logicalAnd: BinaryFn = (a, b) => binary(BINARY.logicalAnd, a, b);

/**
 * a or b (nonzero is true), as bool, elementwise (`torch.logical_or`).
 * Shapes: `a`, `b` broadcast together.
 */
export const logicalOr: BinaryFn = (a, b) => binary(BINARY.logicalOr, a, b);

/**
 * a xor b (nonzero is true), as bool, elementwise (`torch.logical_xor`).
 * Shapes: `a`, `b` broadcast together.
 */
export const logicalXor: BinaryFn = (a, b) => binary(BINARY.logicalXor, a, b);

/** x - trunc(x), the fractional part with x's sign (`torch.frac`). Shapes: `x: (*)` -> `(*)`. */
export function frac(x: Tensor): Tensor {
  return composite("frac", [x], () => sub(x, trunc(x)));
}

/**
 * x clamped into [min, max] (`torch.clamp`); either bound may be omitted or a tensor, and NaN
 * stays NaN. The gradient reaches x where it is inside the bounds (inclusive), as in PyTorch.
 * Shapes: `x: (*)`, tensor bounds broadcast to it.
 *
 * @example
 * torch.clamp(torch.tensor([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1]
 */
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

/**
 * input + value * t1 * t2 (`torch.addcmul`). Shapes: all three broadcast together.
 *
 * @example
 * torch.addcmul(x, a, b, { value: 0.5 });
 */
export const addcmul: AddcFn = (input, t1, t2, options) =>
  addScaled("addcmul", input, mul, t1, t2, options?.value ?? 1);

/**
 * input + value * t1 / t2 (`torch.addcdiv`), as Adam's update uses it.
 * Shapes: all three broadcast together.
 */
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

/**
 * start + weight * (end - start), linear interpolation (`torch.lerp`); `weight` is a number
 * or a tensor. Shapes: all broadcast together.
 *
 * @example
 * torch.lerp(torch.zeros([2]), torch.ones([2]), 0.25); // [0.25, 0.25]
 */
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
