import type { DeviceName } from "../backends/backend.js";
import type { DTypeName } from "../core/dtype.js";
import { ShapeError, TensorError, ValueError } from "../core/errors.js";
import { keep } from "../core/memory.js";
import { fmtShape, shapesEqual } from "../core/shape.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";

/** A state dict: PyTorch's keys (`fc1.weight`, `bn.running_mean`) to tensors, in registration order. */
export type StateDict = Record<string, Tensor>;

/**
 * A hook that `Module.call` runs before `forward` (PyTorch's forward pre-hook): it sees the
 * arguments and may return new ones.
 */
export type ForwardPreHook = (module: Module, args: unknown[]) => unknown[] | void;
/**
 * A hook that `Module.call` runs after `forward` (PyTorch's forward hook): it sees the arguments
 * and the output, and may return a new output.
 */
export type ForwardHook = (module: Module, args: unknown[], output: unknown) => unknown;

/**
 * The base class of every layer and model, as PyTorch's `nn.Module`. Parameters and submodules
 * assigned to fields (class fields or `this.x = ...`) are registered under the field's name;
 * buffers (running statistics) are registered with `registerBuffer`, under PyTorch's key.
 *
 * @example
 * class Net extends nn.Module {
 *   fc1 = new nn.Linear(784, 128);
 *   fc2 = new nn.Linear(128, 10);
 *   forward(x: Tensor) { return this.fc2.forward(F.relu(this.fc1.forward(x))); }
 * }
 */
export abstract class Module {
  /** Train mode (dropout active, batch norm uses batch statistics). */
  training = true;
  readonly #parameters = new Map<string, Parameter | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();
  readonly #modules = new Map<string, Module | null>();
  readonly #preHooks: ForwardPreHook[] = [];
  readonly #hooks: ForwardHook[] = [];

  abstract forward(...args: never[]): unknown;

  /** Runs `forward` with the forward hooks (what PyTorch's `module(x)` does). */
  call(...args: Parameters<this["forward"]>): ReturnType<this["forward"]> {
    let a: unknown[] = args;
    for (const h of this.#preHooks) a = h(this, a) ?? a;
    let out = (this.forward as (...xs: unknown[]) => unknown)(...a);
    for (const h of this.#hooks) {
      const r = h(this, a, out);
      if (r !== undefined) out = r;
    }
    return out as ReturnType<this["forward"]>;
  }

  registerForwardPreHook(hook: ForwardPreHook): () => void {
    this.#preHooks.push(hook);
    return () => void this.#preHooks.splice(this.#preHooks.indexOf(hook) >>> 0, 1);
  }
  registerForwardHook(hook: ForwardHook): () => void {
    this.#hooks.push(hook);
    return () => void this.#hooks.splice(this.#hooks.indexOf(hook) >>> 0, 1);
  }

  /** Picks up parameters and submodules assigned to fields since the last look. */
  #sync(): void {
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Parameter) {
        if (this.#parameters.get(key) !== value && ![...this.#parameters.values()].includes(value))
          this.#parameters.set(key, value);
      } else if (value instanceof Module) {
        if (this.#modules.get(key) !== value) this.#modules.set(key, value);
      } else if (value === null && this.#parameters.has(key)) this.#parameters.set(key, null);
    }
  }

  /** Registers `param` under `name` (the state-dict key), e.g. LSTM's `weight_ih_l0`. */
  registerParameter(name: string, param: Parameter | null): Parameter | null {
    this.#checkName(name, "registerParameter");
    this.#parameters.set(name, param);
    return param;
  }

  /**
   * Registers a buffer: state that is saved and moved with the module but not trained (batch
   * norm's `running_mean`). Non-persistent buffers are left out of the state dict.
   */
  registerBuffer<T extends Tensor | null>(
    name: string,
    tensor: T,
    options: { persistent?: boolean } = {},
  ): T {
    this.#checkName(name, "registerBuffer");
    if (tensor) keep(tensor);
    this.#buffers.set(name, tensor);
    if (options.persistent === false) this.#nonPersistent.add(name);
    else this.#nonPersistent.delete(name);
    return tensor;
  }

  /** The buffer registered under `name`. */
  getBuffer(name: string): Tensor | null {
    return this.#buffers.get(name) ?? null;
  }

  /** Replaces a buffer's tensor (same key), disposing the old one. */
  setBuffer(name: string, tensor: Tensor): void {
    const old = this.#buffers.get(name);
    if (old === undefined) throw new ValueError("setBuffer", `no buffer named "${name}"`);
    keep(tensor);
    this.#buffers.set(name, tensor);
    if (old && old !== tensor) old.dispose();
  }

  registerModule(name: string, module: Module | null): Module | null {
    this.#checkName(name, "registerModule");
    this.#modules.set(name, module);
    return module;
  }

  #checkName(name: string, op: string): void {
    if (name === "" || name.includes("."))
      throw new ValueError(op, `invalid name "${name}" (must be non-empty and contain no ".")`);
  }

  *namedChildren(): Generator<[string, Module]> {
    this.#sync();
    for (const [k, m] of this.#modules) if (m) yield [k, m];
  }
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }
  /** This module and every descendant, with dotted names ("" for this one). */
  *namedModules(prefix = "", seen = new Set<Module>()): Generator<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [k, m] of this.namedChildren())
      yield* m.namedModules(prefix ? `${prefix}.${k}` : k, seen);
  }
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** Every parameter with its dotted name, each once, in registration order. */
  *namedParameters(
    options: { prefix?: string; recurse?: boolean } = {},
  ): Generator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    const mods =
      options.recurse === false
        ? [[options.prefix ?? "", this] as [string, Module]]
        : this.namedModules(options.prefix ?? "");
    for (const [name, m] of mods) {
      m.#sync();
      for (const [k, p] of m.#parameters) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        yield [name ? `${name}.${k}` : k, p];
      }
    }
  }
  /** Every parameter, each once: what an optimizer takes. */
  parameters(options: { recurse?: boolean } = {}): Parameter[] {
    return [...this.namedParameters(options)].map(([, p]) => p);
  }
  *namedBuffers(
    options: { prefix?: string; recurse?: boolean; persistentOnly?: boolean } = {},
  ): Generator<[string, Tensor]> {
    const mods =
      options.recurse === false
        ? [[options.prefix ?? "", this] as [string, Module]]
        : this.namedModules(options.prefix ?? "");
    for (const [name, m] of mods) {
      for (const [k, b] of m.#buffers) {
        if (!b || (options.persistentOnly && m.#nonPersistent.has(k))) continue;
        yield [name ? `${name}.${k}` : k, b];
      }
    }
  }
  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return [...this.namedBuffers(options)].map(([, b]) => b);
  }

  /** Sets train mode on this module and all descendants. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every descendant and then this module (PyTorch's order). */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad_(on);
    return this;
  }

  /** Clears every parameter's gradient (dropped by default, as PyTorch 2's `set_to_none`). */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (options.setToNone ?? true) {
        p.grad.dispose();
        p.grad = null;
      } else noGrad(() => p.grad!.zero_());
    }
  }

  /** Moves (or converts) every parameter and buffer in place; parameter objects keep their identity. */
  to(target: DeviceName | DTypeName): this {
    noGrad(() => {
      for (const p of this.parameters()) {
        const moved = p.to(target);
        if (moved !== p) {
          p.setData_(moved);
          moved.dispose();
          if (p.grad) {
            const g = p.grad.to(target);
            if (g !== p.grad) {
              p.grad.dispose();
              p.grad = keep(g);
            }
          }
        }
      }
      for (const m of this.modules()) {
        for (const [k, b] of m.#buffers) {
          if (!b) continue;
          // integer buffers (num_batches_tracked) keep their dtype under a float conversion
          const isDtype =
            target === "float32" || target === "float64" || target === "int32" || target === "bool";
          if (isDtype && !b.isFloatingPoint()) continue;
          const moved = b.to(target);
          if (moved !== b) m.setBuffer(k, moved);
        }
      }
    });
    return this;
  }

  /** Parameters and persistent buffers under PyTorch's keys. The tensors are shared, not copied. */
  stateDict(options: { prefix?: string } = {}): StateDict {
    const out: StateDict = {};
    for (const [name, m] of this.namedModules(options.prefix ?? "")) {
      m.#sync();
      for (const [k, p] of m.#parameters) if (p) out[name ? `${name}.${k}` : k] = p;
      for (const [k, b] of m.#buffers)
        if (b && !m.#nonPersistent.has(k)) out[name ? `${name}.${k}` : k] = b;
    }
    return out;
  }

  /**
   * Copies a state dict in. Every key and shape is checked first: on any missing (strict),
   * unexpected (strict) or mis-shaped key it throws naming all of them and changes nothing.
   */
  loadStateDict(
    stateDict: StateDict,
    options: { strict?: boolean } = {},
  ): { missingKeys: string[]; unexpectedKeys: string[] } {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in stateDict));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !(k in own));
    const misShaped = Object.keys(own)
      .filter((k) => k in stateDict && !shapesEqual(own[k]!.shape, stateDict[k]!.shape))
      .map(
        (k) =>
          `${k}: copying a param with shape ${fmtShape(stateDict[k]!.shape)}, the shape in the current model is ${fmtShape(own[k]!.shape)}`,
      );
    const problems: string[] = [];
    const quoted = (keys: string[]) => keys.map((k) => JSON.stringify(k)).join(", ");
    if (strict && missingKeys.length)
      problems.push(`missing key(s) in state_dict: ${quoted(missingKeys)}`);
    if (strict && unexpectedKeys.length)
      problems.push(`unexpected key(s) in state_dict: ${quoted(unexpectedKeys)}`);
    // PyTorch raises one RuntimeError for all of these; a key problem is a ValueError here, a
    // problem with the shapes alone a ShapeError
    const keyProblem = problems.length > 0;
    if (misShaped.length) problems.push(`size mismatch: ${misShaped.join("; ")}`);
    const disposed = Object.keys(own).filter((k) => stateDict[k]?.isDisposed);
    if (disposed.length)
      throw new TensorError(
        `${this.constructor.name}.loadStateDict`,
        `a tensor of the state dict was used after dispose(); nothing was changed; got ${disposed.join(", ")}`,
      );
    if (problems.length) {
      const Err = keyProblem ? ValueError : ShapeError;
      throw new Err(
        `${this.constructor.name}.loadStateDict`,
        `error(s) loading the state dict; nothing was changed. ${problems.join(". ")}`,
      );
    }
    noGrad(() => {
      for (const [k, t] of Object.entries(own)) {
        const src = stateDict[k];
        if (!src) continue;
        const converted = src.device === t.device ? src : src.to(t.device);
        t.copy_(converted);
        if (converted !== src) converted.dispose();
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Disposes every parameter, buffer and gradient of this module and its descendants. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    for (const b of this.buffers()) b.dispose();
  }
  /** `dispose()`, for `using model = new nn.Linear(2, 2)`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The part inside the parentheses of this module's printout, e.g. `in_features=2, ...`. */
  extraRepr(): string {
    return "";
  }

  /** PyTorch's model printout. */
  toString(): string {
    const children = [...this.namedChildren()].map(
      ([k, m]) => `(${k}): ${String(m).replace(/\n/g, "\n  ")}`,
    );
    const name = this.constructor.name;
    const extra = this.extraRepr();
    if (!children.length) return `${name}(${extra})`;
    const lines = [...(extra ? extra.split("\n") : []), ...children];
    return `${name}(\n  ${lines.join("\n  ")}\n)`;
  }
}

/**
 * @internal Checks that a layer's input is a Tensor (a JS caller may pass anything): throws a
 * `TensorError` naming `op` otherwise.
 */
export function assertTensor(x: unknown, op: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TensorError(op, `expected a Tensor; got ${typeof x}`);
  if (x.isDisposed)
    throw new TensorError(
      op,
      `a ${x.dtype} tensor of shape ${fmtShape(x.shape)} was used after dispose()`,
    );
}
