import type { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../core/errors.js";
import { Optimizer } from "./optimizer.js";
import type { OptimizerOptions, OptionDefaults, ParamGroup, Params, StateSpec } from "./types.js";

/** SGD's options, with PyTorch's defaults. */
export interface SGDOptions {
  /** Learning rate; no default (as in PyTorch 1.13): give it here or in every param group. */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false); needs momentum > 0 and zero dampening. */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Per-parameter state: the momentum buffer (null without momentum, as PyTorch's `None`). */
export interface SGDState {
  momentumBuffer: Tensor | null;
}

/** How each option is checked (the base class requires one rule per option). */
const RULES = {
  lr: "nonNegative",
  momentum: "nonNegative",
  dampening: "number",
  weightDecay: "nonNegative",
  nesterov: "boolean",
  maximize: "boolean",
} as const;

/**
 * Stochastic gradient descent, optionally with momentum, as PyTorch 1.13's `torch.optim.SGD`
 * (single-tensor form). With `g` the gradient (negated with `maximize`):
 *
 *     g = g + weightDecay * p
 *     buf = g                                         (first step)
 *     buf = momentum * buf + (1 - dampening) * g      (later steps)
 *     g = nesterov ? g + momentum * buf : buf         (with momentum)
 *     p = p - lr * g
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  /** What a subclass (Momentum) changes: the name in error messages and PyTorch's defaults. */
  protected static readonly variant: { name: string; defaults: OptionDefaults<SGDOptions> } = {
    name: "SGD",
    defaults: {
      lr: undefined,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
    },
  };

  constructor(params: Params<SGDOptions>, options: OptimizerOptions<SGDOptions> = {}) {
    const { variant } = new.target as typeof SGD;
    super(variant.name, params, options, variant.defaults, RULES);
  }

  protected override checkGroup(o: Readonly<SGDOptions>): void {
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new ValueError(
        this.name,
        `Nesterov momentum requires a momentum > 0 and zero dampening; got momentum ${o.momentum}, dampening ${o.dampening}`,
      );
    }
  }

  protected override stateSpec(): StateSpec<SGDState> {
    return { momentumBuffer: { kind: "tensorOrNull", required: false } };
  }

  protected override update(param: Tensor, grad: Tensor, group: ParamGroup<SGDOptions>): void {
    const s = this.stateOf(param, () => ({ momentumBuffer: null }));
    const momentum = group.momentum;
    const firstStep = momentum !== 0 && s.momentumBuffer === null;
    if (firstStep) s.momentumBuffer = this.newStateTensor(param);
    this.applyUpdate(param, grad, momentum !== 0 ? [s.momentumBuffer!] : [], {
      kind: "sgd",
      lr: group.lr,
      weightDecay: group.weightDecay,
      momentum,
      dampening: group.dampening,
      nesterov: group.nesterov,
      maximize: group.maximize,
      firstStep,
    });
  }
}
