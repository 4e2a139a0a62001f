import { ValueError } from "../../core/errors.js";
import { checkOptions, type OptionSchema } from "../../core/options.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  binaryCrossEntropy,
  checkReduction,
  binaryCrossEntropyWithLogits,
  cosineEmbeddingLoss,
  huberLoss,
  klDiv,
  l1Loss,
  mseLoss,
  smoothL1Loss,
  type Reduction,
} from "../functional/loss.js";
import { crossEntropy, nllLoss } from "../functional/classification-loss.js";
import { Module } from "../module.js";

/**
 * Loss modules, as PyTorch's `nn.*Loss`: each holds its options and calls the functional form in
 * `nn/functional/loss.ts`. Class weights (and BCEWithLogitsLoss's `pos_weight`) are buffers under
 * PyTorch's keys, so they move with `to(device)` and appear in the state dict. NOTE: the module
 * keeps the tensor it is given (as PyTorch does), so `module.dispose()` disposes it.
 */

/** A loss with a `reduction` ("mean" by default). */
abstract class ReducingLoss extends Module {
  readonly reduction: Reduction;
  constructor(options: { reduction?: Reduction }, op: string, schema: OptionSchema = {}) {
    super();
    checkOptions(op, options, { reduction: "string", ...schema }, { argument: 1 });
    this.reduction = options.reduction ?? "mean";
    checkReduction(op, this.reduction);
  }
}

/**
 * Mean squared error, as PyTorch's `nn.MSELoss`.
 *
 * Shapes: input `(*)`, target `(*)` (same shape), output `()`, or `(*)` with reduction "none"
 * (default "mean").
 *
 * @example
 * const loss = new nn.MSELoss().forward(pred, y);
 */
export class MSELoss extends ReducingLoss {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options, "MSELoss");
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Mean absolute error, as PyTorch's `nn.L1Loss`.
 *
 * Shapes: input `(*)`, target `(*)` (same shape), output `()`, or `(*)` with reduction "none"
 * (default "mean").
 *
 * @example
 * new nn.L1Loss({ reduction: "sum" }).forward(pred, y);
 */
export class L1Loss extends ReducingLoss {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options, "L1Loss");
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Smooth L1 loss (quadratic below `beta`, default 1), as PyTorch's `nn.SmoothL1Loss`.
 *
 * Shapes: input `(*)`, target `(*)` (same shape), output `()`, or `(*)` with reduction "none"
 * (default "mean").
 *
 * @example
 * new nn.SmoothL1Loss({ beta: 0.5 }).forward(pred, y);
 */
export class SmoothL1Loss extends ReducingLoss {
  readonly beta: number;
  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super(options, "SmoothL1Loss", { beta: "number" });
    this.beta = options.beta ?? 1;
    if (!(this.beta >= 0))
      throw new ValueError("SmoothL1Loss", `beta must be >= 0; got ${this.beta}`);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/**
 * Huber loss (quadratic below `delta`, default 1), as PyTorch's `nn.HuberLoss`.
 *
 * Shapes: input `(*)`, target `(*)` (same shape), output `()`, or `(*)` with reduction "none"
 * (default "mean").
 *
 * @example
 * new nn.HuberLoss({ delta: 2 }).forward(pred, y);
 */
export class HuberLoss extends ReducingLoss {
  readonly delta: number;
  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super(options, "HuberLoss", { delta: "number" });
    this.delta = options.delta ?? 1;
    if (!(this.delta > 0))
      throw new ValueError("HuberLoss", `delta must be > 0; got ${this.delta}`);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * Binary cross-entropy of probabilities, as PyTorch's `nn.BCELoss`; `weight` (buffer "weight")
 * rescales each element.
 *
 * Shapes: input `(*)` probabilities, target `(*)` (same shape), weight broadcastable to `(*)`;
 * output `()`, or `(*)` with reduction "none" (default "mean").
 *
 * @example
 * new nn.BCELoss().forward(torch.sigmoid(logits), y);
 */
export class BCELoss extends ReducingLoss {
  constructor(options: { reduction?: Reduction; weight?: Tensor | null } = {}) {
    super(options, "BCELoss", { weight: "tensor|null" });
    this.registerBuffer("weight", options.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, {
      reduction: this.reduction,
      weight: this.getBuffer("weight"),
    });
  }
}

/**
 * Binary cross-entropy on logits (stable), as PyTorch's `nn.BCEWithLogitsLoss`; buffers "weight"
 * and "pos_weight".
 *
 * Shapes: input `(*)` logits, target `(*)` (same shape), weight and posWeight broadcastable to
 * `(*)` (posWeight usually `(C)`); output `()`, or `(*)` with reduction "none" (default "mean").
 *
 * @example
 * new nn.BCEWithLogitsLoss({ posWeight: torch.full([5], 2) }).forward(logits, y);
 */
export class BCEWithLogitsLoss extends ReducingLoss {
  constructor(
    options: { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null } = {},
  ) {
    super(options, "BCEWithLogitsLoss", { weight: "tensor|null", posWeight: "tensor|null" });
    this.registerBuffer("weight", options.weight ?? null);
    this.registerBuffer("pos_weight", options.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      reduction: this.reduction,
      weight: this.getBuffer("weight"),
      posWeight: this.getBuffer("pos_weight"),
    });
  }
}

/**
 * Cross-entropy of logits against int32 class indices or class probabilities, as PyTorch's
 * `nn.CrossEntropyLoss` (see `F.crossEntropy`); buffer "weight".
 *
 * Shapes: input `(N, C)`, `(N, C, d1, ...)` or `(C)`; target int32 `(N)`, `(N, d1, ...)` or `()`,
 * or probabilities of the input's shape; output `()`, or the target's shape (without C) with
 * reduction "none" (default "mean"). Defaults: ignoreIndex -100, labelSmoothing 0.
 *
 * @example
 * const criterion = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = criterion.forward(model.forward(x), y);
 */
export class CrossEntropyLoss extends ReducingLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(
    options: {
      reduction?: Reduction;
      weight?: Tensor | null;
      ignoreIndex?: number;
      labelSmoothing?: number;
    } = {},
  ) {
    super(options, "CrossEntropyLoss", {
      weight: "tensor|null",
      ignoreIndex: "int",
      labelSmoothing: "number",
    });
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      throw new ValueError(
        "CrossEntropyLoss",
        `labelSmoothing must be between 0 and 1; got ${this.labelSmoothing}`,
      );
    }
    this.registerBuffer("weight", options.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      reduction: this.reduction,
      weight: this.getBuffer("weight"),
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Negative log-likelihood of log-probabilities, as PyTorch's `nn.NLLLoss`; buffer "weight".
 *
 * Shapes: input `(N, C)`, `(N, C, d1, ...)` or `(C)` log-probabilities; target int32 `(N)`,
 * `(N, d1, ...)` or `()`; output `()`, or the target's shape with reduction "none" (default
 * "mean"). Default ignoreIndex -100.
 *
 * @example
 * new nn.NLLLoss().forward(F.logSoftmax(logits, 1), y);
 */
export class NLLLoss extends ReducingLoss {
  readonly ignoreIndex: number;
  constructor(
    options: { reduction?: Reduction; weight?: Tensor | null; ignoreIndex?: number } = {},
  ) {
    super(options, "NLLLoss", { weight: "tensor|null", ignoreIndex: "int" });
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.registerBuffer("weight", options.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      reduction: this.reduction,
      weight: this.getBuffer("weight"),
      ignoreIndex: this.ignoreIndex,
    });
  }
}

/**
 * Kullback-Leibler divergence, input as log-probabilities, as PyTorch's `nn.KLDivLoss`
 * (reduction "none" | "mean" | "sum" | "batchmean"; `logTarget`).
 *
 * Shapes: input `(*)`, target `(*)` (broadcastable); output `()`, or `(*)` with reduction "none"
 * (default "mean"; logTarget default false).
 *
 * @example
 * new nn.KLDivLoss({ reduction: "batchmean" }).forward(F.logSoftmax(x, 1), p);
 */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | "batchmean";
  readonly logTarget: boolean;
  constructor(options: { reduction?: Reduction | "batchmean"; logTarget?: boolean } = {}) {
    super();
    checkOptions(
      "KLDivLoss",
      options,
      { reduction: "string", logTarget: "boolean" },
      { argument: 1 },
    );
    this.reduction = options.reduction ?? "mean";
    checkReduction("KLDivLoss", this.reduction, ["none", "mean", "sum", "batchmean"]);
    this.logTarget = options.logTarget ?? false;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/**
 * Cosine embedding loss with labels 1 / -1, as PyTorch's `nn.CosineEmbeddingLoss`.
 *
 * Shapes: input1, input2 `(N, D)` with target `(N)`, or `(D)` with a 0-d target; output `()`, or
 * `(N)` with reduction "none" (default "mean"; margin default 0).
 *
 * @example
 * new nn.CosineEmbeddingLoss({ margin: 0.5 }).forward(a, b, y);
 */
export class CosineEmbeddingLoss extends ReducingLoss {
  readonly margin: number;
  constructor(options: { reduction?: Reduction; margin?: number } = {}) {
    super(options, "CosineEmbeddingLoss", { margin: "number" });
    this.margin = options.margin ?? 0;
  }
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return cosineEmbeddingLoss(input1, input2, target, {
      reduction: this.reduction,
      margin: this.margin,
    });
  }
}
