import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { fmtShape } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import {
  backendOf,
  emptyTensor,
  record,
  runKernel,
  tensorFromArray,
  composite,
} from "./dispatch.js";
import { add, div } from "./elementwise.js";
import { cat, reshape, squeeze, unsqueeze, view } from "./movement.js";
import { scatterAdd } from "./indexing.js";
import type { Conv2dAttrs, Pool2dAttrs } from "./prims.js";

/**
 * Convolution and pooling. conv2d, its two gradients and maxPool2d are primitives; conv1d, the
 * pooling averages and the 1-D pools are composites.
 */

export type Pair = number | readonly [number, number];

export function pair(v: Pair, name: string, op: string): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!Number.isInteger(p[0]) || !Number.isInteger(p[1]))
    throw new ValueError(op, `${name} must be integers; got ${String(v)}`);
  return p;
}

function outSize(size: number, k: number, s: number, p: number, d: number, ceil = false): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // PyTorch: with ceil mode the last window must start inside the input or the left padding
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

function contig(t: Tensor): Tensor {
  return t.isContiguous() ? t : t.contiguous();
}

function conv2dPrim(x: Tensor, w: Tensor, attrs: Conv2dAttrs): Tensor {
  const backend = backendOf("conv2d", x, w);
  const [n, , h, wd] = x.shape as [number, number, number, number];
  const [o, , kh, kw] = w.shape as [number, number, number, number];
  const oh = outSize(h, kh, attrs.stride[0], attrs.padding[0], attrs.dilation[0]);
  const ow = outSize(wd, kw, attrs.stride[1], attrs.padding[1], attrs.dilation[1]);
  if (oh <= 0 || ow <= 0)
    throw new ShapeError(
      "conv2d",
      `input ${fmtShape(x.shape)} is too small for kernel ${fmtShape(w.shape)} with padding ${fmtShape(attrs.padding)} and dilation ${fmtShape(attrs.dilation)}`,
    );
  const out = emptyTensor(backend, x.dtype, [n, o, oh, ow], "conv2d");
  const xc = contig(x);
  const wc = contig(w);
  runKernel(backend, "conv2d", { x: xc, w: wc, out, attrs });
  if (xc !== x) xc.dispose();
  if (wc !== w) wc.dispose();
  const xShape = x.shape;
  const wShape = w.shape;
  record(
    "conv2d",
    [x, w],
    [out],
    ([g], [sx, sw]) => [
      x.requiresGrad ? conv2dGradInputPrim(g!, sw!, xShape, attrs) : null,
      w.requiresGrad ? conv2dGradWeightPrim(sx!, g!, wShape, attrs) : null,
    ],
    [x, w],
  );
  return out;
}

/** The gradient of conv2d with respect to its input (a transposed convolution of g by w). */
function conv2dGradInputPrim(
  g: Tensor,
  w: Tensor,
  xShape: readonly number[],
  attrs: Conv2dAttrs,
): Tensor {
  const backend = backendOf("conv2d", g, w);
  const out = emptyTensor(backend, g.dtype, xShape, "conv2dGradInput");
  const gc = contig(g);
  const wc = contig(w);
  runKernel(backend, "conv2dGradInput", { gradOut: gc, w: wc, out, attrs });
  if (gc !== g) gc.dispose();
  if (wc !== w) wc.dispose();
  const wShape = w.shape;
  // linear in (g, w): d/dg is conv2d(G, w), d/dw is the weight gradient of conv2d(G) by g
  record(
    "conv2dGradInput",
    [g, w],
    [out],
    ([G], [sg, sw]) => [conv2dPrim(G!, sw!, attrs), conv2dGradWeightPrim(G!, sg!, wShape, attrs)],
    [g, w],
  );
  return out;
}

/** The gradient of conv2d with respect to its weight (a correlation of x with g). */
function conv2dGradWeightPrim(
  x: Tensor,
  g: Tensor,
  wShape: readonly number[],
  attrs: Conv2dAttrs,
): Tensor {
  const backend = backendOf("conv2d", x, g);
  const out = emptyTensor(backend, x.dtype, wShape, "conv2dGradWeight");
  const xc = contig(x);
  const gc = contig(g);
  runKernel(backend, "conv2dGradWeight", { x: xc, gradOut: gc, out, attrs });
  if (xc !== x) xc.dispose();
  if (gc !== g) gc.dispose();
  const xShape = x.shape;
  // linear in (x, g): d/dx is the input gradient of conv2d by G, d/dg is conv2d(x, G)
  record(
    "conv2dGradWeight",
    [x, g],
    [out],
    ([G], [sx, sg]) => [conv2dGradInputPrim(sg!, G!, xShape, attrs), conv2dPrim(sx!, G!, attrs)],
    [x, g],
  );
  return out;
}

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or "valid" (none) or "same" (output size = input size, stride 1). */
  padding?: Pair | "valid" | "same";
  dilation?: Pair;
  groups?: number;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch's): input (N, C_in, H, W), weight
 * (C_out, C_in / groups, kH, kW), bias (C_out).
 *
 * @example
 * F.conv2d(x, w, b, { padding: 1 });
 */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv2dOptions = {},
): Tensor {
  return composite("conv2d", [x, weight, bias], () => {
    if (!isFloat(x.dtype) || x.dtype !== weight.dtype)
      throw new DTypeError(
        "conv2d",
        `expected input and weight of the same floating dtype; got ${x.dtype} and ${weight.dtype}`,
      );
    if (weight.ndim !== 4)
      throw new ShapeError(
        "conv2d",
        `weight must be 4-D (out, in/groups, kH, kW); got ${fmtShape(weight.shape)}`,
      );
    const unbatched = x.ndim === 3;
    if (x.ndim !== 4 && !unbatched)
      throw new ShapeError(
        "conv2d",
        `expected 3-D (C, H, W) or 4-D (N, C, H, W) input; got ${fmtShape(x.shape)}`,
      );
    const groups = options.groups ?? 1;
    const cIn = x.shape[x.ndim - 3]!;
    const [cOut, cPerGroup, kh, kw] = weight.shape as [number, number, number, number];
    if (!Number.isInteger(groups) || groups < 1 || cIn % groups !== 0 || cOut % groups !== 0) {
      throw new ValueError(
        "conv2d",
        `groups ${groups} must divide both in_channels ${cIn} and out_channels ${cOut}`,
      );
    }
    if (cPerGroup * groups !== cIn) {
      throw new ShapeError(
        "conv2d",
        `expected input ${fmtShape(x.shape)} to have ${cPerGroup * groups} channels (weight ${fmtShape(weight.shape)}, groups ${groups}), but got ${cIn} channels`,
      );
    }
    const stride = pair(options.stride ?? 1, "stride", "conv2d");
    const dilation = pair(options.dilation ?? 1, "dilation", "conv2d");
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== cOut)) {
      throw new ShapeError("conv2d", `bias must have shape [${cOut}]; got ${fmtShape(bias.shape)}`);
    }
    let padding: [number, number];
    /** Zeros appended after the last rows/columns: the odd half of an even "same" padding. */
    let extra: [number, number] = [0, 0];
    const p = options.padding ?? 0;
    if (p === "valid") padding = [0, 0];
    else if (p === "same") {
      if (stride[0] !== 1 || stride[1] !== 1)
        throw new ValueError(
          "conv2d",
          `padding "same" is not supported for strided convolutions (stride ${fmtShape(stride)})`,
        );
      // PyTorch pads d * (k - 1) in total: half before, the rest (one more when odd) after
      const total = [dilation[0] * (kh - 1), dilation[1] * (kw - 1)] as const;
      padding = [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
      extra = [total[0] - 2 * padding[0], total[1] - 2 * padding[1]];
    } else padding = pair(p, "padding", "conv2d");
    if (stride.some((s) => s < 1) || dilation.some((d) => d < 1) || padding.some((q) => q < 0)) {
      throw new ValueError(
        "conv2d",
        `stride and dilation must be >= 1 and padding >= 0; got stride ${fmtShape(stride)}, padding ${fmtShape(padding)}, dilation ${fmtShape(dilation)}`,
      );
    }
    const x4 = padAfter(unbatched ? unsqueeze(x, 0) : x, extra);
    const conv = conv2dPrim(x4, weight, { stride, padding, dilation, groups });
    const out = bias ? add(conv, view(bias, [1, cOut, 1, 1])) : conv;
    return unbatched ? squeeze(out, 0) : out;
  });
}

/** x (N, C, H, W) with `extra` zero rows and columns appended after its last ones. */
function padAfter(x: Tensor, extra: readonly [number, number]): Tensor {
  let out = x;
  for (const [dim, n] of [
    [2, extra[0]],
    [3, extra[1]],
  ] as const) {
    if (n === 0) continue;
    const shape = out.shape.slice();
    shape[dim] = n;
    const z = emptyTensor(out.backend, out.dtype, shape, "conv2d");
    runKernel(out.backend, "fill", { value: 0, out: z });
    out = cat([out, z], dim);
  }
  return out;
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number | "valid" | "same";
  dilation?: number;
  groups?: number;
}

/** 1-D convolution: input (N, C_in, L), weight (C_out, C_in / groups, k); a conv2d of height 1. */
export function conv1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv1dOptions = {},
): Tensor {
  return composite("conv1d", [x, weight, bias], () => {
    if (weight.ndim !== 3)
      throw new ShapeError(
        "conv1d",
        `weight must be 3-D (out, in/groups, k); got ${fmtShape(weight.shape)}`,
      );
    if (x.ndim !== 3 && x.ndim !== 2)
      throw new ShapeError(
        "conv1d",
        `expected 2-D (C, L) or 3-D (N, C, L) input; got ${fmtShape(x.shape)}`,
      );
    const x4 = unsqueeze(x, -2);
    const w4 = unsqueeze(weight, -2);
    const p = options.padding ?? 0;
    const out4 = conv2d(x4, w4, bias, {
      stride: [1, options.stride ?? 1],
      padding: typeof p === "number" ? [0, p] : p,
      dilation: [1, options.dilation ?? 1],
      groups: options.groups ?? 1,
    });
    const out = squeeze(out4, -2);
    for (const t of [x4, w4, out4]) t.dispose();
    return out;
  });
}

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
  const k = pair(kernelSize, "kernelSize", op);
  const stride = pair(options.stride ?? k, "stride", op);
  const padding = pair(options.padding ?? 0, "padding", op);
  const dilation = pair(options.dilation ?? 1, "dilation", op);
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

/**
 * 2-D max pooling over (N, C, H, W); returns values and the flat h * W + w index of each maximum.
 */
export function maxPool2dWithIndices(
  x: Tensor,
  kernelSize: Pair,
  options: MaxPool2dOptions = {},
): { values: Tensor; indices: Tensor } {
  return composite("maxPool2d", [x], () => {
    if (!isFloat(x.dtype))
      throw new DTypeError("maxPool2d", `expected a floating-point input; got ${x.dtype}`);
    const { attrs, oh, ow } = poolAttrs("maxPool2d", x, kernelSize, options);
    const backend = backendOf("maxPool2d", x);
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const values = emptyTensor(backend, x.dtype, [n, c, oh, ow], "maxPool2d");
    const indices = emptyTensor(backend, "int32", [n, c, oh, ow], "maxPool2d");
    const xc = contig(x);
    runKernel(backend, "maxPool2d", { x: xc, out: values, indices, attrs });
    if (xc !== x) xc.dispose();
    // the gradient of each output goes to the input element it took: a scatter-add by index
    record(
      "maxPool2d",
      [x],
      [values, indices],
      ([g], [idx]) => {
        const z = emptyTensor(g!.backend, g!.dtype, [n, c, h * w], "maxPool2dBackward");
        runKernel(g!.backend, "fill", { value: 0, out: z });
        const gFlat = reshape(g!, [n, c, oh * ow]);
        const iFlat = reshape(idx!, [n, c, oh * ow]);
        const s = scatterAdd(z, 2, iFlat, gFlat);
        const out = view(s, [n, c, h, w]);
        for (const t of [z, gFlat, iFlat, s]) t.dispose();
        return [out];
      },
      [indices],
    );
    return { values, indices };
  });
}

export function maxPool2d(x: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): Tensor {
  return composite("maxPool2d", [x], () => {
    const unbatched = x.ndim === 3;
    const x4 = unbatched ? unsqueeze(x, 0) : x;
    const { values, indices } = maxPool2dWithIndices(x4, kernelSize, options);
    indices.dispose();
    if (!unbatched) return values;
    x4.dispose();
    const out = squeeze(values, 0);
    values.dispose();
    return out;
  });
}

export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (PyTorch's default, true). */
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/**
 * 2-D average pooling: window sums from a depthwise convolution with a constant kernel, divided
 * by each window's divisor: its size within the padded input (`countIncludePad`, the default) or
 * within the input, with ceil mode's last windows cut at the padding, as PyTorch's `avg_pool2d`.
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: AvgPool2dOptions = {}): Tensor {
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

/** 1-D max pooling over (N, C, L). */
export function maxPool1d(
  x: Tensor,
  kernelSize: number,
  options: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {},
): Tensor {
  return composite("maxPool1d", [x], () => {
    if (x.ndim !== 3)
      throw new ShapeError("maxPool1d", `expected 3-D (N, C, L) input; got ${fmtShape(x.shape)}`);
    const x4 = unsqueeze(x, 2);
    const out4 = maxPool2d(x4, [1, kernelSize], {
      stride: [1, options.stride ?? kernelSize],
      padding: [0, options.padding ?? 0],
      dilation: [1, options.dilation ?? 1],
      ceilMode: options.ceilMode ?? false,
    });
    const out = squeeze(out4, 2);
    x4.dispose();
    out4.dispose();
    return out;
  });
}

/** 1-D average pooling over (N, C, L). */
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
  return composite("avgPool1d", [x], () => {
    if (x.ndim !== 3)
      throw new ShapeError("avgPool1d", `expected 3-D (N, C, L) input; got ${fmtShape(x.shape)}`);
    const x4 = unsqueeze(x, 2);
    const out4 = avgPool2d(x4, [1, kernelSize], {
      stride: [1, options.stride ?? kernelSize],
      padding: [0, options.padding ?? 0],
      countIncludePad: options.countIncludePad ?? true,
      ceilMode: options.ceilMode ?? false,
    });
    const out = squeeze(out4, 2);
    x4.dispose();
    out4.dispose();
    return out;
  });
}

export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  /** Extra rows/columns added to one side of the output (< stride or dilation). */
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
}

/**
 * 2-D transposed convolution ("deconvolution"): input (N, C_in, H, W), weight
 * (C_in, C_out / groups, kH, kW) as PyTorch's. It is the input gradient of a conv2d.
 *
 * @example
 * F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 });
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTranspose2dOptions = {},
): Tensor {
  return composite("convTranspose2d", [x, weight, bias], () => {
    if (!isFloat(x.dtype) || x.dtype !== weight.dtype)
      throw new DTypeError(
        "convTranspose2d",
        `expected input and weight of the same floating dtype; got ${x.dtype} and ${weight.dtype}`,
      );
    if (x.ndim !== 4 || weight.ndim !== 4)
      throw new ShapeError(
        "convTranspose2d",
        `expected 4-D input (N, C, H, W) and weight (C_in, C_out/groups, kH, kW); got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`,
      );
    const groups = options.groups ?? 1;
    const [n, cIn, h, w] = x.shape as [number, number, number, number];
    const [wIn, outPerGroup, kh, kw] = weight.shape as [number, number, number, number];
    if (wIn !== cIn)
      throw new ShapeError(
        "convTranspose2d",
        `weight ${fmtShape(weight.shape)} expects ${wIn} input channels; got input ${fmtShape(x.shape)}`,
      );
    if (!Number.isInteger(groups) || groups < 1 || cIn % groups !== 0)
      throw new ValueError("convTranspose2d", `groups ${groups} must divide in_channels ${cIn}`);
    const stride = pair(options.stride ?? 1, "stride", "convTranspose2d");
    const padding = pair(options.padding ?? 0, "padding", "convTranspose2d");
    const dilation = pair(options.dilation ?? 1, "dilation", "convTranspose2d");
    const outPad = pair(options.outputPadding ?? 0, "outputPadding", "convTranspose2d");
    if (
      outPad[0] >= Math.max(stride[0], dilation[0]) ||
      outPad[1] >= Math.max(stride[1], dilation[1])
    ) {
      throw new ValueError(
        "convTranspose2d",
        `outputPadding ${fmtShape(outPad)} must be smaller than stride ${fmtShape(stride)} or dilation ${fmtShape(dilation)}`,
      );
    }
    const cOut = outPerGroup * groups;
    const oh = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outPad[0] + 1;
    const ow = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outPad[1] + 1;
    if (oh <= 0 || ow <= 0)
      throw new ShapeError(
        "convTranspose2d",
        `the output size [${oh}, ${ow}] is not positive for input ${fmtShape(x.shape)}`,
      );
    const out = conv2dGradInputPrim(x, weight, [n, cOut, oh, ow], {
      stride,
      padding,
      dilation,
      groups,
    });
    if (!bias) return out;
    if (bias.ndim !== 1 || bias.shape[0] !== cOut)
      throw new ShapeError(
        "convTranspose2d",
        `bias must have shape [${cOut}]; got ${fmtShape(bias.shape)}`,
      );
    const b = view(bias, [1, cOut, 1, 1]);
    const withBias = add(out, b);
    b.dispose();
    out.dispose();
    return withBias;
  });
}
