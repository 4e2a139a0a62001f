import { noGrad } from "../autograd/grad-mode.js";
import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { tidy } from "../core/memory.js";
import { fmtShape, shapesEqual } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { backendOf, runKernel } from "./dispatch.js";
import { addcmul, maximum } from "./elementwise.js";
import type { KernelArgs, OptimStepScalars } from "./prims.js";

/**
 * One optimizer update of one parameter, in place: the `optimStep` primitive's frontend.
 *
 * Each update is PyTorch 1.13's single-tensor ("for-loop") implementation (`torch/optim/*.py`),
 * written twice:
 * - the fused kernel (`KernelArgs["optimStep"]`): one pass over memory, no allocation; used when
 *   the parameter, its gradient and its state are contiguous;
 * - the composite below: the same update as plain in-place tensor ops under `noGrad`, line for
 *   line PyTorch's code. It runs for non-contiguous parameters, and it is the fused kernel's test
 *   oracle (in float64 the two agree bit for bit; in float32 the fused kernel rounds only what it
 *   stores, so they differ in the last bits).
 *
 * The optimizer classes in `optim/` own the state tensors and the step counts; this function only
 * applies one update.
 */

/** SGD with momentum, dampening, Nesterov, weight decay (L2) and maximize. */
export interface SgdStepHyper {
  kind: "sgd";
  lr: number;
  weightDecay: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  maximize: boolean;
  /** The momentum buffer is new: it becomes a copy of the (decayed) gradient, as in PyTorch. */
  firstStep: boolean;
}

/** Adam and AdamW. `step` is the step count after this update (1 on the first step). */
export interface AdamStepHyper {
  kind: "adam";
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
  amsgrad: boolean;
  maximize: boolean;
  /** AdamW: shrink the parameter by `1 - lr * weightDecay` instead of adding an L2 gradient. */
  decoupledWeightDecay: boolean;
}

/** Adagrad. `step` is the step count after this update (1 on the first step). */
export interface AdagradStepHyper {
  kind: "adagrad";
  lr: number;
  lrDecay: number;
  weightDecay: number;
  eps: number;
  step: number;
  maximize: boolean;
}

/** RMSprop, optionally centered and with momentum. */
export interface RmspropStepHyper {
  kind: "rmsprop";
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export type OptimStepHyper = SgdStepHyper | AdamStepHyper | AdagradStepHyper | RmspropStepHyper;

/** The state tensors each update takes, in order (see `KernelArgs["optimStep"]`). */
export function optimStateNames(h: OptimStepHyper): string[] {
  switch (h.kind) {
    case "sgd":
      return h.momentum !== 0 ? ["momentumBuffer"] : [];
    case "adam":
      return h.amsgrad ? ["expAvg", "expAvgSq", "maxExpAvgSq"] : ["expAvg", "expAvgSq"];
    case "adagrad":
      return ["sum"];
    case "rmsprop":
      return [
        "squareAvg",
        ...(h.centered ? ["gradAvg"] : []),
        ...(h.momentum > 0 ? ["momentumBuffer"] : []),
      ];
  }
  return h satisfies never;
}

/** Whether the fused kernel can run: every view contiguous (row-major, any offset). */
export function canFuseOptimStep(param: Tensor, grad: Tensor, state: readonly Tensor[]): boolean {
  if (!param.isContiguous() || !grad.isContiguous()) return false;
  for (const s of state) if (!s.isContiguous()) return false;
  return true;
}

/**
 * Applies one update of `hyper.kind` to `param` and its `state` (in the order of
 * {@link optimStateNames}), in place, bumping their version counters. `param`, `grad` and every
 * state tensor share one shape, dtype (float32 or float64) and device. It records nothing on the
 * autograd tape.
 *
 * With `fused` (the default) the fused kernel runs when every tensor is contiguous, else the
 * composite; `fused: false` always runs the composite (the reference).
 *
 * @example
 * optimStep(p, p.grad!, [expAvg, expAvgSq], { kind: "adam", lr: 1e-3, beta1: 0.9, beta2: 0.999,
 *   eps: 1e-8, weightDecay: 0, step: 1, amsgrad: false, maximize: false, decoupledWeightDecay: false });
 */
export function optimStep(
  param: Tensor,
  grad: Tensor,
  state: readonly Tensor[],
  hyper: OptimStepHyper,
  options: { fused?: boolean } = {},
): void {
  validate(param, grad, state, hyper);
  if ((options.fused ?? true) && canFuseOptimStep(param, grad, state)) {
    runKernel(param.backend, "optimStep", kernelArgs(hyper, { param, grad, state }));
  } else {
    noGrad(() => tidy(() => composite(param, grad, state, hyper)));
  }
  param.storage.version++;
  for (const s of state) s.storage.version++;
}

function validate(
  param: Tensor,
  grad: Tensor,
  state: readonly Tensor[],
  hyper: OptimStepHyper,
): void {
  const op = "optimStep";
  backendOf(op, param, grad, ...state);
  if (!isFloat(param.dtype))
    throw new DTypeError(op, `expected a float32 or float64 parameter; got ${param.dtype}`);
  if (grad.dtype !== param.dtype)
    throw new DTypeError(
      op,
      `the gradient's dtype ${grad.dtype} differs from the parameter's ${param.dtype}`,
    );
  if (!shapesEqual(grad.shape, param.shape))
    throw new ShapeError(
      op,
      `the gradient's shape ${fmtShape(grad.shape)} differs from the parameter's ${fmtShape(param.shape)}`,
    );
  const names = optimStateNames(hyper);
  if (state.length !== names.length) {
    throw new ValueError(
      op,
      `${hyper.kind} with these options takes ${names.length} state tensors (${names.join(", ") || "none"}); got ${state.length}`,
    );
  }
  state.forEach((s, i) => {
    if (s.dtype !== param.dtype)
      throw new DTypeError(
        op,
        `state ${names[i]}'s dtype ${s.dtype} differs from the parameter's ${param.dtype}`,
      );
    if (!shapesEqual(s.shape, param.shape))
      throw new ShapeError(
        op,
        `state ${names[i]}'s shape ${fmtShape(s.shape)} differs from the parameter's ${fmtShape(param.shape)}`,
      );
    if (s.storage === param.storage || s.storage === grad.storage)
      throw new ValueError(
        op,
        `state ${names[i]} shares storage with the parameter or its gradient`,
      );
  });
  if ((hyper.kind === "adam" || hyper.kind === "adagrad") && !(hyper.step >= 1))
    throw new ValueError(op, `step must be >= 1; got ${hyper.step}`);
}

/**
 * The kernel's arguments: `views` plus the named scalars of `h`, whose derived values are computed
 * here, in doubles. (Object.assign rather than a spread: V8 makes `{ ...a, b }` far slower, and
 * this runs once per parameter per step.)
 */
function kernelArgs(h: OptimStepHyper, views: OptimStepViews): KernelArgs["optimStep"] {
  return Object.assign(views, kernelScalars(h));
}

type OptimStepViews = Omit<KernelArgs["optimStep"], "kind" | "scalars">;

/** The kernel's named scalars for `h`. */
function kernelScalars(h: OptimStepHyper): OptimStepScalars {
  switch (h.kind) {
    case "sgd": {
      const { lr, weightDecay, momentum, dampening, nesterov, maximize, firstStep } = h;
      const scalars = {
        negLr: -lr,
        weightDecay,
        momentum,
        dampening,
        nesterov,
        maximize,
        firstStep,
      };
      return { kind: "sgd", scalars };
    }
    case "adam": {
      const biasCorrection1 = 1 - h.beta1 ** h.step;
      const biasCorrection2 = 1 - h.beta2 ** h.step;
      const stepSize = h.lr / biasCorrection1;
      const scalars = {
        negStepSize: -stepSize,
        beta1: h.beta1,
        beta2: h.beta2,
        eps: h.eps,
        weightDecay: h.weightDecay,
        biasCorrection2Sqrt: Math.sqrt(biasCorrection2),
        decay: 1 - h.lr * h.weightDecay,
        maximize: h.maximize,
        decoupled: h.decoupledWeightDecay,
      };
      return { kind: "adam", scalars };
    }
    case "adagrad": {
      const { weightDecay, eps, maximize } = h;
      return { kind: "adagrad", scalars: { negClr: -adagradClr(h), weightDecay, eps, maximize } };
    }
    case "rmsprop": {
      const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = h;
      const scalars = { negLr: -lr, alpha, eps, weightDecay, momentum, centered, maximize };
      return { kind: "rmsprop", scalars };
    }
  }
  return h satisfies never;
}

function adagradClr(h: AdagradStepHyper): number {
  return h.lr / (1 + (h.step - 1) * h.lrDecay);
}

// ---- the composite: PyTorch's single-tensor code, as in-place tensor ops ----

/** One kind's composite update (the same arguments as {@link optimStep}). */
type Composite<H> = (param: Tensor, grad: Tensor, state: readonly Tensor[], h: H) => void;

const composite: Composite<OptimStepHyper> = (param, grad, state, h) => {
  switch (h.kind) {
    case "sgd":
      return sgdComposite(param, grad, state, h);
    case "adam":
      return adamComposite(param, grad, state, h);
    case "adagrad":
      return adagradComposite(param, grad, state, h);
    case "rmsprop":
      return rmspropComposite(param, grad, state, h);
  }
  h satisfies never;
};

/** The gradient as the single-tensor updates begin: negated to maximize, then the L2 term added. */
function decayedGrad(
  param: Tensor,
  grad: Tensor,
  h: { maximize: boolean; weightDecay: number },
): Tensor {
  const g = h.maximize ? grad.neg() : grad;
  return h.weightDecay !== 0 ? g.add(param, { alpha: h.weightDecay }) : g;
}

/** torch/optim/sgd.py `_single_tensor_sgd` */
const sgdComposite: Composite<SgdStepHyper> = (param, grad, state, h) => {
  let dp = decayedGrad(param, grad, h);
  if (h.momentum !== 0) {
    const buf = state[0]!;
    if (h.firstStep) buf.copy_(dp);
    else buf.mul_(h.momentum).add_(dp, { alpha: 1 - h.dampening });
    dp = h.nesterov ? dp.add(buf, { alpha: h.momentum }) : buf;
  }
  param.add_(dp, { alpha: -h.lr });
};

/** torch/optim/adam.py `_single_tensor_adam` and adamw.py `_single_tensor_adamw` (not capturable) */
const adamComposite: Composite<AdamStepHyper> = (param, grad, state, h) => {
  const [expAvg, expAvgSq, maxExpAvgSq] = state as [Tensor, Tensor, Tensor | undefined];
  let g = h.maximize ? grad.neg() : grad;
  if (h.decoupledWeightDecay) {
    // NOTE: PyTorch multiplies by 1 even without decay; skipping it changes nothing (x * 1 == x).
    if (h.weightDecay !== 0) param.mul_(1 - h.lr * h.weightDecay);
  } else if (h.weightDecay !== 0) {
    g = g.add(param, { alpha: h.weightDecay });
  }
  expAvg.mul_(h.beta1).add_(g, { alpha: 1 - h.beta1 });
  expAvgSq.mul_(h.beta2).addcmul_(g, g, { value: 1 - h.beta2 });
  const biasCorrection1 = 1 - h.beta1 ** h.step;
  const biasCorrection2 = 1 - h.beta2 ** h.step;
  const stepSize = h.lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  let denom: Tensor;
  if (maxExpAvgSq) {
    maxExpAvgSq.copy_(maximum(maxExpAvgSq, expAvgSq));
    denom = maxExpAvgSq.sqrt().div(biasCorrection2Sqrt).add_(h.eps);
  } else {
    denom = expAvgSq.sqrt().div(biasCorrection2Sqrt).add_(h.eps);
  }
  param.addcdiv_(expAvg, denom, { value: -stepSize });
};

/** torch/optim/adagrad.py `_single_tensor_adagrad` (dense) */
const adagradComposite: Composite<AdagradStepHyper> = (param, grad, state, h) => {
  const stateSum = state[0]!;
  const g = decayedGrad(param, grad, h);
  const clr = adagradClr(h);
  stateSum.addcmul_(g, g, { value: 1 });
  const std = stateSum.sqrt().add_(h.eps);
  param.addcdiv_(g, std, { value: -clr });
};

/** torch/optim/rmsprop.py `_single_tensor_rmsprop` */
const rmspropComposite: Composite<RmspropStepHyper> = (param, grad, state, h) => {
  const squareAvg = state[0]!;
  const g = decayedGrad(param, grad, h);
  squareAvg.mul_(h.alpha).addcmul_(g, g, { value: 1 - h.alpha });
  let avg: Tensor;
  if (h.centered) {
    const gradAvg = state[1]!;
    gradAvg.mul_(h.alpha).add_(g, { alpha: 1 - h.alpha });
    avg = addcmul(squareAvg, gradAvg, gradAvg, { value: -1 }).sqrt_();
  } else {
    avg = squareAvg.sqrt();
  }
  avg = avg.add_(h.eps);
  if (h.momentum > 0) {
    const buf = state[state.length - 1]!;
    buf.mul_(h.momentum).addcdiv_(g, avg);
    param.add_(buf, { alpha: -h.lr });
  } else {
    param.addcdiv_(g, avg, { value: -h.lr });
  }
};
