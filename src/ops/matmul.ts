import type { Gradient } from "../autograd/gradient.js";
import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError } from "../core/errors.js";
import { broadcastShapes, fmtShape, numel } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { defineOp } from "./define-op.js";
import { backendOf, composite, runKernel } from "./dispatch.js";
import { mul } from "./elementwise.js";
import { expand, reshape, squeeze, transpose, unsqueeze } from "./movement.js";

// d(AB) = dA B + A dB: dA = g B^T, dB = A^T g
const MM: Gradient = {
  name: "mm",
  saves: { inputs: [0, 1] },
  backward: ([g], [a, b], ctx) => [
    ctx.needsInputGrad(0) ? matmulPrim([g!, transpose(b!, -1, -2)], undefined) : null,
    ctx.needsInputGrad(1) ? matmulPrim([transpose(a!, -1, -2), g!], undefined) : null,
  ],
};

/**
 * The batched matmul primitive: a [..., M, K] @ b [..., K, N] with equal batch dims (broadcast
 * ones are stride-0 views, so no copy is made and the expand's gradient sums them).
 */
const matmulPrim = /* @__PURE__ */ defineOp<[Tensor, Tensor]>({
  name: "matmul",
  overwrites: true,
  shape: ([a, b]) => [...a.shape.slice(0, -1), b.shape[b.ndim - 1]!],
  dtype: ([a]) => a.dtype,
  run: (backend, [a, b], out) => runKernel(backend, "matmul", { a, b, out }),
  gradient: MM,
});

function checkOperands(op: string, a: Tensor, b: Tensor): void {
  backendOf(op, a, b);
  if (!isFloat(a.dtype) || !isFloat(b.dtype))
    throw new DTypeError(op, `expected floating-point tensors; got ${a.dtype} and ${b.dtype}`);
  if (a.dtype !== b.dtype)
    throw new DTypeError(
      op,
      `expected both tensors to have the same dtype; got ${a.dtype} and ${b.dtype}`,
    );
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(
      op,
      `both arguments need at least 1 dimension; got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
}

/**
 * The matrix product with PyTorch's rules (`torch.matmul`): 1-D @ 1-D is a dot product, a 1-D
 * operand gets a dim added and removed again, and batch dims broadcast.
 * Shapes: `(*, m, k) @ (*, k, n)` -> `(*, m, n)`; `(k) @ (k, n)` -> `(n)`; `(k) @ (k)` -> `()`.
 *
 * @example
 * torch.matmul(torch.randn([10, 3, 4]), torch.randn([4, 5])).shape; // [10, 3, 5]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return composite("matmul", [a, b], () => {
    checkOperands("matmul", a, b);
    const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
    const b2 = b.ndim === 1 ? unsqueeze(b, -1) : b;
    const K = a2.shape[a2.ndim - 1]!;
    if (b2.shape[b2.ndim - 2] !== K)
      throw new ShapeError(
        "matmul",
        `inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`,
      );
    if (a.ndim >= 3 && b2.ndim === 2) {
      // PyTorch's folding: the batch dims of `a` become rows, one product instead of a product
      // per batch against a broadcast `b`, whose gradient is then one product too (instead of
      // per-batch products summed); a Linear layer on [batch, seq, features] takes this path
      const rows = reshape(a, [numel(a.shape.slice(0, -1)), K]);
      const flat = matmulPrim([rows, b2], undefined);
      const out = reshape(flat, [...a.shape.slice(0, -1), b2.shape[1]!]);
      for (const t of [rows, flat]) t.dispose();
      if (b2 !== b) b2.dispose();
      return b.ndim === 1 ? squeezeOwned(out, -1) : out;
    }
    const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), "matmul");
    const ae = expand(a2, [...batch, ...a2.shape.slice(-2)]);
    const be = expand(b2, [...batch, ...b2.shape.slice(-2)]);
    let out = matmulPrim([ae, be], undefined);
    for (const t of [ae, be]) t.dispose();
    if (a2 !== a) a2.dispose();
    if (b2 !== b) b2.dispose();
    if (a.ndim === 1) out = squeezeOwned(out, -2);
    if (b.ndim === 1) out = squeezeOwned(out, -1);
    return out;
  });
}

function squeezeOwned(t: Tensor, dim: number): Tensor {
  const s = squeeze(t, dim);
  t.dispose();
  return s;
}

/** Throws unless a and b have `rank` dims and agree on the inner (and, for bmm, batch) dims. */
function checkMatrices(op: "mm" | "bmm", a: Tensor, b: Tensor, rank: 2 | 3): void {
  checkOperands(op, a, b);
  const shapes = `${fmtShape(a.shape)} and ${fmtShape(b.shape)}`;
  if (a.ndim !== rank || b.ndim !== rank)
    throw new ShapeError(op, `expects ${rank}-D tensors; got ${shapes}`);
  if (rank === 3 && a.shape[0] !== b.shape[0])
    throw new ShapeError(op, `batch sizes differ: ${shapes}`);
  if (a.shape[rank - 1] !== b.shape[rank - 2])
    throw new ShapeError(
      op,
      `inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`,
    );
}

/**
 * The product of two matrices (`torch.mm`), without broadcasting.
 * Shapes: `(m, k) @ (k, n)` -> `(m, n)`.
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkMatrices("mm", a, b, 2);
  return matmulPrim([a, b], undefined);
}

/**
 * The products of two batches of matrices of one batch size (`torch.bmm`).
 * Shapes: `(b, m, k) @ (b, k, n)` -> `(b, m, n)`.
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkMatrices("bmm", a, b, 3);
  return matmulPrim([a, b], undefined);
}

function checkVectors(op: "outer" | "dot", a: Tensor, b: Tensor): void {
  if (a.ndim !== 1 || b.ndim !== 1)
    throw new ShapeError(
      op,
      `expects 1-D tensors; got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
}

/** The outer product of two vectors (`torch.outer`). Shapes: `(n)`, `(m)` -> `(n, m)`. */
export function outer(a: Tensor, b: Tensor): Tensor {
  return composite("outer", [a, b], () => {
    checkVectors("outer", a, b);
    const col = unsqueeze(a, 1);
    const out = mul(col, b);
    col.dispose();
    return out;
  });
}

/** The dot product of two vectors of one length (`torch.dot`). Shapes: `(n)`, `(n)` -> `()`. */
export function dot(a: Tensor, b: Tensor): Tensor {
  return composite("dot", [a, b], () => {
    checkVectors("dot", a, b);
    if (a.shape[0] !== b.shape[0])
      throw new ShapeError(
        "dot",
        `inconsistent tensor size: ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
      );
    return matmul(a, b);
  });
}
