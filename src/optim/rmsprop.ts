import type { Tensor } from "../tensor/tensor.js";
import {
  Optimizer,
  type OptimizerExtraOptions,
  type OptionRule,
  type ParamGroup,
  type Params,
  type StateKeySpec,
} from "./optimizer.js";

/** RMSprop's options, with PyTorch's defaults. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Per-parameter state, under PyTorch's names. */
export interface RMSpropState {
  step: number;
  squareAvg: Tensor;
  /** With momentum > 0 only. */
  momentumBuffer?: Tensor;
  /** With centered only. */
  gradAvg?: Tensor;
}

const RULES: Record<keyof RMSpropOptions, OptionRule> = {
  lr: "nonNegative",
  alpha: "nonNegative",
  eps: "nonNegative",
  weightDecay: "nonNegative",
  momentum: "nonNegative",
  centered: "boolean",
  maximize: "boolean",
};

/**
 * RMSprop, as PyTorch 1.13's `torch.optim.RMSprop` (single-tensor form). With `g` the gradient
 * (negated with `maximize`):
 *
 *     g = g + weightDecay * p
 *     v = alpha * v + (1 - alpha) * g^2
 *     avg = sqrt(v) + eps                                         (plain)
 *     gAvg = alpha * gAvg + (1 - alpha) * g;  avg = sqrt(v - gAvg^2) + eps   (centered)
 *     buf = momentum * buf + g / avg;  p = p - lr * buf           (momentum > 0)
 *     p = p - lr * g / avg                                        (otherwise)
 *
 * @example
 * const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, centered: true, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(
    params: Params<RMSpropOptions>,
    options: Partial<RMSpropOptions> & OptimizerExtraOptions = {},
  ) {
    super(
      "RMSprop",
      params,
      options,
      {
        lr: 1e-2,
        alpha: 0.99,
        eps: 1e-8,
        weightDecay: 0,
        momentum: 0,
        centered: false,
        maximize: false,
      },
      RULES,
    );
  }

  protected override stateSpec(): Record<keyof RMSpropState, StateKeySpec> {
    return {
      step: { kind: "number", required: true },
      squareAvg: { kind: "tensor", required: true },
      momentumBuffer: { kind: "tensor", required: false },
      gradAvg: { kind: "tensor", required: false },
    };
  }

  protected override update(param: Tensor, grad: Tensor, group: ParamGroup<RMSpropOptions>): void {
    let s = this.state.get(param);
    if (!s) {
      s = { step: 0, squareAvg: this.newStateTensor(param) };
      this.state.set(param, s);
    }
    // Made when first needed, so a scheduler may turn momentum on later (PyTorch would fail).
    if (group.momentum > 0 && !s.momentumBuffer) s.momentumBuffer = this.newStateTensor(param);
    if (group.centered && !s.gradAvg) s.gradAvg = this.newStateTensor(param);
    const state = [s.squareAvg];
    if (group.centered) state.push(s.gradAvg!);
    if (group.momentum > 0) state.push(s.momentumBuffer!);
    this.applyUpdate(param, grad, state, {
      kind: "rmsprop",
      lr: group.lr,
      alpha: group.alpha,
      eps: group.eps,
      weightDecay: group.weightDecay,
      momentum: group.momentum,
      centered: group.centered,
      maximize: group.maximize,
    });
    s.step++;
  }
}
