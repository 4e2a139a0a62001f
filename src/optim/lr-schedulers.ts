import { ValueError } from "../core/errors.js";
import { fmtValue, type Optimizer } from "./optimizer.js";
import type { BaseOptions } from "./types.js";
import {
  LRScheduler,
  checkNumber,
  FINITE,
  NON_NEGATIVE_INT,
  POSITIVE,
  POSITIVE_INT,
  UNIT_INTERVAL,
  type SchedulerStateDict,
} from "./lr-scheduler.js";

/**
 * The epoch schedulers with a closed form (PyTorch's `_get_closed_form_lr`): StepLR, MultiStepLR,
 * ExponentialLR, CosineAnnealingLR, LinearLR, and LambdaLR.
 */

/**
 * Multiplies the learning rate by `gamma` (default 0.1) every `stepSize` epochs, as PyTorch's
 * `optim.lr_scheduler.StepLR`.
 *
 * @example
 * const sched = new optim.StepLR(opt, 30, { gamma: 0.1 }); // lr 0.05 for epochs 0-29, 0.005 for 30-59, ...
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(
    optimizer: Optimizer<BaseOptions, object>,
    stepSize: number,
    options: { gamma?: number; lastEpoch?: number } = {},
  ) {
    super("StepLR", optimizer);
    this.stepSize = checkNumber(this.name, "stepSize", stepSize, POSITIVE_INT);
    this.gamma = checkNumber(this.name, "gamma", options.gamma ?? 0.1, FINITE);
    this.init(options.lastEpoch ?? -1);
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }

  protected override stateFields(): Record<string, string> {
    return { step_size: "stepSize", gamma: "gamma", ...super.stateFields() };
  }
}

/**
 * Multiplies the learning rate by `gamma` (default 0.1) at each milestone, as PyTorch's
 * `optim.lr_scheduler.MultiStepLR` (a milestone listed twice applies
 * `gamma` twice).
 *
 * @example
 * const sched = new optim.MultiStepLR(opt, [30, 80], { gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Sorted, with repeats. */
  milestones: number[];
  gamma: number;

  constructor(
    optimizer: Optimizer<BaseOptions, object>,
    milestones: readonly number[],
    options: { gamma?: number; lastEpoch?: number } = {},
  ) {
    super("MultiStepLR", optimizer);
    if (!Array.isArray(milestones))
      throw new ValueError(
        this.name,
        `milestones must be an array of epochs; got ${fmtValue(milestones)}`,
      );
    this.milestones = milestones
      .map((m) => checkNumber(this.name, "milestone", m, NON_NEGATIVE_INT))
      .sort((a, b) => a - b);
    this.gamma = checkNumber(this.name, "gamma", options.gamma ?? 0.1, FINITE);
    this.init(options.lastEpoch ?? -1);
  }

  protected override getLr(): number[] {
    let count = 0;
    for (const m of this.milestones) if (m === this.lastEpoch) count++;
    if (count === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    // bisect_right: how many milestones are <= lastEpoch
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }

  protected override stateFields(): Record<string, string> {
    return { milestones: "milestones", gamma: "gamma", ...super.stateFields() };
  }
}

/**
 * Multiplies the learning rate by `gamma` every epoch, as PyTorch's
 * `optim.lr_scheduler.ExponentialLR`.
 *
 * @example
 * const sched = new optim.ExponentialLR(opt, 0.95);
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(
    optimizer: Optimizer<BaseOptions, object>,
    gamma: number,
    options: { lastEpoch?: number } = {},
  ) {
    super("ExponentialLR", optimizer);
    this.gamma = checkNumber(this.name, "gamma", gamma, FINITE);
    this.init(options.lastEpoch ?? -1);
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }

  protected override stateFields(): Record<string, string> {
    return { gamma: "gamma", ...super.stateFields() };
  }
}

/**
 * Cosine annealing, as PyTorch's `optim.lr_scheduler.CosineAnnealingLR`: from the initial lr down
 * to `etaMin` (default 0) over `tMax` epochs (and back up over the
 * next `tMax`, and so on), in PyTorch's recursive form:
 *
 *     lr_t = etaMin + (lr_{t-1} - etaMin) * (1 + cos(pi t / tMax)) / (1 + cos(pi (t - 1) / tMax))
 *
 * which follows changes other code makes to the lr; `etaMin + (base - etaMin)(1 + cos(pi t / tMax)) / 2`
 * when nothing else touches it.
 *
 * @example
 * const sched = new optim.CosineAnnealingLR(opt, 100, { etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(
    optimizer: Optimizer<BaseOptions, object>,
    tMax: number,
    options: { etaMin?: number; lastEpoch?: number } = {},
  ) {
    super("CosineAnnealingLR", optimizer);
    this.tMax = checkNumber(this.name, "tMax", tMax, POSITIVE);
    this.etaMin = checkNumber(this.name, "etaMin", options.etaMin ?? 0, FINITE);
    this.init(options.lastEpoch ?? -1);
  }

  protected override getLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    const groups = this.currentLrs();
    if (t === 0) return groups;
    if (this.stepCount === 1 && t > 0)
      return this.baseLrs.map(
        (b) => etaMin + ((b - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2,
      );
    if ((t - 1 - tMax) % (2 * tMax) === 0)
      return groups.map(
        (lr, i) => lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2,
      );
    return groups.map(
      (lr) =>
        ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) *
          (lr - etaMin) +
        etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map(
      (b) =>
        this.etaMin +
        ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2,
    );
  }

  protected override stateFields(): Record<string, string> {
    return { T_max: "tMax", eta_min: "etaMin", ...super.stateFields() };
  }
}

/**
 * Scales the learning rate by a factor that goes linearly from `startFactor` (default 1/3) to
 * `endFactor` (default 1) over `totalIters` (default 5) epochs, as PyTorch's
 * `optim.lr_scheduler.LinearLR`, then stays at `endFactor`: a warm-up (or a linear decay).
 *
 * @example
 * const warmup = new optim.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(
    optimizer: Optimizer<BaseOptions, object>,
    options: {
      startFactor?: number;
      endFactor?: number;
      totalIters?: number;
      lastEpoch?: number;
    } = {},
  ) {
    super("LinearLR", optimizer);
    // NOTE: PyTorch 1.13 accepts startFactor 0 and then divides by zero; we require > 0, as PyTorch 2 does.
    this.startFactor = checkNumber(this.name, "startFactor", options.startFactor ?? 1 / 3, {
      ok: (x) => x > 0 && x <= 1,
      must: "in (0, 1]",
    });
    this.endFactor = checkNumber(this.name, "endFactor", options.endFactor ?? 1, UNIT_INTERVAL);
    this.totalIters = checkNumber(this.name, "totalIters", options.totalIters ?? 5, POSITIVE_INT);
    this.init(options.lastEpoch ?? -1);
  }

  protected override getLr(): number[] {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    if (t === 0) return this.currentLrs().map((lr) => lr * s);
    if (t > n) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(n, t)) / n));
  }

  protected override stateFields(): Record<string, string> {
    return {
      start_factor: "startFactor",
      end_factor: "endFactor",
      total_iters: "totalIters",
      ...super.stateFields(),
    };
  }
}

/**
 * As PyTorch's `optim.lr_scheduler.LambdaLR`, sets each group's learning rate to its initial lr
 * times `lrLambda(epoch)` (one function for all
 * groups, or one per group). Functions are not saved in the state dict (`lr_lambdas` holds nulls,
 * as PyTorch's does for plain functions).
 *
 * @example
 * const sched = new optim.LambdaLR(opt, (epoch) => 0.95 ** epoch);
 */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ((epoch: number) => number)[];

  constructor(
    optimizer: Optimizer<BaseOptions, object>,
    lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[],
    options: { lastEpoch?: number } = {},
  ) {
    super("LambdaLR", optimizer);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== n)
        throw new ValueError(this.name, `expected ${n} lrLambdas, but got ${lrLambda.length}`);
      this.lrLambdas = [...(lrLambda as ((epoch: number) => number)[])];
    } else {
      this.lrLambdas = new Array<(epoch: number) => number>(n).fill(
        lrLambda as (epoch: number) => number,
      );
    }
    for (const f of this.lrLambdas)
      if (typeof f !== "function")
        throw new ValueError(
          this.name,
          `lrLambda must be a function or an array of functions; got ${typeof f}`,
        );
    this.init(options.lastEpoch ?? -1);
  }

  protected override getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i]!(this.lastEpoch));
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }

  override prepareLoad(stateDict: SchedulerStateDict): () => void {
    const { lr_lambdas: lambdas, ...rest } = stateDict ?? {};
    if (
      lambdas !== undefined &&
      (!Array.isArray(lambdas) || lambdas.length !== this.lrLambdas.length)
    ) {
      throw new ValueError(
        `${this.name}.loadStateDict`,
        `lr_lambdas must list ${this.lrLambdas.length} entries; nothing was changed`,
      );
    }
    return super.prepareLoad(rest);
  }
}
