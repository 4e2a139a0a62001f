import { checkOperand } from "../../core/options.js";
import { backendOf } from "../../ops/dispatch.js";
import * as E from "../../ops/elementwise.js";
import type { Tensor, TensorOrScalar } from "../tensor.js";
import { defineDelegates, defineMethods, type OpsFor } from "./install.js";

/**
 * The elementwise ops as Tensor methods. Most are one-to-one (`x.exp()` is `torch.exp(x)`) and
 * are made from the tables below; the rest are written out.
 */

/** One-to-one unary methods: `x.name()` is `torch.name(x)`; the output has x's shape. */
export interface UnaryMethods {
  /**
   * -x, elementwise (`Tensor.neg`). Shapes: `(*)` -> `(*)`.
   *
   * @example
   * torch.tensor([1, -2]).neg(); // [-1, 2]
   */
  neg(): Tensor;
  /**
   * |x|, elementwise (`Tensor.abs`). Shapes: `(*)` -> `(*)`.
   *
   * @example
   * torch.tensor([-1.5, 2]).abs(); // [1.5, 2]
   */
  abs(): Tensor;
  /**
   * e^x, elementwise (`Tensor.exp`); integers give float32. Shapes: `(*)` -> `(*)`.
   *
   * @example
   * torch.tensor([0, 1]).exp(); // [1, 2.7183]
   */
  exp(): Tensor;
  /** 2^x, elementwise (`Tensor.exp2`); integers give float32. Shapes: `(*)` -> `(*)`. */
  exp2(): Tensor;
  /**
   * The natural logarithm ln(x) (NaN below 0, -inf at 0), elementwise (`Tensor.log`); integers give
   * float32. Shapes: `(*)` -> `(*)`.
   *
   * @example
   * torch.tensor([1, Math.E]).log(); // [0, 1]
   */
  log(): Tensor;
  /** log2(x), elementwise (`Tensor.log2`); integers give float32. Shapes: `(*)` -> `(*)`. */
  log2(): Tensor;
  /** log10(x), elementwise (`Tensor.log10`); integers give float32. Shapes: `(*)` -> `(*)`. */
  log10(): Tensor;
  /**
   * ln(1 + x), accurate for small x, elementwise (`Tensor.log1p`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   */
  log1p(): Tensor;
  /**
   * e^x - 1, accurate for small x, elementwise (`Tensor.expm1`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   */
  expm1(): Tensor;
  /**
   * The square root, elementwise (`Tensor.sqrt`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   *
   * @example
   * torch.tensor([4, 9]).sqrt(); // [2, 3]
   */
  sqrt(): Tensor;
  /** 1 / sqrt(x), elementwise (`Tensor.rsqrt`); integers give float32. Shapes: `(*)` -> `(*)`. */
  rsqrt(): Tensor;
  /** x * x, in x's dtype, elementwise (`Tensor.square`). Shapes: `(*)` -> `(*)`. */
  square(): Tensor;
  /** 1 / x, elementwise (`Tensor.reciprocal`); integers give float32. Shapes: `(*)` -> `(*)`. */
  reciprocal(): Tensor;
  /**
   * sin(x), x in radians, elementwise (`Tensor.sin`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   */
  sin(): Tensor;
  /**
   * cos(x), x in radians, elementwise (`Tensor.cos`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   */
  cos(): Tensor;
  /**
   * tan(x), x in radians, elementwise (`Tensor.tan`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   */
  tan(): Tensor;
  /**
   * arcsin(x), in radians (NaN outside [-1, 1]), elementwise (`Tensor.asin`); integers give
   * float32. Shapes: `(*)` -> `(*)`.
   */
  asin(): Tensor;
  /**
   * arccos(x), in radians (NaN outside [-1, 1]), elementwise (`Tensor.acos`); integers give
   * float32. Shapes: `(*)` -> `(*)`.
   */
  acos(): Tensor;
  /**
   * arctan(x), in radians, elementwise (`Tensor.atan`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   */
  atan(): Tensor;
  /**
   * The hyperbolic sine, elementwise (`Tensor.sinh`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   */
  sinh(): Tensor;
  /**
   * The hyperbolic cosine, elementwise (`Tensor.cosh`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   */
  cosh(): Tensor;
  /**
   * The hyperbolic tangent, elementwise (`Tensor.tanh`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   *
   * @example
   * torch.tensor([0, 100]).tanh(); // [0, 1]
   */
  tanh(): Tensor;
  /**
   * The logistic sigmoid 1 / (1 + e^-x), elementwise (`Tensor.sigmoid`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   *
   * @example
   * torch.tensor([0]).sigmoid(); // [0.5]
   */
  sigmoid(): Tensor;
  /**
   * max(x, 0), elementwise (`Tensor.relu`). Shapes: `(*)` -> `(*)`.
   *
   * @example
   * torch.tensor([-1, 2]).relu(); // [0, 2]
   */
  relu(): Tensor;
  /**
   * The error function (float64 to 1e-15), elementwise (`Tensor.erf`); integers give float32.
   * Shapes: `(*)` -> `(*)`.
   */
  erf(): Tensor;
  /**
   * -1, 0 or 1 by the sign of x, in x's dtype, elementwise (`Tensor.sign`).
   * Shapes: `(*)` -> `(*)`.
   */
  sign(): Tensor;
  /** Rounds down, in x's dtype, elementwise (`Tensor.floor`). Shapes: `(*)` -> `(*)`. */
  floor(): Tensor;
  /** Rounds up, in x's dtype, elementwise (`Tensor.ceil`). Shapes: `(*)` -> `(*)`. */
  ceil(): Tensor;
  /**
   * Rounds half to even, as PyTorch (2.5 -> 2), elementwise (`Tensor.round`).
   * Shapes: `(*)` -> `(*)`.
   *
   * @example
   * torch.tensor([0.5, 1.5, 2.5]).round(); // [0, 2, 2]
   */
  round(): Tensor;
  /** Rounds toward zero, in x's dtype, elementwise (`Tensor.trunc`). Shapes: `(*)` -> `(*)`. */
  trunc(): Tensor;
  /**
   * x - trunc(x), the fractional part with x's sign, elementwise (`Tensor.frac`).
   * Shapes: `(*)` -> `(*)`.
   */
  frac(): Tensor;
  /**
   * Whether x is zero (NaN counts as nonzero), as bool, elementwise (`Tensor.logical_not`).
   * Shapes: `(*)` -> `(*)`.
   */
  logicalNot(): Tensor;
  /** Whether x is NaN, as bool, elementwise (`Tensor.isnan`). Shapes: `(*)` -> `(*)`. */
  isnan(): Tensor;
  /** Whether x is +inf or -inf, as bool, elementwise (`Tensor.isinf`). Shapes: `(*)` -> `(*)`. */
  isinf(): Tensor;
  /**
   * Whether x is neither infinite nor NaN, as bool, elementwise (`Tensor.isfinite`).
   * Shapes: `(*)` -> `(*)`.
   */
  isfinite(): Tensor;
}

/** One-to-one binary methods: `x.name(other)` is `torch.name(x, other)`, with broadcasting. */
export interface BinaryMethods {
  /** a * b, elementwise (`Tensor.mul`); `other` broadcasts. Shapes: `(*)` -> `(*)`. */
  mul(other: TensorOrScalar): Tensor;
  /**
   * a^b (0^0 = 1, as C's pow), elementwise (`Tensor.pow`).
   * Shapes: this and `other` broadcast together.
   */
  pow(exponent: TensorOrScalar): Tensor;
  /**
   * a mod b with the sign of b, as Python's %, elementwise (`Tensor.remainder`).
   * Shapes: this and `other` broadcast together.
   */
  remainder(other: TensorOrScalar): Tensor;
  /**
   * a mod b with the sign of a, as C's fmod, elementwise (`Tensor.fmod`).
   * Shapes: this and `other` broadcast together.
   */
  fmod(other: TensorOrScalar): Tensor;
  /**
   * The smaller of a and b (NaN if either is NaN), elementwise (`Tensor.minimum`).
   * Shapes: this and `other` broadcast together.
   */
  minimum(other: TensorOrScalar): Tensor;
  /**
   * The larger of a and b (NaN if either is NaN), elementwise (`Tensor.maximum`).
   * Shapes: this and `other` broadcast together.
   */
  maximum(other: TensorOrScalar): Tensor;
  /**
   * The angle of the point (b, a), in radians, elementwise (`Tensor.atan2`); integers give float32.
   * Shapes: this and `other` broadcast together.
   */
  atan2(other: TensorOrScalar): Tensor;
  /** a == b, as bool, elementwise (`Tensor.eq`); `other` broadcasts. Shapes: `(*)` -> `(*)`. */
  eq(other: TensorOrScalar): Tensor;
  /** a != b, as bool, elementwise (`Tensor.ne`); `other` broadcasts. Shapes: `(*)` -> `(*)`. */
  ne(other: TensorOrScalar): Tensor;
  /** a < b, as bool, elementwise (`Tensor.lt`); `other` broadcasts. Shapes: `(*)` -> `(*)`. */
  lt(other: TensorOrScalar): Tensor;
  /** a <= b, as bool, elementwise (`Tensor.le`); `other` broadcasts. Shapes: `(*)` -> `(*)`. */
  le(other: TensorOrScalar): Tensor;
  /** a > b, as bool, elementwise (`Tensor.gt`); `other` broadcasts. Shapes: `(*)` -> `(*)`. */
  gt(other: TensorOrScalar): Tensor;
  /** a >= b, as bool, elementwise (`Tensor.ge`); `other` broadcasts. Shapes: `(*)` -> `(*)`. */
  ge(other: TensorOrScalar): Tensor;
  /**
   * a and b (nonzero is true), as bool, elementwise (`Tensor.logical_and`).
   * Shapes: this and `other` broadcast together.
   */
  logicalAnd(other: TensorOrScalar): Tensor;
  /**
   * a or b (nonzero is true), as bool, elementwise (`Tensor.logical_or`).
   * Shapes: this and `other` broadcast together.
   */
  logicalOr(other: TensorOrScalar): Tensor;
  /**
   * a xor b (nonzero is true), as bool, elementwise (`Tensor.logical_xor`).
   * Shapes: this and `other` broadcast together.
   */
  logicalXor(other: TensorOrScalar): Tensor;
}

/** One-to-one methods with options or more operands. */
export interface ElementwiseWithArgsMethods {
  /**
   * this + alpha * other, elementwise (`Tensor.add`). Shapes: this and `other` broadcast together.
   *
   * @example
   * x.add(1); x.add(y, { alpha: -0.5 });
   */
  add(other: TensorOrScalar, options?: { alpha?: number }): Tensor;
  /** this - alpha * other, elementwise (`Tensor.sub`). Shapes: broadcast together. */
  sub(other: TensorOrScalar, options?: { alpha?: number }): Tensor;
  /**
   * this / other, elementwise (`Tensor.div`): true division, or rounded with `roundingMode`
   * (`"trunc"` or `"floor"`). Shapes: broadcast together.
   */
  div(other: TensorOrScalar, options?: { roundingMode?: "trunc" | "floor" }): Tensor;
  /**
   * This clamped into [min, max] (`Tensor.clamp`); either bound may be omitted.
   * Shapes: `(*)` -> `(*)`.
   *
   * @example
   * x.clamp(0, 1);
   */
  clamp(min?: number | Tensor | null, max?: number | Tensor | null): Tensor;
  /** `clamp` under NumPy's name (`Tensor.clip`). */
  clip(min?: number | Tensor | null, max?: number | Tensor | null): Tensor;
  /** this + weight * (end - this) (`Tensor.lerp`). Shapes: broadcast together. */
  lerp(end: Tensor, weight: number | Tensor): Tensor;
  /** this + value * t1 * t2 (`Tensor.addcmul`). Shapes: broadcast together. */
  addcmul(t1: Tensor, t2: Tensor, options?: { value?: number }): Tensor;
  /** this + value * t1 / t2 (`Tensor.addcdiv`). Shapes: broadcast together. */
  addcdiv(t1: Tensor, t2: Tensor, options?: { value?: number }): Tensor;
}

/** Every elementwise method: the one-to-one ones, and those with another argument order. */
export interface ElementwiseMethods
  extends UnaryMethods, BinaryMethods, ElementwiseWithArgsMethods {
  /** other - this, elementwise (`Tensor.rsub`). Shapes: broadcast together. */
  rsub(other: TensorOrScalar): Tensor;
  /** floor(this / other), elementwise (`Tensor.floor_divide`, Python's `//`). */
  floorDivide(other: TensorOrScalar): Tensor;
  /**
   * This where `condition` holds, else `other` (`Tensor.where`, PyTorch's `x.where(cond, y)`).
   * Shapes: this, `condition` and `other` broadcast together.
   */
  where(condition: Tensor, other: TensorOrScalar): Tensor;
}

const ONE_TO_ONE: OpsFor<UnaryMethods & BinaryMethods & ElementwiseWithArgsMethods> = {
  neg: E.neg,
  abs: E.abs,
  exp: E.exp,
  exp2: E.exp2,
  log: E.log,
  log2: E.log2,
  log10: E.log10,
  log1p: E.log1p,
  expm1: E.expm1,
  sqrt: E.sqrt,
  rsqrt: E.rsqrt,
  square: E.square,
  reciprocal: E.reciprocal,
  sin: E.sin,
  cos: E.cos,
  tan: E.tan,
  asin: E.asin,
  acos: E.acos,
  atan: E.atan,
  sinh: E.sinh,
  cosh: E.cosh,
  tanh: E.tanh,
  sigmoid: E.sigmoid,
  relu: E.relu,
  erf: E.erf,
  sign: E.sign,
  floor: E.floor,
  ceil: E.ceil,
  round: E.round,
  trunc: E.trunc,
  frac: E.frac,
  logicalNot: E.logicalNot,
  isnan: E.isnan,
  isinf: E.isinf,
  isfinite: E.isfinite,
  mul: E.mul,
  pow: E.pow,
  remainder: E.remainder,
  fmod: E.fmod,
  minimum: E.minimum,
  maximum: E.maximum,
  atan2: E.atan2,
  eq: E.eq,
  ne: E.ne,
  lt: E.lt,
  le: E.le,
  gt: E.gt,
  ge: E.ge,
  logicalAnd: E.logicalAnd,
  logicalOr: E.logicalOr,
  logicalXor: E.logicalXor,
  add: E.add,
  sub: E.sub,
  div: E.div,
  clamp: E.clamp,
  clip: E.clamp,
  lerp: E.lerp,
  addcmul: E.addcmul,
  addcdiv: E.addcdiv,
};

/**
 * The checks of a method that hands its operands to another op (rsub to sub): done here, so that
 * errors name the method; `other` is a Tensor or a number, and tensors are live, on one device.
 */
function checkOperands(op: string, self: Tensor, other: TensorOrScalar): void {
  checkOperand(op, other, "other");
  backendOf(op, self, ...(typeof other === "object" ? [other] : []));
}

const OTHERS: ThisType<Tensor> & Pick<ElementwiseMethods, "rsub" | "floorDivide" | "where"> = {
  rsub(other) {
    checkOperands("rsub", this, other);
    return E.sub(other, this);
  },
  floorDivide(other) {
    checkOperands("floorDivide", this, other);
    return E.div(this, other, { roundingMode: "floor" });
  },
  where(condition, other) {
    return E.where(condition, this, other);
  },
};

/** @internal Puts the elementwise methods on `Tensor.prototype`. */
export function installElementwiseMethods(proto: object): void {
  defineDelegates(proto, ONE_TO_ONE);
  defineMethods(proto, OTHERS);
}
