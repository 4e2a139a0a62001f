import { ValueError } from "../core/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { fmtValue, type Optimizer } from "./optimizer.js";
import type { BaseOptions } from "./types.js";
import {
  checkNumber,
  checkOptimizer,
  groupsOf,
  NON_NEGATIVE,
  NON_NEGATIVE_INT,
  packFields,
  perGroup,
  prepareFields,
  type AnyOptimizer,
  type SchedulerStateDict,
} from "./lr-scheduler.js";

/**
 * As PyTorch's `optim.lr_scheduler.ReduceLROnPlateau`, reduces the learning rate by `factor`
 * (default 0.1) once a metric has stopped improving for more than
 * `patience` epochs, then waits `cooldown` epochs before counting again. `mode` "min" waits for the
 * metric to fall, "max" for it to rise; `threshold` (relative or absolute, `thresholdMode`) is the
 * least change that counts as an improvement. Learning rates never go below `minLr`, and changes
 * smaller than `eps` are skipped.
 *
 * @example
 * const sched = new optim.ReduceLROnPlateau(opt, { mode: "min", factor: 0.5, patience: 5 });
 * sched.step(valLoss);
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  readonly name = "ReduceLROnPlateau";
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: "min" | "max";
  threshold: number;
  thresholdMode: "rel" | "abs";
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  protected lastLr: number[];

  constructor(
    optimizer: Optimizer<BaseOptions, object>,
    options: {
      mode?: "min" | "max";
      factor?: number;
      patience?: number;
      threshold?: number;
      thresholdMode?: "rel" | "abs";
      cooldown?: number;
      minLr?: number | readonly number[];
      eps?: number;
    } = {},
  ) {
    const name = this.name;
    this.optimizer = checkOptimizer(name, optimizer);
    this.factor = checkNumber(name, "factor", options.factor ?? 0.1, {
      ok: (x) => x >= 0 && x < 1,
      must: "in [0, 1)",
    });
    const groups = groupsOf(this.optimizer);
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== groups.length)
      throw new ValueError(name, `expected ${groups.length} minLrs, got ${minLr.length}`);
    this.minLrs = perGroup(name, "minLr", minLr, groups.length);
    this.patience = checkNumber(name, "patience", options.patience ?? 10, NON_NEGATIVE_INT);
    this.cooldown = checkNumber(name, "cooldown", options.cooldown ?? 0, NON_NEGATIVE_INT);
    this.threshold = checkNumber(name, "threshold", options.threshold ?? 1e-4, NON_NEGATIVE);
    this.eps = checkNumber(name, "eps", options.eps ?? 1e-8, NON_NEGATIVE);
    const mode = options.mode ?? "min";
    const thresholdMode = options.thresholdMode ?? "rel";
    if (mode !== "min" && mode !== "max")
      throw new ValueError(name, `mode ${fmtValue(mode)} is unknown (must be "min" or "max")`);
    if (thresholdMode !== "rel" && thresholdMode !== "abs")
      throw new ValueError(
        name,
        `thresholdMode ${fmtValue(thresholdMode)} is unknown (must be "rel" or "abs")`,
      );
    this.mode = mode;
    this.thresholdMode = thresholdMode;
    this.modeWorse = mode === "min" ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.lastLr = groups.map((g) => g.lr);
  }

  /** Whether the cooldown after a reduction is still running. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  #isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1 - this.threshold);
    if (this.mode === "min") return a < best - this.threshold;
    if (this.thresholdMode === "rel") return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records this epoch's `metric` (a number, or a one-element CPU tensor) and reduces the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.itemSync() : metric;
    if (typeof current !== "number")
      throw new ValueError(this.name, `metric must be a number; got ${typeof current}`);
    this.lastEpoch += 1;
    if (this.#isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // ignore bad epochs in cooldown
    }
    if (this.numBadEpochs > this.patience) {
      groupsOf(this.optimizer).forEach((g, i) => {
        const old = g.lr;
        const next = Math.max(old * this.factor, this.minLrs[i]!);
        if (old - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }

  /** The learning rates after the last step, one per param group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  static readonly #fields: Readonly<Record<string, string>> = {
    factor: "factor",
    min_lrs: "minLrs",
    patience: "patience",
    cooldown: "cooldown",
    cooldown_counter: "cooldownCounter",
    mode: "mode",
    threshold: "threshold",
    threshold_mode: "thresholdMode",
    best: "best",
    num_bad_epochs: "numBadEpochs",
    mode_worse: "modeWorse",
    eps: "eps",
    last_epoch: "lastEpoch",
    _last_lr: "lastLr",
  };

  stateDict(): SchedulerStateDict {
    return packFields(this, ReduceLROnPlateau.#fields);
  }

  /** Loads a state dict from `stateDict()`; on any problem it throws and changes nothing. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    const sd = stateDict ?? {};
    if (sd.mode !== undefined && sd.mode !== "min" && sd.mode !== "max")
      throw new ValueError(op, `mode ${fmtValue(sd.mode)} is unknown; nothing was changed`);
    if (
      sd.threshold_mode !== undefined &&
      sd.threshold_mode !== "rel" &&
      sd.threshold_mode !== "abs"
    )
      throw new ValueError(
        op,
        `threshold_mode ${fmtValue(sd.threshold_mode)} is unknown; nothing was changed`,
      );
    prepareFields(this, this.name, ReduceLROnPlateau.#fields, sd)();
  }
}
