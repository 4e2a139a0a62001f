import { anyNeedsGrad, recordGradient, type Gradient } from "../autograd/gradient.js";
import type { Backend } from "../backends/backend.js";
import type { DType } from "../core/dtype.js";
import type { Shape } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { backendOfAll, emptyTensor } from "./dispatch.js";

/**
 * A primitive with one freshly allocated output, declared in one place: its shape rule, its
 * dtype rule, the kernel call that fills the output, and its gradient.
 *
 * @example
 * const matmulPrim = defineOp({
 *   name: "matmul",
 *   shape: ([a, b]: [Tensor, Tensor]) => [...a.shape.slice(0, -1), b.shape[b.ndim - 1]!],
 *   dtype: ([a]) => a.dtype,
 *   run: (backend, [a, b], out) => runKernel(backend, "matmul", { a, b, out }),
 *   gradient: MM,
 * });
 * const c = matmulPrim([a, b], undefined);
 */
export interface OpSpec<I extends readonly Tensor[], A> {
  /** The name errors and allocations carry. */
  readonly name: string;
  /** The output's shape; pure. It may throw a `ShapeError` naming the op. */
  readonly shape: (inputs: I, attrs: A) => Shape;
  /** The output's dtype; it may throw a `DTypeError` naming the op. */
  readonly dtype: (inputs: I, attrs: A) => DType;
  /** Fills `out` (new, contiguous, of the shape and dtype above) by running the kernel. */
  readonly run: (backend: Backend, inputs: I, out: Tensor, attrs: A) => void;
  /** How the op differentiates; recorded with `attrs` when an input requires grad. */
  readonly gradient?: Gradient<A>;
  /**
   * Whether every backend's kernel writes every element of the output: then the CPU skips
   * zeroing a reused block for it (Backend.alloc's `overwritten`).
   */
  readonly overwrites?: boolean;
}

/**
 * Makes the function that runs a primitive: checks that the inputs share a device, allocates the
 * output from the shape and dtype rules, runs the kernel (freeing the output if the kernel
 * rejects its data, e.g. an index out of range), and records the gradient.
 */
export function defineOp<I extends readonly Tensor[], A = undefined>(
  spec: OpSpec<I, A>,
): (inputs: I, attrs: A) => Tensor {
  const { name, shape, dtype, run, gradient, overwrites = false } = spec;
  return (inputs, attrs) => {
    const backend = backendOfAll(name, inputs);
    const out = emptyTensor(backend, dtype(inputs, attrs), shape(inputs, attrs), name, overwrites);
    try {
      run(backend, inputs, out, attrs);
    } catch (e) {
      out.dispose();
      throw e;
    }
    if (gradient && anyNeedsGrad(inputs)) recordGradient(gradient, inputs, [out], attrs);
    return out;
  };
}
