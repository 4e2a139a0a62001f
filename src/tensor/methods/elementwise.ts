import * as E from "../../ops/elementwise.js";
import type { Tensor, TensorOrScalar } from "../tensor.js";
import { defineDelegates, defineMethods, type OpsFor } from "./install.js";

/**
 * The elementwise ops as Tensor methods. Most are one-to-one (`x.exp()` is `torch.exp(x)`) and
 * are made from the tables below; the rest are written out.
 */

/** One-to-one unary methods: `x.name()` is `torch.name(x)`; the output has x's shape. */
export interface UnaryMethods {
  neg(): Tensor;
  abs(): Tensor;
  exp(): Tensor;
  exp2(): Tensor;
  log(): Tensor;
  log2(): Tensor;
  log10(): Tensor;
  log1p(): Tensor;
  expm1(): Tensor;
  sqrt(): Tensor;
  rsqrt(): Tensor;
  square(): Tensor;
  reciprocal(): Tensor;
  sin(): Tensor;
  cos(): Tensor;
  tan(): Tensor;
  asin(): Tensor;
  acos(): Tensor;
  atan(): Tensor;
  sinh(): Tensor;
  cosh(): Tensor;
  tanh(): Tensor;
  sigmoid(): Tensor;
  relu(): Tensor;
  erf(): Tensor;
  sign(): Tensor;
  floor(): Tensor;
  ceil(): Tensor;
  round(): Tensor;
  trunc(): Tensor;
  frac(): Tensor;
  logicalNot(): Tensor;
  isnan(): Tensor;
  isinf(): Tensor;
  isfinite(): Tensor;
}

/** One-to-one binary methods: `x.name(other)` is `torch.name(x, other)`, with broadcasting. */
export interface BinaryMethods {
  mul(other: TensorOrScalar): Tensor;
  pow(exponent: TensorOrScalar): Tensor;
  remainder(other: TensorOrScalar): Tensor;
  fmod(other: TensorOrScalar): Tensor;
  minimum(other: TensorOrScalar): Tensor;
  maximum(other: TensorOrScalar): Tensor;
  atan2(other: TensorOrScalar): Tensor;
  eq(other: TensorOrScalar): Tensor;
  ne(other: TensorOrScalar): Tensor;
  lt(other: TensorOrScalar): Tensor;
  le(other: TensorOrScalar): Tensor;
  gt(other: TensorOrScalar): Tensor;
  ge(other: TensorOrScalar): Tensor;
  logicalAnd(other: TensorOrScalar): Tensor;
  logicalOr(other: TensorOrScalar): Tensor;
  logicalXor(other: TensorOrScalar): Tensor;
}

/** One-to-one methods with options or more operands. */
export interface ElementwiseWithArgsMethods {
  add(other: TensorOrScalar, options?: { alpha?: number }): Tensor;
  sub(other: TensorOrScalar, options?: { alpha?: number }): Tensor;
  div(other: TensorOrScalar, options?: { roundingMode?: "trunc" | "floor" }): Tensor;
  clamp(min?: number | Tensor | null, max?: number | Tensor | null): Tensor;
  clip(min?: number | Tensor | null, max?: number | Tensor | null): Tensor;
  lerp(end: Tensor, weight: number | Tensor): Tensor;
  /** this + value * t1 * t2 */
  addcmul(t1: Tensor, t2: Tensor, options?: { value?: number }): Tensor;
  /** this + value * t1 / t2 */
  addcdiv(t1: Tensor, t2: Tensor, options?: { value?: number }): Tensor;
}

/** Every elementwise method: the one-to-one ones, and those with another argument order. */
export interface ElementwiseMethods
  extends UnaryMethods, BinaryMethods, ElementwiseWithArgsMethods {
  /** other - this */
  rsub(other: TensorOrScalar): Tensor;
  floorDivide(other: TensorOrScalar): Tensor;
  /** PyTorch's `x.where(condition, y)`: x where condition holds, else y. */
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

const OTHERS: ThisType<Tensor> & Pick<ElementwiseMethods, "rsub" | "floorDivide" | "where"> = {
  rsub(other) {
    return E.sub(other, this);
  },
  floorDivide(other) {
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
