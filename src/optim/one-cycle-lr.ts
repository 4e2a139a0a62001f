import { ValueError } from "../core/errors.js";
import { fmtValue, type Optimizer } from "./optimizer.js";
import type { BaseOptions } from "./types.js";
import {
  LRScheduler,
  checkNumber,
  groupsOf,
  perGroup,
  POSITIVE,
  POSITIVE_INT,
  UNIT_INTERVAL,
  type Group,
} from "./lr-scheduler.js";

interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/**
 * The 1cycle policy (Smith & Topor), as PyTorch's `optim.lr_scheduler.OneCycleLR`: the learning rate rises from `maxLr / divFactor` to `maxLr`
 * over the first `pctStart` of `totalSteps` and anneals to `initialLr / finalDivFactor` (cosine or
 * linear); with `threePhase`, it comes back down symmetrically before the final anneal. The
 * momentum (SGD's `momentum`, Adam's `betas[0]`) cycles the other way, between `maxMomentum` and
 * `baseMomentum`. Step it after every batch; `totalSteps` may be given as `epochs * stepsPerEpoch`.
 *
 * @example
 * const sched = new optim.OneCycleLR(opt, 0.01, { epochs: 10, stepsPerEpoch: loader.length });
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  /** PyTorch's `_schedule_phases`: the group keys are PyTorch's names (`initial_lr`, ...). */
  schedulePhases: Phase[];
  annealStrategy: "cos" | "linear";
  cycleMomentum: boolean;
  useBeta1: boolean;

  constructor(
    optimizer: Optimizer<BaseOptions, object>,
    maxLr: number | readonly number[],
    options: {
      totalSteps?: number;
      epochs?: number;
      stepsPerEpoch?: number;
      pctStart?: number;
      annealStrategy?: "cos" | "linear";
      cycleMomentum?: boolean;
      baseMomentum?: number | readonly number[];
      maxMomentum?: number | readonly number[];
      divFactor?: number;
      finalDivFactor?: number;
      threePhase?: boolean;
      lastEpoch?: number;
    } = {},
  ) {
    super("OneCycleLR", optimizer);
    const name = this.name;
    const o = options;
    if (o.totalSteps === undefined && (o.epochs === undefined || o.stepsPerEpoch === undefined)) {
      throw new ValueError(name, "you must define either totalSteps OR (epochs AND stepsPerEpoch)");
    }
    if (o.totalSteps !== undefined) {
      this.totalSteps = checkNumber(name, "totalSteps", o.totalSteps, POSITIVE_INT);
    } else {
      this.totalSteps =
        checkNumber(name, "epochs", o.epochs, POSITIVE_INT) *
        checkNumber(name, "stepsPerEpoch", o.stepsPerEpoch, POSITIVE_INT);
    }
    const pct = checkNumber(name, "pctStart", o.pctStart ?? 0.3, UNIT_INTERVAL);
    const strategy = o.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear")
      throw new ValueError(
        name,
        `annealStrategy must be "cos" or "linear"; got ${fmtValue(strategy)}`,
      );
    this.annealStrategy = strategy;
    const divFactor = checkNumber(name, "divFactor", o.divFactor ?? 25, POSITIVE);
    const finalDivFactor = checkNumber(name, "finalDivFactor", o.finalDivFactor ?? 1e4, POSITIVE);
    const total = this.totalSteps;
    this.schedulePhases = o.threePhase
      ? [
          {
            end_step: pct * total - 1,
            start_lr: "initial_lr",
            end_lr: "max_lr",
            start_momentum: "max_momentum",
            end_momentum: "base_momentum",
          },
          {
            end_step: 2 * pct * total - 2,
            start_lr: "max_lr",
            end_lr: "initial_lr",
            start_momentum: "base_momentum",
            end_momentum: "max_momentum",
          },
          {
            end_step: total - 1,
            start_lr: "initial_lr",
            end_lr: "min_lr",
            start_momentum: "max_momentum",
            end_momentum: "max_momentum",
          },
        ]
      : [
          {
            end_step: pct * total - 1,
            start_lr: "initial_lr",
            end_lr: "max_lr",
            start_momentum: "max_momentum",
            end_momentum: "base_momentum",
          },
          {
            end_step: total - 1,
            start_lr: "max_lr",
            end_lr: "min_lr",
            start_momentum: "base_momentum",
            end_momentum: "max_momentum",
          },
        ];
    const groups = groupsOf(this.optimizer);
    const lastEpoch = o.lastEpoch ?? -1;
    const maxLrs = perGroup(name, "maxLr", maxLr, groups.length);
    this.cycleMomentum = o.cycleMomentum ?? true;
    this.useBeta1 = "betas" in this.optimizer.defaults;
    // Check everything before touching the optimizer's groups.
    let maxMomentums: number[] = [];
    let baseMomentums: number[] = [];
    if (this.cycleMomentum) {
      if (!("momentum" in this.optimizer.defaults) && !this.useBeta1)
        throw new ValueError(
          name,
          "optimizer must support momentum with the cycleMomentum option enabled",
        );
      maxMomentums = perGroup(name, "maxMomentum", o.maxMomentum ?? 0.95, groups.length);
      baseMomentums = perGroup(name, "baseMomentum", o.baseMomentum ?? 0.85, groups.length);
    }
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = (g.initialLr as number) / finalDivFactor;
        if (this.cycleMomentum) {
          if (this.useBeta1) g.betas = [maxMomentums[i]!, (g.betas as number[])[1]!];
          else g.momentum = maxMomentums[i]!;
          g.maxMomentum = maxMomentums[i]!;
          g.baseMomentum = baseMomentums[i]!;
        }
      });
    }
    this.init(lastEpoch);
  }

  #anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === "cos")
      return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected override getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      throw new ValueError(
        this.name,
        `tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`,
      );
    const field = (g: Group, torchKey: string) =>
      g[torchKey.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] as number;
    return groupsOf(this.optimizer).map((g) => {
      let start = 0;
      let lr = 0;
      let momentum = 0;
      const phases = this.schedulePhases;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i]!;
        const end = phase.end_step;
        if (stepNum <= end || i === phases.length - 1) {
          const pct = (stepNum - start) / (end - start);
          lr = this.#anneal(field(g, phase.start_lr), field(g, phase.end_lr), pct);
          if (this.cycleMomentum)
            momentum = this.#anneal(
              field(g, phase.start_momentum),
              field(g, phase.end_momentum),
              pct,
            );
          break;
        }
        start = phase.end_step;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, (g.betas as number[])[1]!];
        else g.momentum = momentum;
      }
      return lr;
    });
  }

  protected override stateFields(): Record<string, string> {
    return {
      total_steps: "totalSteps",
      _schedule_phases: "schedulePhases",
      anneal_strategy: "annealStrategy",
      cycle_momentum: "cycleMomentum",
      use_beta1: "useBeta1",
      ...super.stateFields(),
    };
  }
}
