import { linearGradient } from "../../autograd/gradient.js";
import { int32RangeError, isFloat, type DType } from "../../core/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineOp } from "../define-op.js";
import { runKernel } from "../dispatch.js";
import type { ScalarUnaryOp } from "../prims.js";
import { checkValues } from "../value-checks.js";

/**
 * Copies: the `COPY` scalar op (the unary kernel that copies, converting dtype on store), a
 * dtype conversion (`cast`) and a contiguous copy (`contiguousCopy`, PyTorch's `clone`).
 */

/** Copy (and dtype conversion: the store converts; bool outputs store x != 0). */
export const COPY: ScalarUnaryOp = { name: "copy", js: (x) => x, wgsl: "x" };

const castPrim = /* @__PURE__ */ defineOp<[Tensor], { from: DType; to: DType }>({
  name: "to",
  overwrites: true,
  shape: ([x]) => x.shape,
  dtype: (_, { to }) => to,
  run: (backend, [x], out) => runKernel(backend, "unary", { op: COPY, x, out }),
  // the gradient converts back; a cast to an integer dtype records nothing (no float output)
  gradient: linearGradient("to", (g, { from }) => cast(g, from)),
});

/**
 * x converted to `dtype` (`torch.Tensor.to(dtype)`), always as a new tensor (`x.to(dtype)`
 * returns x itself when nothing changes); differentiable between float dtypes. Floats become
 * integers by truncation, and bools are x != 0. Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.tensor([1.7, -1.2]).to("int32"); // [1, -1]
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  // integers never wrap: NaN, ±Inf and values outside int32 are an error
  if (dtype === "int32" && isFloat(x.dtype))
    checkValues(x, { kind: "int32" }, (v) => int32RangeError(v, "to"));
  return castPrim([x], { from: x.dtype, to: dtype });
}

const IDENTITY = /* @__PURE__ */ linearGradient("clone", (g) => g);

const clonePrim = /* @__PURE__ */ defineOp<[Tensor]>({
  name: "contiguous",
  overwrites: true,
  shape: ([x]) => x.shape,
  dtype: ([x]) => x.dtype,
  run: (backend, [x], out) => runKernel(backend, "unary", { op: COPY, x, out }),
  gradient: IDENTITY,
});

/**
 * A contiguous copy that stays on the graph (`torch.Tensor.clone`): its gradient is the
 * identity. Shapes: `x: (*)` -> `(*)`.
 */
export function contiguousCopy(x: Tensor): Tensor {
  return clonePrim([x], undefined);
}
