import { linearGradient, type Gradient } from "../autograd/gradient.js";
import { checkOptions } from "../core/options.js";
import { isFloat, type DType } from "../core/dtype.js";
import { DTypeError, ValueError } from "../core/errors.js";
import { contiguousStrides } from "../core/layout.js";
import { fmtShape, normalizeAxes, normalizeAxis, type Shape } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { defineOp } from "./define-op.js";
import { composite, emptyTensor, rawView, runKernel } from "./dispatch.js";
import {
  COPY,
  UNARY,
  abs,
  contiguousCopy,
  div,
  eq,
  gt,
  mul,
  ne,
  pow,
  sqrt,
  square,
  sub,
  unary,
  where,
} from "./elementwise.js";
import { gatherInRange } from "./indexing.js";
import { cat, expand, flipView, narrow, permute, reshape, squeeze, view } from "./movement.js";
import type { ReduceOp } from "./prims.js";
import { cumprod } from "./scan.js";

/**
 * Reductions. The primitives are sum, prod, max, min, argmax and argmin (the `reduce` kernel);
 * mean, var, std, all, any and norm are composites of them. The scans are in `scan.ts`, softmax
 * and logsumexp in `softmax.ts`.
 */

/** The dims a reduction runs over: one, a list, or all of them (`null`/`undefined`). */
export type Dims = number | readonly number[] | null | undefined;

/**
 * The axes a reduction over `dim` runs over: `normalizeAxes`, except that an empty list means
 * every dim, as in PyTorch 1.13 (`torch.ones(2, 3).sum([])` is 6).
 */
function reductionAxes(dim: Dims, ndim: number, op: string): number[] {
  return normalizeAxes(Array.isArray(dim) && dim.length === 0 ? null : dim, ndim, op);
}

/** What a reduction records: the reduced axes (sorted), keepdim, and the input's shape. */
interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepdim: boolean;
  readonly inputShape: Shape;
  /** max/min over an empty dim gives -inf/inf instead of an error (logsumexp's shift). */
  readonly allowEmpty?: boolean;
}

/** x's shape with the reduced axes set to 1. */
function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((s, i) => (axes.includes(i) ? 1 : s));
}

/** x's shape without the reduced axes. */
function droppedShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

function reduceDtype(op: ReduceOp, dtype: DType): DType {
  if (op === "argmax" || op === "argmin") return "int32";
  if ((op === "sum" || op === "prod") && !isFloat(dtype)) return "int32";
  return dtype;
}

/** Reshapes a reduced gradient back to keepdim's shape and expands it over x's shape. */
function expandBack(g: Tensor, inputShape: Shape, axes: readonly number[]): Tensor {
  const v = reshape(g, keptShape(inputShape, axes));
  return expand(v, inputShape);
}

/**
 * The reduce primitive `op` as a function of `[x]` and `ReduceAttrs`: output of x's shape without
 * (or, with keepdim, with size 1 on) the reduced axes.
 */
function reducePrim(op: ReduceOp, name: string, gradient?: Gradient<ReduceAttrs>) {
  const hasNoIdentity = op === "max" || op === "min" || op === "argmax" || op === "argmin";
  return defineOp<[Tensor], ReduceAttrs>({
    name,
    shape: ([x], { axes, keepdim, allowEmpty }) => {
      if (hasNoIdentity && !allowEmpty && axes.some((a) => x.shape[a] === 0))
        throw new ValueError(
          name,
          `cannot reduce over a zero-size dimension (shape ${fmtShape(x.shape)}); the operation has no identity`,
        );
      return keepdim ? keptShape(x.shape, axes) : droppedShape(x.shape, axes);
    },
    dtype: ([x]) => reduceDtype(op, x.dtype),
    run: (backend, [x], out, { axes, keepdim }) => {
      if (axes.length === 0 && (op === "argmax" || op === "argmin"))
        runKernel(backend, "fill", { value: 0, out });
      else if (axes.length === 0) runKernel(backend, "unary", { op: COPY, x, out });
      else {
        // the kernel writes x's shape without the axes: the same memory as keepdim's shape
        const shape = droppedShape(x.shape, axes);
        const o = keepdim ? rawView(out, shape, contiguousStrides(shape)) : out;
        runKernel(backend, "reduce", { op, x, axes, out: o });
      }
    },
    gradient,
  });
}

// d(sum x)/dx = 1: the gradient is broadcast back over the reduced axes
const SUM = /* @__PURE__ */ linearGradient<ReduceAttrs>("sum", (g, { inputShape, axes }) =>
  expandBack(g, inputShape, axes),
);

// d(prod x)/dx_i = the product of the other elements, computed without dividing (zeros are fine)
const PROD: Gradient<ReduceAttrs> = {
  name: "prod",
  saves: { inputs: [0] },
  backward: ([g], [x], { attrs }) => [
    mul(expandBack(g!, attrs.inputShape, attrs.axes), productOfOthers(x!, attrs.axes)),
  ],
};

/** max/min: the gradient is shared evenly between tied extrema, as PyTorch's amax. */
function extremumGradient(name: string): Gradient<ReduceAttrs> {
  return {
    name,
    saves: { inputs: [0], outputs: [0] },
    backward: ([g], [x, out], { attrs }) => {
      const mask = eq(x!, expandBack(out!, attrs.inputShape, attrs.axes));
      const count = sum(mask, attrs.axes, true);
      return [div(mul(expandBack(g!, attrs.inputShape, attrs.axes), mask), count)];
    },
  };
}

const sumPrim = /* @__PURE__ */ reducePrim("sum", "sum", SUM);
const prodPrim = /* @__PURE__ */ reducePrim("prod", "prod", PROD);
const amaxPrim = /* @__PURE__ */ reducePrim("max", "amax", extremumGradient("amax"));
const aminPrim = /* @__PURE__ */ reducePrim("min", "amin", extremumGradient("amin"));
const argmaxPrim = /* @__PURE__ */ reducePrim("argmax", "argmax");
const argminPrim = /* @__PURE__ */ reducePrim("argmin", "argmin");

/**
 * For each element, the product of the other elements of its reduction: the exclusive cumulative
 * product from the left times the one from the right, along the (flattened) reduced dim.
 */
function productOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  if (x.ndim === 0) return onesLike(x);
  // move the reduced axes last and flatten them into one dim d
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...kept, ...axes];
  const p = permute(x, order);
  const flat = reshape(p, [...kept.map((i) => x.shape[i]!), -1]);
  const d = flat.ndim - 1;
  const n = flat.shape[d]!;
  const ones = onesLike(narrow(flat, d, 0, Math.min(1, n)));
  const left = cat([ones, narrow(cumprod(flat, d), d, 0, Math.max(n - 1, 0))], d);
  const rev = flipView(flat, [d]);
  const right = flipView(cat([ones, narrow(cumprod(rev, d), d, 0, Math.max(n - 1, 0))], d), [d]);
  const others = mul(left, right);
  const inverse = order.map((_, i) => order.indexOf(i));
  return permute(
    reshape(
      others,
      order.map((i) => x.shape[i]!),
    ),
    inverse,
  );
}

function onesLike(x: Tensor): Tensor {
  const t = emptyTensor(x.backend, x.dtype, x.shape, "ones");
  runKernel(x.backend, "fill", { value: 1, out: t });
  return t;
}

/**
 * The sum over `dim` (`torch.sum`); bools and integers sum to int32.
 * Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a, 1, b)` with keepdim; no dim reduces all.
 *
 * @example
 * torch.tensor([[1, 2], [3, 4]]).sum(1); // [3, 7]
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = reductionAxes(dim, x.ndim, "sum");
  return sumPrim([x], { axes, keepdim, inputShape: x.shape });
}

/**
 * The mean over `dim` (`torch.mean`); floating-point input only.
 * Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a, 1, b)` with keepdim; no dim reduces all.
 *
 * @example
 * torch.tensor([[1, 2], [3, 4]], { dtype: "float32" }).mean(0); // [2, 3]
 */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return composite("mean", [x], () => {
    if (!isFloat(x.dtype))
      throw new DTypeError(
        "mean",
        `could not infer output dtype: input dtype must be floating point; got ${x.dtype}`,
      );
    const axes = reductionAxes(dim, x.ndim, "mean");
    const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
    const s = sum(x, axes, keepdim);
    const out = div(s, n);
    s.dispose();
    return out;
  });
}

/**
 * The product over `dim` (`torch.prod`); bools and integers give int32. Its gradient holds where x
 * has zeros. Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a, 1, b)` with keepdim; no dim
 * reduces all.
 */
export function prod(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  const axes = normalizeAxes(dim, x.ndim, "prod");
  return prodPrim([x], { axes, keepdim, inputShape: x.shape });
}

/**
 * The maximum over `dim` (`torch.amax`); the gradient is shared evenly between ties.
 * Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a, 1, b)` with keepdim; no dim reduces all.
 */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = reductionAxes(dim, x.ndim, "amax");
  return amaxPrim([x], { axes, keepdim, inputShape: x.shape });
}

/**
 * The minimum over `dim` (`torch.amin`); the gradient is shared evenly between ties.
 * Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a, 1, b)` with keepdim; no dim reduces all.
 */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = reductionAxes(dim, x.ndim, "amin");
  return aminPrim([x], { axes, keepdim, inputShape: x.shape });
}

/**
 * @internal max over `axes` that gives -inf over an empty dim instead of throwing, for the stable
 * shift of logsumexp and softmax.
 */
export function amaxOrEmpty(x: Tensor, dims: readonly number[]): Tensor {
  // softmax of a 0-d tensor passes dim 0, which a 0-d tensor does not have
  const axes = dims.filter((a) => a < x.ndim);
  return amaxPrim([x], { axes, keepdim: true, inputShape: x.shape, allowEmpty: true });
}

function argReduce(
  op: "argmax" | "argmin",
  x: Tensor,
  dim: number | null | undefined,
  keepdim: boolean,
): Tensor {
  const prim = op === "argmax" ? argmaxPrim : argminPrim;
  if (dim === null || dim === undefined) {
    return composite(op, [x], () => {
      const flat = reshape(x, [-1]);
      const out = prim([flat], { axes: [0], keepdim: false, inputShape: flat.shape });
      return keepdim
        ? view(
            out,
            x.shape.map(() => 1),
          )
        : out;
    });
  }
  // a 0-d tensor "reduced" over dim 0 is itself
  const d = normalizeAxis(dim, x.ndim, op);
  const axes = d < x.ndim ? [d] : [];
  return prim([x], { axes, keepdim, inputShape: x.shape });
}

/**
 * The index (int32) of the first maximum along `dim`, or in the flattened tensor
 * (`torch.argmax`). Shapes: `(a, n, b)` over dim 1 -> `(a, b)`; no dim -> `()`.
 *
 * @example
 * torch.tensor([[1, 5], [7, 2]]).argmax(1); // [1, 0]
 */
export const argmax = (x: Tensor, dim?: number | null, keepdim = false) =>
  argReduce("argmax", x, dim, keepdim);
/**
 * The index (int32) of the first minimum along `dim`, or in the flattened tensor
 * (`torch.argmin`). Shapes: as `argmax`.
 */
export const argmin = (x: Tensor, dim?: number | null, keepdim = false) =>
  argReduce("argmin", x, dim, keepdim);

/**
 * What `max(x, dim)`, `min(x, dim)` and the max pools with indices return: the values and their
 * indices, named and iterable, so both PyTorch idioms work:
 * `const { values, indices } = x.max(1)` and `const [values, indices] = x.max(1)`.
 */
export interface ValuesIndices extends Iterable<Tensor> {
  readonly values: Tensor;
  readonly indices: Tensor;
}

/**
 * A plain `{ values, indices }` that also unpacks as `[values, indices]` (its iterator is not
 * enumerable, so `tidy` and `toEqual` see a plain object).
 */
export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  const out = { values, indices };
  Object.defineProperty(out, Symbol.iterator, {
    enumerable: false,
    value: function* (): IterableIterator<Tensor> {
      yield values;
      yield indices;
    },
  });
  return out as ValuesIndices;
}

/** `max(x)` (or `min(x)`) of all elements, or `{ values, indices }` along `dim`. */
export interface Extremum {
  (x: Tensor): Tensor;
  (x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
}

function extremum(op: "max" | "min"): Extremum {
  const ofAll = op === "max" ? amax : amin;
  function maxOrMin(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? ofAll(x) : maxDim(x, dim, keepdim, op);
  }
  return maxOrMin as Extremum;
}

/**
 * The maximum of all elements, or `{ values, indices }` along `dim` (`torch.max`); the gradient
 * of `values` goes to the selected index. Shapes: `(a, n, b)` along dim 1 -> two `(a, b)`.
 *
 * @example
 * const { values, indices } = torch.max(x, 1);
 */
export const max = /* @__PURE__ */ extremum("max");
/**
 * The minimum of all elements, or `{ values, indices }` along `dim` (`torch.min`).
 * Shapes: as `max`.
 */
export const min = /* @__PURE__ */ extremum("min");

/** `max(dim)`/`min(dim)`: values and indices; the gradient goes to the selected index only. */
function maxDim(x: Tensor, dim: number, keepdim: boolean, op: "max" | "min"): ValuesIndices {
  return composite("max", [x], () => {
    const d = normalizeAxis(dim, x.ndim, op);
    const idx = argReduce(op === "max" ? "argmax" : "argmin", x, d, true);
    const vals = x.ndim === 0 ? contiguousCopy(x) : gatherInRange(x, d, idx);
    if (keepdim || x.ndim === 0) return valuesIndices(vals, idx);
    const values = squeeze(vals, d);
    const indices = squeeze(idx, d);
    vals.dispose();
    idx.dispose();
    return valuesIndices(values, indices);
  });
}

/** The options of `var` and `std`. */
export interface VarOptions {
  /** Subtracted from N in the divisor; 1 (Bessel) by default. */
  correction?: number;
  /** The older spelling: `unbiased: false` is `correction: 0`. */
  unbiased?: boolean;
  keepdim?: boolean;
}

/** var/std's options; PyTorch's positional `unbiased` (`x.var(0, False)`) is refused, showing the form. */
function checkVarOptions(op: string, options: unknown): void {
  checkOptions(
    op,
    options,
    { correction: "number", unbiased: "boolean", keepdim: "boolean" },
    {
      example:
        typeof options === "boolean"
          ? `{ correction: ${options ? 1 : 0} } (PyTorch's unbiased=${options ? "True" : "False"})`
          : "{ correction: 0, keepdim: true }",
    },
  );
}

/**
 * The variance over `dim` (`torch.var`), divided by N - correction (Bessel's, 1, by default;
 * `unbiased: false` is 0). Exported as `torch.var`. Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or
 * `(a, 1, b)` with keepdim; no dim reduces all.
 *
 * @example
 * torch.var(x, 1, { correction: 0, keepdim: true });
 */
export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  checkVarOptions("var", options);
  return composite("var", [x], () => {
    if (!isFloat(x.dtype))
      throw new DTypeError("var", `expected a floating-point tensor; got ${x.dtype}`);
    const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
    const axes = reductionAxes(dim, x.ndim, "var");
    const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
    const m = mean(x, axes, true);
    const d = sub(x, m);
    const d2 = square(d);
    const s = sum(d2, axes, options.keepdim ?? false);
    const out = div(s, Math.max(n - correction, 0));
    for (const t of [m, d, d2, s]) t.dispose();
    return out;
  });
}

/**
 * The standard deviation over `dim` (`torch.std`): sqrt(var), with var's options; its gradient is 0
 * where it is 0 (constant data), as PyTorch's. Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a,
 * 1, b)` with keepdim; no dim reduces all.
 */
export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  checkVarOptions("std", options);
  return composite("std", [x], () => {
    const v = variance(x, dim, options);
    const out = unary(UNARY.stdSqrt, v);
    v.dispose();
    return out;
  });
}

/**
 * Whether every element over `dim` is nonzero, as bool (`torch.all`); true over an empty dim.
 * Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a, 1, b)` with keepdim; no dim reduces all.
 */
export function all(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return composite("all", [x], () => countIs(eq(x, 0), dim, keepdim, "all", false));
}

/**
 * Whether any element over `dim` is nonzero, as bool (`torch.any`); false over an empty dim.
 * Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a, 1, b)` with keepdim; no dim reduces all.
 */
export function any(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return composite("any", [x], () => countIs(ne(x, 0), dim, keepdim, "any", true));
}

/** Whether the count of true elements of `mask` over `dim` is nonzero (`positive`) or zero. */
function countIs(
  mask: Tensor,
  dim: number | null | undefined,
  keepdim: boolean,
  op: string,
  positive: boolean,
): Tensor {
  const axes = normalizeAxes(dim, mask.ndim, op);
  const count = sumPrim([mask], { axes, keepdim, inputShape: mask.shape });
  return positive ? gt(count, 0) : eq(count, 0);
}

/**
 * The p-norm over `dim` (`torch.norm`): (sum |x|^p)^(1/p); p may be Infinity (max |x|).
 * Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a, 1, b)` with keepdim; no dim reduces all.
 *
 * @example
 * torch.tensor([3, 4], { dtype: "float32" }).norm(); // 5
 */
export function norm(x: Tensor, p: number, dim: Dims, keepdim = false): Tensor {
  return composite("norm", [x], () => {
    const a = abs(x);
    let out: Tensor;
    if (p === Infinity) out = amax(a, dim, keepdim);
    else if (p === 1) out = sum(a, dim, keepdim);
    else {
      const powered = p === 2 ? square(a) : pow(a, p);
      const s = sum(powered, dim, keepdim);
      // a zero norm has gradient 0, as in PyTorch (the root's derivative at 0 is inf, and inf * 0
      // NaN): the root reads 1 there, and the result is masked back to 0
      const zero = eq(s, 0);
      const safe = where(zero, 1, s);
      const root = p === 2 ? sqrt(safe) : pow(safe, 1 / p);
      out = where(zero, 0, root);
      for (const u of [powered, s, zero, safe, root]) u.dispose();
    }
    a.dispose();
    return out;
  });
}
