import type { Tensor } from "../tensor/tensor.js";
import { runKernel } from "./dispatch.js";
import type { ValueRule, ViolationReport } from "./prims.js";

/**
 * Data-dependent errors, as PyTorch raises them (an index out of range, an integer division by
 * zero, a probability outside [0, 1], NaN cast to an integer), declared once per op and raised
 * on every backend: the CPU throws from the call; a GPU cannot throw from a kernel, so it records
 * the first violation on the device and the next read (`await t.data()`, `item()`, ...) or
 * `await torch.sync()` throws the same error, as CUDA's device-side asserts do.
 *
 * @example
 * checkValues(input, { kind: "index", size: num }, (k) =>
 *   new ValueError("embedding", `index ${k} is out of range for ${num} embeddings`));
 */
export function checkValues(t: Tensor, rule: ValueRule, report: ViolationReport): void {
  if (t.numel() === 0) return;
  runKernel(t.backend, "check", { x: t, rule, report });
}
