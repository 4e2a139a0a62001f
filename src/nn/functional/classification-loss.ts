import { indexDTypeError, isFloat } from "../../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { fmtShape, shapesEqual } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { backendOf } from "../../ops/dispatch.js";
import { ne, where } from "../../ops/elementwise.js";
import { logSoftmax } from "../../ops/softmax.js";
import { gatherInRange } from "../../ops/indexing.js";
import { checkValues } from "../../ops/value-checks.js";
import { checkFloat, checkReduction, reduce, type ReductionOptions } from "./loss.js";

/**
 * The classification losses of `torch.nn.functional`: cross-entropy (class indices or class
 * probabilities, label smoothing, class weights, ignoreIndex) and the negative log likelihood,
 * composites over `logSoftmax` with PyTorch's semantics and reductions.
 */

/** The options of `F.crossEntropy`, with PyTorch's defaults. */
export interface CrossEntropyOptions extends ReductionOptions {
  /** A manual rescaling weight per class, shape `(C)`. */
  weight?: Tensor | null;
  /** Targets equal to this (class-index targets only) add nothing and count nothing; default -100. */
  ignoreIndex?: number;
  /** Mixes the target with the uniform distribution: `(1 - eps) target + eps / C`; default 0. */
  labelSmoothing?: number;
}

/** The options of `F.nllLoss`, with PyTorch's defaults. */
export interface NllLossOptions extends ReductionOptions {
  /** A manual rescaling weight per class, shape `(C)`. */
  weight?: Tensor | null;
  /** Targets equal to this add nothing and count nothing; default -100. */
  ignoreIndex?: number;
}

/** The shape of a class-index target for `input` (the class dim removed). */
function indexTargetShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : input.shape.filter((_, i) => i !== 1);
}

function checkClassWeight(op: string, weight: Tensor | null, c: number): void {
  if (!weight) return;
  checkFloat(op, "weight", weight);
  if (weight.ndim !== 1 || weight.shape[0] !== c) {
    throw new ShapeError(
      op,
      `weight must have shape [${c}] (one entry per class); got ${fmtShape(weight.shape)}`,
    );
  }
}

/** Target values must be class indices in [0, C) or ignoreIndex (on a GPU the next read throws). */
function checkTargetValues(op: string, target: Tensor, c: number, ignoreIndex: number): void {
  checkValues(
    target,
    { kind: "index", size: c, except: ignoreIndex },
    (v, i) =>
      new ValueError(
        op,
        `target ${v} is out of bounds for ${c} classes (at flat index ${i}; ignoreIndex is ${ignoreIndex})`,
      ),
  );
}

/**
 * The negative log-likelihood of log-probabilities `logp` at class-index `target` (PyTorch's
 * `nll_loss_nd`): per element `-w[t] logp[t]`, 0 where t == ignoreIndex; "mean" divides the sum by
 * the total weight `sum(w[t])` of the targets not ignored (their count without a weight).
 * Also returns that total weight, for label smoothing.
 */
function nllCore(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
): { losses: Tensor; weights: Tensor } {
  const classDim = logp.ndim === 1 ? 0 : 1;
  const keep = ne(target, ignoreIndex);
  // ignored targets read class 0 (any valid index), then are masked out
  const safe = where(keep, target, 0);
  // the target's values were checked by the caller (checkTargetValues)
  const picked = gatherInRange(logp, classDim, safe.unsqueeze(classDim)).squeeze(classDim);
  const w = weight
    ? weight.indexSelect(0, safe.reshape(-1)).reshape(target.shape)
    : keep.toType(logp.dtype);
  const weights = weight ? where(keep, w, 0) : w;
  // where, not a product: an ignored target whose logit is -inf would give -inf * 0 = NaN
  const losses = where(keep, picked.mul(weights).neg(), 0);
  return { losses, weights };
}

function classificationDtypes(op: string, input: Tensor): void {
  checkFloat(op, "input", input);
  if (input.ndim === 0)
    throw new ShapeError(
      op,
      `expected input of shape (C), (N, C) or (N, C, d1, ...); got a 0-d input`,
    );
}

/**
 * Cross-entropy between logits and class-index targets or class probabilities, as PyTorch's
 * `cross_entropy`: `logSoftmax` over the class dim, then the NLL (index targets) or
 * `-sum(p log q)` (probability targets), with `weight`, `ignoreIndex` and `labelSmoothing`.
 * Weighted "mean" divides by the total weight of the targets not ignored, as PyTorch; for
 * probability targets "mean" divides by the number of rows (N * d1 * ...).
 *
 * Shapes: input `(N, C)`, `(N, C, d1, ...)` or `(C)`; target int32 class indices `(N)`,
 * `(N, d1, ...)` or `()`, or float probabilities of the input's shape; output `()` or the target's
 * shape (without C) for "none".
 *
 * @example
 * const loss = F.crossEntropy(model.forward(x), y); // y: int32 [N]
 * F.crossEntropy(logits, y, { labelSmoothing: 0.1, ignoreIndex: 0 });
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  const op = "crossEntropy";
  backendOf(op, input, target);
  const reduction = options.reduction ?? "mean";
  const ignoreIndex = options.ignoreIndex ?? -100;
  const eps = options.labelSmoothing ?? 0;
  const weight = options.weight ?? null;
  checkReduction(op, reduction);
  classificationDtypes(op, input);
  const classDim = input.ndim === 1 ? 0 : 1;
  const c = input.shape[classDim]!;
  checkClassWeight(op, weight, c);
  if (!(eps >= 0 && eps <= 1))
    throw new ValueError(op, `labelSmoothing must be between 0 and 1; got ${eps}`);
  if (!Number.isInteger(ignoreIndex))
    throw new ValueError(op, `ignoreIndex must be an integer; got ${ignoreIndex}`);
  const idxShape = indexTargetShape(input);
  const isProb = shapesEqual(target.shape, input.shape);
  if (!isProb && !shapesEqual(target.shape, idxShape)) {
    throw new ShapeError(
      op,
      `expected target of shape ${fmtShape(idxShape)} (int32 class indices) or ${fmtShape(input.shape)} (probabilities); got ${fmtShape(target.shape)}`,
    );
  }
  if (isProb && !isFloat(target.dtype)) {
    throw new DTypeError(
      op,
      `a target of the input's shape ${fmtShape(input.shape)} holds class probabilities and must be floating point; got ${target.dtype}`,
    );
  }
  if (!isProb && target.dtype !== "int32") throw indexDTypeError(op, "class targets", target.dtype);
  if (isProb && ignoreIndex >= 0)
    throw new ValueError(
      op,
      `ignoreIndex is not supported for probability targets; got ignoreIndex ${ignoreIndex}`,
    );
  if (!isProb) checkTargetValues(op, target, c, ignoreIndex);

  const wShape = input.shape.map((s, i) => (i === classDim ? s : 1));
  return tidy(() => {
    const logp = logSoftmax(input, classDim);
    if (isProb) {
      const p = eps > 0 ? target.mul(1 - eps).add(eps / c) : target;
      const lw = weight ? logp.mul(weight.reshape(wShape)) : logp;
      const prod = lw.mul(p);
      if (reduction === "none") return prod.sum(classDim).neg();
      if (reduction === "sum") return prod.sum().neg();
      return prod
        .sum()
        .neg()
        .div(input.numel() / c);
    }
    const { losses, weights } = nllCore(logp, target, weight, ignoreIndex);
    const reduceNll = (l: Tensor): Tensor =>
      reduction === "mean" ? l.sum().div(weights.sum()) : reduce(l, reduction);
    const nll = reduceNll(losses);
    if (eps === 0) return nll;
    // label smoothing: PyTorch adds eps / C times the (weighted) sum of -logp over the classes
    const lw = weight ? logp.mul(weight.reshape(wShape)) : logp;
    const smooth = where(ne(target, ignoreIndex), lw.sum(classDim).neg(), 0);
    return nll.mul(1 - eps).add(reduceNll(smooth).mul(eps / c));
  });
}

/**
 * Negative log-likelihood of log-probabilities (e.g. `logSoftmax` output) at class-index targets,
 * as PyTorch's `nll_loss`, with `weight` and `ignoreIndex`; weighted "mean" divides by the total
 * weight of the targets not ignored.
 *
 * Shapes: input `(N, C)`, `(N, C, d1, ...)` or `(C)`; target int32 `(N)`, `(N, d1, ...)` or `()`.
 *
 * @example
 * F.nllLoss(F.logSoftmax(logits, 1), y);
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = "nllLoss";
  backendOf(op, input, target);
  const reduction = options.reduction ?? "mean";
  const ignoreIndex = options.ignoreIndex ?? -100;
  const weight = options.weight ?? null;
  checkReduction(op, reduction);
  classificationDtypes(op, input);
  const c = input.shape[input.ndim === 1 ? 0 : 1]!;
  checkClassWeight(op, weight, c);
  const idxShape = indexTargetShape(input);
  if (!shapesEqual(target.shape, idxShape)) {
    throw new ShapeError(
      op,
      `expected an int32 target of shape ${fmtShape(idxShape)} for input ${fmtShape(input.shape)}; got ${fmtShape(target.shape)}`,
    );
  }
  if (target.dtype !== "int32") throw indexDTypeError(op, "class targets", target.dtype);
  checkTargetValues(op, target, c, ignoreIndex);
  return tidy(() => {
    const { losses, weights } = nllCore(input, target, weight, ignoreIndex);
    return reduction === "mean" ? losses.sum().div(weights.sum()) : reduce(losses, reduction);
  });
}
