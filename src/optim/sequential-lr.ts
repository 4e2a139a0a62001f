import { ValueError } from "../core/errors.js";
import { fmtValue, type Optimizer } from "./optimizer.js";
import type { BaseOptions } from "./types.js";
import {
  LRScheduler,
  checkNumber,
  groupsOf,
  NON_NEGATIVE_INT,
  type SchedulerStateDict,
} from "./lr-scheduler.js";

/**
 * As PyTorch's `optim.lr_scheduler.SequentialLR`, runs `schedulers` one after another, switching at each of `milestones` (one fewer than
 * schedulers); the scheduler that takes over starts from its epoch 0 (PyTorch 1.13's behaviour:
 * `scheduler.step(0)`, the closed form where it has one).
 *
 * @example
 * const warmup = new optim.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new optim.CosineAnnealingLR(opt, 95);
 * const sched = new optim.SequentialLR(opt, [warmup, decay], [5]);
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  milestones: number[];

  constructor(
    optimizer: Optimizer<BaseOptions, object>,
    schedulers: readonly LRScheduler[],
    milestones: readonly number[],
    options: { lastEpoch?: number } = {},
  ) {
    super("SequentialLR", optimizer);
    if (!Array.isArray(schedulers as unknown) || schedulers.length === 0)
      throw new ValueError(this.name, "expects a non-empty array of schedulers");
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler))
        throw new ValueError(this.name, `schedulers[${i}] is not an LRScheduler`);
      if (s.optimizer !== optimizer) {
        throw new ValueError(
          this.name,
          `expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in`,
        );
      }
    });
    if (!Array.isArray(milestones as unknown) || milestones.length !== schedulers.length - 1) {
      throw new ValueError(
        this.name,
        `expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${Array.isArray(milestones as unknown) ? milestones.length : fmtValue(milestones)}`,
      );
    }
    milestones.forEach((m) => checkNumber(this.name, "milestone", m, NON_NEGATIVE_INT));
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = (options.lastEpoch ?? -1) + 1;
    const groups = groupsOf(this.optimizer);
    // Reset the learning rates and undo the step each scheduler took when it was made.
    for (const g of groups) g.lr = g.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!.initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  protected override getLr(): number[] {
    return this.currentLrs();
  }

  override step(): void {
    this.lastEpoch++;
    // bisect_right: how many milestones are <= lastEpoch
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const scheduler = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  protected override stateFields(): Record<string, string> {
    return { _milestones: "milestones", last_epoch: "lastEpoch", _last_lr: "lastLr" };
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), _schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override prepareLoad(stateDict: SchedulerStateDict): () => void {
    const { _schedulers: subs, ...rest } = stateDict ?? {};
    const commits: (() => void)[] = [];
    if (subs !== undefined) {
      if (!Array.isArray(subs) || subs.length !== this.schedulers.length) {
        throw new ValueError(
          `${this.name}.loadStateDict`,
          `_schedulers must list ${this.schedulers.length} state dicts; nothing was changed`,
        );
      }
      subs.forEach((sd, i) =>
        commits.push(this.schedulers[i]!.prepareLoad(sd as SchedulerStateDict)),
      );
    }
    commits.push(super.prepareLoad(rest));
    return () => {
      for (const c of commits) c();
    };
  }
}
