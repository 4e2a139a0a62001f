import * as E from "../../ops/elementwise.js";
import { maskedFillAs } from "../../ops/indexing.js";
import type { Tensor, TensorOrScalar } from "../tensor.js";
import { defineDelegates, type OpsFor } from "./install.js";

/**
 * The in-place methods (`add_`, `zero_`, `uniform_`, ...): they write the result into this
 * tensor's storage, bump its version counter and return this tensor.
 */
export interface InPlaceMethods {
  /**
   * this += alpha * other, in place (`Tensor.add_`); returns this. Writes straight into the storage
   * when no graph is recorded. Shapes: `other` broadcasts to this shape.
   *
   * @example
   * torch.noGrad(() => p.add_(grad, { alpha: -lr }));
   */
  add_(other: TensorOrScalar, options?: { alpha?: number }): this;
  /** this -= alpha * other, in place (`Tensor.sub_`). Shapes: `other` broadcasts to this shape. */
  sub_(other: TensorOrScalar, options?: { alpha?: number }): this;
  /** this *= other, in place (`Tensor.mul_`). Shapes: `other` broadcasts to this shape. */
  mul_(other: TensorOrScalar): this;
  /** this /= other, in place (`Tensor.div_`); integers cannot hold the float result and throw. */
  div_(other: TensorOrScalar): this;
  /** this = this ^ exponent, in place (`Tensor.pow_`). */
  pow_(exponent: TensorOrScalar): this;
  /** This clamped into [min, max], in place (`Tensor.clamp_`). */
  clamp_(min?: number | null, max?: number | null): this;
  /** this = -this, in place (`Tensor.neg_`). */
  neg_(): this;
  /** this = sqrt(this), in place (`Tensor.sqrt_`). */
  sqrt_(): this;
  /** this = e^this, in place (`Tensor.exp_`). */
  exp_(): this;
  /** this = max(this, 0), in place (`Tensor.relu_`). */
  relu_(): this;
  /** this += value * t1 * t2, in place (`Tensor.addcmul_`). */
  addcmul_(t1: Tensor, t2: Tensor, options?: { value?: number }): this;
  /** this += value * t1 / t2, in place (`Tensor.addcdiv_`). */
  addcdiv_(t1: Tensor, t2: Tensor, options?: { value?: number }): this;
  /** this += weight * (end - this), in place (`Tensor.lerp_`). */
  lerp_(end: Tensor, weight: number): this;
  /** Every element becomes `value`, in place (`Tensor.fill_`); cuts this from the graph. */
  fill_(value: number): this;
  /**
   * Every element becomes 0, in place (`Tensor.zero_`).
   *
   * @example
   * p.grad?.zero_();
   */
  zero_(): this;
  /**
   * `src` written into this tensor (`Tensor.copy_`), broadcast to its shape and converted to its
   * dtype; the gradient flows back to `src`.
   */
  copy_(src: Tensor): this;
  /** `value` where `mask` is true, in place (`Tensor.masked_fill_`). */
  maskedFill_(mask: Tensor, value: number | Tensor): this;
  /**
   * Refilled with uniform values in [low, high) (default [0, 1)) from the global generator
   * (`Tensor.uniform_`).
   */
  uniform_(low?: number, high?: number): this;
  /**
   * Refilled with normal values (default mean 0, std 1) from the global generator
   * (`Tensor.normal_`).
   */
  normal_(mean?: number, std?: number): this;
}

/**
 * `self op= other` for add and sub: straight into self (no temporary) when alpha is 1, else
 * through `inPlace`.
 */
function addOrSub_(op: "add_" | "sub_", self: Tensor, other: TensorOrScalar, alpha?: number) {
  const def = op === "add_" ? E.BINARY.add : E.BINARY.sub;
  if ((alpha ?? 1) === 1) return E.binaryInPlace(self, op, def, other);
  const f = op === "add_" ? E.add : E.sub;
  return E.inPlace(self, op, (t) => f(t, other, { alpha }));
}

const IN_PLACE: OpsFor<InPlaceMethods> = {
  add_: (x, other, options) => addOrSub_("add_", x, other, options?.alpha),
  sub_: (x, other, options) => addOrSub_("sub_", x, other, options?.alpha),
  mul_: (x, other) => E.binaryInPlace(x, "mul_", E.BINARY.mul, other),
  div_: (x, other) => E.binaryInPlace(x, "div_", E.BINARY.div, other),
  pow_: (x, exponent) => E.inPlace(x, "pow_", (t) => E.pow(t, exponent)),
  clamp_: (x, min, max) => E.inPlace(x, "clamp_", (t) => E.clamp(t, min, max)),
  neg_: (x) => E.inPlace(x, "neg_", E.neg),
  sqrt_: (x) => E.inPlace(x, "sqrt_", E.sqrt),
  exp_: (x) => E.inPlace(x, "exp_", E.exp),
  relu_: (x) => E.inPlace(x, "relu_", E.relu),
  addcmul_: (x, t1, t2, options) => E.inPlace(x, "addcmul_", (t) => E.addcmul(t, t1, t2, options)),
  addcdiv_: (x, t1, t2, options) => E.inPlace(x, "addcdiv_", (t) => E.addcdiv(t, t1, t2, options)),
  lerp_: (x, end, weight) => E.inPlace(x, "lerp_", (t) => E.lerp(t, end, weight)),
  fill_: (x, value) => E.fillInPlace(x, value, "fill_"),
  zero_: (x) => E.fillInPlace(x, 0, "zero_"),
  copy_: (x, src) => E.copyInPlace(x, src),
  maskedFill_: (x, mask, value) =>
    E.inPlace(x, "maskedFill_", (t) => maskedFillAs("maskedFill_", t, mask, value)),
  uniform_: (x, low = 0, high = 1) => E.randomInPlace(x, "uniform", low, high, "uniform_"),
  normal_: (x, mean = 0, std = 1) => E.randomInPlace(x, "normal", mean, std, "normal_"),
};

/** @internal Puts the in-place methods on `Tensor.prototype`. */
export function installInPlaceMethods(proto: object): void {
  defineDelegates(proto, IN_PLACE);
}
