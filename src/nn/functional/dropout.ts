import { DTypeError, ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { checkOptions } from "../../core/options.js";
import { backendOf } from "../../ops/dispatch.js";
import { fmtShape } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { rand } from "../../tensor/creation.js";
import { lt } from "../../ops/elementwise.js";
import { writeInto } from "./activations.js";

/** The options of `F.dropout` and `F.dropout2d`, with PyTorch's defaults. */
const DROPOUT_OPTIONS = { p: "number", training: "boolean", inplace: "boolean" } as const;

export interface DropoutOptions {
  /** The probability of zeroing an element (default 0.5). */
  p?: number;
  /** Dropout is applied only in training (default true, as `F.dropout`). */
  training?: boolean;
  /** Writes the result into the input and returns it (default false). */
  inplace?: boolean;
}

/** @internal Validates a dropout probability, naming `op` in the message. */
export function checkDropoutP(p: number, op: string): void {
  if (!(p >= 0 && p <= 1))
    throw new ValueError(op, `dropout probability has to be between 0 and 1; got ${p}`);
}

/**
 * A new handle on `x` (a view of the same storage): what an inactive dropout or `Identity`
 * returns, so that the caller owns its result as it owns any other op's.
 *
 * @internal
 */
export function alias(x: Tensor): Tensor {
  return x.expand(x.shape);
}

/** x * mask / (1 - p), the mask broadcast from `maskShape`, drawn from the global generator. */
function dropMask(
  x: Tensor,
  p: number,
  maskShape: readonly number[],
  inplace: boolean,
  op: string,
): Tensor {
  if (!x.isFloatingPoint())
    throw new DTypeError(op, `expected a floating-point input; got ${x.dtype}`);
  const out = tidy(() => {
    const u = rand(maskShape, { dtype: x.dtype, device: x.device });
    // keep with probability 1 - p (a uniform in [0, 1) below 1 - p); p = 1 keeps nothing
    const mask = lt(u, 1 - p)
      .toType(x.dtype)
      .mul(p === 1 ? 0 : 1 / (1 - p));
    return x.mul(mask);
  });
  return inplace ? writeInto(x, out) : out;
}

/**
 * Dropout, as PyTorch's `F.dropout`: zeroes each element with probability `p` (default 0.5) and
 * scales the rest by `1 / (1 - p)`, in training only (`training`, default true). The mask comes from the global generator (`torch.manualSeed` reproduces it). When inactive
 * (not training, or `p = 0`) it returns a view of the input.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * F.dropout(x, { p: 0.2, training: model.training });
 * F.dropout(x, 0.2);
 */
export function dropout(x: Tensor, options: DropoutOptions | number = {}): Tensor {
  backendOf("dropout", x);
  if (typeof options !== "number")
    checkOptions("dropout", options, DROPOUT_OPTIONS, { argument: 2 });
  const o = typeof options === "number" ? { p: options } : options;
  const p = o.p ?? 0.5;
  checkDropoutP(p, "dropout");
  if (!(o.training ?? true) || p === 0) return o.inplace ? x : alias(x);
  return dropMask(x, p, x.shape, o.inplace ?? false, "dropout");
}

/**
 * Channel dropout, as PyTorch's `F.dropout2d`: zeroes whole channels (`x[n, c]`) with probability
 * `p` (default 0.5) and scales the rest by
 * `1 / (1 - p)`, in training only. A 3-D input is one unbatched sample `(C, H, W)`.
 *
 * Shapes: input `(N, C, H, W)` or `(C, H, W)`, output the same.
 *
 * @example
 * F.dropout2d(x, { p: 0.1, training: true });
 */
export function dropout2d(x: Tensor, options: DropoutOptions | number = {}): Tensor {
  backendOf("dropout2d", x);
  if (typeof options !== "number")
    checkOptions("dropout2d", options, DROPOUT_OPTIONS, { argument: 2 });
  const o = typeof options === "number" ? { p: options } : options;
  const p = o.p ?? 0.5;
  checkDropoutP(p, "dropout2d");
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new ShapeError(
      "dropout2d",
      `expected a 3-D (C, H, W) or 4-D (N, C, H, W) input; got ${fmtShape(x.shape)}`,
    );
  if (!(o.training ?? true) || p === 0) return o.inplace ? x : alias(x);
  const channelDims = x.ndim - 2;
  const maskShape = x.shape.map((s, i) => (i < channelDims ? s : 1));
  return dropMask(x, p, maskShape, o.inplace ?? false, "dropout2d");
}
