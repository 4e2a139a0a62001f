import { ShapeError, ValueError } from "../../core/errors.js";
import { fmtShape } from "../../core/shape.js";
import { tidy } from "../../core/memory.js";
import { checkOptions } from "../../core/options.js";
import { backendOf, composite } from "../../ops/dispatch.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  clamp,
  erf,
  expm1,
  ge,
  gt,
  le,
  log1p,
  exp,
  mul,
  sigmoid,
  tanh,
  where,
} from "../../ops/elementwise.js";

/**
 * Activation functions of `torch.nn.functional`, each a composite of elementwise primitives (no
 * kernel, no gradient of its own). Where a branch can overflow (ELU's exp, softplus's exp), its
 * input is clamped first, so that the branch `where` does not take has a finite gradient
 * (0 * inf would be NaN).
 */

/** The options of the activations whose only option is PyTorch's `inplace`. */
const INPLACE = { inplace: "boolean" } as const;

/**
 * An activation's single hyper-parameter given either as a number or in its options object
 * (`leakyRelu(x, 0.2)` or `leakyRelu(x, { negativeSlope: 0.2 })`).
 *
 * @internal
 */
export function numberOr<K extends string>(
  arg: number | Partial<Record<K, number>> | undefined,
  key: K,
  fallback: number,
): number {
  if (arg === undefined) return fallback;
  if (typeof arg === "number") return arg;
  return arg[key] ?? fallback;
}

/**
 * Writes `out` into `x` (PyTorch's `inplace=True`) and returns `x`; `out` is disposed.
 *
 * @internal
 */
export function writeInto(x: Tensor, out: Tensor): Tensor {
  x.copy_(out);
  out.dispose();
  return x;
}

/**
 * LeakyReLU, as PyTorch's `F.leaky_relu`: `x` where `x > 0`, else `negativeSlope * x` (default
 * 0.01); `inplace` (default false) writes the result into `x`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * F.leakyRelu(x, 0.2); F.leakyRelu(x, { negativeSlope: 0.2 });
 */
export function leakyRelu(
  x: Tensor,
  negativeSlope: number | { negativeSlope?: number; inplace?: boolean } = 0.01,
): Tensor {
  const slope = numberOr(negativeSlope, "negativeSlope", 0.01);
  const out = composite("leakyRelu", [x], () => where(gt(x, 0), x, mul(x, slope)));
  return typeof negativeSlope === "object" && negativeSlope.inplace ? writeInto(x, out) : out;
}

/**
 * ELU, as PyTorch's `F.elu`: `x` where `x > 0`, else `alpha * (exp(x) - 1)` (default alpha 1);
 * `inplace` (default false) writes the result into `x`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * F.elu(x); F.elu(x, { alpha: 0.5 });
 */
export function elu(x: Tensor, alpha: number | { alpha?: number; inplace?: boolean } = 1): Tensor {
  const a = numberOr(alpha, "alpha", 1);
  // NOTE: expm1 of min(x, 0): the positive side would overflow to inf and its (masked) gradient to NaN.
  const out = composite("elu", [x], () => where(gt(x, 0), x, mul(expm1(clamp(x, null, 0)), a)));
  return typeof alpha === "object" && alpha.inplace ? writeInto(x, out) : out;
}

/** The options of `F.gelu`. */
export interface GeluOptions {
  /** "none" (exact, via erf; the default) or "tanh" (the tanh approximation). */
  approximate?: "none" | "tanh";
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, as PyTorch's `F.gelu`: `x * Phi(x)` with Phi the standard normal CDF, computed exactly as
 * `0.5 x (1 + erf(x / sqrt 2))`, or with `approximate: "tanh"` as
 * `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * F.gelu(x); F.gelu(x, { approximate: "tanh" });
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  checkOptions("gelu", options, { approximate: "string" }, { argument: 2 });
  const approximate = options.approximate ?? "none";
  if (approximate !== "none" && approximate !== "tanh")
    throw new ValueError(
      "gelu",
      `approximate must be "none" or "tanh"; got ${JSON.stringify(approximate)}`,
    );
  return composite("gelu", [x], () => {
    if (approximate === "none") return mul(mul(x, 0.5), erf(mul(x, SQRT1_2)).add(1));
    const inner = mul(x.add(mul(x.pow(3), 0.044715)), SQRT_2_OVER_PI);
    return mul(mul(x, 0.5), tanh(inner).add(1));
  });
}

/**
 * SiLU (swish), as PyTorch's `F.silu`: `x * sigmoid(x)`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * F.silu(x);
 */
export function silu(x: Tensor, options: { inplace?: boolean } = {}): Tensor {
  checkOptions("silu", options, INPLACE, { argument: 2 });
  const out = composite("silu", [x], () => mul(x, sigmoid(x)));
  return options.inplace ? writeInto(x, out) : out;
}

/**
 * Mish, as PyTorch's `F.mish`: `x * tanh(softplus(x))`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * F.mish(x);
 */
export function mish(x: Tensor, options: { inplace?: boolean } = {}): Tensor {
  checkOptions("mish", options, INPLACE, { argument: 2 });
  const out = composite("mish", [x], () => mul(x, tanh(softplus(x))));
  return options.inplace ? writeInto(x, out) : out;
}

/** The options of `F.softplus`, with PyTorch's defaults. */
export interface SoftplusOptions {
  /** The slope: softplus is `log(1 + exp(beta x)) / beta` (default 1). */
  beta?: number;
  /** Above `beta * x > threshold` the function is the identity (default 20). */
  threshold?: number;
}

/**
 * Softplus: `log(1 + exp(beta x)) / beta`, and `x` itself where `beta x > threshold` (PyTorch's
 * form). With `z = beta x` it is computed as `z + log1p(exp(-z))` for `z > 0` and
 * `log1p(exp(z))` otherwise (each on a clamped `z`), so it never overflows whatever the
 * threshold, and its gradient is `sigmoid(z)` everywhere (1/2 at 0).
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * F.softplus(x); F.softplus(x, { beta: 2, threshold: 10 });
 */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  const beta = options.beta ?? 1;
  const threshold = options.threshold ?? 20;
  checkOptions("softplus", options, { beta: "number", threshold: "number" }, { argument: 2 });
  return composite("softplus", [x], () => {
    const z = beta === 1 ? x : mul(x, beta);
    const pos = z.add(log1p(exp(clamp(z, 0, null).neg())));
    const neg = log1p(exp(clamp(z, null, 0)));
    const soft = where(gt(z, 0), pos, neg);
    const scaled = beta === 1 ? soft : soft.div(beta);
    // NOTE: no z > Infinity anywhere: the stable BCE-with-logits asks for no threshold at all
    return threshold === Infinity ? scaled : where(gt(z, threshold), x, scaled);
  });
}

/** The options of `F.hardtanh`, with PyTorch's defaults. */
export interface HardtanhOptions {
  /** The lower bound (default -1). */
  minVal?: number;
  /** The upper bound (default 1). */
  maxVal?: number;
  /** Writes the result into the input and returns it (default false). */
  inplace?: boolean;
}

/**
 * HardTanh: `x` clamped to `[minVal, maxVal]` (default [-1, 1]). As in PyTorch, the gradient is
 * zero at the two bounds themselves.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * F.hardtanh(x, { minVal: -2, maxVal: 2 });
 */
export function hardtanh(x: Tensor, options: HardtanhOptions = {}): Tensor {
  checkOptions(
    "hardtanh",
    options,
    { minVal: "number", maxVal: "number", inplace: "boolean" },
    { argument: 2 },
  );
  const lo = options.minVal ?? -1;
  const hi = options.maxVal ?? 1;
  if (lo > hi)
    throw new ValueError(
      "hardtanh",
      `minVal cannot be greater than maxVal; got minVal ${lo}, maxVal ${hi}`,
    );
  const out = composite("hardtanh", [x], () => where(le(x, lo), lo, where(ge(x, hi), hi, x)));
  return options.inplace ? writeInto(x, out) : out;
}

/**
 * PReLU: `x` where `x > 0`, else `weight * x`, with one learned slope per channel (dim 1 of the
 * input) or one shared slope (`weight` of one element).
 *
 * Shapes: input `(N, C, *)` with weight `(C)`, or any input `(*)` with weight `(1)` (inputs of
 * fewer than 2 dims have no channel dim, as in PyTorch).
 *
 * @example
 * F.prelu(x, torch.full([1], 0.25));
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  backendOf("prelu", x, weight);
  const n = weight.numel();
  if (weight.ndim > 1)
    throw new ShapeError(
      "prelu",
      `weight must be a 1-D tensor or a scalar; got ${fmtShape(weight.shape)}`,
    );
  if (n !== 1) {
    const channels = x.ndim >= 2 ? x.shape[1]! : 1;
    if (channels !== n) {
      throw new ShapeError(
        "prelu",
        `mismatch between the number of slopes (${n}) and the number of input channels (dim 1 of ${fmtShape(x.shape)})`,
      );
    }
  }
  return tidy(() => {
    let w = weight;
    if (n !== 1) w = weight.reshape(x.shape.map((s, i) => (i === 1 ? s : 1)));
    else w = weight.reshape([]);
    return where(gt(x, 0), x, mul(w, x));
  });
}
