import { isFloat } from "../../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { fmtShape } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cat } from "../../ops/movement.js";

/**
 * Pooling composites of `torch.nn.functional` that the ops in `ops/conv.ts` do not cover:
 * adaptive average pooling, and average pooling in ceil mode (used by `nn.AvgPool1d/2d`).
 */

/** An adaptive pool's output size: one int for both dims, or `[h, w]` where `null` keeps the input's size. */
export type AdaptiveSize2d = number | readonly [number | null, number | null];

function checkOutSize(v: number, op: string, outputSize: AdaptiveSize2d): void {
  if (!Number.isInteger(v) || v < 1)
    throw new ValueError(
      op,
      `outputSize must be positive integers (or null); got ${fmtSize(outputSize)}`,
    );
}

function fmtSize(s: AdaptiveSize2d): string {
  return typeof s === "number"
    ? String(s)
    : `[${s.map((v) => (v === null ? "null" : String(v))).join(", ")}]`;
}

/**
 * Averages `x` along `dim` into `out` cells; cell i covers [floor(i * n / out), ceil((i + 1) * n / out)),
 * as PyTorch's adaptive pooling. Divisible sizes are a reshape and one mean.
 */
function adaptiveMeanDim(x: Tensor, dim: number, out: number): Tensor {
  const n = x.shape[dim]!;
  if (n === out) return x;
  if (n % out === 0) return x.unflatten(dim, [out, n / out]).mean(dim + 1);
  const cells: Tensor[] = [];
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    cells.push(x.narrow(dim, start, end - start).mean(dim, true));
  }
  return cat(cells, dim);
}

/**
 * 2-D adaptive average pooling, as PyTorch's `F.adaptive_avg_pool2d`: each output cell (i, j) is the mean of the input window
 * rows [floor(i H / oh), ceil((i + 1) H / oh)) and columns [floor(j W / ow), ceil((j + 1) W / ow)).
 * When the sizes divide evenly this is an average pool with kernel = stride = H / oh (computed as
 * one mean over a reshaped view); otherwise each dim is pooled in turn with narrow + mean + cat
 * (the mean of a rectangle is the mean of its row means).
 *
 * Shapes: input `(N, C, H, W)` or `(C, H, W)`, output `(N, C, oh, ow)` or `(C, oh, ow)`.
 *
 * @example
 * F.adaptiveAvgPool2d(torch.randn([8, 64, 7, 9]), [3, 4]).shape; // [8, 64, 3, 4]
 * F.adaptiveAvgPool2d(x, 1); // global average pooling
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize2d): Tensor {
  const op = "adaptiveAvgPool2d";
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new ShapeError(
      op,
      `expected 3-D (C, H, W) or 4-D (N, C, H, W) input; got ${fmtShape(x.shape)}`,
    );
  if (!isFloat(x.dtype))
    throw new DTypeError(op, `expected a floating-point input; got ${x.dtype}`);
  const h = x.shape[x.ndim - 2]!;
  const w = x.shape[x.ndim - 1]!;
  if (h === 0 || w === 0)
    throw new ShapeError(op, `expected non-empty spatial dims; got input ${fmtShape(x.shape)}`);
  const [oh0, ow0] = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  if (typeof outputSize !== "number" && outputSize.length !== 2)
    throw new ValueError(op, `outputSize must be an int or a pair; got ${fmtSize(outputSize)}`);
  const oh = oh0 ?? h;
  const ow = ow0 ?? w;
  checkOutSize(oh, op, outputSize);
  checkOutSize(ow, op, outputSize);
  return tidy(() => {
    const rows = adaptiveMeanDim(x, x.ndim - 2, oh);
    const out = adaptiveMeanDim(rows, x.ndim - 1, ow);
    // never hand back the caller's own tensor: the result is always a new tensor
    return out === x ? x.clone() : out;
  });
}
