import { isFloat } from "../../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { fmtShape } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { conv2d } from "../../ops/conv.js";
import { cat } from "../../ops/movement.js";
import { tensorFromArray } from "../../ops/dispatch.js";
import { ones, zeros } from "../../tensor/creation.js";

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
 * 2-D adaptive average pooling: each output cell (i, j) is the mean of the input window
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

/** PyTorch's pooling output size (`pooling_output_shape`), with ceil mode. */
function poolOutSize(
  size: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceil: boolean,
): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // the last window must start inside the input or the left padding
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

/**
 * Average pooling of `(N, C, H, W)` in ceil mode, as PyTorch's `avg_pool2d(ceil_mode=True)`: the
 * windows that run past the right/bottom padding are cut there, and each window's divisor is its
 * size within the padded input (`countIncludePad`) or within the input itself. Sums come from a
 * constant-kernel convolution over the input zero-extended on the right/bottom; the divisors are a
 * constant tensor.
 *
 * @internal Used by `nn.AvgPool1d/2d`; the op `avgPool2d` itself does not take `ceilMode` yet.
 */
export function avgPool2dCeil(
  x: Tensor,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: readonly [number, number],
  countIncludePad: boolean,
  divisorOverride: number | null,
  op: string,
): Tensor {
  if (x.ndim !== 4)
    throw new ShapeError(op, `internal: expected a 4-D input; got ${fmtShape(x.shape)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = kernel;
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  if (ph > kh / 2 || pw > kw / 2)
    throw new ValueError(
      op,
      `padding should be at most half of the kernel size; got padding ${fmtShape(padding)} and kernel ${fmtShape(kernel)}`,
    );
  const oh = poolOutSize(h, kh, sh, ph, 1, true);
  const ow = poolOutSize(w, kw, sw, pw, 1, true);
  if (oh <= 0 || ow <= 0)
    throw new ShapeError(
      op,
      `input ${fmtShape(x.shape)} is too small for kernel ${fmtShape(kernel)}`,
    );
  // rows/columns of zeros needed past the right padding for the last (partial) window
  const extraH = Math.max(0, (oh - 1) * sh + kh - (h + 2 * ph));
  const extraW = Math.max(0, (ow - 1) * sw + kw - (w + 2 * pw));
  const divisors = new Float64Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const hs = i * sh - ph;
      const ws = j * sw - pw;
      const he = Math.min(hs + kh, h + ph);
      const we = Math.min(ws + kw, w + pw);
      let count = (he - hs) * (we - ws);
      if (!countIncludePad)
        count = (Math.min(he, h) - Math.max(hs, 0)) * (Math.min(we, w) - Math.max(ws, 0));
      divisors[i * ow + j] = divisorOverride ?? count;
    }
  }
  return tidy(() => {
    let planes = x.reshape(n * c, 1, h, w);
    if (extraH > 0)
      planes = cat([planes, zeros([n * c, 1, extraH, w], { dtype: x.dtype, device: x.device })], 2);
    if (extraW > 0)
      planes = cat(
        [planes, zeros([n * c, 1, h + extraH, extraW], { dtype: x.dtype, device: x.device })],
        3,
      );
    const kernelOnes = ones([1, 1, kh, kw], { dtype: x.dtype, device: x.device });
    const sums = conv2d(planes, kernelOnes, null, { stride: [sh, sw], padding: [ph, pw] });
    const data = x.dtype === "float64" ? divisors : Float32Array.from(divisors);
    const div = tensorFromArray(x.backend, x.dtype, [1, 1, oh, ow], data, op);
    return sums.div(div).reshape(n, c, oh, ow);
  });
}
