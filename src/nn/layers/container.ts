import { NotImplementedError, TensorError, ValueError } from "../../core/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";

// ---- helpers shared by the layers (not exported from the package) ----

export { newParameter, type FactoryOptions } from "../parameter.js";

/**
 * A float as Python's `repr` prints it: `1.0`, `0.1`, `1e-05`, `-inf`.
 *
 * @internal
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = x.toExponential().split("e") as [string, string];
  const e = Number(expStr);
  if (e < -4 || e >= 16)
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  const s = String(x);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

/** @internal `True` / `False`. */
export function pyBool(b: boolean): string {
  return b ? "True" : "False";
}

/** @internal A shape as a Python tuple: `(10,)`, `(2, 3)`. */
export function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(", ")})`;
}

/** Disposes `t` if it is a tensor that the chain made (not the input, not kept, not `next`). */
function disposeIntermediate(t: unknown, input: unknown, next: unknown): void {
  if (t instanceof Tensor && t !== input && t !== next && !t.kept) t.dispose();
}

function checkModule(m: unknown, op: string): asserts m is Module {
  if (!(m instanceof Module))
    throw new TensorError(op, `expected a Module; got ${m === null ? "null" : typeof m}`);
}

/** Normalises a (possibly negative) index into a list of `n`. */
function listIndex(i: number, n: number, op: string, forInsert = false): number {
  const hi = forInsert ? n : n - 1;
  if (!Number.isInteger(i) || i < -n || i > hi)
    throw new ValueError(
      op,
      `index ${i} is out of range for a container of ${n} module${n === 1 ? "" : "s"}`,
    );
  return i < 0 ? i + n : i;
}

/**
 * A list of modules, registered under "0", "1", ... (or under given names); the shared machinery
 * of `Sequential` and `ModuleList`. Removing or inserting a module re-registers the following
 * ones under their new indices. A named list cannot change its length.
 */
abstract class IndexedModules extends Module {
  readonly #list: Module[] = [];
  readonly #named: boolean;

  constructor(modules: Iterable<Module> | Record<string, Module>) {
    super();
    this.#named = !(Symbol.iterator in modules);
    const entries: [string, Module][] = this.#named
      ? Object.entries(modules as Record<string, Module>)
      : [...(modules as Iterable<Module>)].map((m, i): [string, Module] => [String(i), m]);
    for (const [k, m] of entries) {
      checkModule(m, this.constructor.name);
      this.#list.push(m);
      this.registerModule(k, m);
    }
  }

  #op(name: string): string {
    return `${this.constructor.name}.${name}`;
  }

  #checkUnnamed(op: string): void {
    if (this.#named)
      throw new NotImplementedError(
        this.#op(op),
        "cannot change the length of a container built from named modules; use registerModule(name, module)",
      );
  }

  #reindex(from: number, oldLength: number): void {
    for (let i = from; i < Math.max(oldLength, this.#list.length); i++)
      this.registerModule(String(i), this.#list[i] ?? null);
  }

  /** The number of modules. */
  get length(): number {
    return this.#list.length;
  }

  /** The module at `i` (negative counts from the end). */
  at(i: number): Module {
    return this.#list[listIndex(i, this.#list.length, this.#op("at"))]!;
  }

  /** Replaces the module at `i`. */
  set(i: number, module: Module): void {
    checkModule(module, this.#op("set"));
    const k = listIndex(i, this.#list.length, this.#op("set"));
    const name = this.#named ? [...this.namedChildren()][k]![0] : String(k);
    this.#list[k] = module;
    this.registerModule(name, module);
  }

  /** Adds `module` at the end; returns this. */
  append(module: Module): this {
    this.#checkUnnamed("append");
    checkModule(module, this.#op("append"));
    this.#list.push(module);
    this.registerModule(String(this.#list.length - 1), module);
    return this;
  }

  /** Appends every module of `modules`; returns this. */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts `module` before index `i`. */
  insert(i: number, module: Module): void {
    this.#checkUnnamed("insert");
    checkModule(module, this.#op("insert"));
    const old = this.#list.length;
    const k = listIndex(i, old, this.#op("insert"), true);
    this.#list.splice(k, 0, module);
    this.#reindex(k, old);
  }

  /** Removes and returns the module at `i` (default: the last). It is not disposed. */
  pop(i = -1): Module {
    this.#checkUnnamed("pop");
    const old = this.#list.length;
    const k = listIndex(i, old, this.#op("pop"));
    const [m] = this.#list.splice(k, 1);
    this.#reindex(k, old);
    return m!;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#list[Symbol.iterator]();
  }

  /** A copy of the list of modules. */
  toArray(): Module[] {
    return [...this.#list];
  }
}

/**
 * A chain of modules: `forward(x)` feeds `x` through each in turn (with its forward hooks, as
 * PyTorch's `module(x)`). Built from modules (`"0"`, `"1"`, ... in the state dict) or from an
 * object of named modules (their names as keys, as PyTorch's `OrderedDict` form). The
 * intermediate results are disposed as the chain moves on; a forward hook that wants to keep one
 * must `torch.keep` or clone it.
 *
 * Shapes: what the first module takes to what the last one returns.
 *
 * @example
 * const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 1));
 * model.forward(torch.randn([8, 2])).shape; // [8, 1]
 * model.at(0); model.length; for (const m of model) console.log(String(m));
 * new nn.Sequential({ fc: new nn.Linear(2, 3), act: new nn.Tanh() }); // keys fc.weight, fc.bias
 */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    const first = modules[0];
    const named =
      modules.length === 1 &&
      first !== undefined &&
      !(first instanceof Module) &&
      typeof first === "object";
    super(named ? (first as Record<string, Module>) : (modules as Module[]));
  }

  /** A new Sequential of the modules `start..end` (shared, not copied), as PyTorch's slicing. */
  slice(start = 0, end?: number): Sequential {
    return new Sequential(...this.toArray().slice(start, end));
  }

  forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this) {
      let y: unknown;
      try {
        y = (m.call as (...a: unknown[]) => unknown).call(m, x);
      } catch (e) {
        disposeIntermediate(x, input, undefined);
        throw e;
      }
      disposeIntermediate(x, input, y);
      x = y;
    }
    return x as Tensor;
  }
}

/**
 * A list of modules, as PyTorch's `nn.ModuleList`, registered under "0", "1", ...: what a model
 * that loops over layers holds.
 * It has no `forward` of its own.
 *
 * @example
 * class Net extends nn.Module {
 *   layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 *   forward(x: Tensor) { for (const l of this.layers) x = (l as nn.Linear).forward(x); return x; }
 * }
 */
export class ModuleList extends IndexedModules {
  constructor(modules: Iterable<Module> = []) {
    super(modules);
  }

  forward(): never {
    throw new NotImplementedError(
      "ModuleList.forward",
      "a ModuleList has no forward; iterate over it in your module's forward",
    );
  }
}

/**
 * Modules by name, in insertion order, as PyTorch's `nn.ModuleDict`; the names are the state-dict
 * keys' prefixes.
 *
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 10), box: new nn.Linear(8, 4) });
 * heads.get("cls").forward(x);
 */
export class ModuleDict extends Module {
  readonly #map = new Map<string, Module>();

  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    this.update(modules);
  }

  /** The module under `key`; throws if there is none. */
  get(key: string): Module {
    const m = this.#map.get(key);
    if (!m)
      throw new ValueError(
        "ModuleDict.get",
        `no module named ${JSON.stringify(key)}; the keys are [${[...this.#map.keys()].join(", ")}]`,
      );
    return m;
  }

  /** Adds or replaces the module under `key`. */
  set(key: string, module: Module): this {
    checkModule(module, "ModuleDict.set");
    this.registerModule(key, module);
    this.#map.set(key, module);
    return this;
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** Removes and returns the module under `key` (not disposed). */
  pop(key: string): Module {
    const m = this.get(key);
    this.#map.delete(key);
    this.registerModule(key, null);
    return m;
  }

  /** Adds every entry of `modules`. */
  update(modules: Record<string, Module> | Iterable<[string, Module]>): this {
    const entries =
      Symbol.iterator in modules
        ? [...(modules as Iterable<[string, Module]>)]
        : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
    return this;
  }

  get size(): number {
    return this.#map.size;
  }
  keys(): IterableIterator<string> {
    return this.#map.keys();
  }
  values(): IterableIterator<Module> {
    return this.#map.values();
  }
  entries(): IterableIterator<[string, Module]> {
    return this.#map.entries();
  }
  [Symbol.iterator](): IterableIterator<[string, Module]> {
    return this.#map.entries();
  }

  forward(): never {
    throw new NotImplementedError(
      "ModuleDict.forward",
      "a ModuleDict has no forward; look its modules up in your module's forward",
    );
  }
}
