import { disposedError } from "../../ops/dispatch.js";
import type { Tensor } from "../tensor.js";

/**
 * How the method files put their methods on `Tensor.prototype`: as non-enumerable properties,
 * as a class's own methods are.
 */

/**
 * The ops behind one-to-one methods: for each method `name(...args)` of `M`, the function that
 * computes it as `op(tensor, ...args)`.
 */
export type OpsFor<M> = {
  readonly [K in keyof M]: M[K] extends (...args: infer A) => infer R
    ? (x: Tensor, ...args: A) => R
    : never;
};

/** Defines each function of `methods` on `proto` under its key. */
export function defineMethods(proto: object, methods: object): void {
  for (const [name, value] of Object.entries(methods))
    Object.defineProperty(proto, name, { value, writable: true, configurable: true });
}

/**
 * Defines, for each `name -> op` of `ops`, the method `name(a, b, c)` that returns
 * `op(this, a, b, c)`: the one-to-one methods (`x.exp()` is `exp(x)`, `x.sum(1)` is `sum(x, 1)`).
 * Every method passes three arguments (unused ones are undefined, as when left out), so no call
 * builds a rest array.
 */
export function defineDelegates(proto: object, ops: object): void {
  const methods: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(ops)) {
    const f = op as (x: unknown, a: unknown, b: unknown, c: unknown) => unknown;
    methods[name] = function (this: Tensor, a: unknown, b: unknown, c: unknown) {
      // the method's own name in the error, not the op it delegates to (viewAs, not view)
      if (this.isDisposed) throw disposedError(name, this);
      return f(this, a, b, c);
    };
  }
  defineMethods(proto, methods);
}
