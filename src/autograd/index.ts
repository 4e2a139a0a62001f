/**
 * `torch.autograd`: `grad`, `backward`, custom `Function`s and `gradcheck`, as PyTorch's
 * `torch.autograd`. `Tensor.backward()` and the grad modes (`torch.noGrad`, ...) are on the tensor
 * and the top-level namespace.
 */
import type { Tensor } from "../tensor/tensor.js";
import { runBackward, type BackwardOptions } from "./engine.js";

export { grad, releaseGraph } from "./engine.js";
export type { BackwardOptions } from "./engine.js";
export { Function, FunctionCtx } from "./function.js";
export { gradcheck } from "./gradcheck.js";
export type { GradcheckOptions } from "./gradcheck.js";

/**
 * Backward from several outputs at once, as PyTorch's `torch.autograd.backward`: accumulates
 * `sum_i d(tensors[i])/d(leaf) * gradTensors[i]` into every leaf's `.grad`. A scalar output may
 * leave its gradient out (it is 1); `gradTensors[i]` has the shape of `tensors[i]`.
 *
 * @example
 * torch.autograd.backward([loss1, loss2]); // as loss1.add(loss2).backward()
 * torch.autograd.backward(y, [torch.onesLike(y)], { retainGraph: true });
 */
export function backward(
  tensors: Tensor | Tensor[],
  gradTensors?: (Tensor | null)[],
  options?: BackwardOptions,
): void {
  runBackward(Array.isArray(tensors) ? tensors : [tensors], gradTensors ?? [], options);
}
