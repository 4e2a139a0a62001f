import { isFloat, type DType } from "../core/dtype.js";
import { DTypeError, ValueError } from "../core/errors.js";
import { contiguousStrides } from "../core/layout.js";
import { fmtShape, normalizeAxes, normalizeAxis } from "../core/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { backendOf, emptyTensor, record, runKernel, composite } from "./dispatch.js";
import {
  COPY,
  UNARY,
  abs,
  add,
  cast,
  div,
  eq,
  exp,
  gt,
  isinf,
  log,
  mul,
  ne,
  pow,
  sqrt,
  square,
  sub,
  unary,
  where,
} from "./elementwise.js";
import {
  cat,
  contiguousCopy,
  expand,
  flipView,
  narrow,
  permute,
  reshape,
  squeeze,
  view,
} from "./movement.js";
import { gather } from "./indexing.js";
import type { ReduceOp } from "./prims.js";

/**
 * Reductions. The primitives are sum, prod, max, min, argmax, argmin and the cumulative scans;
 * mean, var, std, logsumexp, softmax and logSoftmax are composites of them.
 */

type Dims = number | readonly number[] | null | undefined;

/** x's shape with the reduced axes set to 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((s, i) => (axes.includes(i) ? 1 : s));
}

function reduceDtype(op: ReduceOp, dtype: DType): DType {
  if (op === "argmax" || op === "argmin") return "int32";
  if ((op === "sum" || op === "prod") && !isFloat(dtype)) return "int32";
  return dtype;
}

/** Runs the reduce primitive; the result has keepdim's shape if asked. No autograd. */
function reduceRaw(
  op: ReduceOp,
  x: Tensor,
  axes0: readonly number[],
  keepdim: boolean,
  name: string,
  allowEmpty = false,
): Tensor {
  const backend = backendOf(name, x);
  // a 0-d tensor "reduced" over dim 0 is itself
  const axes = axes0.filter((a) => a < x.ndim);
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  if (
    !allowEmpty &&
    (op === "max" || op === "min" || op === "argmax" || op === "argmin") &&
    axes.some((a) => x.shape[a] === 0)
  ) {
    throw new ValueError(
      name,
      `cannot reduce over a zero-size dimension (shape ${fmtShape(x.shape)}); the operation has no identity`,
    );
  }
  const out = emptyTensor(backend, reduceDtype(op, x.dtype), outShape, name);
  if (axes.length === 0 && (op === "argmax" || op === "argmin"))
    runKernel(backend, "fill", { value: 0, out });
  else if (axes.length === 0) runKernel(backend, "unary", { op: COPY, x, out });
  else runKernel(backend, "reduce", { op, x, axes, out });
  if (!keepdim) return out;
  const shape = keptShape(x.shape, axes);
  const shaped = new Tensor(out.storage, shape, contiguousStrides(shape), 0);
  out.dispose();
  return shaped;
}

/** Reshapes a reduced gradient back to keepdim's shape and expands it over x's shape. */
function expandBack(g: Tensor, inputShape: readonly number[], axes: readonly number[]): Tensor {
  const v = reshape(g, keptShape(inputShape, axes));
  return expand(v, inputShape);
}

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = normalizeAxes(dim, x.ndim, "sum");
  const out = reduceRaw("sum", x, axes, keepdim, "sum");
  const shape = x.shape;
  // d(sum x)/dx = 1: the gradient is broadcast back over the reduced axes
  record("sum", [x], [out], ([g]) => [expandBack(g!, shape, axes)]);
  return out;
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return composite("mean", [x], () => {
    if (!isFloat(x.dtype))
      throw new DTypeError(
        "mean",
        `could not infer output dtype: input dtype must be floating point; got ${x.dtype}`,
      );
    const axes = normalizeAxes(dim, x.ndim, "mean");
    const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
    const s = sum(x, axes, keepdim);
    const out = div(s, n);
    s.dispose();
    return out;
  });
}

export function prod(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  const axes = normalizeAxes(dim, x.ndim, "prod");
  const out = reduceRaw("prod", x, axes, keepdim, "prod");
  const shape = x.shape;
  // d(prod x)/dx_i = the product of the other elements, computed without dividing (zeros are fine)
  record(
    "prod",
    [x],
    [out],
    ([g], [xs]) => [mul(expandBack(g!, shape, axes), productOfOthers(xs!, axes))],
    [x],
  );
  return out;
}

/**
 * For each element, the product of the other elements of its reduction: the exclusive cumulative
 * product from the left times the one from the right, along the (flattened) reduced dim.
 */
function productOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  if (x.ndim === 0) return onesLikeOf(x);
  // move the reduced axes last and flatten them into one dim d
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...kept, ...axes];
  const p = permute(x, order);
  const flat = reshape(p, [...kept.map((i) => x.shape[i]!), -1]);
  const d = flat.ndim - 1;
  const n = flat.shape[d]!;
  const ones = onesLikeOf(narrow(flat, d, 0, Math.min(1, n)));
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

function onesLikeOf(x: Tensor): Tensor {
  const t = emptyTensor(x.backend, x.dtype, x.shape, "ones");
  runKernel(x.backend, "fill", { value: 1, out: t });
  return t;
}

/** max/min over dims; the gradient is shared evenly between tied maxima, as PyTorch's amax. */
function extremum(op: "max" | "min", x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const name = op === "max" ? "amax" : "amin";
  const axes = normalizeAxes(dim, x.ndim, name);
  const out = reduceRaw(op, x, axes, keepdim, name);
  const shape = x.shape;
  record(
    name,
    [x],
    [out],
    ([g], [xs, o]) => {
      const mask = eq(xs!, expandBack(o!, shape, axes));
      const count = sum(mask, axes, true);
      return [div(mul(expandBack(g!, shape, axes), mask), count)];
    },
    [x, out],
  );
  return out;
}

export const amax = (x: Tensor, dim?: Dims, keepdim = false) => extremum("max", x, dim, keepdim);
export const amin = (x: Tensor, dim?: Dims, keepdim = false) => extremum("min", x, dim, keepdim);

function argReduce(
  op: "argmax" | "argmin",
  x: Tensor,
  dim: number | null | undefined,
  keepdim: boolean,
): Tensor {
  if (dim === null || dim === undefined) {
    return composite(op, [x], () => {
      const out = reduceRaw(op, reshape(x, [-1]), [0], false, op);
      return keepdim
        ? view(
            out,
            x.shape.map(() => 1),
          )
        : out;
    });
  }
  return reduceRaw(op, x, [normalizeAxis(dim, x.ndim, op)], keepdim, op);
}

export const argmax = (x: Tensor, dim?: number | null, keepdim = false) =>
  argReduce("argmax", x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number | null, keepdim = false) =>
  argReduce("argmin", x, dim, keepdim);

/** `max(dim)`/`min(dim)`: values and indices; the gradient goes to the selected index only. */
export function maxDim(
  x: Tensor,
  dim: number,
  keepdim: boolean,
  op: "max" | "min",
): { values: Tensor; indices: Tensor } {
  return composite("max", [x], () => {
    const d = normalizeAxis(dim, x.ndim, op);
    const idx = argReduce(op === "max" ? "argmax" : "argmin", x, d, true);
    const vals = x.ndim === 0 ? contiguousCopy(x) : gather(x, d, idx);
    if (keepdim || x.ndim === 0) return { values: vals, indices: idx };
    const values = squeeze(vals, d);
    const indices = squeeze(idx, d);
    vals.dispose();
    idx.dispose();
    return { values, indices };
  });
}

export interface VarOptions {
  /** Subtracted from N in the divisor; 1 (Bessel) by default. */
  correction?: number;
  /** The older spelling: `unbiased: false` is `correction: 0`. */
  unbiased?: boolean;
  keepdim?: boolean;
}

export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return composite("var", [x], () => {
    if (!isFloat(x.dtype))
      throw new DTypeError("var", `expected a floating-point tensor; got ${x.dtype}`);
    const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
    const axes = normalizeAxes(dim, x.ndim, "var");
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

export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return composite("std", [x], () => {
    const v = variance(x, dim, options);
    const out = unary(UNARY.stdSqrt, v);
    v.dispose();
    return out;
  });
}

/** A max that is safe to subtract: detached, and 0 where the max is infinite. */
function stableShift(x: Tensor, axes: readonly number[]): Tensor {
  return noGrad(() => {
    const m = reduceRaw("max", x, axes, true, "logsumexp", true);
    const inf = isinf(m);
    const shift = where(inf, 0, m);
    m.dispose();
    inf.dispose();
    return shift;
  });
}

/** log(sum(exp(x))) over dims, stable for large |x|. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  return composite("logsumexp", [x], () => {
    const axes = normalizeAxes(dim, x.ndim, "logsumexp");
    const xf = isFloat(x.dtype) ? x : cast(x, "float32");
    const m = stableShift(xf, axes);
    const shifted = sub(xf, m);
    const e = exp(shifted);
    const s = sum(e, axes, true);
    const l = log(s);
    const r = add(l, m);
    for (const t of [m, shifted, e, s, l]) t.dispose();
    if (xf !== x) xf.dispose();
    if (keepdim) return r;
    const out = squeeze(r, axes);
    r.dispose();
    return out;
  });
}

/** softmax along `dim`, computed as exp(x - max) / sum. */
export function softmax(x: Tensor, dim: number): Tensor {
  return composite("softmax", [x], () => {
    const d = normalizeAxis(dim, x.ndim, "softmax");
    const xf = isFloat(x.dtype) ? x : cast(x, "float32");
    const m = stableShift(xf, [d]);
    const shifted = sub(xf, m);
    const e = exp(shifted);
    const s = sum(e, d, true);
    const out = div(e, s);
    for (const t of [m, shifted, e, s]) t.dispose();
    if (xf !== x) xf.dispose();
    return out;
  });
}

/** log(softmax(x)) along `dim`, computed as x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return composite("logSoftmax", [x], () => {
    const d = normalizeAxis(dim, x.ndim, "logSoftmax");
    const xf = isFloat(x.dtype) ? x : cast(x, "float32");
    const m = stableShift(xf, [d]);
    const shifted = sub(xf, m);
    const e = exp(shifted);
    const s = sum(e, d, true);
    const l = log(s);
    const out = sub(shifted, l);
    for (const t of [m, shifted, e, s, l]) t.dispose();
    if (xf !== x) xf.dispose();
    return out;
  });
}

function scan(op: "cumsum" | "cumprod", x: Tensor, dim: number): Tensor {
  const backend = backendOf(op, x);
  const d = normalizeAxis(dim, x.ndim, op);
  const out = emptyTensor(backend, isFloat(x.dtype) ? x.dtype : "int32", x.shape, op);
  if (x.ndim === 0) runKernel(backend, "unary", { op: COPY, x, out });
  else runKernel(backend, "scan", { op, x, axis: d, out });
  return out;
}

/** Reverse cumulative sum along d: flip, cumsum, flip (views; one copy). */
function reverseCumsum(g: Tensor, d: number): Tensor {
  const f = flipView(g, [d]);
  const c = cumsum(f, d);
  const out = flipView(c, [d]);
  f.dispose();
  c.dispose();
  return out;
}

export function cumsum(x: Tensor, dim: number): Tensor {
  const out = scan("cumsum", x, dim);
  const d = x.ndim === 0 ? 0 : normalizeAxis(dim, x.ndim, "cumsum");
  // d(out_j)/d(x_i) = [j >= i]: the gradient is a reverse cumulative sum
  record("cumsum", [x], [out], ([g]) => [x.ndim === 0 ? g : reverseCumsum(g!, d)]);
  return out;
}

export function cumprod(x: Tensor, dim: number): Tensor {
  const out = scan("cumprod", x, dim);
  const d = x.ndim === 0 ? 0 : normalizeAxis(dim, x.ndim, "cumprod");
  // d(out_j)/d(x_i) = out_j / x_i for j >= i (NOTE: undefined where x_i == 0)
  record("cumprod", [x], [out], ([g], [xs, o]) => [div(reverseCumsum(mul(g!, o!), d), xs!)], [
    x,
    out,
  ]);
  return out;
}

/** Whether every element is nonzero (true over an empty dim). */
export function all(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return composite("all", [x], () => {
    const zero = eq(x, 0);
    const count = reduceRaw("sum", zero, normalizeAxes(dim, x.ndim, "all"), keepdim, "all");
    const out = eq(count, 0);
    zero.dispose();
    count.dispose();
    return out;
  });
}

/** Whether any element is nonzero (false over an empty dim). */
export function any(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return composite("any", [x], () => {
    const nonzero = ne(x, 0);
    const count = reduceRaw("sum", nonzero, normalizeAxes(dim, x.ndim, "any"), keepdim, "any");
    const out = gt(count, 0);
    nonzero.dispose();
    count.dispose();
    return out;
  });
}

/** The p-norm over dims (all by default); p may be Infinity. */
export function norm(x: Tensor, p: number, dim: Dims, keepdim = false): Tensor {
  return composite("norm", [x], () => {
    const a = abs(x);
    let out: Tensor;
    if (p === Infinity) out = amax(a, dim, keepdim);
    else if (p === 1) out = sum(a, dim, keepdim);
    else {
      const powered = p === 2 ? square(a) : pow(a, p);
      const s = sum(powered, dim, keepdim);
      out = p === 2 ? sqrt(s) : pow(s, 1 / p);
      powered.dispose();
      s.dispose();
    }
    a.dispose();
    return out;
  });
}
