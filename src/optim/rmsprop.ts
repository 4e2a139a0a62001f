import type { RmspropStepHyper } from "../ops/optim-step.js";
import type { Tensor } from "../tensor/tensor.js";
import { Optimizer } from "./optimizer.js";
import type { OptimizerOptions, ParamGroup, Params, StateSpec } from "./types.js";

/**
 * RMSprop's options: the hyper-parameters of the `rmsprop` update (`RmspropStepHyper`), with
 * PyTorch's defaults:
 * - `lr`: learning rate (default 1e-2);
 * - `alpha`: smoothing constant of the squared-gradient average (default 0.99);
 * - `eps`: added to the denominator (default 1e-8);
 * - `weightDecay`: L2 penalty added to the gradient (default 0);
 * - `momentum`: momentum factor (default 0);
 * - `centered`: normalize by an estimate of the gradient's variance instead of its second moment
 *   (default false);
 * - `maximize`: maximize the objective instead of minimizing it (default false).
 */
export type RMSpropOptions = Omit<RmspropStepHyper, "kind">;

/** Per-parameter state, under PyTorch's names. */
export interface RMSpropState {
  step: number;
  squareAvg: Tensor;
  /** With momentum > 0 only. */
  momentumBuffer?: Tensor;
  /** With centered only. */
  gradAvg?: Tensor;
}

/** How each option is checked (the base class requires one rule per option). */
const RULES = {
  lr: "nonNegative",
  alpha: "nonNegative",
  eps: "nonNegative",
  weightDecay: "nonNegative",
  momentum: "nonNegative",
  centered: "boolean",
  maximize: "boolean",
} as const;

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
  constructor(params: Params<RMSpropOptions>, options: OptimizerOptions<RMSpropOptions> = {}) {
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

  protected override stateSpec(): StateSpec<RMSpropState> {
    return {
      step: { kind: "number", required: true },
      squareAvg: { kind: "tensor", required: true },
      momentumBuffer: { kind: "tensor", required: false },
      gradAvg: { kind: "tensor", required: false },
    };
  }

  protected override update(param: Tensor, grad: Tensor, group: ParamGroup<RMSpropOptions>): void {
    const s = this.stateOf(param, () => ({ step: 0, squareAvg: this.newStateTensor(param) }));
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
