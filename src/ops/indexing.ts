import type { Gradient } from "../autograd/gradient.js";
import { indexDTypeError } from "../core/dtype.js";
import { checkOperand, describeValue } from "../core/options.js";
import { DeviceError, DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { fmtShape, normalizeAxis, type Shape } from "../core/shape.js";
import type { Tensor, TensorOrScalar } from "../tensor/tensor.js";
import { defineOp } from "./define-op.js";
import { backendOf, composite, emptyTensor, runKernel, tensorFromArray } from "./dispatch.js";
import { cast, eq, scalarTensor, where } from "./elementwise.js";
import { cat, expand, reshape, unsqueeze } from "./movement.js";
import { amax } from "./reduce.js";
import { checkValues } from "./value-checks.js";

/**
 * Indexing ops. gather and scatter (with or without add) are the primitives; indexSelect,
 * maskedFill, tril, triu and oneHot are composites of them and of where.
 */

function checkIndex(op: string, x: Tensor, dim: number, index: Tensor, src?: Tensor): number {
  if (index.dtype !== "int32") throw indexDTypeError(op, "index", index.dtype);
  const d = normalizeAxis(dim, Math.max(x.ndim, 1), op);
  if (index.ndim !== x.ndim)
    throw new ShapeError(
      op,
      `index ${fmtShape(index.shape)} must have as many dimensions as the input ${fmtShape(x.shape)}`,
    );
  for (let k = 0; k < x.ndim; k++) {
    if (k !== d && index.shape[k]! > x.shape[k]!) {
      throw new ShapeError(
        op,
        `index ${fmtShape(index.shape)} is larger than the input ${fmtShape(x.shape)} at dimension ${k}`,
      );
    }
    if (src && index.shape[k]! > src.shape[k]!)
      throw new ShapeError(
        op,
        `index ${fmtShape(index.shape)} is larger than src ${fmtShape(src.shape)} at dimension ${k}`,
      );
  }
  checkIndexValues(op, index, d, x.ndim === 0 ? 1 : x.shape[d]!);
  return d;
}

/**
 * Every value of `index` must be a position in [0, size) along `dim`; as PyTorch's gather and
 * scatter, negative values are errors (not counted from the end).
 */
function checkIndexValues(op: string, index: Tensor, dim: number, size: number): void {
  checkValues(
    index,
    { kind: "index", size },
    (k) => new ValueError(op, `index ${k} is out of bounds for dimension ${dim} with size ${size}`),
  );
}

/** What gather and scatter record: the (normalised) dim, and the input's shape. */
interface IndexAttrs {
  readonly dim: number;
  readonly xShape: Shape;
}

// the gradient adds g back at the gathered positions (repeats accumulate)
const GATHER: Gradient<IndexAttrs> = {
  name: "gather",
  saves: { inputs: [1] },
  backward: ([g], [index], { attrs }) => [
    scatterAddInRange(zerosOf(g!, attrs.xShape), attrs.dim, index!, g!),
    null,
  ],
};

const gatherPrim = /* @__PURE__ */ defineOp<[Tensor, Tensor], IndexAttrs>({
  name: "gather",
  overwrites: true,
  shape: ([, index]) => index.shape,
  dtype: ([x]) => x.dtype,
  run: (backend, [x, index], out, { dim }) => runKernel(backend, "gather", { x, index, dim, out }),
  gradient: GATHER,
});

/**
 * out[i][j][k] = x[i][index[i][j][k]][k] for dim 1 (`torch.gather`): picks along `dim` by an
 * int32 index. Shapes: `index` has x's number of dims (no larger than x outside `dim`); the
 * output has index's shape.
 *
 * @example
 * torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[1], [0]], { dtype: "int32" })); // [[2], [3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  backendOf("gather", x, index);
  const d = checkIndex("gather", x, dim, index);
  return gatherPrim([x, index], { dim: d, xShape: x.shape });
}

/**
 * @internal `gather` along a normalised `dim` of an index whose values are known to be in range
 * (an argmax, a gradient's saved index, an index checked by the caller): no value check, which
 * on a GPU would cost a dispatch and a read of the assert record.
 */
export function gatherInRange(x: Tensor, dim: number, index: Tensor): Tensor {
  return gatherPrim([x, index], { dim, xShape: x.shape });
}

function zerosOf(like: Tensor, shape: readonly number[]): Tensor {
  const z = emptyTensor(like.backend, like.dtype, shape, "zeros");
  runKernel(like.backend, "fill", { value: 0, out: z });
  return z;
}

/** scatter writes src over x; scatterAdd adds it. */
function scatterPrim(op: "scatter" | "scatterAdd") {
  const gradient: Gradient<IndexAttrs & { srcShape: Shape }> = {
    name: op,
    saves: { inputs: [1] },
    backward: ([g], [index], { attrs }) => [
      // scatter overwrites: no gradient reaches x where it was overwritten
      op === "scatter" ? scatter(g!, attrs.dim, index!, 0) : g!,
      null,
      padTo(gatherInRange(g!, attrs.dim, index!), attrs.srcShape),
    ],
  };
  return defineOp<[Tensor, Tensor, Tensor], IndexAttrs & { srcShape: Shape }>({
    name: op,
    shape: ([x]) => x.shape,
    dtype: ([x]) => x.dtype,
    run: (backend, [x, index, src], out, { dim }) =>
      runKernel(backend, "scatter", {
        x,
        index,
        src,
        dim,
        reduce: op === "scatterAdd" ? "add" : "none",
        out,
      }),
    gradient,
  });
}

const SCATTER_PRIMS = { scatter: scatterPrim("scatter"), scatterAdd: scatterPrim("scatterAdd") };

function scatterImpl(
  op: "scatter" | "scatterAdd",
  x: Tensor,
  dim: number,
  index: Tensor,
  src0: TensorOrScalar,
): Tensor {
  checkOperand(op, src0, "src");
  const backend = backendOf(op, x, index, ...(typeof src0 === "object" ? [src0] : []));
  const scalar = typeof src0 === "object" ? null : scalarTensor(src0, x.dtype, backend);
  const src = scalar ? expand(scalar, index.shape) : (src0 as Tensor);
  try {
    const d = checkIndex(op, x, dim, index, src);
    return SCATTER_PRIMS[op]([x, index, src], { dim: d, xShape: x.shape, srcShape: src.shape });
  } finally {
    if (scalar) {
      src.dispose();
      scalar.dispose();
    }
  }
}

/**
 * @internal `scatterAdd` along a normalised `dim` of an index whose values are known to be in
 * range (max pooling's argmax indices): no value check (see `gatherInRange`).
 */
export function scatterAddInRange(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return SCATTER_PRIMS.scatterAdd([x, index, src], {
    dim,
    xShape: x.shape,
    srcShape: src.shape,
  });
}

/** The gradient of src when src is larger than index: zeros outside index's extent. */
function padTo(g: Tensor, shape: readonly number[]): Tensor {
  let out = g;
  for (let d = 0; d < shape.length; d++) {
    const missing = shape[d]! - out.shape[d]!;
    if (missing <= 0) continue;
    const zeros = zerosOf(
      out,
      out.shape.map((s, k) => (k === d ? missing : s)),
    );
    out = cat([out, zeros], d);
  }
  return out;
}

/**
 * x with out[i][index[i][j][k]][k] = src[i][j][k] for dim 1 (`torch.scatter`); `src` may be a
 * number. Out of place. Shapes: `x: (*)` -> `(*)`; `index` as in `gather`, src at least index's
 * size.
 */
export const scatter = (x: Tensor, dim: number, index: Tensor, src: TensorOrScalar) =>
  scatterImpl("scatter", x, dim, index, src);
/**
 * x with src added at out[i][index[i][j][k]][k] for dim 1 (`torch.scatter_add`); repeated
 * indices accumulate. Out of place. Shapes: as `scatter`.
 */
export const scatterAdd = (x: Tensor, dim: number, index: Tensor, src: Tensor) =>
  scatterImpl("scatterAdd", x, dim, index, src);

/**
 * The entries of x at the positions `index` (1-D, int32) along `dim` (`torch.index_select`).
 * Shapes: `(a, n, b)` with dim 1 and index `(k)` -> `(a, k, b)`.
 *
 * @example
 * torch.indexSelect(x, 0, torch.tensor([2, 0], { dtype: "int32" }));
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  return composite("indexSelect", [x, index], () => {
    if (index.ndim > 1)
      throw new ShapeError("indexSelect", `index must be 1-D; got shape ${fmtShape(index.shape)}`);
    if (index.dtype !== "int32") throw indexDTypeError("indexSelect", "index", index.dtype);
    const d = normalizeAxis(dim, Math.max(x.ndim, 1), "indexSelect");
    checkIndexValues("indexSelect", index, d, x.ndim === 0 ? 1 : x.shape[d]!);
    const n = index.numel();
    const outShape = x.shape.slice();
    outShape[d] = n;
    // index viewed as [1, .., n, .., 1] and broadcast: a gather with no copy of the index
    const viewShape = x.shape.map((_, k) => (k === d ? n : 1));
    const v = reshape(index, viewShape);
    const e = expand(v, outShape);
    const out = gatherInRange(x, d, e);
    if (v !== index) v.dispose();
    e.dispose();
    return out;
  });
}

/**
 * x with `value` where `mask` (bool) is true (`torch.Tensor.masked_fill`); `value` is a number
 * or a 0-d tensor (cast to x's dtype; its gradient is the sum over the masked places).
 * Shapes: `x: (*)`; `mask` broadcasts to it.
 *
 * @example
 * scores.maskedFill(causalMask, -Infinity);
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  return maskedFillAs("maskedFill", x, mask, value);
}

/** @internal `maskedFill` whose errors name `op` (`maskedFill_` for the in-place method). */
export function maskedFillAs(op: string, x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  checkOperand(op, value, "value");
  const valueTensor = typeof value === "number" || typeof value === "boolean" ? null : value;
  return composite(
    op,
    [x, mask],
    () => {
      if (mask.dtype !== "bool")
        throw new DTypeError(op, `mask must be a bool tensor; got ${mask.dtype}`);
      if (!valueTensor) return where(mask, value as number, x);
      // as PyTorch: a 0-d value tensor, cast to x's dtype (its gradient is the masked sum)
      if (valueTensor.ndim !== 0)
        throw new ShapeError(
          op,
          `only a 0-dimensional value tensor is supported; got a value of shape ${fmtShape(valueTensor.shape)}`,
        );
      return where(
        mask,
        valueTensor.dtype === x.dtype ? valueTensor : cast(valueTensor, x.dtype),
        x,
      );
    },
    [valueTensor],
  );
}

/** x where `j - i <= diagonal` (lower) or `>= diagonal` (upper) in the last two dims, else 0. */
function triangle(x: Tensor, diagonal: number, lower: boolean, op: "tril" | "triu"): Tensor {
  if (!Number.isInteger(diagonal)) {
    const given = (diagonal as unknown as { diagonal?: unknown } | null)?.diagonal;
    const hint = Number.isInteger(given) ? `, as torch.${op}(x, ${String(given)})` : "";
    throw new ValueError(
      op,
      `diagonal must be an integer given positionally${hint}; got ${describeValue(diagonal)}`,
    );
  }
  return composite(op, [x], () => {
    if (x.ndim < 2)
      throw new ShapeError(
        op,
        `input must have at least 2 dimensions; got shape ${fmtShape(x.shape)}`,
      );
    const rows = x.shape[x.ndim - 2]!;
    const cols = x.shape[x.ndim - 1]!;
    const data = new Uint8Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++)
        data[i * cols + j] = (lower ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
    const mask = tensorFromArray(x.backend, "bool", [rows, cols], data, op);
    return where(mask, x, x.dtype === "bool" ? false : 0);
  });
}

/**
 * The lower triangle of the last two dims (`torch.tril`): entries with j - i <= diagonal,
 * zeros elsewhere. Shapes: `(*, m, n)` -> `(*, m, n)`.
 */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, true, "tril");

/**
 * The upper triangle of the last two dims (`torch.triu`): entries with j - i >= diagonal,
 * zeros elsewhere. Shapes: `(*, m, n)` -> `(*, m, n)`.
 */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, false, "triu");

/**
 * The one-hot int32 encoding of class indices (`torch.nn.functional.one_hot`); `numClasses`
 * defaults to max + 1, which needs a synchronous read (CPU). Shapes: `(*)` -> `(*, numClasses)`.
 *
 * @example
 * torch.oneHot(torch.tensor([0, 2], { dtype: "int32" }), 3); // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(x: Tensor, numClasses = -1): Tensor {
  return composite("oneHot", [x], () => {
    if (x.dtype !== "int32") throw indexDTypeError("oneHot", "class indices", x.dtype);
    // PyTorch's range checks (numClasses -1: only the sign; the max is taken below)
    checkValues(
      x,
      { kind: "index", size: numClasses === -1 ? 2147483647 : numClasses },
      (v) =>
        new ValueError(
          "oneHot",
          v < 0
            ? `class values must be non-negative; got ${v}`
            : `class values must be smaller than numClasses (${numClasses}); got ${v}`,
        ),
    );
    let n = numClasses;
    if (n === -1) {
      if (x.numel() === 0)
        throw new ValueError(
          "oneHot",
          "cannot infer numClasses from an empty tensor; pass numClasses",
        );
      if (!x.backend.readSync) {
        throw new DeviceError(
          "oneHot",
          `cannot infer numClasses from a ${x.device} tensor without a synchronous read; pass numClasses`,
        );
      }
      const m = amax(x);
      n = m.itemSync() + 1;
      m.dispose();
    }
    const classes = tensorFromArray(
      x.backend,
      "int32",
      [n],
      Int32Array.from({ length: n }, (_, i) => i),
      "oneHot",
    );
    const u = unsqueeze(x, -1);
    const hit = eq(u, classes);
    const out = cast(hit, "int32");
    for (const t of [classes, u, hit]) t.dispose();
    return out;
  });
}
