import {
  linearGradient,
  needsGrad,
  recordGradient,
  type Gradient,
} from "../../autograd/gradient.js";
import { ShapeError, ValueError } from "../../core/errors.js";
import { contiguousStrides, isContiguous } from "../../core/layout.js";
import {
  checkShape,
  fmtShape,
  inferShape,
  normalizeAxes,
  normalizeAxis,
  numel,
  shapesEqual,
  type Shape,
} from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { expandStrides, sumTo } from "../broadcast.js";
import { backendOf, composite, newTensor } from "../dispatch.js";
import { contiguousCopy } from "../elementwise/copy.js";

/**
 * Views: view, reshape, squeeze, unsqueeze, permute, transpose, expand and flip share the input's
 * storage and change only shape, strides and offset. Each declares its gradient, which is again a
 * view (or a sum, for expand), so double backward works.
 */

/** Normalises a possibly negative dim against ndim (a negative dim counts from the end). */
export const axis = normalizeAxis;

/** Sizes given as `f(2, 3)`, `f([2, 3])` or `f()` alike, as one array. */
export function flatShapeArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && typeof args[0] !== "number") return [...args[0]!];
  return args as number[];
}

/** @internal A view of x's storage, recorded with `gradient` and `attrs`. */
export function makeView<A>(
  x: Tensor,
  shape: Shape,
  strides: readonly number[],
  offset: number,
  gradient: Gradient<A>,
  attrs: A,
): Tensor {
  backendOf(gradient.name, x);
  const out = newTensor(x.storage, shape, strides, offset);
  if (needsGrad(x)) recordGradient(gradient, [x], [out], attrs);
  return out;
}

const VIEW = /* @__PURE__ */ linearGradient<{ from: Shape }>("view", (g, { from }) =>
  reshape(g, from),
);
const SQUEEZE = /* @__PURE__ */ linearGradient<{ from: Shape }>("squeeze", (g, { from }) =>
  reshape(g, from),
);
const UNSQUEEZE = /* @__PURE__ */ linearGradient<{ dim: number }>("unsqueeze", (g, { dim }) =>
  squeeze(g, dim),
);
const PERMUTE = /* @__PURE__ */ linearGradient<{ inverse: readonly number[] }>(
  "permute",
  (g, { inverse }) => permute(g, inverse),
);
const FLIP = /* @__PURE__ */ linearGradient<{ dims: readonly number[] }>("flip", (g, { dims }) =>
  flipView(g, dims),
);
// a broadcast's gradient sums over the dims it repeated
const EXPAND = /* @__PURE__ */ linearGradient<{ from: Shape }>("expand", (g, { from }) =>
  sumTo(g, from),
);
// the views that change nothing: t() of a vector, expand to the same shape
const T = /* @__PURE__ */ linearGradient("t", (g) => g);
const EXPAND_NOTHING = /* @__PURE__ */ linearGradient("expand", (g) => g);

/**
 * Strides for viewing (shape, strides) as `target` without copying, or null when impossible
 * (PyTorch's `computeStride`: each run of merged dims must be contiguous within itself).
 */
function viewStrides(shape: Shape, strides: readonly number[], target: Shape): number[] | null {
  if (numel(shape) <= 1 || isContiguous(shape, strides)) return contiguousStrides(target);
  const out = new Array<number>(target.length);
  let viewD = target.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= target[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

/**
 * A view of x with another shape (`torch.Tensor.view`), sharing x's storage; one size may be -1
 * (inferred). Throws when x's strides cannot express it without a copy (use `reshape`).
 * Shapes: `x: (*)` -> `shape`, with the same number of elements.
 *
 * @example
 * torch.arange(6).view([2, 3]).shape; // [2, 3]
 */
export function view(x: Tensor, shape0: Shape): Tensor {
  const shape = inferShape(shape0, x.numel(), "view", x.shape);
  const strides = viewStrides(x.shape, x.strides, shape);
  if (!strides) {
    throw new ShapeError(
      "view",
      `view size ${fmtShape(shape0)} is not compatible with input of shape ${fmtShape(x.shape)} and strides ${fmtShape(x.strides)}; use reshape(...) instead`,
    );
  }
  return makeView(x, shape, strides, x.offset, VIEW, { from: x.shape });
}

/**
 * x with another shape (`torch.reshape`): a view when the strides allow it, else a copy.
 * Shapes: `x: (*)` -> `shape` (one size may be -1).
 *
 * @example
 * torch.zeros([2, 3]).t().reshape([-1]).shape; // [6] (a copy: the transpose is not viewable)
 */
export function reshape(x: Tensor, shape0: Shape): Tensor {
  return composite("reshape", [x], () => {
    const shape = inferShape(shape0, x.numel(), "reshape", x.shape);
    if (viewStrides(x.shape, x.strides, shape)) return view(x, shape);
    const c = contiguousCopy(x);
    const out = view(c, shape);
    c.dispose();
    return out;
  });
}

/**
 * Dims `startDim..endDim` merged into one (`torch.flatten`); a 0-d tensor becomes [1].
 * Shapes: `(a, b, c, d)` with startDim 1, endDim 2 -> `(a, b * c, d)`.
 *
 * @example
 * torch.zeros([2, 3, 4]).flatten(1).shape; // [2, 12]
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  return composite("flatten", [x], () => {
    if (x.ndim === 0) return reshape(x, [1]);
    const s = axis(startDim, x.ndim, "flatten");
    const e = axis(endDim, x.ndim, "flatten");
    if (s > e)
      throw new ValueError("flatten", `startDim ${startDim} cannot come after endDim ${endDim}`);
    const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
    return reshape(x, shape);
  });
}

/**
 * Dim `dim` split into `sizes` (`torch.unflatten`); one size may be -1.
 * Shapes: `(a, b * c)` with dim 1, sizes [b, c] -> `(a, b, c)`.
 */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  return composite("unflatten", [x], () => {
    const d = axis(dim, x.ndim, "unflatten");
    const inner = inferShape(sizes, x.shape[d]!, "unflatten", x.shape);
    return view(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
  });
}

/**
 * x without its size-1 dims, or only those of `dim` that have size 1 (`torch.squeeze`); a view.
 * Shapes: `(a, 1, b, 1)` -> `(a, b)`.
 */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normalizeAxes(dim, x.ndim, "squeeze");
  const keep = x.shape.map((s, i) => !(s === 1 && dims.includes(i)));
  return makeView(
    x,
    x.shape.filter((_, i) => keep[i]),
    x.strides.filter((_, i) => keep[i]),
    x.offset,
    SQUEEZE,
    { from: x.shape },
  );
}

/**
 * x with a new size-1 dim at `dim` (`torch.unsqueeze`); a view. `dim` may be x.ndim (or -1).
 * Shapes: `(a, b)` with dim 1 -> `(a, 1, b)`.
 *
 * @example
 * torch.zeros([3]).unsqueeze(0).shape; // [1, 3]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = axis(dim, x.ndim + 1, "unsqueeze");
  const shape = [...x.shape.slice(0, d), 1, ...x.shape.slice(d)];
  const inner = d < x.ndim ? x.strides[d]! * x.shape[d]! : 1;
  const strides = [...x.strides.slice(0, d), inner, ...x.strides.slice(d)];
  return makeView(x, shape, strides, x.offset, UNSQUEEZE, { dim: d });
}

/**
 * x with its dims reordered (`torch.permute`): dim i of the result is dim `dims[i]` of x; a view.
 * Shapes: `(a, b, c)` with dims [2, 0, 1] -> `(c, a, b)`.
 *
 * @example
 * torch.zeros([2, 3, 4]).permute(2, 0, 1).shape; // [4, 2, 3]
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim)
    throw new ShapeError(
      "permute",
      `number of dims ${dims.length} doesn't match the input's ${x.ndim} (shape ${fmtShape(x.shape)}); got dims ${fmtShape(dims)}`,
    );
  const order = dims.map((d) => axis(d, x.ndim, "permute"));
  if (new Set(order).size !== order.length)
    throw new ValueError("permute", `repeated dim in ${fmtShape(dims)}`);
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => (inverse[d] = i));
  return makeView(
    x,
    order.map((d) => x.shape[d]!),
    order.map((d) => x.strides[d]!),
    x.offset,
    PERMUTE,
    { inverse },
  );
}

/**
 * x with dims `dim0` and `dim1` swapped (`torch.transpose`); a view.
 * Shapes: `(a, b, c)` with dims 0, 2 -> `(c, b, a)`.
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  return composite("transpose", [x], () => {
    const order = x.shape.map((_, i) => i);
    const a = axis(dim0, x.ndim, "transpose");
    const b = axis(dim1, x.ndim, "transpose");
    order[a] = b;
    order[b] = a;
    return permute(x, order);
  });
}

/**
 * The transpose of a matrix (`torch.t`); 0-d and 1-D tensors come back as they are.
 * Shapes: `(a, b)` -> `(b, a)`; throws for more than 2 dims.
 */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2)
    throw new ShapeError(
      "t",
      `expects a tensor with <= 2 dimensions, but got shape ${fmtShape(x.shape)}; use transpose(dim0, dim1)`,
    );
  return x.ndim < 2 ? makeView(x, x.shape, x.strides, x.offset, T, undefined) : transpose(x, 0, 1);
}

/**
 * x broadcast to `shape` (`torch.Tensor.expand`) as a view: repeated dims get stride 0, so nothing
 * is copied; -1 keeps a size. Its gradient sums over the repeated dims.
 * Shapes: `(1, b)` -> `(a, b)`; new leading dims may be added.
 *
 * @example
 * torch.tensor([1, 2]).expand([3, 2]).shape; // [3, 2]
 */
export function expand(x: Tensor, shape0: readonly number[]): Tensor {
  if (shape0.length < x.ndim)
    throw new ShapeError(
      "expand",
      `the number of sizes ${fmtShape(shape0)} must be at least the tensor's number of dims (shape ${fmtShape(x.shape)})`,
    );
  const lead = shape0.length - x.ndim;
  const shape = shape0.map((s, i) => (s === -1 && i >= lead ? x.shape[i - lead]! : s));
  checkShape(shape, "expand");
  for (let i = 0; i < x.ndim; i++) {
    const have = x.shape[i]!;
    if (have !== 1 && have !== shape[lead + i]) {
      throw new ShapeError(
        "expand",
        `the expanded size ${shape[lead + i]} must match the existing size ${have} at dim ${lead + i} (shape ${fmtShape(x.shape)} to ${fmtShape(shape0)})`,
      );
    }
  }
  if (shapesEqual(shape, x.shape))
    return makeView(x, x.shape, x.strides, x.offset, EXPAND_NOTHING, undefined);
  const strides = expandStrides(x.shape, x.strides, shape);
  return makeView(x, shape, strides, x.offset, EXPAND, { from: x.shape });
}

/**
 * x tiled `sizes[i]` times along each dim (`torch.Tensor.repeat`); a copy.
 * Shapes: `(a, b)` with sizes [r0, r1] -> `(r0 * a, r1 * b)`; extra sizes add leading dims.
 *
 * @example
 * torch.tensor([1, 2]).repeat(2, 2).shape; // [2, 4]
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  return composite("repeat", [x], () => {
    if (sizes.length < x.ndim)
      throw new ShapeError(
        "repeat",
        `number of repeat dims ${sizes.length} can't be smaller than the number of tensor dims ${x.ndim}`,
      );
    checkShape(sizes, "repeat");
    const lead = sizes.length - x.ndim;
    const padded = [...new Array<number>(lead).fill(1), ...x.shape];
    // [a, b] repeated (r0, r1): view as [1, a, 1, b], expand to [r0, a, r1, b], copy as [r0a, r1b]
    const inter = padded.flatMap((s) => [1, s]);
    const expanded = padded.flatMap((s, i) => [sizes[i]!, s]);
    const v = reshape(x, inter);
    const e = expand(v, expanded);
    const out = reshape(
      e,
      padded.map((s, i) => s * sizes[i]!),
    );
    if (v !== x) v.dispose();
    e.dispose();
    return out;
  });
}

/** x reversed along `dims` (`torch.flip`); a copy, as in PyTorch. Shapes: `x: (*)` -> `(*)`. */
export function flip(x: Tensor, dims0: number | readonly number[]): Tensor {
  return composite("flip", [x], () => {
    const dims = normalizeAxes(dims0, x.ndim, "flip");
    const v = flipView(x, dims);
    const out = contiguousCopy(v);
    v.dispose();
    return out;
  });
}

/** @internal x reversed along `dims` as a negative-stride view (no copy). */
export function flipView(x: Tensor, dims: readonly number[]): Tensor {
  let offset = x.offset;
  const strides = x.strides.slice();
  for (const d of dims) {
    if (x.shape[d]! > 0) offset += (x.shape[d]! - 1) * x.strides[d]!;
    strides[d] = -strides[d]!;
  }
  return makeView(x, x.shape, strides, offset, FLIP, { dims });
}
