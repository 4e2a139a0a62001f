import { enableGrad, noGrad } from "../autograd/grad-mode.js";
import { isFloat } from "../core/dtype.js";
import { ShapeError, TensorError, ValueError } from "../core/errors.js";
import { keep } from "../core/memory.js";
import { checkOptionsObject, suggestKey } from "../core/options.js";
import { fmtShape, shapesEqual } from "../core/shape.js";
import { optimStep, type OptimStepHyper } from "../ops/optim-step.js";
import { zerosLike } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import type {
  BaseOptions,
  OptimizerOptions,
  OptimizerStateDict,
  OptionDefaults,
  OptionRule,
  OptionRules,
  ParamGroup,
  ParamGroupInput,
  Params,
  StateKeySpec,
  StateValue,
} from "./types.js";

/** PyTorch group keys that configure its implementation; a loaded state dict may have them. */
const TORCH_ONLY_KEYS = new Set(["foreach", "capturable", "differentiable", "fused"]);
const SCHEDULER_KEYS = new Set(["initialLr", "maxLr", "minLr", "maxMomentum", "baseMomentum"]);

/** `weightDecay` -> `weight_decay` (state dict keys are PyTorch's). */
function camelToSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
/** `weight_decay` -> `weightDecay`. */
function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** @internal An option's value as an error message shows it: `"cos"`, `[0.9, 0.999]`, `-1`. */
export function fmtValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(", ")}]`;
  return String(v);
}

function copyPlain<T>(v: T): T {
  return (Array.isArray(v) ? [...(v as unknown[])] : v) as T;
}

/**
 * The base class of every optimizer, as PyTorch's `torch.optim.Optimizer`: param groups (each
 * with its own options and `params`), per-parameter state created lazily on the first step,
 * `step()`, `zeroGrad()`, and `stateDict()`/`loadStateDict()` in PyTorch's layout.
 *
 * Every hyper-parameter is checked when the optimizer is made and when a group is added
 * (`AdamW: invalid lr -1 (must be >= 0)`). The state tensors belong to the optimizer: no `tidy`
 * disposes them; `dispose()` frees them.
 *
 * @example
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export abstract class Optimizer<
  O extends BaseOptions = BaseOptions,
  S extends object = Record<string, StateValue>,
> {
  /** The options a group takes when it does not give its own. */
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (moments, momentum buffers, step counts), made on a parameter's first step. */
  readonly state = new Map<Tensor, S>();
  /** See {@link OptimizerExtraOptions.fused}. */
  fused: boolean;
  /** The class name used in error messages (`Adam`, `AdamW`, ...). */
  readonly name: string;
  readonly #rules: Readonly<Record<string, OptionRule>>;

  /**
   * @param builtins PyTorch's defaults; `undefined` marks an option with no default (SGD's lr),
   *   which every group must then give.
   * @param rules how each option is checked; its keys are the options this optimizer takes.
   */
  protected constructor(
    name: string,
    params: Params<O>,
    options: OptimizerOptions<O> | undefined,
    builtins: OptionDefaults<O>,
    rules: OptionRules<O>,
  ) {
    this.name = name;
    this.#rules = rules;
    checkOptionsObject(name, options, {
      argument: 2,
      example: `{ lr: ${typeof options === "number" ? options : 0.01} }`,
    });
    const { fused, ...given } = (options ?? {}) as OptimizerOptions<O>;
    if (fused !== undefined && typeof fused !== "boolean")
      throw new ValueError(name, `invalid fused ${fmtValue(fused)} (must be a boolean)`);
    this.fused = fused ?? true;
    this.#checkKeys(Object.keys(given), "option", false);
    // copies: `builtins` may be a class's static table, and a group's arrays are its own
    const defaults = Object.fromEntries(
      Object.entries(builtins).map(([k, v]) => [k, copyPlain(v)]),
    ) as Record<string, unknown>;
    for (const [k, v] of Object.entries(given)) if (v !== undefined) defaults[k] = copyPlain(v);
    for (const [k, v] of Object.entries(defaults)) if (v !== undefined) this.#checkOption(k, v);
    this.defaults = defaults as unknown as O;
    if (defaults.lr !== undefined) this.checkGroup(this.defaults);

    if (params instanceof Tensor)
      throw new ValueError(
        name,
        "params must be an iterable of Tensors or of param groups; got a single Tensor (wrap it in an array)",
      );
    if (params === null || typeof params !== "object" || !(Symbol.iterator in params)) {
      throw new ValueError(
        name,
        `params must be an iterable of Tensors or of param groups; got ${fmtValue(params)}`,
      );
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0) throw new ValueError(name, "got an empty parameter list");
    const groups =
      list[0] instanceof Tensor
        ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>]
        : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /**
   * Checks the options of a whole group together (e.g. SGD's Nesterov condition). Called by the
   * constructor and by `addParamGroup` and `loadStateDict`; throws a `ValueError`.
   */
  protected checkGroup(_options: Readonly<O>): void {}

  /** The state keys this optimizer keeps per parameter (camelCase), for `loadStateDict`. */
  protected abstract stateSpec(): Readonly<Record<string, StateKeySpec>>;

  /** Updates one parameter that has a gradient, creating its state on first use. */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup<O>): void;

  #checkKeys(keys: readonly string[], what: string, inGroup: boolean): void {
    for (const k of keys) {
      if (k in this.#rules || (inGroup && (k === "params" || SCHEDULER_KEYS.has(k)))) continue;
      const near = suggestKey(k, Object.keys(this.#rules));
      const hint =
        near !== undefined
          ? ` (did you mean ${near}?)`
          : ` (${this.name} takes ${Object.keys(this.#rules).join(", ")})`;
      throw new ValueError(this.name, `unknown ${what} "${k}"${hint}`);
    }
  }

  #checkOption(key: string, value: unknown, where = ""): void {
    const rule = this.#rules[key];
    if (!rule) {
      if (SCHEDULER_KEYS.has(key) && typeof value !== "number")
        throw new ValueError(
          this.name,
          `invalid ${key} ${fmtValue(value)}${where} (must be a number)`,
        );
      return;
    }
    const bad = (why: string) =>
      new ValueError(this.name, `invalid ${key} ${fmtValue(value)}${where} (${why})`);
    switch (rule) {
      case "nonNegative":
        if (typeof value !== "number") throw bad("must be a number");
        if (!(value >= 0)) throw bad("must be >= 0");
        if (value === Infinity) throw bad("must be finite");
        return;
      case "number":
        if (typeof value !== "number" || !Number.isFinite(value))
          throw bad("must be a finite number");
        return;
      case "boolean":
        if (typeof value !== "boolean") throw bad("must be a boolean");
        return;
      case "betas": {
        if (!Array.isArray(value) || value.length !== 2) throw bad("must be a pair [beta1, beta2]");
        value.forEach((b: unknown, i) => {
          if (typeof b !== "number" || !(b >= 0 && b < 1)) {
            throw new ValueError(
              this.name,
              `invalid beta parameter at index ${i}: ${fmtValue(b)}${where} (must be in [0, 1))`,
            );
          }
        });
        return;
      }
    }
    rule satisfies never;
  }

  #defaultsCopy(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.defaults).map(([k, v]) => [k, copyPlain(v)]));
  }

  /** Validates resolved group options (every rule key present). */
  #checkResolved(options: Record<string, unknown>, where: string): void {
    for (const k of Object.keys(this.#rules)) {
      if (options[k] === undefined)
        throw new ValueError(
          this.name,
          `param group${where} didn't specify a value of required optimization parameter ${k}`,
        );
    }
    for (const [k, v] of Object.entries(options)) this.#checkOption(k, v, where);
    this.checkGroup(options as unknown as O);
  }

  #checkParams(params: readonly unknown[]): Tensor[] {
    const seen = new Set<Tensor>();
    for (const p of params) {
      if (!(p instanceof Tensor))
        throw new ValueError(
          this.name,
          `can only optimize Tensors, but one of the params is ${p === null ? "null" : typeof p}`,
        );
      if (p.isDisposed)
        throw new TensorError(this.name, `a parameter of shape ${fmtShape(p.shape)} was disposed`);
      if (!p.isLeaf) throw new ValueError(this.name, "can't optimize a non-leaf Tensor");
      if (!isFloat(p.dtype))
        throw new ValueError(this.name, `can only optimize floating-point tensors; got ${p.dtype}`);
      if (seen.has(p))
        throw new ValueError(this.name, "a parameter appears more than once in a param group");
      seen.add(p);
    }
    for (const g of this.paramGroups) {
      for (const p of g.params)
        if (seen.has(p))
          throw new ValueError(
            this.name,
            "some parameters appear in more than one parameter group",
          );
    }
    return [...seen];
  }

  /**
   * Adds a param group (for example layers unfrozen during fine-tuning). Options it does not give
   * take this optimizer's defaults.
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== "object" || !("params" in group))
      throw new ValueError(this.name, "a param group must be an object with a params field");
    const { params: ps, ...rest } = group;
    const params = this.#checkParams(ps instanceof Tensor ? [ps] : [...(ps as Iterable<Tensor>)]);
    this.#checkKeys(Object.keys(rest), "option in param group", true);
    const options = this.#defaultsCopy();
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) options[k] = copyPlain(v);
    this.#checkResolved(
      options,
      this.paramGroups.length ? ` in param group ${this.paramGroups.length}` : "",
    );
    this.paramGroups.push({ ...options, params } as ParamGroup<O>);
  }

  /**
   * Performs one optimization step on every parameter that has a gradient. It only enqueues work
   * (synchronous, no readback) and leaves no temporary tensor behind. With a `closure` (which
   * re-evaluates the model and returns the loss), calls it with gradients enabled first and
   * returns what it returns.
   */
  step(): void;
  step<T>(closure: () => T): T;
  step<T>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    // Check everything first: no half-applied update.
    this.paramGroups.forEach((group, gi) => {
      group.params.forEach((p, pi) => {
        if (p.isDisposed)
          throw new TensorError(
            `${this.name}.step`,
            `parameter ${pi} of param group ${gi} (shape ${fmtShape(p.shape)}) was disposed`,
          );
        const g = p.grad;
        if (g && (!shapesEqual(g.shape, p.shape) || g.dtype !== p.dtype || g.device !== p.device)) {
          throw new ShapeError(
            `${this.name}.step`,
            `parameter ${pi} of param group ${gi} is a ${p.dtype} ${fmtShape(p.shape)} tensor on ${p.device}, but its grad is a ${g.dtype} ${fmtShape(g.shape)} tensor on ${g.device}`,
          );
        }
      });
    });
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) if (p.grad) this.update(p, p.grad, group);
      }
    });
    return loss;
  }

  /** Runs the update on `param` through the `optimStep` primitive (fused or composite). */
  protected applyUpdate(
    param: Tensor,
    grad: Tensor,
    state: readonly Tensor[],
    hyper: OptimStepHyper,
  ): void {
    optimStep(param, grad, state, hyper, { fused: this.fused });
  }

  /** `param`'s state, made by `init` (and stored) on its first use. */
  protected stateOf(param: Tensor, init: () => S): S {
    let s = this.state.get(param);
    if (!s) {
      s = init();
      this.state.set(param, s);
    }
    return s;
  }

  /** A zero tensor like `param` that the optimizer owns (kept from any `tidy`). */
  protected newStateTensor(param: Tensor, fill = 0): Tensor {
    const t = keep(zerosLike(param));
    if (fill !== 0) t.fill_(fill);
    return t;
  }

  /**
   * Clears the gradients of every optimized parameter: disposes them (`setToNone`, the default, as
   * in PyTorch 2), or fills them with zeros.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (!g) continue;
        if (setToNone) {
          g.dispose();
          p.grad = null;
        } else {
          if (g.gradFn) g.detach_();
          noGrad(() => g.zero_());
        }
      }
    }
  }

  /**
   * The state in PyTorch's layout (see {@link OptimizerStateDict}). Tensors are copies, owned by
   * the caller (dispose them, or use {@link disposeStateDict}).
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const param_groups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g))
        if (k !== "params") packed[camelToSnake(k)] = copyPlain(v);
      const ids = g.params.map((p) => {
        if (!index.has(p)) index.set(p, next++);
        return index.get(p)!;
      });
      return { ...packed, params: ids };
    });
    const state: OptimizerStateDict["state"] = {};
    noGrad(() => {
      for (const [p, s] of this.state) {
        const i = index.get(p);
        if (i === undefined) continue;
        const entry: Record<string, Tensor | number | null> = {};
        for (const [k, v] of Object.entries(s) as [string, StateValue][])
          entry[camelToSnake(k)] = v instanceof Tensor ? v.clone() : v;
        state[i] = entry;
      }
    });
    return { state, param_groups };
  }

  /**
   * Loads a state dict made by `stateDict()` (here or by PyTorch, same keys). Everything is
   * checked first (group count and sizes, every option, every state entry's keys and shapes); on
   * any problem it throws and changes nothing. Tensors are copied, converted to each parameter's
   * dtype and device.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    const fail = (msg: string) => new ValueError(op, `${msg}; nothing was changed`);
    if (
      stateDict === null ||
      typeof stateDict !== "object" ||
      typeof stateDict.state !== "object" ||
      stateDict.state === null ||
      !Array.isArray(stateDict.param_groups)
    ) {
      throw fail("expected { state, param_groups }");
    }
    const saved = stateDict.param_groups;
    if (saved.length !== this.paramGroups.length)
      throw fail(
        `loaded state dict has ${saved.length} parameter groups; this optimizer has ${this.paramGroups.length}`,
      );

    // Groups: options (validated) and the index -> parameter map.
    const idMap = new Map<number, Tensor>();
    const newOptions = saved.map((sg, gi) => {
      const own = this.paramGroups[gi]!;
      if (sg === null || typeof sg !== "object" || !Array.isArray(sg.params))
        throw fail(`param group ${gi} has no params list`);
      if (sg.params.length !== own.params.length)
        throw fail(
          `param group ${gi} has ${sg.params.length} parameters in the loaded state dict and ${own.params.length} here`,
        );
      sg.params.forEach((id, k) => {
        if (typeof id !== "number")
          throw fail(`param group ${gi} lists a parameter id ${fmtValue(id)} that is not a number`);
        idMap.set(id, own.params[k]!);
      });
      const options = this.#defaultsCopy();
      for (const [key, v] of Object.entries(sg)) {
        if (key === "params" || TORCH_ONLY_KEYS.has(key)) continue;
        const k = snakeToCamel(key);
        if (!(k in this.#rules) && !SCHEDULER_KEYS.has(k))
          throw fail(`param group ${gi} has an unknown option "${key}"`);
        options[k] = copyPlain(v);
      }
      try {
        this.#checkResolved(options, ` in param group ${gi}`);
      } catch (e) {
        if (e instanceof ValueError) throw fail(e.message.slice(this.name.length + 2));
        throw e;
      }
      return options;
    });

    // State: keys, kinds and shapes.
    const spec = this.stateSpec();
    const entries: [Tensor, Record<string, unknown>][] = [];
    for (const [key, entry] of Object.entries(stateDict.state)) {
      const id = Number(key);
      const p = idMap.get(id);
      if (!p) throw fail(`state has an entry for parameter ${key}, which no param group lists`);
      if (entry === null || typeof entry !== "object")
        throw fail(`state of parameter ${key} is not an object`);
      const camel: Record<string, unknown> = {};
      for (const [sk, v] of Object.entries(entry)) {
        const k = snakeToCamel(sk);
        const s = spec[k];
        if (!s)
          throw fail(
            `state of parameter ${key} has an unknown entry "${sk}" (${this.name} keeps ${Object.keys(spec).map(camelToSnake).join(", ")})`,
          );
        if (s.kind === "number") {
          const n = v instanceof Tensor ? readScalar(v, op) : v;
          if (typeof n !== "number" || !(n >= 0))
            throw fail(`state ${sk} of parameter ${key} must be a number >= 0; got ${fmtValue(n)}`);
          camel[k] = n;
        } else if (v === null && s.kind === "tensorOrNull") {
          camel[k] = null;
        } else {
          if (!(v instanceof Tensor) || v.isDisposed)
            throw fail(`state ${sk} of parameter ${key} must be a live Tensor`);
          if (!shapesEqual(v.shape, p.shape))
            throw fail(
              `state ${sk} of parameter ${key} has shape ${fmtShape(v.shape)}; the parameter has shape ${fmtShape(p.shape)}`,
            );
          if (!isFloat(v.dtype))
            throw fail(
              `state ${sk} of parameter ${key} must be a floating-point tensor; got ${v.dtype}`,
            );
          camel[k] = v;
        }
      }
      for (const [k, s] of Object.entries(spec))
        if (s.required && !(k in camel))
          throw fail(`state of parameter ${key} lacks "${camelToSnake(k)}"`);
      entries.push([p, camel]);
    }

    // Copy the tensors (all or none), then commit.
    const made: Tensor[] = [];
    const newState = new Map<Tensor, S>();
    try {
      noGrad(() => {
        for (const [p, entry] of entries) {
          const s: Record<string, StateValue> = {};
          for (const [k, v] of Object.entries(entry)) {
            if (v instanceof Tensor) {
              const t = keep(zerosLike(p));
              made.push(t);
              const src = v.device === p.device ? v : v.to(p.device);
              t.copy_(src);
              if (src !== v) src.dispose();
              s[k] = t;
            } else s[k] = v as number | null;
          }
          newState.set(p, s as S);
        }
      });
    } catch (e) {
      for (const t of made) t.dispose();
      throw e;
    }
    this.#disposeState();
    for (const [p, s] of newState) this.state.set(p, s);
    newOptions.forEach((o, gi) => {
      this.paramGroups[gi] = { ...o, params: this.paramGroups[gi]!.params } as ParamGroup<O>;
    });
  }

  #disposeState(): void {
    for (const s of this.state.values())
      for (const v of Object.values(s) as StateValue[]) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }

  /** Frees every state tensor (the parameters are the caller's). The optimizer can still step: state starts afresh. */
  dispose(): void {
    this.#disposeState();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * PyTorch 1.13's printout, to the letter: each group's options under PyTorch's names, sorted, in
   * Python's spelling, with the implementation keys PyTorch's optimizer has (`foreach: None`, ...):
   * `Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n ...)`.
   */
  toString(): string {
    let s = `${this.name} (`;
    this.paramGroups.forEach((g, i) => {
      const entries: [string, unknown][] = [
        ...Object.entries(g)
          .filter(([k]) => k !== "params")
          .map(([k, v]): [string, unknown] => [camelToSnake(k), v]),
        ...Object.entries(TORCH_PRINTED_KEYS[this.name] ?? {}),
      ];
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      s += `\nParameter Group ${i}\n`;
      for (const [k, v] of entries) s += `    ${k}: ${pyRepr(v)}\n`;
    });
    return `${s})`;
  }
}

/** The implementation keys PyTorch 1.13 prints in each optimizer's groups, with its defaults. */
const TORCH_PRINTED_KEYS: Record<string, Record<string, unknown>> = {
  Adam: { capturable: false, differentiable: false, foreach: null, fused: false },
  AdamW: { capturable: false, foreach: null },
  SGD: { differentiable: false, foreach: null },
  RMSprop: { differentiable: false, foreach: null },
  Adagrad: { foreach: null },
};

/** A value as Python's `repr` prints it: `False`, `None`, `(0.9, 0.999)`, `1e-08`, `'cos'`. */
function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return `'${v}'`;
  if (Array.isArray(v))
    return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${v.map(pyRepr).join(", ")})`;
  if (typeof v === "number") return pyNumber(v);
  return JSON.stringify(v);
}

/** Python's repr of a float: exponent form below 1e-4 and from 1e16, with at least 2 exponent digits. */
function pyNumber(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [m, e] = v.toExponential().split("e") as [string, string];
    const sign = e.startsWith("-") ? "-" : "+";
    return `${m}e${sign}${e.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  return String(v);
}

function readScalar(t: Tensor, op: string): number {
  if (t.numel() !== 1)
    throw new ValueError(
      op,
      `expected a one-element tensor for a step count; got shape ${fmtShape(t.shape)}`,
    );
  return t.itemSync();
}

/**
 * Disposes the tensors of an optimizer state dict (what `stateDict()` returned). No PyTorch
 * equivalent: there the garbage collector frees them.
 *
 * @example
 * const sd = opt.stateDict();
 * other.loadStateDict(sd);
 * optim.disposeStateDict(sd);
 */
export function disposeStateDict(stateDict: OptimizerStateDict): void {
  for (const entry of Object.values(stateDict.state))
    for (const v of Object.values(entry)) if (v instanceof Tensor) v.dispose();
}
