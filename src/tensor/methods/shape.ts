import * as I from "../../ops/indexing.js";
import * as M from "../../ops/movement.js";
import type { Tensor, TensorOrScalar } from "../tensor.js";
import { defineDelegates, defineMethods, type OpsFor } from "./install.js";

/**
 * Shape, view, slicing and indexing ops as Tensor methods.
 */

type Sizes = (number | readonly number[])[];

/** The methods that take sizes as arguments or one array: `x.view(2, 3)` or `x.view([2, 3])`. */
export interface SizesMethods {
  /** A view with another shape (one dim may be -1); the data must be viewable without a copy. */
  view(...shape: Sizes): Tensor;
  /** `view` when possible, else a copy. */
  reshape(...shape: Sizes): Tensor;
  permute(...dims: Sizes): Tensor;
  expand(...shape: Sizes): Tensor;
  repeat(...sizes: Sizes): Tensor;
}

export interface ShapeMethods extends SizesMethods {
  viewAs(other: Tensor): Tensor;
  reshapeAs(other: Tensor): Tensor;
  flatten(startDim?: number, endDim?: number): Tensor;
  unflatten(dim: number, sizes: readonly number[]): Tensor;
  squeeze(dim?: number | readonly number[]): Tensor;
  unsqueeze(dim: number): Tensor;
  transpose(dim0: number, dim1: number): Tensor;
  swapaxes(dim0: number, dim1: number): Tensor;
  /** Transpose of a 2-D tensor (0-D and 1-D unchanged). */
  t(): Tensor;
  expandAs(other: Tensor): Tensor;
  broadcastTo(shape: readonly number[]): Tensor;
  narrow(dim: number, start: number, length: number): Tensor;
  select(dim: number, index: number): Tensor;
  split(splitSizeOrSections: number | readonly number[], dim?: number): Tensor[];
  chunk(chunks: number, dim?: number): Tensor[];
  unbind(dim?: number): Tensor[];
  flip(dims: number | readonly number[]): Tensor;
  gather(dim: number, index: Tensor): Tensor;
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor;
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
  indexSelect(dim: number, index: Tensor): Tensor;
  maskedFill(mask: Tensor, value: number): Tensor;
  tril(diagonal?: number): Tensor;
  triu(diagonal?: number): Tensor;
  /**
   * NumPy/PyTorch basic indexing: `t.index(":", -1, "1:4:2", null, "...")` is `t[:, -1, 1:4:2, None, ...]`.
   * Integers select (dropping the dim), strings `"a:b:c"` slice, `null` adds a dim, `"..."` fills.
   */
  index(...indices: M.IndexArg[]): Tensor;
}

const ONE_TO_ONE: OpsFor<Omit<ShapeMethods, keyof SizesMethods | "index">> = {
  viewAs: (x, other) => M.view(x, other.shape),
  reshapeAs: (x, other) => M.reshape(x, other.shape),
  flatten: (x, startDim = 0, endDim = -1) => M.flatten(x, startDim, endDim),
  unflatten: M.unflatten,
  squeeze: M.squeeze,
  unsqueeze: M.unsqueeze,
  transpose: M.transpose,
  swapaxes: M.transpose,
  t: M.t,
  expandAs: (x, other) => M.expand(x, other.shape),
  broadcastTo: M.expand,
  narrow: M.narrow,
  select: M.select,
  split: (x, sizes, dim = 0) => M.split(x, sizes, dim),
  chunk: (x, chunks, dim = 0) => M.chunk(x, chunks, dim),
  unbind: (x, dim = 0) => M.unbind(x, dim),
  flip: M.flip,
  gather: I.gather,
  scatter: I.scatter,
  scatterAdd: I.scatterAdd,
  indexSelect: I.indexSelect,
  maskedFill: I.maskedFill,
  tril: (x, diagonal = 0) => I.tril(x, diagonal),
  triu: (x, diagonal = 0) => I.triu(x, diagonal),
};

const SIZES: { readonly [K in keyof SizesMethods]: (x: Tensor, sizes: number[]) => Tensor } = {
  view: M.view,
  reshape: M.reshape,
  permute: M.permute,
  expand: M.expand,
  repeat: M.repeat,
};

/** @internal Puts the shape and indexing methods on `Tensor.prototype`. */
export function installShapeMethods(proto: object): void {
  defineDelegates(proto, ONE_TO_ONE);
  const withSizes: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(SIZES))
    withSizes[name] = function (this: Tensor, ...sizes: Sizes) {
      return op(this, M.flatShapeArgs(sizes));
    };
  defineMethods(proto, {
    ...withSizes,
    index(this: Tensor, ...indices: M.IndexArg[]) {
      return M.index(this, indices);
    },
  });
}
