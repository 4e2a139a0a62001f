import { linearGradient, needsGrad, recordGradient } from "../../autograd/gradient.js";
import { isFloat } from "../../core/dtype.js";
import { DTypeError, ShapeError, TensorError } from "../../core/errors.js";
import { takeCounters } from "../../core/generator.js";
import type { View } from "../../core/layout.js";
import { fmtShape, shapesEqual, type Shape } from "../../core/shape.js";
import type { Tensor, TensorOrScalar } from "../../tensor/tensor.js";
import { sumTo } from "../broadcast.js";
import { backendOf, emptyTensor, runKernel } from "../dispatch.js";
import type { BinaryDef } from "./binary-table.js";
import { contiguousCopy, COPY } from "./copy.js";
import { add, mul } from "./functions.js";
import { binary, broadcastView, checkIntOperands, operandType, scalarTensor } from "./run.js";

/**
 * In-place ops (`add_`, `fill_`, `copy_`, `uniform_`, ...): they write into the tensor's own
 * storage and bump its version counter, so that autograd can tell when a tensor it saved was
 * changed afterwards.
 */

/**
 * Runs `compute(self)` and writes the result into `self`'s storage (bumping its version), so that
 * every view of that storage sees it. With autograd, `self` takes the result's place in the graph;
 * the op reads a copy of self, so what the op saved for backward is not the overwritten storage.
 */
export function inPlace<T extends Tensor>(self: T, op: string, compute: (t: Tensor) => Tensor): T {
  self.checkInPlace(op);
  const input = needsGrad(self) ? contiguousCopy(self) : self;
  let result: Tensor;
  try {
    result = compute(input);
  } finally {
    if (input !== self) input.dispose();
  }
  if (!shapesEqual(result.shape, self.shape)) {
    result.dispose();
    throw new ShapeError(
      op,
      `output with shape ${fmtShape(self.shape)} doesn't match the broadcast shape ${fmtShape(result.shape)}`,
    );
  }
  if (isFloat(result.dtype) && !isFloat(self.dtype)) {
    result.dispose();
    throw new DTypeError(
      op,
      `result type ${result.dtype} can't be cast to the desired output type ${self.dtype}`,
    );
  }
  runKernel(self.backend, "unary", { op: COPY, x: result, out: self });
  self.storage.version++;
  self.rebase(result);
  result.dispose();
  return self;
}

/**
 * `self op= other` for a binary primitive. Without autograd, and when the result keeps self's
 * shape and dtype, the kernel writes straight into self (no allocation, no copy: what optimizer
 * loops and `p.sub_(...)` need); otherwise it goes through `inPlace`.
 */
export function binaryInPlace<T extends Tensor>(
  self: T,
  op: string,
  def: BinaryDef,
  other: TensorOrScalar,
): T {
  self.checkInPlace(op);
  if (typeof other === "object") checkNoPartialOverlap(op, self, other);
  const promoted = operandType(self, other);
  checkIntOperands(def, promoted, def.dtype(promoted, op), self, other);
  const direct =
    !needsGrad(self, typeof other === "object" ? other : null) &&
    def.dtype(operandType(self, other), op) === self.dtype &&
    (typeof other !== "object" ||
      (other.device === self.device &&
        broadcastsTo(other.shape, self.shape) &&
        !overlapsDifferently(self, other)));
  if (!direct) return inPlace(self, op, (t) => binary(def, t, other));
  const b = typeof other === "object" ? other : scalarTensor(other, self.dtype, self.backend);
  runKernel(self.backend, "binary", {
    op: def,
    a: self,
    b: broadcastView(b, self.shape),
    out: self,
  });
  if (b !== other) b.dispose();
  self.storage.version++;
  return self;
}

/** Whether `other` reads self's storage through another layout (an in-place write would race). */
function overlapsDifferently(self: View, other: View): boolean {
  if (other.storage !== self.storage) return false;
  return !(
    other.offset === self.offset &&
    shapesEqual(other.shape, self.shape) &&
    other.strides.every((s, i) => s === self.strides[i])
  );
}

/**
 * As PyTorch's `assert_no_partial_overlap`: an input laid differently over some of the target's
 * own memory (`x.copy_(x.t())`, `b[1:].copy_(b[:-1])`) would be read while being overwritten.
 * Like PyTorch, only dense views (permutations of a contiguous block) whose memory ranges meet
 * are refused; disjoint views of one storage (two rows) are fine, and so is the same view.
 */
function checkNoPartialOverlap(op: string, self: View, other: View): void {
  if (!overlapsDifferently(self, other) || !isDense(self) || !isDense(other)) return;
  const [a0, a1] = extent(self);
  const [b0, b1] = extent(other);
  if (a1 < b0 || b1 < a0) return;
  throw new TensorError(
    op,
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location; clone() the input first",
  );
}

/** The first and last storage element a view touches. */
function extent(v: View): [number, number] {
  let lo = v.offset;
  let hi = v.offset;
  v.shape.forEach((n, d) => {
    const span = (n - 1) * v.strides[d]!;
    if (span < 0) lo += span;
    else hi += span;
  });
  return [lo, hi];
}

/** Whether a view covers a block of memory exactly once (a permutation of contiguous). */
function isDense(v: View): boolean {
  const dims = v.shape
    .map((n, d) => [n, v.strides[d]!] as const)
    .filter(([n]) => n !== 1)
    .sort((x, y) => x[1] - y[1]);
  let expected = 1;
  for (const [n, stride] of dims) {
    if (stride !== expected) return false;
    expected *= n;
  }
  return true;
}

function broadcastsTo(shape: Shape, target: Shape): boolean {
  if (shape.length > target.length) return false;
  const lead = target.length - shape.length;
  return shape.every((s, i) => s === 1 || s === target[lead + i]);
}

/** @internal `self.fill_(value)`: every element becomes `value`; cuts self from the graph. */
export function fillInPlace<T extends Tensor>(self: T, value: number, op: string): T {
  self.checkInPlace(op, true);
  runKernel(self.backend, "fill", { value, out: self });
  self.storage.version++;
  if (self.gradFn) self.detach_();
  return self;
}

// self <- src: the gradient goes to src, summed over the dims it was broadcast along
const COPY_INTO = /* @__PURE__ */ linearGradient<{ srcShape: Shape }>("copy", (g, { srcShape }) =>
  sumTo(g, srcShape),
);

/**
 * @internal `self.copy_(src)` (PyTorch's `Tensor.copy_`): src broadcast to self's shape and
 * converted to its dtype; the gradient flows back to src.
 */
export function copyInPlace<T extends Tensor>(self: T, src: Tensor): T {
  self.checkInPlace("copy_");
  backendOf("copy_", self, src);
  if (!broadcastsTo(src.shape, self.shape)) {
    throw new ShapeError(
      "copy_",
      `the source's shape must broadcast to the target's; got source ${fmtShape(src.shape)} and target ${fmtShape(self.shape)}`,
    );
  }
  checkNoPartialOverlap("copy_", self, src);
  runKernel(self.backend, "unary", { op: COPY, x: broadcastView(src, self.shape), out: self });
  self.storage.version++;
  if (needsGrad(src)) recordGradient(COPY_INTO, [src], [self], { srcShape: src.shape });
  else if (self.gradFn) self.detach_();
  return self;
}

/**
 * @internal `uniform_(low, high)` / `normal_(mean, std)`: self refilled from the global
 * generator (the same numbers on every device).
 */
export function randomInPlace<T extends Tensor>(
  self: T,
  dist: "uniform" | "normal",
  a: number,
  b: number,
  op: string,
): T {
  self.checkInPlace(op);
  if (!isFloat(self.dtype))
    throw new DTypeError(op, `expected a floating-point tensor; got ${self.dtype}`);
  const backend = self.backend;
  const r = emptyTensor(backend, self.dtype, self.shape, op);
  runKernel(backend, "random", { dist, ...takeCounters(r.numel()), out: r });
  // uniform: low + (high - low) u; normal: mean + std z
  const scale = dist === "uniform" ? b - a : b;
  const scaled = mul(r, scale);
  const shifted = add(scaled, a);
  runKernel(backend, "unary", { op: COPY, x: shifted, out: self });
  self.storage.version++;
  r.dispose();
  scaled.dispose();
  shifted.dispose();
  return self;
}
