import type { Tensor } from "../tensor/tensor.js";
import { Optimizer } from "./optimizer.js";
import type { OptimizerOptions, ParamGroup, Params, StateSpec } from "./types.js";

/** Adagrad's options, with PyTorch's defaults. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** The learning rate at step t is `lr / (1 + (t - 1) * lrDecay)` (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** The starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Per-parameter state: the step count and the sum of squared gradients. */
export interface AdagradState {
  step: number;
  sum: Tensor;
}

/** How each option is checked (the base class requires one rule per option). */
const RULES = {
  lr: "nonNegative",
  lrDecay: "nonNegative",
  weightDecay: "nonNegative",
  initialAccumulatorValue: "nonNegative",
  eps: "nonNegative",
  maximize: "boolean",
} as const;

/**
 * Adagrad, as PyTorch 1.13's `torch.optim.Adagrad` (single-tensor, dense form). At step t, with
 * `g` the gradient (negated with `maximize`):
 *
 *     g = g + weightDecay * p
 *     sum = sum + g^2
 *     p = p - lr / (1 + (t - 1) * lrDecay) * g / (sqrt(sum) + eps)
 *
 * NOTE: as in PyTorch, the state of every parameter is made in the constructor (`sum` filled with
 * `initialAccumulatorValue`), so the state dict lists every parameter from the start.
 *
 * @example
 * const opt = new optim.Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-4 });
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: Params<AdagradOptions>, options: OptimizerOptions<AdagradOptions> = {}) {
    super(
      "Adagrad",
      params,
      options,
      {
        lr: 1e-2,
        lrDecay: 0,
        weightDecay: 0,
        initialAccumulatorValue: 0,
        eps: 1e-10,
        maximize: false,
      },
      RULES,
    );
    for (const group of this.paramGroups) for (const p of group.params) this.#stateOf(p, group);
  }

  /** `param`'s state: `sum` starts at the group's `initialAccumulatorValue`. */
  #stateOf(param: Tensor, group: ParamGroup<AdagradOptions>): AdagradState {
    return this.stateOf(param, () => ({
      step: 0,
      sum: this.newStateTensor(param, group.initialAccumulatorValue),
    }));
  }

  protected override stateSpec(): StateSpec<AdagradState> {
    return { step: { kind: "number", required: true }, sum: { kind: "tensor", required: true } };
  }

  protected override update(param: Tensor, grad: Tensor, group: ParamGroup<AdagradOptions>): void {
    // Parameters added by addParamGroup get their state here (PyTorch 1.13 would fail on them).
    const s = this.#stateOf(param, group);
    const step = s.step + 1;
    this.applyUpdate(param, grad, [s.sum], {
      kind: "adagrad",
      lr: group.lr,
      lrDecay: group.lrDecay,
      weightDecay: group.weightDecay,
      eps: group.eps,
      step,
      maximize: group.maximize,
    });
    s.step = step;
  }
}
