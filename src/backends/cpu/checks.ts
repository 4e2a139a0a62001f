/**
 * The CPU kernel of the `check` primitive: the values are at hand, so the first one that breaks
 * the rule throws at once (a GPU backend records it on the device instead; see
 * `backends/webgpu/asserts.ts`).
 *
 * @module
 */
import type { TypedArray } from "../../core/dtype.js";
import { isContiguous } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import { violates, type KernelArgs } from "../../ops/prims.js";
import { elementOffsets } from "./strided.js";

export function checkKernel({ x, rule, report }: KernelArgs["check"]): void {
  const data = x.storage.data as TypedArray;
  if (isContiguous(x.shape, x.strides)) {
    const end = x.offset + numel(x.shape);
    for (let i = x.offset; i < end; i++)
      if (violates(rule, data[i]!)) throw report(data[i]!, i - x.offset);
    return;
  }
  const offsets = elementOffsets(x.shape, x.strides, x.offset);
  for (let i = 0; i < offsets.length; i++) {
    const v = data[offsets[i]!]!;
    if (violates(rule, v)) throw report(v, i);
  }
}
