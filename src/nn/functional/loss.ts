import { recordGradient, type Gradient } from "../../autograd/gradient.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { isFloat } from "../../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { broadcastShapes, fmtShape, shapesEqual } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { eq, gt, where } from "../../ops/elementwise.js";
import { checkValues } from "../../ops/value-checks.js";
import { backendOf } from "../../ops/dispatch.js";
import { softplus } from "./activations.js";

/**
 * Loss functions of `torch.nn.functional`, each a composite of existing ops (no kernel, no
 * gradient of its own), with PyTorch's semantics and reductions. Logs of probabilities go through
 * `logSoftmax`/log-sum-exp forms, never `log(softmax(x))`, so logits of ±1e4 stay finite; where a
 * branch of `where` could be infinite its input is made safe first, so that its (unused) gradient
 * is 0 rather than 0 * inf = NaN.
 */

/** How a loss reduces its elementwise values: keep them, average them, or sum them. */
export type Reduction = "none" | "mean" | "sum";

/** The option every loss takes: how it reduces its elementwise values. */
export interface ReductionOptions {
  /** "none" | "mean" (the default) | "sum". */
  reduction?: Reduction;
}

/** @internal Validates a `reduction` option (shared with the loss modules). */
export function checkReduction(
  op: string,
  reduction: string,
  allowed: readonly string[] = ["none", "mean", "sum"],
): void {
  if (!allowed.includes(reduction)) {
    const list = allowed.map((r) => `"${r}"`);
    throw new ValueError(
      op,
      `invalid reduction "${reduction}" (expected ${list.slice(0, -1).join(", ")} or ${list[list.length - 1]})`,
    );
  }
}

/** @internal Applies `reduction` (shared with the classification losses). */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === "mean") return loss.mean();
  if (reduction === "sum") return loss.sum();
  return loss;
}

/** @internal A floating-point tensor argument, or a DTypeError naming `op` and `name`. */
export function checkFloat(op: string, name: string, t: Tensor): void {
  backendOf(op, t); // a disposed tensor is refused naming the loss
  if (!isFloat(t.dtype))
    throw new DTypeError(
      op,
      `expected a floating-point ${name}; got ${t.dtype} ${name} of shape ${fmtShape(t.shape)}`,
    );
}

/** Checks that input and target are float and broadcastable (PyTorch broadcasts them, with a warning). */
function checkPair(op: string, input: Tensor, target: Tensor): void {
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  if (!shapesEqual(input.shape, target.shape)) broadcastShapes(input.shape, target.shape, op);
}

/**
 * The checks of an elementwise loss between `input` and `target` (float, broadcastable, a valid
 * reduction); returns the reduction ("mean" unless given).
 */
function checkPairLoss(
  op: string,
  input: Tensor,
  target: Tensor,
  options: ReductionOptions,
): Reduction {
  const reduction = options.reduction ?? "mean";
  checkReduction(op, reduction);
  checkPair(op, input, target);
  return reduction;
}

function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      op,
      `target shape ${fmtShape(target.shape)} must match input shape ${fmtShape(input.shape)}`,
    );
  }
}

function checkBroadcastsTo(op: string, name: string, t: Tensor, shape: readonly number[]): void {
  const b = broadcastShapes(t.shape, shape, op);
  if (!shapesEqual(b, shape))
    throw new ShapeError(
      op,
      `${name} ${fmtShape(t.shape)} must broadcast to the input shape ${fmtShape(shape)}`,
    );
}

/**
 * Mean squared error, as PyTorch's `F.mse_loss`: `(input - target)^2`, reduced ("mean" by
 * default).
 *
 * Shapes: input `(*)`, target `(*)` (broadcastable), output `()` or `(*)` for "none".
 *
 * @example
 * F.mseLoss(pred, y); F.mseLoss(pred, y, { reduction: "sum" });
 */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const reduction = checkPairLoss("mseLoss", input, target, options);
  return tidy(() => reduce(input.sub(target).square(), reduction));
}

/**
 * Mean absolute error, as PyTorch's `F.l1_loss`: `|input - target|`, reduced ("mean" by default).
 *
 * Shapes: input `(*)`, target `(*)` (broadcastable), output `()` or `(*)` for "none".
 *
 * @example
 * F.l1Loss(pred, y);
 */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const reduction = checkPairLoss("l1Loss", input, target, options);
  return tidy(() => reduce(input.sub(target).abs(), reduction));
}

/**
 * The piecewise loss behind smooth L1 and Huber: with `z = |input - target|`,
 * `quadratic * z^2` where `z < threshold`, else `(z - threshold / 2) * linear` (no product when
 * `linear` is 1). Huber is `quadratic = 1/2, linear = delta`; smooth L1 is Huber divided by beta,
 * folded into the scales (`quadratic = 1 / (2 beta), linear = 1`) so each keeps its own rounding.
 */
function quadraticThenLinear(
  input: Tensor,
  target: Tensor,
  threshold: number,
  quadratic: number,
  linear: number,
  reduction: Reduction,
): Tensor {
  return tidy(() => {
    const z = input.sub(target).abs();
    const tail = z.sub(0.5 * threshold);
    return reduce(
      where(z.lt(threshold), z.square().mul(quadratic), linear === 1 ? tail : tail.mul(linear)),
      reduction,
    );
  });
}

/**
 * Smooth L1 loss, as PyTorch's `smooth_l1_loss`: `0.5 z^2 / beta` where
 * `z = |input - target| < beta`, else `z - 0.5 beta` (default beta 1; `beta: 0` is the L1 loss).
 * It equals `huberLoss(input, target, { delta: beta }) / beta`.
 *
 * Shapes: input `(*)`, target `(*)` (broadcastable), output `()` or `(*)` for "none".
 *
 * @example
 * F.smoothL1Loss(pred, y, { beta: 0.5 });
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions & { beta?: number } = {},
): Tensor {
  const reduction = checkPairLoss("smoothL1Loss", input, target, options);
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new ValueError("smoothL1Loss", `beta must be >= 0; got ${beta}`);
  if (beta === 0) return l1Loss(input, target, { reduction });
  return quadraticThenLinear(input, target, beta, 0.5 / beta, 1, reduction);
}

/**
 * Huber loss, as PyTorch's `huber_loss`: `0.5 z^2` where `z = |input - target| < delta`, else
 * `delta (z - 0.5 delta)` (default delta 1).
 *
 * Shapes: input `(*)`, target `(*)` (broadcastable), output `()` or `(*)` for "none".
 *
 * @example
 * F.huberLoss(pred, y, { delta: 2 });
 */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions & { delta?: number } = {},
): Tensor {
  const reduction = checkPairLoss("huberLoss", input, target, options);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new ValueError("huberLoss", `delta must be > 0; got ${delta}`);
  return quadraticThenLinear(input, target, delta, 0.5, delta, reduction);
}

/**
 * PyTorch's domain check of `binaryCrossEntropy`: every input value in [0, 1] (NaN fails), the
 * first offender shown (on a GPU the next read throws; see `checkValues`).
 */
function checkProbabilities(op: string, input: Tensor): void {
  checkValues(input, { kind: "probability" }, (v) => {
    // float32 values shortest as float32 (1.1, not 1.100000023841858)
    const shown = input.dtype === "float32" ? Number(v.toPrecision(8)) : v;
    return new ValueError(op, `all elements of input should be between 0 and 1; got ${shown}`);
  });
}

/**
 * The checks of the two binary cross-entropies (float input and target of one shape, a weight
 * that broadcasts to it, a valid reduction); returns the reduction and the weight (or null).
 */
function checkBinaryLoss(
  op: string,
  input: Tensor,
  target: Tensor,
  options: ReductionOptions & { weight?: Tensor | null },
): { reduction: Reduction; weight: Tensor | null } {
  const reduction = options.reduction ?? "mean";
  checkReduction(op, reduction);
  checkFloat(op, "input", input);
  checkFloat(op, "target", target);
  checkSameShape(op, input, target);
  const weight = options.weight ?? null;
  if (weight) checkBroadcastsTo(op, "weight", weight, input.shape);
  return { reduction, weight };
}

/**
 * max(log(p), -100) as PyTorch's BCE, with a gradient that is 0 (not 0 * inf = NaN) where p == 0:
 * the log reads 1 there and the result is -100 by a `where`.
 */
// d/dx = g (x - y) / max((1 - x) x, 1e-12), d/dy = g (log(1 - x) - log(x)): PyTorch's
// binary_cross_entropy backward (the clamped logs' own gradient is 0 where x is 0 or 1), whose
// EPSILON is a float (1e-12 rounded to float32, in float64 too); saves x, y
const BCE_EPSILON = Math.fround(1e-12);
const BCE: Gradient = {
  name: "binaryCrossEntropy",
  saves: { inputs: [0, 1] },
  backward: ([g], [x, y], ctx) => [
    ctx.needsInputGrad(0) ? g!.mul(x!.sub(y!)).div(x!.rsub(1).mul(x!).clamp(BCE_EPSILON)) : null,
    ctx.needsInputGrad(1) ? g!.mul(x!.neg().log1p().sub(x!.log())) : null,
  ],
};

function clampedLog(p: Tensor): Tensor {
  const pos = gt(p, 0);
  return where(pos, where(pos, p, 1).log().clamp(-100), -100);
}

/**
 * Binary cross-entropy of probabilities: `-w (y log(x) + (1 - y) log(1 - x))`, each log clamped to
 * >= -100 as PyTorch (so x = 0 or 1 gives a finite loss). Prefer `binaryCrossEntropyWithLogits`,
 * which is stable for any logit.
 *
 * The gradient is PyTorch's: `(x - y) / max(x (1 - x), 1e-12)` for the input (so a confidently
 * wrong prediction, x = 0 or 1 with the opposite target, gets a large finite gradient rather than
 * the clamped logs' 0) and `log(1 - x) - log(x)` for the target.
 *
 * Input values outside [0, 1] (or NaN) are a `ValueError` as in PyTorch, on the CPU; on a GPU they
 * are not checked (that needs a read back).
 *
 * Shapes: input `(*)` probabilities, target `(*)` (same shape), weight broadcastable to `(*)`.
 *
 * @example
 * F.binaryCrossEntropy(torch.sigmoid(logits), y);
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions & { weight?: Tensor | null } = {},
): Tensor {
  const { reduction, weight } = checkBinaryLoss("binaryCrossEntropy", input, target, options);
  checkProbabilities("binaryCrossEntropy", input);
  return tidy(() => {
    // (y - 1) * log(1 - x) - y * log(x), as PyTorch's kernel writes it, with its own gradient
    let loss = noGrad(() =>
      target
        .sub(1)
        .mul(clampedLog(input.rsub(1)))
        .sub(target.mul(clampedLog(input))),
    );
    recordGradient(BCE, [input, target], [loss], undefined);
    if (weight) loss = loss.mul(weight);
    return reduce(loss, reduction);
  });
}

/** `log(1 + e^z)` for any z: F.softplus without its threshold (exact gradient 1/2 at 0). */
function stableSoftplus(z: Tensor): Tensor {
  return softplus(z, { threshold: Infinity });
}

/**
 * Binary cross-entropy on logits, as PyTorch's `F.binary_cross_entropy_with_logits`, stable for
 * any logit: `softplus(x) - x y`, and with
 * `posWeight` (per class, broadcast along the last dim) `(1 - y) x + (1 + (pw - 1) y) softplus(-x)`.
 * The gradient is `sigmoid(x) - y` (`(1 + (pw - 1) y) sigmoid(x) - pw y`), exact at x = 0.
 *
 * Shapes: input `(*)` logits, target `(*)` (same shape), weight broadcastable to `(*)`,
 * posWeight broadcastable to `(*)` (usually `(C)`).
 *
 * @example
 * F.binaryCrossEntropyWithLogits(logits, y, { posWeight: torch.full([10], 3) });
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {},
): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  const { reduction, weight } = checkBinaryLoss(op, input, target, options);
  const posWeight = options.posWeight ?? null;
  if (posWeight) checkBroadcastsTo(op, "posWeight", posWeight, input.shape);
  return tidy(() => {
    let loss: Tensor;
    if (posWeight) {
      const logWeight = posWeight.sub(1).mul(target).add(1);
      loss = target
        .rsub(1)
        .mul(input)
        .add(logWeight.mul(stableSoftplus(input.neg())));
    } else {
      loss = stableSoftplus(input).sub(input.mul(target));
    }
    if (weight) loss = loss.mul(weight);
    return reduce(loss, reduction);
  });
}

/**
 * Kullback-Leibler divergence with `input` as log-probabilities: per element
 * `target (log(target) - input)` (0 where target is 0), or with `logTarget` (target given as
 * log-probabilities) `exp(target) (target - input)`. "batchmean" divides the sum by the batch size
 * (the mathematically correct KL); "mean" (the default, as PyTorch) by the number of elements.
 *
 * Shapes: input `(*)`, target `(*)` (broadcastable).
 *
 * @example
 * F.klDiv(F.logSoftmax(student, 1), F.softmax(teacher, 1), { reduction: "batchmean" });
 */
export function klDiv(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction | "batchmean"; logTarget?: boolean } = {},
): Tensor {
  const op = "klDiv";
  const reduction = options.reduction ?? "mean";
  checkReduction(op, reduction, ["none", "mean", "sum", "batchmean"]);
  checkPair(op, input, target);
  return tidy(() => {
    let loss: Tensor;
    if (options.logTarget) loss = target.exp().mul(target.sub(input));
    else {
      // xlogy(t, t): 0 where t == 0 (the log reads 1 there, so its gradient stays finite)
      const zero = eq(target, 0);
      const tLogT = where(zero, 0, target.mul(where(zero, 1, target).log()));
      loss = tLogT.sub(target.mul(input));
    }
    if (reduction === "batchmean")
      return input.ndim === 0 ? loss.sum() : loss.sum().div(input.shape[0]!);
    return reduce(loss, reduction);
  });
}

/**
 * Cosine embedding loss: `1 - cos(x1, x2)` where y == 1 and `max(0, cos(x1, x2) - margin)` where
 * y == -1 (0 for any other label), with PyTorch's `cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))`.
 *
 * Shapes: x1, x2 `(N, D)` with y `(N)`, or `(D)` with a 0-d y; y holds 1 or -1 (int32 or float).
 *
 * @example
 * F.cosineEmbeddingLoss(a, b, y, { margin: 0.5 });
 */
export function cosineEmbeddingLoss(
  x1: Tensor,
  x2: Tensor,
  target: Tensor,
  options: ReductionOptions & { margin?: number } = {},
): Tensor {
  const op = "cosineEmbeddingLoss";
  backendOf(op, x1, x2, target);
  const reduction = options.reduction ?? "mean";
  const margin = options.margin ?? 0;
  checkReduction(op, reduction);
  checkFloat(op, "input1", x1);
  checkFloat(op, "input2", x2);
  if (target.ndim > 1)
    throw new ShapeError(op, `expected a 0-D or 1-D target; got ${fmtShape(target.shape)}`);
  const want = target.ndim + 1;
  if (x1.ndim !== want || x2.ndim !== want) {
    throw new ShapeError(
      op,
      `a ${target.ndim}-D target expects ${want}-D inputs; got input1 ${fmtShape(x1.shape)} and input2 ${fmtShape(x2.shape)}`,
    );
  }
  if (!shapesEqual(x1.shape, x2.shape))
    throw new ShapeError(
      op,
      `input1 ${fmtShape(x1.shape)} and input2 ${fmtShape(x2.shape)} must have the same shape`,
    );
  if (target.ndim === 1 && target.shape[0] !== x1.shape[0]) {
    throw new ShapeError(
      op,
      `target ${fmtShape(target.shape)} must have one label per row of the inputs ${fmtShape(x1.shape)}`,
    );
  }
  if (target.dtype === "bool")
    throw new DTypeError(op, `target must hold 1 or -1 (int32 or float); got bool`);
  const dim = target.ndim;
  return tidy(() => {
    const prod = x1.mul(x2).sum(dim);
    const mag1 = x1.square().sum(dim).add(1e-12);
    const mag2 = x2.square().sum(dim).add(1e-12);
    const cos = prod.div(mag1.mul(mag2).sqrt());
    const pos = where(eq(target, 1), cos.rsub(1), 0);
    const neg = where(eq(target, -1), cos.sub(margin).clamp(0), 0);
    return reduce(pos.add(neg), reduction);
  });
}
