import { backendOf } from "../../ops/dispatch.js";
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
  /**
   * A view with another shape (`Tensor.view`); one size may be -1. Throws when the strides cannot
   * express it without a copy (use `reshape`). Shapes: `(*)` -> `shape`, same number of elements.
   *
   * @example
   * x.view(-1, 64 * 7 * 7);
   */
  view(...shape: Sizes): Tensor;
  /** `view` when the strides allow it, else a copy (`Tensor.reshape`). Shapes: `(*)` -> `shape`. */
  reshape(...shape: Sizes): Tensor;
  /**
   * The dims reordered (`Tensor.permute`), a view: dim i of the result is dim `dims[i]`.
   * Shapes: `(a, b, c)` with (2, 0, 1) -> `(c, a, b)`.
   */
  permute(...dims: Sizes): Tensor;
  /**
   * A broadcast view to `shape` (`Tensor.expand`): size-1 dims repeat with stride 0; -1 keeps a
   * size. Shapes: `(1, b)` -> `(a, b)`.
   */
  expand(...shape: Sizes): Tensor;
  /**
   * This tiled `sizes[i]` times along each dim (`Tensor.repeat`), a copy. Shapes: `(a, b)` -> `(r0
   * a, r1 b)`.
   */
  repeat(...sizes: Sizes): Tensor;
}

/** The view, slicing and indexing methods. */
export interface ShapeMethods extends SizesMethods {
  /** `view` with other's shape (`Tensor.view_as`). */
  viewAs(other: Tensor): Tensor;
  /** `reshape` to other's shape (`Tensor.reshape_as`). */
  reshapeAs(other: Tensor): Tensor;
  /**
   * Dims `startDim..endDim` (default all) merged into one (`Tensor.flatten`).
   * Shapes: `(a, b, c)` with startDim 1 -> `(a, b * c)`.
   */
  flatten(startDim?: number, endDim?: number): Tensor;
  /** Dim `dim` split into `sizes` (`Tensor.unflatten`). Shapes: `(a, b * c)` -> `(a, b, c)`. */
  unflatten(dim: number, sizes: readonly number[]): Tensor;
  /**
   * The size-1 dims (or those of `dim`) removed (`Tensor.squeeze`), a view. Shapes: `(a, 1, b)` ->
   * `(a, b)`.
   */
  squeeze(dim?: number | readonly number[]): Tensor;
  /**
   * A size-1 dim inserted at `dim` (`Tensor.unsqueeze`), a view. Shapes: `(a, b)` at 1 -> `(a, 1,
   * b)`.
   */
  unsqueeze(dim: number): Tensor;
  /**
   * Dims `dim0` and `dim1` swapped (`Tensor.transpose`), a view. Shapes: `(a, b, c)` with 0, 2 ->
   * `(c, b, a)`.
   */
  transpose(dim0: number, dim1: number): Tensor;
  /** `transpose` under NumPy's name (`Tensor.swapaxes`). */
  swapaxes(dim0: number, dim1: number): Tensor;
  /**
   * The transpose of a matrix (`Tensor.t`); 0-D and 1-D unchanged. Shapes: `(a, b)` -> `(b, a)`.
   */
  t(): Tensor;
  /** `expand` to other's shape (`Tensor.expand_as`). */
  expandAs(other: Tensor): Tensor;
  /** `expand` to `shape` (`Tensor.broadcast_to`). */
  broadcastTo(shape: readonly number[]): Tensor;
  /**
   * `length` entries of `dim` from `start` (`Tensor.narrow`), a view. Shapes: `(a, n)` -> `(a,
   * length)`.
   */
  narrow(dim: number, start: number, length: number): Tensor;
  /**
   * Entry `index` of `dim`, which is removed (`Tensor.select`), a view. Shapes: `(a, n, b)` -> `(a,
   * b)`.
   */
  select(dim: number, index: number): Tensor;
  /**
   * Views of pieces along `dim` of one size (the last may be smaller) or of the given sizes
   * (`Tensor.split`).
   */
  split(splitSizeOrSections: number | readonly number[], dim?: number): Tensor[];
  /** `chunks` views of equal size along `dim`, the last possibly smaller (`Tensor.chunk`). */
  chunk(chunks: number, dim?: number): Tensor[];
  /**
   * The entries along `dim`, each without that dim (`Tensor.unbind`). Shapes: `(n, a)` -> n `(a)`.
   */
  unbind(dim?: number): Tensor[];
  /** A copy reversed along `dims` (`Tensor.flip`). Shapes: `(*)` -> `(*)`. */
  flip(dims: number | readonly number[]): Tensor;
  /**
   * Entries picked along `dim` by an int32 index (`Tensor.gather`): out[i][j] =
   * this[i][index[i][j]] for dim 1. Shapes: the output has index's shape.
   *
   * @example
   * logProbs.gather(1, target.unsqueeze(1)); // (N, C) -> (N, 1)
   */
  gather(dim: number, index: Tensor): Tensor;
  /**
   * A copy with `src` written at `index` along `dim` (`Tensor.scatter`): out[i][index[i][j]] =
   * src[i][j] for dim 1. Shapes: `(*)` -> `(*)`.
   */
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor;
  /**
   * A copy with `src` added at `index` along `dim`, repeats accumulating (`Tensor.scatter_add`).
   */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
  /**
   * The entries at the 1-D int32 `index` along `dim` (`Tensor.index_select`). Shapes: `(a, n)` ->
   * `(a, k)`.
   */
  indexSelect(dim: number, index: Tensor): Tensor;
  /** A copy with `value` where the bool `mask` is true (`Tensor.masked_fill`); mask broadcasts. */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor;
  /**
   * The lower triangle of the last two dims, zeros above (`Tensor.tril`). Shapes: `(*, m, n)` ->
   * `(*, m, n)`.
   */
  tril(diagonal?: number): Tensor;
  /**
   * The upper triangle of the last two dims, zeros below (`Tensor.triu`). Shapes: `(*, m, n)` ->
   * `(*, m, n)`.
   */
  triu(diagonal?: number): Tensor;
  /**
   * Basic indexing as one view, as `x[...]` in PyTorch: numbers select (dropping the dim),
   * `"a:b:c"` strings slice, `null` adds a dim, `"..."` fills. Shapes: `(a, b, c)` with (":", -1,
   * null) -> `(a, 1, c)`.
   *
   * @example
   * x.index(":", -1, "1:4:2", null, "..."); // x[:, -1, 1:4:2, None, ...]
   */
  index(...indices: M.IndexArg[]): Tensor;
}

/** The shape of `other`, the Tensor whose shape an `*As` method takes. */
function shapeOf(op: string, other: Tensor): readonly number[] {
  backendOf(op, other);
  return other.shape;
}

const ONE_TO_ONE: OpsFor<Omit<ShapeMethods, keyof SizesMethods | "index">> = {
  viewAs: (x, other) => M.view(x, shapeOf("viewAs", other)),
  reshapeAs: (x, other) => M.reshape(x, shapeOf("reshapeAs", other)),
  flatten: (x, startDim = 0, endDim = -1) => M.flatten(x, startDim, endDim),
  unflatten: M.unflatten,
  squeeze: M.squeeze,
  unsqueeze: M.unsqueeze,
  transpose: M.transpose,
  swapaxes: M.transpose,
  t: M.t,
  expandAs: (x, other) => M.expand(x, shapeOf("expandAs", other)),
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
