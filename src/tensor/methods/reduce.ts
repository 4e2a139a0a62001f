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

export interface ReduceMethods {
  /** `max()` of all elements, or `{ values, indices }` along `dim`. */
  max(): Tensor;
  max(dim: number, keepdim?: KeepDim): R.ValuesIndices;
  min(): Tensor;
  min(dim: number, keepdim?: KeepDim): R.ValuesIndices;
  sum(dim?: R.Dims, keepdim?: KeepDim): Tensor;
  mean(dim?: R.Dims, keepdim?: KeepDim): Tensor;
  prod(dim?: number | null, keepdim?: KeepDim): Tensor;
  /** Variance with Bessel's correction by default (`correction: 1`). */
  var(dim?: R.Dims, options?: R.VarOptions): Tensor;
  std(dim?: R.Dims, options?: R.VarOptions): Tensor;
  amax(dim?: R.Dims, keepdim?: KeepDim): Tensor;
  amin(dim?: R.Dims, keepdim?: KeepDim): Tensor;
  argmax(dim?: number | null, keepdim?: KeepDim): Tensor;
  argmin(dim?: number | null, keepdim?: KeepDim): Tensor;
  logsumexp(dim: number | readonly number[], keepdim?: KeepDim): Tensor;
  cumsum(dim: number): Tensor;
  cumprod(dim: number): Tensor;
  softmax(dim: number): Tensor;
  logSoftmax(dim: number): Tensor;
  all(dim?: number | null, keepdim?: KeepDim): Tensor;
  any(dim?: number | null, keepdim?: KeepDim): Tensor;
  /** The p-norm (default 2) over `dim` (default all). */
  norm(p?: number, dim?: R.Dims, keepdim?: KeepDim): Tensor;
  matmul(other: Tensor): Tensor;
  mm(other: Tensor): Tensor;
  bmm(other: Tensor): Tensor;
  outer(other: Tensor): Tensor;
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
