import { ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { checkOptions } from "../../core/options.js";
import { backendOf } from "../../ops/dispatch.js";
import { fmtShape, numel } from "../../core/shape.js";
import { noGrad } from "../../autograd/grad-mode.js";
import type { Tensor } from "../../tensor/tensor.js";
import { sub } from "../../ops/elementwise.js";

/**
 * Normalisation layers as composites: `(x - mean) * rsqrt(var + eps)`, then an optional affine
 * `* weight + bias`. The variance that normalises is the biased one (divide by N), as PyTorch's.
 */

/** The options of layerNorm and groupNorm. */
const NORM_OPTIONS = { weight: "tensor|null", bias: "tensor|null", eps: "number" } as const;

/** The tensors among optional arguments (null and undefined are "not given"). */
function present(...ts: (Tensor | null | undefined)[]): Tensor[] {
  return ts.filter((t): t is Tensor => t != null);
}

export interface BatchNormOptions {
  /** Per-channel scale `(C)`; none by default. */
  weight?: Tensor | null;
  /** Per-channel shift `(C)`; none by default. */
  bias?: Tensor | null;
  /** Use the batch statistics (and update the running ones); default false, as `F.batch_norm`. */
  training?: boolean;
  /**
   * Weight of the new batch statistic in the running average (default 0.1). A 0-d tensor also
   * works (what `BatchNorm`'s cumulative average uses, so that it needs no readback).
   */
  momentum?: number | Tensor;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** The shape that broadcasts a per-channel `(C)` tensor against `x` `(N, C, *)`. */
function channelShape(x: Tensor): number[] {
  return x.shape.map((s, i) => (i === 1 ? s : 1));
}

function checkPerChannel(t: Tensor | null | undefined, name: string, c: number, op: string): void {
  if (t && (t.ndim !== 1 || t.shape[0] !== c))
    throw new ShapeError(
      op,
      `${name} must have shape [${c}] (the input's channels); got ${fmtShape(t.shape)}`,
    );
}

/**
 * Batch normalisation over every dim but the channel dim 1. In training it normalises with the
 * batch mean and (biased) variance and, when running statistics are given, updates them in place:
 * `running = (1 - momentum) * running + momentum * batchStat`, with the unbiased variance (as
 * PyTorch). Otherwise it normalises with the running statistics.
 *
 * Shapes: x `(N, C, *)`, runningMean/runningVar/weight/bias `(C)`, output `(N, C, *)`.
 *
 * @example
 * F.batchNorm(x, runningMean, runningVar, { weight, bias, training: true, momentum: 0.1 });
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  checkOptions(
    "batchNorm",
    options,
    {
      weight: "tensor|null",
      bias: "tensor|null",
      training: "boolean",
      momentum: "number|tensor",
      eps: "number",
    },
    { argument: 4 },
  );
  backendOf("batchNorm", x, ...present(runningMean, runningVar, options.weight, options.bias));
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (x.ndim < 2)
    throw new ShapeError(
      "batchNorm",
      `expected an input [N, C, *] of at least 2 dims; got ${fmtShape(x.shape)}`,
    );
  const c = x.shape[1]!;
  checkPerChannel(runningMean, "runningMean", c, "batchNorm");
  checkPerChannel(runningVar, "runningVar", c, "batchNorm");
  checkPerChannel(options.weight, "weight", c, "batchNorm");
  checkPerChannel(options.bias, "bias", c, "batchNorm");
  if (!training && (!runningMean || !runningVar))
    throw new ValueError("batchNorm", "runningMean and runningVar must be given when not training");
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const n = numel(x.shape) / Math.max(c, 1);
  if (training && n <= 1)
    throw new ValueError(
      "batchNorm",
      `expected more than 1 value per channel when training; got input ${fmtShape(x.shape)}`,
    );
  const shape = channelShape(x);
  return tidy(() => {
    let y: Tensor;
    if (training) {
      const mean = x.mean(axes, true);
      const d = x.sub(mean);
      const v = d.square().mean(axes, true);
      y = d.mul(v.add(eps).rsqrt());
      if (runningMean && runningVar) {
        noGrad(() => {
          // unbiased variance for the running estimate, as PyTorch
          const keepW = typeof momentum === "number" ? 1 - momentum : sub(1, momentum);
          const varW =
            typeof momentum === "number" ? (momentum * n) / (n - 1) : momentum.mul(n / (n - 1));
          runningMean.mul_(keepW).add_(mean.reshape(c).mul(momentum));
          runningVar.mul_(keepW).add_(v.reshape(c).mul(varW));
        });
      }
    } else {
      y = x.sub(runningMean!.reshape(shape)).mul(runningVar!.reshape(shape).add(eps).rsqrt());
    }
    if (options.weight) y = y.mul(options.weight.reshape(shape));
    if (options.bias) y = y.add(options.bias.reshape(shape));
    return y;
  });
}

/** The options of `F.layerNorm`, with PyTorch's defaults. */
export interface LayerNormOptions {
  /** Elementwise scale of `normalizedShape`; none by default. */
  weight?: Tensor | null;
  /** Elementwise shift of `normalizedShape`; none by default. */
  bias?: Tensor | null;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** @internal `[10]` for `10`, a copy of an array otherwise (a `normalizedShape` argument). */
export function toShape(s: number | readonly number[]): number[] {
  return typeof s === "number" ? [s] : [...s];
}

/**
 * Layer normalisation, as PyTorch's `F.layer_norm`: normalises over the last
 * `normalizedShape.length` dims with the biased variance, then the optional elementwise affine.
 *
 * Shapes: x `(*, ...normalizedShape)`, weight/bias `normalizedShape`, output as x.
 *
 * @example
 * F.layerNorm(x, [x.size(-1)], { weight, bias, eps: 1e-5 });
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  options: LayerNormOptions = {},
): Tensor {
  checkOptions("layerNorm", options, NORM_OPTIONS, { argument: 3 });
  backendOf("layerNorm", x, ...present(options.weight, options.bias));
  const ns = toShape(normalizedShape);
  const eps = options.eps ?? 1e-5;
  const k = ns.length;
  if (k === 0)
    throw new ValueError("layerNorm", "normalizedShape must have at least one dimension; got []");
  const tail = x.shape.slice(x.ndim - k);
  if (x.ndim < k || tail.some((s, i) => s !== ns[i])) {
    throw new ShapeError(
      "layerNorm",
      `expected input [..., ${ns.join(", ")}] (normalizedShape ${fmtShape(ns)}); got ${fmtShape(x.shape)}`,
    );
  }
  for (const [name, t] of [
    ["weight", options.weight],
    ["bias", options.bias],
  ] as const) {
    if (t && (t.ndim !== k || t.shape.some((s, i) => s !== ns[i])))
      throw new ShapeError(
        "layerNorm",
        `${name} must have shape ${fmtShape(ns)}; got ${fmtShape(t.shape)}`,
      );
  }
  const axes = ns.map((_, i) => x.ndim - k + i);
  return tidy(() => {
    const mean = x.mean(axes, true);
    const d = x.sub(mean);
    const v = d.square().mean(axes, true);
    let y = d.mul(v.add(eps).rsqrt());
    if (options.weight) y = y.mul(options.weight);
    if (options.bias) y = y.add(options.bias);
    return y;
  });
}

/** The options of `F.groupNorm`, with PyTorch's defaults. */
export interface GroupNormOptions {
  /** Per-channel scale `(C)`; none by default. */
  weight?: Tensor | null;
  /** Per-channel shift `(C)`; none by default. */
  bias?: Tensor | null;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Group normalisation, as PyTorch's `F.group_norm`: the channels are split into `numGroups` groups and each sample's group is
 * normalised over its channels and spatial positions; the affine is per channel.
 *
 * Shapes: x `(N, C, *)` with C divisible by numGroups, weight/bias `(C)`, output as x.
 *
 * @example
 * F.groupNorm(x, 4, { weight, bias });
 */
export function groupNorm(x: Tensor, numGroups: number, options: GroupNormOptions = {}): Tensor {
  checkOptions("groupNorm", options, NORM_OPTIONS, { argument: 3 });
  backendOf("groupNorm", x, ...present(options.weight, options.bias));
  const eps = options.eps ?? 1e-5;
  if (x.ndim < 2)
    throw new ShapeError(
      "groupNorm",
      `expected an input [N, C, *] of at least 2 dims; got ${fmtShape(x.shape)}`,
    );
  const [n, c] = x.shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups <= 0 || c % numGroups !== 0) {
    throw new ShapeError(
      "groupNorm",
      `expected the number of channels to be divisible by numGroups; got input ${fmtShape(x.shape)} and numGroups ${numGroups}`,
    );
  }
  checkPerChannel(options.weight, "weight", c, "groupNorm");
  checkPerChannel(options.bias, "bias", c, "groupNorm");
  const shape = channelShape(x);
  return tidy(() => {
    const g = x.reshape(n, numGroups, -1);
    const mean = g.mean(-1, true);
    const d = g.sub(mean);
    const v = d.square().mean(-1, true);
    let y = d.mul(v.add(eps).rsqrt()).reshape(x.shape);
    if (options.weight) y = y.mul(options.weight.reshape(shape));
    if (options.bias) y = y.add(options.bias.reshape(shape));
    return y;
  });
}
