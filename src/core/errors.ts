/**
 * Typed errors. Every public op validates its inputs at the boundary and throws one of these with a
 * message of the form `<op>: <what is wrong>; got <values>`. Kernels only assert, with an
 * `internal:` prefix.
 */

/** Base class of every error webtorch throws on purpose; `op` names the operation that refused. */
export class TensorError extends Error {
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = "TensorError";
    this.op = op;
  }
}

/** Shapes that do not fit the op (broadcasting, matmul inner dims, view sizes, ...). */
export class ShapeError extends TensorError {
  override readonly name = "ShapeError";
}

/** A dtype the op does not accept (e.g. `mean` of an int32 tensor, a bool `requiresGrad`). */
export class DTypeError extends TensorError {
  override readonly name = "DTypeError";
}

/** Tensors on different devices, a device that is not initialised, a sync read on a GPU. */
export class DeviceError extends TensorError {
  override readonly name = "DeviceError";
}

/** A valid request that webtorch does not implement (yet). */
export class NotImplementedError extends TensorError {
  override readonly name = "NotImplementedError";
}

/** Misuse of autograd: backward twice through a freed graph, a saved tensor modified in place. */
export class AutogradError extends TensorError {
  override readonly name = "AutogradError";
}

/** A bad argument value that is not a shape or dtype (a negative lr, an index out of range). */
export class ValueError extends TensorError {
  override readonly name = "ValueError";
}

/** Throws an `internal:` error: a broken invariant inside webtorch, never a user mistake. */
export function assertInternal(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`internal: ${message}`);
}
