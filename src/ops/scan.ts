import { linearGradient, type Gradient } from "../autograd/gradient.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { isFloat } from "../core/dtype.js";
import { normalizeAxis } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { defineOp } from "./define-op.js";
import { emptyTensor, runKernel, tensorFromArray } from "./dispatch.js";
import { COPY, div, eq, logicalAnd, logicalNot, mul, where } from "./elementwise.js";
import { cat, flipView, narrow, transpose, unsqueeze } from "./movement.js";
import type { ScanOp } from "./prims.js";
import { any, sum } from "./reduce.js";

/**
 * The cumulative scans, cumsum and cumprod (the `scan` primitive), with their gradients.
 */

/** What a scan records: the (normalised) dim it ran along. */
interface ScanAttrs {
  readonly dim: number;
}

function scanPrim(op: ScanOp, gradient: Gradient<ScanAttrs>) {
  return defineOp<[Tensor], ScanAttrs>({
    name: op,
    shape: ([x]) => x.shape,
    dtype: ([x]) => (isFloat(x.dtype) ? x.dtype : "int32"),
    run: (backend, [x], out, { dim }) => {
      if (x.ndim === 0) runKernel(backend, "unary", { op: COPY, x, out });
      else runKernel(backend, "scan", { op, x, axis: dim, out });
    },
    gradient,
  });
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

// d(out_j)/d(x_i) = [j >= i]: the gradient is a reverse cumulative sum
const CUMSUM = /* @__PURE__ */ linearGradient<ScanAttrs>("cumsum", (g, { dim }) =>
  g.ndim === 0 ? g : reverseCumsum(g, dim),
);

// d(out_j)/d(x_i) = prod_{k <= j, k != i} x_k for j >= i (PyTorch's cumprod_backward)
const CUMPROD: Gradient<ScanAttrs> = {
  name: "cumprod",
  saves: { inputs: [0], outputs: [0] },
  backward: ([g], [x, out], { attrs }) => [cumprodGrad(g!, x!, out!, attrs.dim)],
};

const cumsumPrim = /* @__PURE__ */ scanPrim("cumsum", CUMSUM);
const cumprodPrim = /* @__PURE__ */ scanPrim("cumprod", CUMPROD);

/**
 * The running sum along `dim` (`torch.cumsum`); bools and integers give int32.
 * Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.cumsum(torch.tensor([1, 2, 3]), 0); // [1, 3, 6]
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  return cumsumPrim([x], { dim: normalizeAxis(dim, x.ndim, "cumsum") });
}

/**
 * The running product along `dim` (`torch.cumprod`); bools and integers give int32. Its gradient
 * is PyTorch's, exact where x has zeros. Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.cumprod(torch.tensor([1, 2, 3]), 0); // [1, 2, 6]
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  return cumprodPrim([x], { dim: normalizeAxis(dim, x.ndim, "cumprod") });
}

/**
 * The gradient of y = cumprod(x) along d: grad_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k.
 * PyTorch's `cumprod_backward` (FunctionsManual.cpp), which never divides by a zero:
 *
 * - a first gradient: the O(n) rule below, exact with zeros;
 * - under `createGraph`: the same rule when the input has no zeros (its derivative is then the
 *   second derivative), else the O(n^2) rule of `cumprodGradAnyOrder`, whose derivative stays
 *   exact where x has zeros.
 *
 * With z1 the first zero along d (none: z1 = n): for i < z1 no term j >= z1 survives, so
 * grad_i = (sum_{i <= j < z1} g_j y_j) / x_i (a reverse cumsum divided by a nonzero x_i); for
 * i = z1 only the terms up to the second zero z2 survive, grad_z1 = y_{z1-1} sum_{z1 <= j < z2}
 * g_j prod_{z1 < k <= j} x_k; for i > z1 every term holds the factor x_z1 = 0.
 */
function cumprodGrad(g: Tensor, x: Tensor, y: Tensor, d: number): Tensor {
  if (x.ndim === 0 || x.shape[d]! <= 1) return g;
  if (isGradEnabled() && !surelyNonzero(x)) return cumprodGradAnyOrder(g, x, d);
  const isZero = eq(x, 0);
  const zerosSoFar = cumsum(isZero, d);
  const beforeFirstZero = eq(zerosSoFar, 0);
  // i < z1 (every i when x has no zeros: then this is reverse_cumsum(g y) / x, bit for bit)
  const wBefore = where(beforeFirstZero, mul(y, g), 0);
  const xBefore = where(beforeFirstZero, x, 1);
  const gradBefore = div(reverseCumsum(wBefore, d), xBefore);
  // i = z1: the terms z1 <= j < z2, each g_j times the x_k after z1 up to j
  const firstToSecondZero = eq(zerosSoFar, 1);
  const firstZero = logicalAnd(isZero, firstToSecondZero);
  const betweenZeros = logicalAnd(firstToSecondZero, logicalNot(isZero));
  const partial = cumprod(where(betweenZeros, x, 1), d);
  const sumAfterZero = sum(mul(where(firstToSecondZero, g, 0), partial), d, true);
  const yBeforeZero = sum(where(firstZero, exclusive(y, d), 0), d, true);
  const gradAtZero = mul(sumAfterZero, yBeforeZero);
  return where(beforeFirstZero, gradBefore, where(firstZero, gradAtZero, 0));
}

/** y shifted one step along d, with a 1 first: y_{i-1} at i (the exclusive cumulative product). */
function exclusive(y: Tensor, d: number): Tensor {
  const shape = y.shape.slice();
  shape[d] = 1;
  const one = emptyTensor(y.backend, y.dtype, shape, "cumprod");
  runKernel(y.backend, "fill", { value: 1, out: one });
  return cat([one, narrow(y, d, 0, y.shape[d]! - 1)], d);
}

/** Whether x surely has no zero, known without waiting for a GPU (else false). */
function surelyNonzero(x: Tensor): boolean {
  if (!x.backend.readSync) return false;
  return !any(eq(x, 0)).itemSync();
}

/**
 * The cumprod gradient as a sum of products of the other factors, differentiable to any order:
 * row i of M = cumprod over k of (x_k, with x_i replaced by 1) holds prod_{k <= j, k != i} x_k at
 * column j, so grad_i = sum_{j >= i} g_j M_ij. O(n^2) along d, as PyTorch's rule in grad mode.
 */
function cumprodGradAnyOrder(g: Tensor, x: Tensor, d: number): Tensor {
  const last = x.ndim - 1;
  const n = x.shape[d]!;
  const diagonal = boolMatrix(x, n, (i, j) => i === j);
  const upper = boolMatrix(x, n, (i, j) => j >= i);
  const rows = unsqueeze(transpose(x, d, last), -2); // [..., 1, n]
  const others = cumprod(where(diagonal, 1, rows), -1); // [..., n (i), n (j)]
  const gRows = unsqueeze(transpose(g, d, last), -2);
  const terms = where(upper, mul(others, gRows), 0);
  return transpose(sum(terms, -1), d, last);
}

/** An n x n bool matrix on x's device, true where `f(row, column)`. */
function boolMatrix(x: Tensor, n: number, f: (i: number, j: number) => boolean): Tensor {
  const data = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = f(i, j) ? 1 : 0;
  return tensorFromArray(x.backend, "bool", [n, n], data, "cumprod");
}
