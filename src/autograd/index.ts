/** `torch.autograd`: grad, backward, Function, gradcheck. */
import type { Tensor } from "../tensor/tensor.js";
import { runBackward } from "./engine.js";

export { grad, releaseGraph } from "./engine.js";
export { Function, FunctionCtx } from "./function.js";
export { gradcheck } from "./gradcheck.js";
export type { GradcheckOptions } from "./gradcheck.js";

/** Backward from several outputs at once (PyTorch's `torch.autograd.backward`). */
export function backward(
  tensors: Tensor | Tensor[],
  gradTensors?: (Tensor | null)[],
  options?: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] },
): void {
  runBackward(Array.isArray(tensors) ? tensors : [tensors], gradTensors ?? [], options);
}
