import { ValueError } from "../core/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { Optimizer, type BaseOptions } from "./optimizer.js";

/**
 * Learning-rate schedulers, as PyTorch 1.13's `torch.optim.lr_scheduler`, in the same (recursive,
 * "chainable") form, so that the learning rates agree with PyTorch's step for step. Call
 * `scheduler.step()` after `optimizer.step()`, once per epoch (or per batch for OneCycleLR).
 *
 * State dicts use PyTorch's keys (`last_epoch`, `base_lrs`, `_step_count`, `_last_lr`, `T_max`, ...).
 */

type AnyOptimizer = Optimizer<BaseOptions, object>;
type Group = Record<string, unknown> & { lr: number };

/** The plain data a scheduler's state dict holds. */
export type SchedulerStateDict = Record<string, unknown>;

const groupsOf = (o: AnyOptimizer) => o.paramGroups as unknown as Group[];

function fmt(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(fmt).join(", ")}]`;
  return String(v);
}

function checkOptimizer(name: string, optimizer: unknown): AnyOptimizer {
  if (!(optimizer instanceof Optimizer))
    throw new ValueError(
      name,
      `expected an Optimizer; got ${optimizer === null ? "null" : typeof optimizer}`,
    );
  return optimizer as AnyOptimizer;
}

function checkNumber(
  name: string,
  key: string,
  v: unknown,
  ok: (x: number) => boolean,
  must: string,
): number {
  if (typeof v !== "number" || !ok(v))
    throw new ValueError(name, `invalid ${key} ${fmt(v)} (must be ${must})`);
  return v;
}
const finite = (x: number) => Number.isFinite(x);
const positiveInt = (x: number) => Number.isInteger(x) && x > 0;
const nonNegativeInt = (x: number) => Number.isInteger(x) && x >= 0;

/** A value per param group: one for all, or a list of exactly one per group (PyTorch's `_format_param`). */
function perGroup(name: string, key: string, v: number | readonly number[], n: number): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n)
      throw new ValueError(name, `expected ${n} values for ${key}, got ${v.length}`);
    return v.map((x) => checkNumber(name, key, x, finite, "a finite number"));
  }
  return new Array<number>(n).fill(checkNumber(name, key, v, finite, "a finite number"));
}

function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepCopy(x)])) as T;
  return v;
}

/** Whether `value` has the structure of `template` (types, array element types, object keys). */
function compatible(template: unknown, value: unknown): boolean {
  if (Array.isArray(template)) {
    if (!Array.isArray(value)) return false;
    return value.every((x) =>
      template.length ? compatible(template[0], x) : typeof x === "number",
    );
  }
  if (template !== null && typeof template === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    const tk = Object.keys(template);
    const vk = Object.keys(value);
    return (
      tk.length === vk.length &&
      tk.every(
        (k) =>
          k in value &&
          compatible(
            (template as Record<string, unknown>)[k],
            (value as Record<string, unknown>)[k],
          ),
      )
    );
  }
  return typeof template === typeof value;
}

/** PyTorch keys that describe its implementation, accepted in a loaded state dict and ignored. */
const TORCH_ONLY_KEYS = new Set(["verbose", "_get_lr_called_within_step", "anneal_func"]);

/**
 * Validates `stateDict` against `fields` (PyTorch key -> this object's field) and returns the
 * assignment to make; throws, changing nothing, on an unknown key or a value of the wrong shape.
 */
function prepareFields(
  owner: object,
  name: string,
  fields: Readonly<Record<string, string>>,
  stateDict: SchedulerStateDict,
  skip: ReadonlySet<string> = new Set(),
): () => void {
  const op = `${name}.loadStateDict`;
  if (stateDict === null || typeof stateDict !== "object")
    throw new ValueError(op, "expected a state dict object; nothing was changed");
  const self = owner as Record<string, unknown>;
  const updates: [string, unknown][] = [];
  for (const [key, value] of Object.entries(stateDict)) {
    if (TORCH_ONLY_KEYS.has(key) || skip.has(key)) continue;
    const field = fields[key];
    if (!field)
      throw new ValueError(
        op,
        `unknown key "${key}" (${name} keeps ${Object.keys(fields).join(", ")}); nothing was changed`,
      );
    if (!compatible(self[field], value))
      throw new ValueError(
        op,
        `${key} must look like ${fmt(self[field])}; got ${fmt(value)}; nothing was changed`,
      );
    updates.push([field, deepCopy(value)]);
  }
  return () => {
    for (const [f, v] of updates) self[f] = v;
  };
}

function packFields(owner: object, fields: Readonly<Record<string, string>>): SchedulerStateDict {
  const self = owner as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(fields).map(([key, field]) => [key, deepCopy(self[field])]),
  );
}

/**
 * The base class of the epoch-based schedulers (PyTorch's `_LRScheduler`). A subclass sets its
 * fields and then calls `init(lastEpoch)`, which records each group's `initialLr` and takes the
 * first step (epoch 0), as PyTorch's constructor does.
 *
 * @example
 * class HalvingLR extends optim.LRScheduler {
 *   constructor(opt: optim.Optimizer) { super("HalvingLR", opt); this.init(-1); }
 *   protected getLr() { return this.currentLrs().map((lr) => (this.lastEpoch > 0 ? lr / 2 : lr)); }
 * }
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** The class name used in error messages. */
  readonly name: string;
  /** Each group's `initialLr`. */
  baseLrs: number[] = [];
  /** The index of the last step taken (0 after construction). */
  lastEpoch = -1;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  protected constructor(name: string, optimizer: Optimizer<BaseOptions, object>) {
    this.name = name;
    this.optimizer = checkOptimizer(name, optimizer);
  }

  /** Records the base learning rates and takes the initial step. */
  protected init(lastEpoch: number): void {
    checkNumber(
      this.name,
      "lastEpoch",
      lastEpoch,
      (x) => Number.isInteger(x) && x >= -1,
      "an integer >= -1",
    );
    const groups = groupsOf(this.optimizer);
    if (lastEpoch === -1) {
      for (const g of groups) g.initialLr ??= g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined)
          throw new ValueError(
            this.name,
            `param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`,
          );
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
    this.initialStep();
  }

  /** @internal Resets the step count and takes the first step (SequentialLR calls it too). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates of the step now being taken, from the current ones (the chainable form). */
  protected abstract getLr(): number[];

  /** The learning rates at `lastEpoch` computed directly from `baseLrs`, where a closed form exists. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances one step and writes the new learning rate into every param group. Passing `epoch`
   * (deprecated in PyTorch, used by SequentialLR) jumps to that epoch with the closed form.
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    const groups = groupsOf(this.optimizer);
    groups.forEach((g, i) => {
      g.lr = values[i]!;
    });
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The learning rates of the last step, one per param group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** PyTorch key -> field, of everything the state dict holds. */
  protected stateFields(): Record<string, string> {
    return {
      base_lrs: "baseLrs",
      last_epoch: "lastEpoch",
      _step_count: "stepCount",
      _last_lr: "lastLr",
    };
  }

  /** The scheduler's state under PyTorch's keys (plain data, no optimizer). */
  stateDict(): SchedulerStateDict {
    return packFields(this, this.stateFields());
  }

  /** @internal Checks a state dict and returns the commit (nothing changes until it is called). */
  prepareLoad(stateDict: SchedulerStateDict): () => void {
    return prepareFields(this, this.name, this.stateFields(), stateDict);
  }

  /** Loads a state dict from `stateDict()` (here or PyTorch's); on any problem it throws and changes nothing. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    this.prepareLoad(stateDict)();
  }

  protected currentLrs(): number[] {
    return groupsOf(this.optimizer).map((g) => g.lr);
  }
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` epochs.
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
    this.stepSize = checkNumber(this.name, "stepSize", stepSize, positiveInt, "a positive integer");
    this.gamma = checkNumber(this.name, "gamma", options.gamma ?? 0.1, finite, "a finite number");
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
 * Multiplies the learning rate by `gamma` at each milestone (a milestone listed twice applies
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
        `milestones must be an array of epochs; got ${fmt(milestones)}`,
      );
    this.milestones = milestones
      .map((m) => checkNumber(this.name, "milestone", m, nonNegativeInt, "a non-negative integer"))
      .sort((a, b) => a - b);
    this.gamma = checkNumber(this.name, "gamma", options.gamma ?? 0.1, finite, "a finite number");
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
 * Multiplies the learning rate by `gamma` every epoch.
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
    this.gamma = checkNumber(this.name, "gamma", gamma, finite, "a finite number");
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
 * Cosine annealing from the initial lr down to `etaMin` over `tMax` epochs (and back up over the
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
    this.tMax = checkNumber(
      this.name,
      "tMax",
      tMax,
      (x) => Number.isFinite(x) && x > 0,
      "a positive number",
    );
    this.etaMin = checkNumber(this.name, "etaMin", options.etaMin ?? 0, finite, "a finite number");
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
 * Scales the learning rate by a factor that goes linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs, then stays at `endFactor`: a warm-up (or a linear decay).
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
    this.startFactor = checkNumber(
      this.name,
      "startFactor",
      options.startFactor ?? 1 / 3,
      (x) => x > 0 && x <= 1,
      "in (0, 1]",
    );
    this.endFactor = checkNumber(
      this.name,
      "endFactor",
      options.endFactor ?? 1,
      (x) => x >= 0 && x <= 1,
      "in [0, 1]",
    );
    this.totalIters = checkNumber(
      this.name,
      "totalIters",
      options.totalIters ?? 5,
      positiveInt,
      "a positive integer",
    );
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
 * Sets each group's learning rate to its initial lr times `lrLambda(epoch)` (one function for all
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

interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/**
 * The 1cycle policy (Smith & Topor): the learning rate rises from `maxLr / divFactor` to `maxLr`
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
      this.totalSteps = checkNumber(
        name,
        "totalSteps",
        o.totalSteps,
        positiveInt,
        "a positive integer",
      );
    } else {
      this.totalSteps =
        checkNumber(name, "epochs", o.epochs, positiveInt, "a positive integer") *
        checkNumber(name, "stepsPerEpoch", o.stepsPerEpoch, positiveInt, "a positive integer");
    }
    const pct = checkNumber(
      name,
      "pctStart",
      o.pctStart ?? 0.3,
      (x) => x >= 0 && x <= 1,
      "in [0, 1]",
    );
    const strategy = o.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear")
      throw new ValueError(name, `annealStrategy must be "cos" or "linear"; got ${fmt(strategy)}`);
    this.annealStrategy = strategy;
    const divFactor = checkNumber(
      name,
      "divFactor",
      o.divFactor ?? 25,
      (x) => Number.isFinite(x) && x > 0,
      "a positive number",
    );
    const finalDivFactor = checkNumber(
      name,
      "finalDivFactor",
      o.finalDivFactor ?? 1e4,
      (x) => Number.isFinite(x) && x > 0,
      "a positive number",
    );
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

/**
 * Runs `schedulers` one after another, switching at each of `milestones` (one fewer than
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
        `expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${Array.isArray(milestones as unknown) ? milestones.length : fmt(milestones)}`,
      );
    }
    milestones.forEach((m) =>
      checkNumber(this.name, "milestone", m, nonNegativeInt, "a non-negative integer"),
    );
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

/**
 * Reduces the learning rate by `factor` once a metric has stopped improving for more than
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
    this.factor = checkNumber(
      name,
      "factor",
      options.factor ?? 0.1,
      (x) => x >= 0 && x < 1,
      "in [0, 1)",
    );
    const groups = groupsOf(this.optimizer);
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== groups.length)
      throw new ValueError(name, `expected ${groups.length} minLrs, got ${minLr.length}`);
    this.minLrs = perGroup(name, "minLr", minLr, groups.length);
    this.patience = checkNumber(
      name,
      "patience",
      options.patience ?? 10,
      nonNegativeInt,
      "a non-negative integer",
    );
    this.cooldown = checkNumber(
      name,
      "cooldown",
      options.cooldown ?? 0,
      nonNegativeInt,
      "a non-negative integer",
    );
    this.threshold = checkNumber(
      name,
      "threshold",
      options.threshold ?? 1e-4,
      (x) => Number.isFinite(x) && x >= 0,
      "a finite number >= 0",
    );
    this.eps = checkNumber(
      name,
      "eps",
      options.eps ?? 1e-8,
      (x) => Number.isFinite(x) && x >= 0,
      "a finite number >= 0",
    );
    const mode = options.mode ?? "min";
    const thresholdMode = options.thresholdMode ?? "rel";
    if (mode !== "min" && mode !== "max")
      throw new ValueError(name, `mode ${fmt(mode)} is unknown (must be "min" or "max")`);
    if (thresholdMode !== "rel" && thresholdMode !== "abs")
      throw new ValueError(
        name,
        `thresholdMode ${fmt(thresholdMode)} is unknown (must be "rel" or "abs")`,
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
      throw new ValueError(op, `mode ${fmt(sd.mode)} is unknown; nothing was changed`);
    if (
      sd.threshold_mode !== undefined &&
      sd.threshold_mode !== "rel" &&
      sd.threshold_mode !== "abs"
    )
      throw new ValueError(
        op,
        `threshold_mode ${fmt(sd.threshold_mode)} is unknown; nothing was changed`,
      );
    prepareFields(this, this.name, ReduceLROnPlateau.#fields, sd)();
  }
}
