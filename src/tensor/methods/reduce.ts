import { bmm, dot, matmul, mm, outer } from "../../ops/matmul.js";
import * as R from "../../ops/reduce.js";
import { cumprod, cumsum } from "../../ops/scan.js";
import { logSoftmax, logsumexp, softmax } from "../../ops/softmax.js";
import type { Tensor } from "../tensor.js";
import { defineDelegates, type OpsFor } from "./install.js";

/**
 * Reductions, scans, softmax and matrix products as Tensor methods.
 */

/** `keepdim` as PyTorch's positional bool or its keyword (`x.sum(1, { keepdim: true })`). */
export type KeepDim = boolean | { keepdim?: boolean };

const kd = (k: KeepDim | undefined): boolean =>
  typeof k === "object" ? (k.keepdim ?? false) : (k ?? false);

/** The reduction, scan, softmax and matrix-product methods. */
export interface ReduceMethods {
  /**
   * The maximum of all elements, or `{ values, indices }` along `dim` (`Tensor.max`).
   * Shapes: `(a, n, b)` along dim 1 -> two `(a, b)`.
   *
   * @example
   * const { values, indices } = logits.max(1);
   */
  max(): Tensor;
  max(dim: number, keepdim?: KeepDim): R.ValuesIndices;
  /** The minimum of all elements, or `{ values, indices }` along `dim` (`Tensor.min`). */
  min(): Tensor;
  min(dim: number, keepdim?: KeepDim): R.ValuesIndices;
  /**
   * The sum over `dim` (`Tensor.sum`); bools and integers sum to int32.
   * Shapes: `(a, n, b)` over dim 1 -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   *
   * @example
   * x.sum(); x.sum(1); x.sum([0, 2], true);
   */
  sum(dim?: R.Dims, keepdim?: KeepDim): Tensor;
  /**
   * The mean over `dim` (`Tensor.mean`); floating point only.
   * Shapes: `(a, n, b)` over dim 1 -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   */
  mean(dim?: R.Dims, keepdim?: KeepDim): Tensor;
  /**
   * The product over `dim` (`Tensor.prod`). Shapes: `(a, n, b)` over dim 1 -> `(a, b)` (`(a, 1, b)`
   * with keepdim); no dim reduces all.
   */
  prod(dim?: number | null, keepdim?: KeepDim): Tensor;
  /**
   * The variance over `dim` (`Tensor.var`), with Bessel's correction by default (`correction: 1`).
   * Shapes: `(a, n, b)` over dim 1 -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   */
  var(dim?: R.Dims, options?: R.VarOptions): Tensor;
  /**
   * The standard deviation over `dim` (`Tensor.std`), with var's options. Shapes: `(a, n, b)` over
   * dim 1 -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   */
  std(dim?: R.Dims, options?: R.VarOptions): Tensor;
  /**
   * The maximum over `dim` (`Tensor.amax`); ties share the gradient. Shapes: `(a, n, b)` over dim 1
   * -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   */
  amax(dim?: R.Dims, keepdim?: KeepDim): Tensor;
  /**
   * The minimum over `dim` (`Tensor.amin`); ties share the gradient. Shapes: `(a, n, b)` over dim 1
   * -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   */
  amin(dim?: R.Dims, keepdim?: KeepDim): Tensor;
  /**
   * The int32 index of the first maximum along `dim`, or in the flattened tensor (`Tensor.argmax`).
   * Shapes: `(a, n, b)` along dim 1 -> `(a, b)`; no dim -> `()`.
   */
  argmax(dim?: number | null, keepdim?: KeepDim): Tensor;
  /**
   * The int32 index of the first minimum along `dim`, or in the flattened tensor (`Tensor.argmin`).
   */
  argmin(dim?: number | null, keepdim?: KeepDim): Tensor;
  /**
   * log(sum(exp(this))) over `dim`, stable for large values (`Tensor.logsumexp`). Shapes: `(a, n,
   * b)` over dim 1 -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   */
  logsumexp(dim: number | readonly number[], keepdim?: KeepDim): Tensor;
  /** The running sum along `dim` (`Tensor.cumsum`). Shapes: `(*)` -> `(*)`. */
  cumsum(dim: number): Tensor;
  /** The running product along `dim` (`Tensor.cumprod`). Shapes: `(*)` -> `(*)`. */
  cumprod(dim: number): Tensor;
  /**
   * exp(x) / sum(exp(x)) along `dim`, stable for large values (`Tensor.softmax`).
   * Shapes: `(*)` -> `(*)`.
   *
   * @example
   * const probs = logits.softmax(-1);
   */
  softmax(dim: number): Tensor;
  /** log(softmax(x)) along `dim` (`Tensor.log_softmax`). Shapes: `(*)` -> `(*)`. */
  logSoftmax(dim: number): Tensor;
  /**
   * Whether every element over `dim` is nonzero, as bool (`Tensor.all`). Shapes: `(a, n, b)` over
   * dim 1 -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   */
  all(dim?: number | null, keepdim?: KeepDim): Tensor;
  /**
   * Whether any element over `dim` is nonzero, as bool (`Tensor.any`). Shapes: `(a, n, b)` over dim
   * 1 -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   */
  any(dim?: number | null, keepdim?: KeepDim): Tensor;
  /**
   * The p-norm (default 2; p may be Infinity) over `dim`, default all (`Tensor.norm`).
   * Shapes: `(a, n, b)` over dim 1 -> `(a, b)` (`(a, 1, b)` with keepdim); no dim reduces all.
   */
  norm(p?: number, dim?: R.Dims, keepdim?: KeepDim): Tensor;
  /**
   * The matrix product with broadcasting batch dims (`Tensor.matmul`, Python's `@`).
   * Shapes: `(*, m, k) @ (*, k, n)` -> `(*, m, n)`; 1-D operands as in `torch.matmul`.
   *
   * @example
   * const y = x.matmul(w.t()); // (N, in) @ (in, out)
   */
  matmul(other: Tensor): Tensor;
  /** The product of two matrices (`Tensor.mm`). Shapes: `(m, k) @ (k, n)` -> `(m, n)`. */
  mm(other: Tensor): Tensor;
  /** Batched matrix products (`Tensor.bmm`). Shapes: `(b, m, k) @ (b, k, n)` -> `(b, m, n)`. */
  bmm(other: Tensor): Tensor;
  /** The outer product of two vectors (`Tensor.outer`). Shapes: `(n)`, `(m)` -> `(n, m)`. */
  outer(other: Tensor): Tensor;
  /** The dot product of two vectors (`Tensor.dot`). Shapes: `(n)`, `(n)` -> `()`. */
  dot(other: Tensor): Tensor;
}

const REDUCE: OpsFor<ReduceMethods> = {
  max: (x, dim, keepdim) => R.max(x, dim, kd(keepdim)),
  min: (x, dim, keepdim) => R.min(x, dim, kd(keepdim)),
  sum: (x, dim, keepdim) => R.sum(x, dim, kd(keepdim)),
  mean: (x, dim, keepdim) => R.mean(x, dim, kd(keepdim)),
  prod: (x, dim, keepdim) => R.prod(x, dim, kd(keepdim)),
  var: R.variance,
  std: R.std,
  amax: (x, dim, keepdim) => R.amax(x, dim, kd(keepdim)),
  amin: (x, dim, keepdim) => R.amin(x, dim, kd(keepdim)),
  argmax: (x, dim, keepdim) => R.argmax(x, dim, kd(keepdim)),
  argmin: (x, dim, keepdim) => R.argmin(x, dim, kd(keepdim)),
  logsumexp: (x, dim, keepdim) => logsumexp(x, dim, kd(keepdim)),
  cumsum,
  cumprod,
  softmax,
  logSoftmax,
  all: (x, dim, keepdim) => R.all(x, dim, kd(keepdim)),
  any: (x, dim, keepdim) => R.any(x, dim, kd(keepdim)),
  norm: (x, p = 2, dim, keepdim) => R.norm(x, p, dim, kd(keepdim)),
  matmul,
  mm,
  bmm,
  outer,
  dot,
};

/** @internal Puts the reduction and matrix methods on `Tensor.prototype`. */
export function installReduceMethods(proto: object): void {
  defineDelegates(proto, REDUCE);
}
