import type { DType } from "../core/dtype.js";
import type { Shape } from "../core/shape.js";
import { shapesEqual } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { cast } from "./elementwise/copy.js";
import { view } from "./movement.js";
import { sum } from "./reduce.js";

/**
 * Broadcasting in the frontend: an input reaches a kernel as a stride-0 view of the output's
 * shape (`expandStrides`), and its gradient is the sum over the broadcast dims (`sumTo`).
 */

/** Strides that view (`shape`, `strides`) as the broadcast `target` shape: 0 where it repeats. */
export function expandStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++)
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i]!;
  return out;
}

/**
 * The gradient of broadcasting `shape` up to `g.shape`: sums `g` over the broadcast dimensions
 * (PyTorch's `sum_to_size`). Returns `g` itself when nothing was broadcast.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.ndim; d++)
    if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) axes.push(d);
  const s = sum(g, axes, true);
  if (lead === 0) return s;
  const v = view(s, shape);
  s.dispose();
  return v;
}

/**
 * A gradient at the broadcast shape and promoted dtype, brought back to an input's shape and
 * dtype (a float64 gradient of a float32 input that met a float64 one becomes float32 again).
 */
export function reduceGradTo(g: Tensor, shape: Shape, dtype: DType): Tensor {
  const s = sumTo(g, shape);
  return s.dtype === dtype ? s : cast(s, dtype);
}
