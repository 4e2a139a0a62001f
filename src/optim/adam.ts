import type { Tensor } from "../tensor/tensor.js";
import { Optimizer } from "./optimizer.js";
import type { OptimizerOptions, OptionDefaults, ParamGroup, Params, StateSpec } from "./types.js";

/** Adam's (and AdamW's) options, with PyTorch's defaults. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]); each in [0, 1). */
  betas: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** The AMSGrad variant: normalize by the running maximum of the second moment (default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Per-parameter state: the step count and the moment averages. */
export interface AdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** With amsgrad only. */
  maxExpAvgSq?: Tensor;
}

/** How each option is checked (the base class requires one rule per option). */
const RULES = {
  lr: "nonNegative",
  betas: "betas",
  eps: "nonNegative",
  weightDecay: "nonNegative",
  amsgrad: "boolean",
  maximize: "boolean",
} as const;

/**
 * Adam, as PyTorch 1.13's `torch.optim.Adam` (single-tensor form). At step t, with `g` the
 * gradient (negated with `maximize`):
 *
 *     g = g + weightDecay * p
 *     m = beta1 * m + (1 - beta1) * g
 *     v = beta2 * v + (1 - beta2) * g^2
 *     vMax = max(vMax, v)                              (amsgrad; then v = vMax below)
 *     p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 *
 * NOTE: eps is added after dividing by sqrt(1 - beta2^t), as PyTorch does (not to sqrt(v)).
 *
 * @example
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 */
export class Adam extends Optimizer<AdamOptions, AdamState> {
  /**
   * What AdamW changes: the name in error messages, PyTorch's defaults (weightDecay's), and
   * decoupled weight decay (the parameter shrinks directly instead of an L2 term being added to
   * the gradient).
   */
  protected static readonly variant: {
    name: string;
    defaults: OptionDefaults<AdamOptions>;
    decoupledWeightDecay: boolean;
  } = {
    name: "Adam",
    defaults: {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
    },
    decoupledWeightDecay: false,
  };
  readonly #decoupled: boolean;

  constructor(params: Params<AdamOptions>, options: OptimizerOptions<AdamOptions> = {}) {
    const { variant } = new.target as typeof Adam;
    super(variant.name, params, options, variant.defaults, RULES);
    this.#decoupled = variant.decoupledWeightDecay;
  }

  protected override stateSpec(): StateSpec<AdamState> {
    return {
      step: { kind: "number", required: true },
      expAvg: { kind: "tensor", required: true },
      expAvgSq: { kind: "tensor", required: true },
      maxExpAvgSq: { kind: "tensor", required: false },
    };
  }

  protected override update(param: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>): void {
    const s = this.stateOf(param, () => ({
      step: 0,
      expAvg: this.newStateTensor(param),
      expAvgSq: this.newStateTensor(param),
    }));
    if (group.amsgrad && !s.maxExpAvgSq) s.maxExpAvgSq = this.newStateTensor(param);
    const step = s.step + 1;
    this.applyUpdate(
      param,
      grad,
      group.amsgrad ? [s.expAvg, s.expAvgSq, s.maxExpAvgSq!] : [s.expAvg, s.expAvgSq],
      {
        kind: "adam",
        lr: group.lr,
        beta1: group.betas[0],
        beta2: group.betas[1],
        eps: group.eps,
        weightDecay: group.weightDecay,
        step,
        amsgrad: group.amsgrad,
        maximize: group.maximize,
        decoupledWeightDecay: this.#decoupled,
      },
    );
    s.step = step;
  }
}
