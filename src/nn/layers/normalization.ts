import { ShapeError, ValueError } from "../../core/errors.js";
import { checkOptions } from "../../core/options.js";
import { tidy } from "../../core/memory.js";
import { fmtShape } from "../../core/shape.js";
import { noGrad } from "../../autograd/grad-mode.js";
import type { Tensor } from "../../tensor/tensor.js";
import { ones, tensor, zeros } from "../../tensor/creation.js";
import { assertTensor, Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { batchNorm, groupNorm, layerNorm, toShape } from "../functional/normalization.js";
import { ones_, zeros_ } from "../init.js";
import { newParameter, pyBool, pyFloat, pyTuple, type FactoryOptions } from "./container.js";

/** The options of `nn.BatchNorm1d` and `nn.BatchNorm2d`, with PyTorch's defaults. */
export interface BatchNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of each batch in the running statistics (default 0.1); null: a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel `weight` (ones) and `bias` (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without, eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * The shared machinery of `BatchNorm1d` and `BatchNorm2d` (PyTorch's `_BatchNorm`): parameters
 * `weight` and `bias` `(C)`, buffers `running_mean` (zeros), `running_var` (ones) and
 * `num_batches_tracked` (int32 0-d), under PyTorch's state-dict keys.
 */
abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkOptions(
      new.target.name,
      options,
      {
        eps: "number",
        momentum: "number|null",
        affine: "boolean",
        trackRunningStats: "boolean",
        dtype: "string",
        device: "string",
      },
      { argument: 2 },
    );
    if (!Number.isInteger(numFeatures) || numFeatures < 1)
      throw new ValueError(
        new.target.name,
        `numFeatures must be a positive integer; got ${numFeatures}`,
      );
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? newParameter([numFeatures], options) : null;
    this.bias = this.affine ? newParameter([numFeatures], options) : null;
    const f = {
      dtype: options.dtype ?? "float32",
      ...(options.device ? { device: options.device } : {}),
    } as const;
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", zeros([numFeatures], f));
      this.registerBuffer("running_var", ones([numFeatures], f));
      this.registerBuffer(
        "num_batches_tracked",
        tensor(0, { dtype: "int32", ...(options.device ? { device: options.device } : {}) }),
      );
    } else {
      this.registerBuffer("running_mean", null);
      this.registerBuffer("running_var", null);
      this.registerBuffer("num_batches_tracked", null);
    }
    this.resetParameters();
  }

  /** The `running_mean` buffer `(C)` (null without `trackRunningStats`). */
  get runningMean(): Tensor | null {
    return this.getBuffer("running_mean");
  }
  /** The `running_var` buffer `(C)` (null without `trackRunningStats`). */
  get runningVar(): Tensor | null {
    return this.getBuffer("running_var");
  }
  /** The `num_batches_tracked` buffer (int32, 0-d; null without `trackRunningStats`). */
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer("num_batches_tracked");
  }

  /** Running mean 0, running variance 1, no batches tracked. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.runningMean!.zero_();
      this.runningVar!.fill_(1);
      this.numBatchesTracked!.zero_();
    });
  }

  /** PyTorch's init: the running statistics reset, weight ones, bias zeros. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  /** Throws unless `x` has the dims and channels this layer takes. */
  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    assertTensor(x, `${this.constructor.name}(${this.numFeatures})`);
    this.checkInput(x);
    let factor: number | Tensor = this.momentum ?? 0;
    let owned: Tensor | null = null;
    if (this.training && this.trackRunningStats) {
      const nbt = this.numBatchesTracked;
      if (nbt) {
        noGrad(() => nbt.add_(1));
        // momentum null: a cumulative moving average, weight 1/n for the n-th batch (on the device)
        if (this.momentum === null)
          factor = owned = noGrad(() =>
            tidy(() => nbt.toType(this.runningMean!.dtype).reciprocal()),
          );
      }
    }
    // eval mode uses the running statistics when there are any, else the batch's
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    try {
      return batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
        weight: this.weight,
        bias: this.bias,
        training: useBatchStats,
        momentum: factor,
        eps: this.eps,
      });
    } finally {
      owned?.dispose();
    }
  }

  override extraRepr(): string {
    const m = this.momentum === null ? "None" : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation over a batch of vectors or sequences, as PyTorch's `nn.BatchNorm1d`: per
 * channel, `(x - mean) /
 * sqrt(var + eps) * weight + bias`, with the batch's statistics in training (updating the running
 * ones) and the running statistics in eval mode.
 *
 * Init (as PyTorch): weight ones, bias zeros, running_mean zeros, running_var ones.
 *
 * Shapes: input `(N, C)` or `(N, C, L)`, output the same.
 *
 * @example
 * const bn = new nn.BatchNorm1d(100, { momentum: null });
 * bn.forward(torch.randn([20, 100]));
 */
export class BatchNorm1d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        `BatchNorm1d(${this.numFeatures})`,
        `expected input [N, ${this.numFeatures}] or [N, ${this.numFeatures}, L], got ${fmtShape(x.shape)}`,
      );
    }
  }
}

/**
 * Batch normalisation over a batch of images, per channel, as PyTorch's `nn.BatchNorm2d` (see
 * `BatchNorm1d`).
 *
 * Init (as PyTorch): weight ones, bias zeros, running_mean zeros, running_var ones.
 *
 * Shapes: input `(N, C, H, W)`, output the same.
 *
 * @example
 * const bn = new nn.BatchNorm2d(64);
 * bn.forward(torch.randn([8, 64, 14, 14]));
 */
export class BatchNorm2d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4 || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        `BatchNorm2d(${this.numFeatures})`,
        `expected input [N, ${this.numFeatures}, H, W], got ${fmtShape(x.shape)}`,
      );
    }
  }
}

/** The options of `nn.LayerNorm`, with PyTorch's defaults. */
export interface LayerNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn an elementwise `weight` (ones) and `bias` (zeros) of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, also learn the bias (default true; PyTorch 2.1's `bias`). */
  bias?: boolean;
}

/**
 * Layer normalisation over the last dims (`normalizedShape`), with an elementwise affine, as
 * PyTorch's `nn.LayerNorm`.
 *
 * Init (as PyTorch): weight ones, bias zeros.
 *
 * Shapes: input `(*, ...normalizedShape)`, output the same.
 *
 * @example
 * const ln = new nn.LayerNorm(512);
 * new nn.LayerNorm([10, 10], { elementwiseAffine: false });
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions(
      "LayerNorm",
      options,
      {
        eps: "number",
        elementwiseAffine: "boolean",
        bias: "boolean",
        dtype: "string",
        device: "string",
      },
      { argument: 2 },
    );
    const ns = toShape(normalizedShape);
    if (ns.length === 0 || ns.some((s) => !Number.isInteger(s) || s < 1))
      throw new ValueError(
        "LayerNorm",
        `normalizedShape must be positive integers; got ${fmtShape(ns)}`,
      );
    this.normalizedShape = ns;
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? newParameter(ns, options) : null;
    this.bias = this.elementwiseAffine && (options.bias ?? true) ? newParameter(ns, options) : null;
    this.resetParameters();
  }

  /** PyTorch's init: weight ones, bias zeros. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    const op = `LayerNorm(${fmtShape(this.normalizedShape)})`;
    assertTensor(x, op);
    const k = this.normalizedShape.length;
    if (x.ndim < k || x.shape.slice(x.ndim - k).some((s, i) => s !== this.normalizedShape[i])) {
      throw new ShapeError(
        op,
        `expected input [..., ${this.normalizedShape.join(", ")}], got ${fmtShape(x.shape)}`,
      );
    }
    return layerNorm(x, this.normalizedShape, {
      weight: this.weight,
      bias: this.bias,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** The options of `nn.GroupNorm`, with PyTorch's defaults. */
export interface GroupNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-channel `weight` (ones) and `bias` (zeros) (default true). */
  affine?: boolean;
}

/**
 * Group normalisation, as PyTorch's `nn.GroupNorm`: channels split into `numGroups` groups, each normalised per sample over
 * its channels and positions; a per-channel affine.
 *
 * Init (as PyTorch): weight ones, bias zeros.
 *
 * Shapes: input `(N, C, *)` with `C = numChannels`, output the same.
 *
 * @example
 * const gn = new nn.GroupNorm(4, 32);
 * gn.forward(torch.randn([8, 32, 16, 16]));
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    checkOptions(
      "GroupNorm",
      options,
      { eps: "number", affine: "boolean", dtype: "string", device: "string" },
      { argument: 3 },
    );
    if (
      !Number.isInteger(numGroups) ||
      numGroups < 1 ||
      !Number.isInteger(numChannels) ||
      numChannels < 1 ||
      numChannels % numGroups !== 0
    ) {
      throw new ValueError(
        "GroupNorm",
        `numChannels must be divisible by numGroups; got numGroups ${numGroups}, numChannels ${numChannels}`,
      );
    }
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = this.affine ? newParameter([numChannels], options) : null;
    this.bias = this.affine ? newParameter([numChannels], options) : null;
    this.resetParameters();
  }

  /** PyTorch's init: weight ones, bias zeros. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    const op = `GroupNorm(${this.numGroups}, ${this.numChannels})`;
    assertTensor(x, op);
    if (x.ndim < 2 || x.shape[1] !== this.numChannels)
      throw new ShapeError(
        op,
        `expected input [N, ${this.numChannels}, *], got ${fmtShape(x.shape)}`,
      );
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}
