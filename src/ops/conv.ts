import type { Gradient } from "../autograd/gradient.js";
import { checkOptions } from "../core/options.js";
import type { Backend } from "../backends/backend.js";
import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { fmtShape, type Shape } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { defineOp } from "./define-op.js";
import { composite, runKernel } from "./dispatch.js";
import { add } from "./elementwise.js";
import { squeeze, unsqueeze, view } from "./movement.js";
import type { Conv2dAttrs } from "./prims.js";
import {
  CONV_OPTIONS,
  CONV_PLACE,
  CONV_TRANSPOSE_OPTIONS,
  outSize,
  padAfter,
  pair,
  type Pair,
} from "./window.js";

/**
 * Convolution. conv2d and its two gradients (the input gradient is also the transposed
 * convolution) are primitives; conv1d is a conv2d of height 1. Pooling is in `pool.ts`.
 */

/** A conv gradient primitive's attributes: the conv's, and the shape it gives (x's or w's). */
interface ConvGradAttrs extends Conv2dAttrs {
  readonly outShape: Shape;
}

type ConvPrim = "conv2d" | "conv2dGradInput" | "conv2dGradWeight";

/**
 * Runs a conv kernel on its two inputs, made contiguous first (the kernels take contiguous NCHW
 * and OIHW): (x, w) for conv2d, (gradOut, w) for the input gradient, (x, gradOut) for the weight's.
 */
function runConv(
  backend: Backend,
  prim: ConvPrim,
  [a, b]: readonly [Tensor, Tensor],
  out: Tensor,
  attrs: Conv2dAttrs,
): void {
  const ac = a.isContiguous() ? a : a.contiguous();
  const bc = b.isContiguous() ? b : b.contiguous();
  if (prim === "conv2d") runKernel(backend, prim, { x: ac, w: bc, out, attrs });
  else if (prim === "conv2dGradInput") runKernel(backend, prim, { gradOut: ac, w: bc, out, attrs });
  else runKernel(backend, prim, { x: ac, gradOut: bc, out, attrs });
  if (ac !== a) ac.dispose();
  if (bc !== b) bc.dispose();
}

/** The conv attributes without a gradient primitive's `outShape`. */
function convAttrs({ stride, padding, dilation, groups }: Conv2dAttrs): Conv2dAttrs {
  return { stride, padding, dilation, groups };
}

// y = conv2d(x, w) is linear in each: dx = conv2dGradInput(g, w), dw = conv2dGradWeight(x, g)
const CONV2D: Gradient<Conv2dAttrs> = {
  name: "conv2d",
  saves: { inputs: [0, 1] },
  backward: ([g], [x, w], ctx) => [
    ctx.needsInputGrad(0)
      ? conv2dGradInputPrim([g!, w!], { ...ctx.attrs, outShape: x!.shape })
      : null,
    ctx.needsInputGrad(1)
      ? conv2dGradWeightPrim([x!, g!], { ...ctx.attrs, outShape: w!.shape })
      : null,
  ],
};

// linear in (g, w): d/dg is conv2d(G, w), d/dw is the weight gradient of conv2d(G) by g
const CONV2D_GRAD_INPUT: Gradient<ConvGradAttrs> = {
  name: "conv2dGradInput",
  saves: { inputs: [0, 1] },
  backward: ([G], [g, w], { attrs }) => [
    conv2dPrim([G!, w!], convAttrs(attrs)),
    conv2dGradWeightPrim([G!, g!], { ...attrs, outShape: w!.shape }),
  ],
};

// linear in (x, g): d/dx is the input gradient of conv2d by G, d/dg is conv2d(x, G)
const CONV2D_GRAD_WEIGHT: Gradient<ConvGradAttrs> = {
  name: "conv2dGradWeight",
  saves: { inputs: [0, 1] },
  backward: ([G], [x, g], { attrs }) => [
    conv2dGradInputPrim([g!, G!], { ...attrs, outShape: x!.shape }),
    conv2dPrim([x!, G!], convAttrs(attrs)),
  ],
};

/** conv2d: x (N, C_in, H, W) and w (C_out, C_in / groups, kH, kW) -> (N, C_out, H_out, W_out). */
const conv2dPrim = /* @__PURE__ */ defineOp<[Tensor, Tensor], Conv2dAttrs>({
  name: "conv2d",
  overwrites: true,
  shape: ([x, w], attrs) => {
    const [n, , h, wd] = x.shape as [number, number, number, number];
    const [o, , kh, kw] = w.shape as [number, number, number, number];
    const oh = outSize(h, kh, attrs.stride[0], attrs.padding[0], attrs.dilation[0]);
    const ow = outSize(wd, kw, attrs.stride[1], attrs.padding[1], attrs.dilation[1]);
    if (oh <= 0 || ow <= 0)
      throw new ShapeError(
        "conv2d",
        `input ${fmtShape(x.shape)} is too small for kernel ${fmtShape(w.shape)} with padding ${fmtShape(attrs.padding)} and dilation ${fmtShape(attrs.dilation)}`,
      );
    return [n, o, oh, ow];
  },
  dtype: ([x]) => x.dtype,
  run: (backend, inputs, out, attrs) => runConv(backend, "conv2d", inputs, out, attrs),
  gradient: CONV2D,
});

/** A conv gradient primitive: its output has the shape it is given (x's or w's). */
function convGradPrim(
  prim: "conv2dGradInput" | "conv2dGradWeight",
  gradient: Gradient<ConvGradAttrs>,
) {
  return defineOp<[Tensor, Tensor], ConvGradAttrs>({
    name: prim,
    overwrites: true,
    shape: (_, { outShape }) => outShape,
    dtype: ([a]) => a.dtype,
    run: (backend, inputs, out, attrs) => runConv(backend, prim, inputs, out, convAttrs(attrs)),
    gradient,
  });
}

/** The gradient of conv2d with respect to its input (a transposed convolution of g by w). */
const conv2dGradInputPrim = /* @__PURE__ */ convGradPrim("conv2dGradInput", CONV2D_GRAD_INPUT);
/** The gradient of conv2d with respect to its weight (a correlation of x with g). */
const conv2dGradWeightPrim = /* @__PURE__ */ convGradPrim("conv2dGradWeight", CONV2D_GRAD_WEIGHT);

/** A kernel of zero size (a weight with an empty spatial dim) has no window to sweep. */
function checkKernel(op: string, weight: Tensor): void {
  if (weight.shape.slice(2).some((k) => k === 0))
    throw new ShapeError(
      op,
      `kernel size must be at least 1; got weight ${fmtShape(weight.shape)}`,
    );
}

function checkDtypes(op: string, x: Tensor, weight: Tensor): void {
  if (!isFloat(x.dtype) || x.dtype !== weight.dtype)
    throw new DTypeError(
      op,
      `expected input and weight of the same floating dtype; got ${x.dtype} and ${weight.dtype}`,
    );
}

/** The options of `conv2d`, with PyTorch's defaults: stride 1, padding 0, dilation 1, groups 1. */
export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or "valid" (none) or "same" (output size = input size, stride 1). */
  padding?: Pair | "valid" | "same";
  dilation?: Pair;
  groups?: number;
}

/**
 * 2-D convolution (`torch.nn.functional.conv2d`; a cross-correlation, as PyTorch's).
 * Shapes: input `(N, C_in, H, W)` or `(C_in, H, W)`, weight `(C_out, C_in / groups, kH, kW)`,
 * bias `(C_out)` -> `(N, C_out, H_out, W_out)`,
 * H_out = (H + 2 pad - dil (kH - 1) - 1) / stride + 1.
 *
 * @example
 * F.conv2d(x, w, b, { padding: 1 }); // same H and W for a 3x3 kernel
 */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv2dOptions = {},
): Tensor {
  checkOptions("conv2d", options, CONV_OPTIONS, CONV_PLACE);
  return composite(
    "conv2d",
    [x, weight],
    () => {
      checkDtypes("conv2d", x, weight);
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
      checkKernel("conv2d", weight);
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
        throw new ShapeError(
          "conv2d",
          `bias must have shape [${cOut}]; got ${fmtShape(bias.shape)}`,
        );
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
      const conv = conv2dPrim([x4, weight], { stride, padding, dilation, groups });
      const out = bias ? add(conv, view(bias, [1, cOut, 1, 1])) : conv;
      return unbatched ? squeeze(out, 0) : out;
    },
    [bias],
  );
}

/** The options of `conv1d`, with PyTorch's defaults: stride 1, padding 0, dilation 1, groups 1. */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | "valid" | "same";
  dilation?: number;
  groups?: number;
}

/**
 * 1-D convolution (`torch.nn.functional.conv1d`), a conv2d of height 1.
 * Shapes: input `(N, C_in, L)` or `(C_in, L)`, weight `(C_out, C_in / groups, k)`, bias `(C_out)`
 * -> `(N, C_out, L_out)`.
 */
export function conv1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: Conv1dOptions = {},
): Tensor {
  checkOptions("conv1d", options, CONV_OPTIONS, CONV_PLACE);
  return composite(
    "conv1d",
    [x, weight],
    () => {
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
    },
    [bias],
  );
}

/** The options of `convTranspose2d`, with PyTorch's defaults (all 0 or 1). */
export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  /** Extra rows/columns added to one side of the output (< stride or dilation). */
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
}

/**
 * 2-D transposed convolution (`torch.nn.functional.conv_transpose2d`): the input gradient of a
 * conv2d. Shapes: input `(N, C_in, H, W)`, weight `(C_in, C_out / groups, kH, kW)` as PyTorch's,
 * bias `(C_out)` -> `(N, C_out, H_out, W_out)`, H_out = (H - 1) stride - 2 pad + dil (kH - 1) +
 * outputPadding + 1.
 *
 * @example
 * F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }); // twice H and W
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTranspose2dOptions = {},
): Tensor {
  checkOptions("convTranspose2d", options, CONV_TRANSPOSE_OPTIONS, {
    ...CONV_PLACE,
    example: "{ stride: 2, padding: 1 }",
  });
  return composite(
    "convTranspose2d",
    [x, weight],
    () => {
      checkDtypes("convTranspose2d", x, weight);
      if (x.ndim !== 4 || weight.ndim !== 4)
        throw new ShapeError(
          "convTranspose2d",
          `expected 4-D input (N, C, H, W) and weight (C_in, C_out/groups, kH, kW); got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`,
        );
      const groups = options.groups ?? 1;
      const [n, cIn, h, w] = x.shape as [number, number, number, number];
      const [wIn, outPerGroup, kh, kw] = weight.shape as [number, number, number, number];
      checkKernel("convTranspose2d", weight);
      if (wIn !== cIn)
        throw new ShapeError(
          "convTranspose2d",
          `weight ${fmtShape(weight.shape)} expects ${wIn} input channels; got input ${fmtShape(x.shape)}`,
        );
      if (!Number.isInteger(groups) || groups < 1 || cIn % groups !== 0)
        throw new ValueError("convTranspose2d", `groups ${groups} must divide in_channels ${cIn}`);
      const stride = pair(options.stride ?? 1, "stride", "convTranspose2d", 1);
      const padding = pair(options.padding ?? 0, "padding", "convTranspose2d", 0);
      const dilation = pair(options.dilation ?? 1, "dilation", "convTranspose2d", 1);
      const outPad = pair(options.outputPadding ?? 0, "outputPadding", "convTranspose2d", 0);
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
      const out = conv2dGradInputPrim([x, weight], {
        stride,
        padding,
        dilation,
        groups,
        outShape: [n, cOut, oh, ow],
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
    },
    [bias],
  );
}
