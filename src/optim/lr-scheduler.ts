import { ValueError } from "../core/errors.js";
import { fmtValue, Optimizer } from "./optimizer.js";
import type { BaseOptions } from "./types.js";

/**
 * Learning-rate schedulers, as PyTorch 1.13's `torch.optim.lr_scheduler`, in the same (recursive,
 * "chainable") form, so that the learning rates agree with PyTorch's step for step. Call
 * `scheduler.step()` after `optimizer.step()`, once per epoch (or per batch for OneCycleLR).
 *
 * State dicts use PyTorch's keys (`last_epoch`, `base_lrs`, `_step_count`, `_last_lr`, `T_max`, ...).
 */

/** @internal Any optimizer: a scheduler reads and writes only its groups' options. */
export type AnyOptimizer = Optimizer<BaseOptions, object>;
/** @internal A param group as a scheduler sees it: its options by name, `lr` among them. */
export type Group = Record<string, unknown> & { lr: number };

/** The plain data a scheduler's state dict holds. */
export type SchedulerStateDict = Record<string, unknown>;

/** @internal The param groups of `o`, as plain records. */
export const groupsOf = (o: AnyOptimizer): Group[] => o.paramGroups as unknown as Group[];

/** @internal Checks that `optimizer` is an Optimizer (a scheduler's first argument). */
export function checkOptimizer(name: string, optimizer: unknown): AnyOptimizer {
  if (!(optimizer instanceof Optimizer))
    throw new ValueError(
      name,
      `expected an Optimizer; got ${optimizer === null ? "null" : typeof optimizer}`,
    );
  return optimizer as AnyOptimizer;
}

/** A condition on a number, and how an error message words it (`must be ...`). */
interface NumberRule {
  readonly ok: (x: number) => boolean;
  readonly must: string;
}

const numberRule = (ok: (x: number) => boolean, must: string): NumberRule => ({ ok, must });
/** @internal */
export const FINITE = /* @__PURE__ */ numberRule((x) => Number.isFinite(x), "a finite number");
/** @internal */
export const POSITIVE = /* @__PURE__ */ numberRule(
  (x) => Number.isFinite(x) && x > 0,
  "a positive number",
);
/** @internal */
export const NON_NEGATIVE = /* @__PURE__ */ numberRule(
  (x) => Number.isFinite(x) && x >= 0,
  "a finite number >= 0",
);
/** @internal */
export const POSITIVE_INT = /* @__PURE__ */ numberRule(
  (x) => Number.isInteger(x) && x > 0,
  "a positive integer",
);
/** @internal */
export const NON_NEGATIVE_INT = /* @__PURE__ */ numberRule(
  (x) => Number.isInteger(x) && x >= 0,
  "a non-negative integer",
);
/** @internal */
export const UNIT_INTERVAL = /* @__PURE__ */ numberRule((x) => x >= 0 && x <= 1, "in [0, 1]");

/** @internal Returns `v` if it is a number that passes `rule`; else throws `invalid <key> <v> (must be ...)`. */
export function checkNumber(name: string, key: string, v: unknown, rule: NumberRule): number {
  if (typeof v !== "number" || !rule.ok(v))
    throw new ValueError(name, `invalid ${key} ${fmtValue(v)} (must be ${rule.must})`);
  return v;
}

/**
 * @internal A value per param group: one for all, or a list of exactly one per group (PyTorch's
 * `_format_param`).
 */
export function perGroup(
  name: string,
  key: string,
  v: number | readonly number[],
  n: number,
): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n)
      throw new ValueError(name, `expected ${n} values for ${key}, got ${v.length}`);
    return v.map((x) => checkNumber(name, key, x, FINITE));
  }
  return new Array<number>(n).fill(checkNumber(name, key, v, FINITE));
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
 * @internal Validates `stateDict` against `fields` (PyTorch key -> this object's field) and returns the
 * assignment to make; throws, changing nothing, on an unknown key or a value of the wrong shape.
 */
export function prepareFields(
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
        `${key} must look like ${fmtValue(self[field])}; got ${fmtValue(value)}; nothing was changed`,
      );
    updates.push([field, deepCopy(value)]);
  }
  return () => {
    for (const [f, v] of updates) self[f] = v;
  };
}

/** @internal The state dict of `owner`: each PyTorch key of `fields` with a copy of its field. */
export function packFields(
  owner: object,
  fields: Readonly<Record<string, string>>,
): SchedulerStateDict {
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
    checkNumber(this.name, "lastEpoch", lastEpoch, {
      ok: (x) => Number.isInteger(x) && x >= -1,
      must: "an integer >= -1",
    });
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
