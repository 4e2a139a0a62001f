import { needsGrad, recordGradient, type Gradient } from "../autograd/gradient.js";
import { checkOptions } from "../core/options.js";
import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { fmtShape, type Shape } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { conv2d } from "./conv.js";
import { backendOf, composite, emptyTensor, runKernel, tensorFromArray } from "./dispatch.js";
import { div } from "./elementwise.js";
import { scatterAddInRange } from "./indexing.js";
import { valuesIndices, type ValuesIndices } from "./reduce.js";
import { reshape, squeeze, unsqueeze, view } from "./movement.js";
import type { Pool2dAttrs } from "./prims.js";
import {
  AVG_POOL_OPTIONS,
  MAX_POOL_OPTIONS,
  outSize,
  padAfter,
  pair,
  POOL_PLACE,
  type Pair,
} from "./window.js";

/**
 * Pooling. maxPool2d is a primitive; avgPool2d is a depthwise convolution with a constant kernel;
 * the 1-D pools are 2-D pools of height 1.
 */

/** The options of `maxPool2d`: stride (the kernel size by default), padding 0, dilation 1. */
export interface MaxPool2dOptions {
  /** Defaults to kernelSize. */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

function poolAttrs(
  op: string,
  x: Tensor,
  kernelSize: Pair,
  options: MaxPool2dOptions,
): { attrs: Pool2dAttrs; oh: number; ow: number } {
  if (x.ndim !== 4)
    throw new ShapeError(op, `expected 4-D (N, C, H, W) input; got ${fmtShape(x.shape)}`);
  const k = pair(kernelSize, "kernelSize", op, 1);
  const stride = pair(options.stride ?? k, "stride", op, 1);
  const padding = pair(options.padding ?? 0, "padding", op, 0);
  const dilation = pair(options.dilation ?? 1, "dilation", op, 1);
  if (padding[0] > k[0] / 2 || padding[1] > k[1] / 2)
    throw new ValueError(
      op,
      `padding should be at most half of the kernel size; got padding ${fmtShape(padding)} and kernel ${fmtShape(k)}`,
    );
  const oh = outSize(x.shape[2]!, k[0], stride[0], padding[0], dilation[0], options.ceilMode);
  const ow = outSize(x.shape[3]!, k[1], stride[1], padding[1], dilation[1], options.ceilMode);
  if (oh <= 0 || ow <= 0)
    throw new ShapeError(op, `input ${fmtShape(x.shape)} is too small for kernel ${fmtShape(k)}`);
  return { attrs: { kernelSize: k, stride, padding, dilation }, oh, ow };
}

// each output's gradient goes to the input element it took: a scatter-add by index
const MAX_POOL2D: Gradient<{ inputShape: Shape }> = {
  name: "maxPool2d",
  saves: { outputs: [1] },
  backward: ([g], [indices], { attrs }) => {
    const [n, c, h, w] = attrs.inputShape as [number, number, number, number];
    const zeros = emptyTensor(g!.backend, g!.dtype, [n, c, h * w], "maxPool2dBackward");
    runKernel(g!.backend, "fill", { value: 0, out: zeros });
    const gFlat = reshape(g!, [n, c, -1]);
    const iFlat = reshape(indices!, [n, c, -1]);
    return [view(scatterAddInRange(zeros, 2, iFlat, gFlat), [n, c, h, w])];
  },
};

/**
 * 2-D max pooling (`torch.nn.functional.max_pool2d` with `return_indices=True`): the maximum
 * of each window and its flat h * W + w index in its input plane, as PyTorch's.
 * Shapes: `(N, C, H, W)` -> values and indices `(N, C, H_out, W_out)`.
 */
export function maxPool2dWithIndices(
  x: Tensor,
  kernelSize: Pair,
  options: MaxPool2dOptions = {},
): ValuesIndices {
  return maxPoolIndexed("maxPool2dWithIndices", x, kernelSize, options);
}

/** `maxPool2dWithIndices` whose errors name `op`. */
function maxPoolIndexed(
  op: string,
  x: Tensor,
  kernelSize: Pair,
  options: MaxPool2dOptions = {},
): ValuesIndices {
  checkOptions(op, options, MAX_POOL_OPTIONS, POOL_PLACE);
  return composite(op, [x], () => {
    if (!isFloat(x.dtype))
      throw new DTypeError(op, `expected a floating-point input; got ${x.dtype}`);
    const { attrs, oh, ow } = poolAttrs(op, x, kernelSize, options);
    const backend = backendOf(op, x);
    const [n, c] = x.shape as [number, number];
    // NOTE: the kernel writes every value and index (no zeroing needed on the CPU)
    const values = emptyTensor(backend, x.dtype, [n, c, oh, ow], op, true);
    const indices = emptyTensor(backend, "int32", [n, c, oh, ow], op, true);
    const xc = x.isContiguous() ? x : x.contiguous();
    runKernel(backend, "maxPool2d", { x: xc, out: values, indices, attrs });
    if (xc !== x) xc.dispose();
    if (needsGrad(x)) recordGradient(MAX_POOL2D, [x], [values, indices], { inputShape: x.shape });
    return valuesIndices(values, indices);
  });
}

/**
 * 2-D max pooling (`torch.nn.functional.max_pool2d`); the stride defaults to the kernel size.
 * Shapes: `(N, C, H, W)` or `(C, H, W)` -> `(N, C, H_out, W_out)`,
 * H_out = (H + 2 pad - dil (k - 1) - 1) / stride + 1 (rounded up with ceilMode).
 *
 * @example
 * F.maxPool2d(x, 2); // halves H and W
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): Tensor {
  checkOptions("maxPool2d", options, MAX_POOL_OPTIONS, POOL_PLACE);
  return composite("maxPool2d", [x], () => {
    const unbatched = x.ndim === 3;
    const x4 = unbatched ? unsqueeze(x, 0) : x;
    const { values, indices } = maxPoolIndexed("maxPool2d", x4, kernelSize, options);
    indices.dispose();
    if (!unbatched) return values;
    x4.dispose();
    const out = squeeze(values, 0);
    values.dispose();
    return out;
  });
}

/** The options of `avgPool2d`: stride (the kernel size by default), padding 0, as PyTorch's. */
export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (PyTorch's default, true). */
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/**
 * 2-D average pooling (`torch.nn.functional.avg_pool2d`): window sums from a depthwise
 * convolution with a constant kernel, divided by each window's size within the padded input
 * (`countIncludePad`, the default) or within the input, ceil mode's last windows cut at the
 * padding, as PyTorch's. Shapes: `(N, C, H, W)` -> `(N, C, H_out, W_out)`.
 *
 * @example
 * F.avgPool2d(x, 2, { stride: 2 });
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: AvgPool2dOptions = {}): Tensor {
  checkOptions("avgPool2d", options, AVG_POOL_OPTIONS, POOL_PLACE);
  return composite("avgPool2d", [x], () => {
    const override = options.divisorOverride ?? null;
    if (override !== null && !(override > 0))
      throw new ValueError("avgPool2d", `divisorOverride must be positive; got ${override}`);
    const { attrs, oh, ow } = poolAttrs("avgPool2d", x, kernelSize, options);
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [kh, kw] = attrs.kernelSize;
    const [sh, sw] = attrs.stride;
    const [ph, pw] = attrs.padding;
    const divisors = new Float64Array(oh * ow);
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const hs = i * sh - ph;
        const ws = j * sw - pw;
        const he = Math.min(hs + kh, h + ph);
        const we = Math.min(ws + kw, w + pw);
        const inside = (Math.min(he, h) - Math.max(hs, 0)) * (Math.min(we, w) - Math.max(ws, 0));
        divisors[i * ow + j] =
          override ?? (options.countIncludePad === false ? inside : (he - hs) * (we - ws));
      }
    }
    // ceil mode's last window may run past the padding: zeros there add nothing to its sum
    const extra: [number, number] = [
      Math.max(0, (oh - 1) * sh + kh - (h + 2 * ph)),
      Math.max(0, (ow - 1) * sw + kw - (w + 2 * pw)),
    ];
    const planes = padAfter(reshape(x, [n * c, 1, h, w]), extra);
    const kernel = tensorFromArray(
      x.backend,
      x.dtype,
      [1, 1, kh, kw],
      filled(x.dtype, kh * kw, 1),
      "avgPool2d",
    );
    const sums = conv2d(planes, kernel, null, { stride: attrs.stride, padding: attrs.padding });
    const divisor = tensorFromArray(
      x.backend,
      x.dtype,
      [1, 1, oh, ow],
      x.dtype === "float64" ? divisors : Float32Array.from(divisors),
      "avgPool2d",
    );
    return reshape(div(sums, divisor), [n, c, oh, ow]);
  });
}

function filled(dtype: Tensor["dtype"], n: number, value: number): Float32Array | Float64Array {
  return dtype === "float64" ? new Float64Array(n).fill(value) : new Float32Array(n).fill(value);
}

/**
 * 1-D max pooling (`torch.nn.functional.max_pool1d`), a 2-D pool of height 1.
 * Shapes: `(N, C, L)` -> `(N, C, L_out)`.
 */
export function maxPool1d(
  x: Tensor,
  kernelSize: number,
  options: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {},
): Tensor {
  checkOptions("maxPool1d", options, MAX_POOL_OPTIONS, POOL_PLACE);
  return pool1d("maxPool1d", x, (x4) =>
    maxPool2d(x4, [1, kernelSize], {
      stride: [1, options.stride ?? kernelSize],
      padding: [0, options.padding ?? 0],
      dilation: [1, options.dilation ?? 1],
      ceilMode: options.ceilMode ?? false,
    }),
  );
}

/**
 * 1-D average pooling (`torch.nn.functional.avg_pool1d`), a 2-D pool of height 1.
 * Shapes: `(N, C, L)` -> `(N, C, L_out)`.
 */
export function avgPool1d(
  x: Tensor,
  kernelSize: number,
  options: {
    stride?: number | null;
    padding?: number;
    ceilMode?: boolean;
    countIncludePad?: boolean;
  } = {},
): Tensor {
  checkOptions("avgPool1d", options, AVG_POOL_OPTIONS, POOL_PLACE);
  return pool1d("avgPool1d", x, (x4) =>
    avgPool2d(x4, [1, kernelSize], {
      stride: [1, options.stride ?? kernelSize],
      padding: [0, options.padding ?? 0],
      countIncludePad: options.countIncludePad ?? true,
      ceilMode: options.ceilMode ?? false,
    }),
  );
}

/** Runs the 2-D pool `pool2d` on x (N, C, L) seen as (N, C, 1, L), and drops the 1 again. */
function pool1d(op: string, x: Tensor, pool2d: (x4: Tensor) => Tensor): Tensor {
  return composite(op, [x], () => {
    if (x.ndim !== 3)
      throw new ShapeError(op, `expected 3-D (N, C, L) input; got ${fmtShape(x.shape)}`);
    return squeeze(pool2d(unsqueeze(x, 2)), 2);
  });
}
