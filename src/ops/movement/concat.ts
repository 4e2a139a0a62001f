import { needsGrad, recordGradient, type Gradient } from "../../autograd/gradient.js";
import { promoteTypes } from "../../core/dtype.js";
import { ShapeError, TensorError, ValueError } from "../../core/errors.js";
import { describeValue } from "../../core/options.js";
import { fmtShape, shapesEqual } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { backendOf, composite, emptyTensor, runKernel } from "../dispatch.js";
import { split } from "./slicing.js";
import { axis, unsqueeze } from "./views.js";

/**
 * Joining tensors: cat (the primitive) and stack.
 */

// each input gets its slice of g along dim
const CAT: Gradient<{ sizes: readonly number[]; dim: number }> = {
  name: "cat",
  backward: ([g], _, { attrs }) => split(g!, attrs.sizes, attrs.dim),
};

/**
 * The tensors joined along `dim` (`torch.cat`); they must agree in every other dim, and the
 * result has their promoted dtype. Shapes: `(a, n1, b)`, `(a, n2, b)` along 1 -> `(a, n1 + n2, b)`.
 *
 * @example
 * torch.cat([torch.zeros([2, 3]), torch.ones([1, 3])]).shape; // [3, 3]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown))
    throw new TensorError("cat", `expected an array of tensors; got ${describeValue(tensors)}`);
  if (tensors.length === 0) throw new ValueError("cat", "expected a non-empty list of tensors");
  const first = tensors[0]!;
  const backend = backendOf("cat", ...tensors);
  const scalarAt = tensors.findIndex((t) => t.ndim === 0);
  if (scalarAt >= 0)
    throw new ShapeError(
      "cat",
      `zero-dimensional tensor (at position ${scalarAt}) cannot be concatenated; got shape []`,
    );
  const d = axis(dim, first.ndim, "cat");
  let dtype = first.dtype;
  let total = 0;
  for (const x of tensors) {
    if (x.ndim !== first.ndim)
      throw new ShapeError(
        "cat",
        `tensors must have the same number of dimensions: got ${fmtShape(first.shape)} and ${fmtShape(x.shape)}`,
      );
    for (let k = 0; k < x.ndim; k++) {
      if (k !== d && x.shape[k] !== first.shape[k]) {
        throw new ShapeError(
          "cat",
          `sizes of tensors must match except in dimension ${d}: got ${fmtShape(first.shape)} and ${fmtShape(x.shape)} (dim ${k})`,
        );
      }
    }
    total += x.shape[d]!;
    dtype = promoteTypes(dtype, x.dtype);
  }
  const shape = first.shape.slice();
  shape[d] = total;
  const out = emptyTensor(backend, dtype, shape, "cat");
  runKernel(backend, "cat", { xs: tensors, dim: d, out });
  if (needsGrad(...tensors))
    recordGradient(CAT, tensors, [out], { sizes: tensors.map((x) => x.shape[d]!), dim: d });
  return out;
}

/**
 * The tensors (all of one shape) joined along a new dim `dim` (`torch.stack`).
 * Shapes: k tensors `(a, b)` at dim 0 -> `(k, a, b)`.
 *
 * @example
 * torch.stack([torch.zeros([3]), torch.ones([3])], 1).shape; // [3, 2]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return composite("stack", tensors, () => {
    if (tensors.length === 0) throw new ValueError("stack", "expected a non-empty list of tensors");
    const first = tensors[0]!;
    for (const x of tensors) {
      if (!shapesEqual(x.shape, first.shape))
        throw new ShapeError(
          "stack",
          `expects each tensor to be equal size, but got ${fmtShape(first.shape)} and ${fmtShape(x.shape)}`,
        );
    }
    const d = axis(dim, first.ndim + 1, "stack");
    const parts = tensors.map((x) => unsqueeze(x, d));
    const out = cat(parts, d);
    for (const p of parts) p.dispose();
    return out;
  });
}
