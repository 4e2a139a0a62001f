import type { DeviceName } from "../../backends/backend.js";
import { checkOptions, describeValue } from "../../core/options.js";
import type { FloatDType } from "../../core/dtype.js";
import { DTypeError, NotImplementedError, ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { fmtShape } from "../../core/shape.js";
import { noGrad } from "../../autograd/grad-mode.js";
import type { Tensor } from "../../tensor/tensor.js";
import { conv1d, conv2d, convTranspose2d } from "../../ops/conv.js";
import { assertTensor, Module } from "../module.js";
import { newParameter, type Parameter } from "../parameter.js";

/**
 * Convolution layers: `Conv1d`, `Conv2d` and `ConvTranspose2d`, with PyTorch's parameter layouts,
 * initialisation and printout. Each `forward` delegates to the functional op in `ops/conv.ts`.
 */

/** PyTorch's `padding_mode`; only "zeros" is implemented. */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** A size per spatial dim, or one int for all of them. */
type Size2 = number | readonly [number, number];

/** Options shared by the convolution layers (PyTorch's keyword arguments and defaults). */
interface ConvCommonOptions {
  /** Adds a learnable bias (default true). */
  bias?: boolean;
  /** Only "zeros" (the default) is implemented. */
  paddingMode?: PaddingMode;
  /** Blocked connections from input to output channels: both must divide by it (default 1). */
  groups?: number;
  /** The parameters' dtype (default float32). */
  dtype?: FloatDType | "float" | "double";
  /** Where the parameters live (default: the default device). */
  device?: DeviceName;
}

/** The options of `nn.Conv2d` (PyTorch's keywords and defaults). */
export interface Conv2dModuleOptions extends ConvCommonOptions {
  /** The step between windows (default 1). */
  stride?: Size2;
  /** Zero padding per side (default 0), "valid" (none) or "same" (output size = input size; stride 1 only). */
  padding?: Size2 | "same" | "valid";
  /** The spacing between kernel elements (default 1). */
  dilation?: Size2;
}

/** The options of `nn.Conv1d` (PyTorch's keywords and defaults). */
export interface Conv1dModuleOptions extends ConvCommonOptions {
  /** The step between windows (default 1). */
  stride?: number | readonly [number];
  /** Zero padding per side (default 0), or "valid" (none) or "same" (stride 1 only). */
  padding?: number | readonly [number] | "same" | "valid";
  /** The spacing between kernel elements (default 1). */
  dilation?: number | readonly [number];
}

/** The options of `nn.ConvTranspose2d` (PyTorch's keywords and defaults). */
export interface ConvTranspose2dModuleOptions extends ConvCommonOptions {
  /** The step between input positions in the output (default 1). */
  stride?: Size2;
  /** `dilation * (kernel - 1) - padding` zeros of implicit padding per side (default 0). */
  padding?: Size2;
  /** Extra rows/columns on the bottom/right of the output (each < stride or dilation; default 0). */
  outputPadding?: Size2;
  /** The spacing between kernel elements (default 1). */
  dilation?: Size2;
}

/** Python's printout of a tuple: `(3, 3)`, `(3,)`. */
function pyTuple(v: readonly number[]): string {
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`;
}

function tupleOf(
  v: number | readonly number[],
  n: number,
  name: string,
  op: string,
  min: number,
): number[] {
  const t: number[] =
    typeof v === "number"
      ? new Array<number>(n).fill(v)
      : Array.isArray(v)
        ? [...(v as number[])]
        : [];
  if (t.length !== n || t.some((x) => !Number.isInteger(x) || x < min)) {
    const shown =
      typeof v === "number" ? String(v) : Array.isArray(v) ? fmtShape(v) : describeValue(v);
    throw new ValueError(
      op,
      `${name} must be ${n === 1 ? "an integer" : `an integer or ${n} integers`} >= ${min}; got ${shown}`,
    );
  }
  return t;
}

/**
 * kaiming_uniform_(w, a=sqrt(5)) and the bias's uniform(±1/sqrt(fan_in)), as PyTorch's
 * `_ConvNd.reset_parameters`: with a = sqrt(5) the gain is sqrt(1/3), so the weight's bound
 * sqrt(3) * gain / sqrt(fan_in) is 1/sqrt(fan_in) as well.
 * NOTE: a private helper, so that this file does not wait on nn/init.ts.
 */
function resetConv(weight: Tensor, bias: Tensor | null, fanIn: number): void {
  noGrad(() => {
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    weight.uniform_(-bound, bound);
    if (bias) bias.uniform_(-bound, bound);
  });
}

function checkPaddingMode(mode: string, op: string): void {
  if (!["zeros", "reflect", "replicate", "circular"].includes(mode)) {
    throw new ValueError(
      op,
      `paddingMode must be one of "zeros", "reflect", "replicate" or "circular"; got "${mode}"`,
    );
  }
  if (mode !== "zeros")
    throw new NotImplementedError(op, `paddingMode "${mode}" is not supported yet (only "zeros")`);
}

function checkChannels(inChannels: number, outChannels: number, groups: number, op: string): void {
  for (const [name, v] of [
    ["inChannels", inChannels],
    ["outChannels", outChannels],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new ValueError(op, `${name} must be a positive integer; got ${v}`);
  }
  if (!Number.isInteger(groups) || groups < 1)
    throw new ValueError(op, `groups must be a positive integer; got ${groups}`);
  if (inChannels % groups !== 0)
    throw new ValueError(op, `inChannels ${inChannels} must be divisible by groups ${groups}`);
  if (outChannels % groups !== 0)
    throw new ValueError(op, `outChannels ${outChannels} must be divisible by groups ${groups}`);
}

function parsePadding(
  p: number | readonly number[] | string,
  n: number,
  op: string,
): number[] | "same" | "valid" {
  if (typeof p === "string") {
    if (p !== "same" && p !== "valid")
      throw new ValueError(
        op,
        `invalid padding string "${p}"; expected "same", "valid" or integers`,
      );
    return p;
  }
  return tupleOf(p, n, "padding", op, 0);
}

/** The common printout of the convolution layers (PyTorch's `_ConvNd.extra_repr`). */
function convRepr(c: {
  inChannels: number;
  outChannels: number;
  kernelSize: readonly number[];
  stride: readonly number[];
  padding: readonly number[] | string;
  dilation: readonly number[];
  outputPadding?: readonly number[];
  groups: number;
  bias: unknown;
  paddingMode: string;
}): string {
  let s = `${c.inChannels}, ${c.outChannels}, kernel_size=${pyTuple(c.kernelSize)}, stride=${pyTuple(c.stride)}`;
  if (typeof c.padding === "string") s += `, padding=${c.padding}`;
  else if (c.padding.some((v) => v !== 0)) s += `, padding=${pyTuple(c.padding)}`;
  if (c.dilation.some((v) => v !== 1)) s += `, dilation=${pyTuple(c.dilation)}`;
  if (c.outputPadding && c.outputPadding.some((v) => v !== 0))
    s += `, output_padding=${pyTuple(c.outputPadding)}`;
  if (c.groups !== 1) s += `, groups=${c.groups}`;
  if (!c.bias) s += ", bias=False";
  if (c.paddingMode !== "zeros") s += `, padding_mode=${c.paddingMode}`;
  return s;
}

function checkInput(
  x: Tensor,
  weight: Tensor,
  spatial: number,
  channels: number,
  name: string,
  layout: string,
): void {
  assertTensor(x, name);
  if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) {
    throw new ShapeError(
      name,
      `expected ${spatial + 1}-D (${layout.slice(3)}) or ${spatial + 2}-D (${layout}) input; got ${fmtShape(x.shape)}`,
    );
  }
  const c = x.shape[x.ndim - spatial - 1]!;
  if (c !== channels)
    throw new ShapeError(
      name,
      `expected input with ${channels} channels (${layout}); got ${fmtShape(x.shape)}`,
    );
  if (x.dtype !== weight.dtype)
    throw new DTypeError(
      name,
      `expected a ${weight.dtype} input (the weight's dtype); got ${x.dtype}`,
    );
}

/** Conv1d's and Conv2d's padding: integers, "valid", or "same" (stride 1 only). */
function forwardPadding<S extends readonly number[]>(
  op: string,
  padding: number | readonly number[] | string | undefined,
  stride: S,
): S | "same" | "valid" {
  const parsed = parsePadding(padding ?? 0, stride.length, op) as S | "same" | "valid";
  if (parsed === "same" && stride.some((s) => s !== 1)) {
    throw new ValueError(
      op,
      `padding "same" is not supported for strided convolutions; got stride ${pyTuple(stride)}`,
    );
  }
  return parsed;
}

/** The options the base class reads; `padding` (and `outputPadding`) go through `parsePadding`. */
interface ConvNdOptions extends ConvCommonOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[] | string;
  dilation?: number | readonly number[];
}

/**
 * What the convolution layers share, as PyTorch's `_ConvNd`: the checked geometry, the weight
 * (`[outChannels, inChannels / groups, ...kernelSize]`, or `[inChannels, outChannels / groups,
 * ...kernelSize]` when transposed) and bias `[outChannels]`, PyTorch's init and printout.
 *
 * NOTE: subclasses narrow the fields' types with `declare` only: an ES2022 class field redeclared
 * in a subclass would be reset to undefined after `super()` returns.
 */
abstract class ConvNd<S extends readonly number[]> extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: S;
  readonly stride: S;
  readonly padding: S | "same" | "valid";
  readonly dilation: S;
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;
  /** `Conv2d(in=1, out=32)`: the name in this layer's error messages. */
  readonly #name: string;

  /**
   * Checks the arguments in PyTorch's order (channels and groups, kernelSize, stride, dilation,
   * padding, paddingMode), then makes and initialises the parameters.
   *
   * @param spatial the number of spatial dims (1 or 2).
   * @param parsePadding the one check that differs between the layers: Conv1d/Conv2d take
   *   integers, "same" or "valid"; ConvTranspose2d takes integers and checks its output padding.
   */
  protected constructor(
    op: string,
    spatial: number,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvNdOptions,
    transposed = false,
    parsePadding: (stride: S, dilation: S) => S | "same" | "valid" = (stride) =>
      forwardPadding(op, options.padding, stride),
  ) {
    super();
    checkOptions(
      op,
      options,
      {
        stride: "size",
        padding: "size|string",
        dilation: "size",
        groups: "int",
        bias: "boolean",
        paddingMode: "string",
        ...(transposed ? { outputPadding: "size" } : {}),
        dtype: "string",
        device: "string",
      },
      { argument: 4, example: "{ stride: 1, padding: 1 }" },
    );
    this.groups = options.groups ?? 1;
    checkChannels(inChannels, outChannels, this.groups, op);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = tupleOf(kernelSize, spatial, "kernelSize", op, 1) as unknown as S;
    this.stride = tupleOf(options.stride ?? 1, spatial, "stride", op, 1) as unknown as S;
    this.dilation = tupleOf(options.dilation ?? 1, spatial, "dilation", op, 1) as unknown as S;
    this.padding = parsePadding(this.stride, this.dilation);
    this.paddingMode = options.paddingMode ?? "zeros";
    checkPaddingMode(this.paddingMode, op);
    this.#name = `${op}(in=${inChannels}, out=${outChannels})`;
    const [rows, cols] = transposed ? [inChannels, outChannels] : [outChannels, inChannels];
    this.weight = newParameter([rows, cols / this.groups, ...this.kernelSize], options);
    this.bias = options.bias === false ? null : newParameter([outChannels], options);
    this.resetParameters();
  }

  /** The name in this layer's error messages: `Conv2d(in=1, out=32)`. */
  protected get layerName(): string {
    return this.#name;
  }

  /**
   * PyTorch's init: kaiming_uniform_(a=sqrt(5)) for the weight, U(±1/sqrt(fan_in)) for the bias,
   * with fan_in read from weight dim 1 times the kernel's size, as torch computes it
   * (`inChannels / groups * k...`, or `outChannels / groups * k...` when transposed).
   */
  resetParameters(): void {
    resetConv(
      this.weight,
      this.bias,
      this.kernelSize.reduce((fan, k) => fan * k, this.weight.shape[1]!),
    );
  }

  /** Checks `x`'s rank, channels and dtype against this layer (`layout`: "N, C, H, W"). */
  protected checkInput(x: Tensor, layout: string): void {
    checkInput(x, this.weight, this.kernelSize.length, this.inChannels, this.#name, layout);
  }

  override extraRepr(): string {
    return convRepr(this);
  }
}

/**
 * 2-D convolution over `(N, C_in, H, W)` (or unbatched `(C_in, H, W)`), as PyTorch's `nn.Conv2d`.
 * `weight` is `[outChannels, inChannels / groups, kH, kW]` (OIHW) and `bias` is `[outChannels]`,
 * both initialised as PyTorch: kaiming_uniform_(a=sqrt(5)), i.e. U(±1/sqrt(fan_in)) with
 * fan_in = inChannels / groups * kH * kW.
 *
 * Options (PyTorch's defaults): `stride` 1, `padding` 0 (or "same" / "valid"), `dilation` 1,
 * `groups` 1, `bias` true, `paddingMode` "zeros" (the only one implemented). `padding: "same"`
 * with an even kernel extent pads one more zero on the right/bottom, as PyTorch.
 *
 * Shapes: input `(N, C_in, H, W)`, output `(N, C_out, H_out, W_out)` with
 * `H_out = floor((H + 2 p - d (k - 1) - 1) / s) + 1`.
 *
 * @example
 * const conv = new nn.Conv2d(1, 32, 3, { padding: 1 });
 * conv.forward(torch.randn([8, 1, 28, 28])).shape; // [8, 32, 28, 28]
 * String(conv); // "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
 */
export class Conv2d extends ConvNd<readonly [number, number]> {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size2,
    options: Conv2dModuleOptions = {},
  ) {
    super("Conv2d", 2, inChannels, outChannels, kernelSize, options);
  }

  /** input `(N, C_in, H, W)` or `(C_in, H, W)`; output `(N, C_out, H_out, W_out)` (or unbatched). */
  forward(x: Tensor): Tensor {
    this.checkInput(x, "N, C, H, W");
    const pad = this.padding;
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: pad === "same" || pad === "valid" ? pad : [pad[0], pad[1]],
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * 1-D convolution over `(N, C_in, L)` (or unbatched `(C_in, L)`), as PyTorch's `nn.Conv1d`.
 * `weight` is `[outChannels, inChannels / groups, k]`, `bias` `[outChannels]`; PyTorch's init
 * (U(±1/sqrt(fan_in)), fan_in = inChannels / groups * k). Options and defaults as {@link Conv2d}.
 *
 * Shapes: input `(N, C_in, L)`, output `(N, C_out, L_out)`, `L_out = floor((L + 2 p - d (k - 1) - 1) / s) + 1`.
 *
 * @example
 * const conv = new nn.Conv1d(16, 33, 3, { stride: 2 });
 * conv.forward(torch.randn([20, 16, 50])).shape; // [20, 33, 24]
 */
export class Conv1d extends ConvNd<readonly [number]> {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number],
    options: Conv1dModuleOptions = {},
  ) {
    super("Conv1d", 1, inChannels, outChannels, kernelSize, options);
  }

  /** input `(N, C_in, L)` or `(C_in, L)`; output `(N, C_out, L_out)` (or unbatched). */
  forward(x: Tensor): Tensor {
    this.checkInput(x, "N, C, L");
    const pad = this.padding;
    return conv1d(x, this.weight, this.bias, {
      stride: this.stride[0],
      padding: pad === "same" || pad === "valid" ? pad : pad[0],
      dilation: this.dilation[0],
      groups: this.groups,
    });
  }
}

/**
 * 2-D transposed convolution (the gradient of a Conv2d with respect to its input), as PyTorch's
 * `nn.ConvTranspose2d`. `weight` is `[inChannels, outChannels / groups, kH, kW]` and `bias`
 * `[outChannels]`; PyTorch's init, whose fan_in is read from weight dim 1:
 * `outChannels / groups * kH * kW`.
 *
 * Options (PyTorch's defaults): `stride` 1, `padding` 0 (integers only), `outputPadding` 0 (each
 * smaller than its stride or dilation), `dilation` 1, `groups` 1, `bias` true.
 *
 * Shapes: input `(N, C_in, H, W)` or `(C_in, H, W)`, output `(N, C_out, H_out, W_out)` with
 * `H_out = (H - 1) s - 2 p + d (k - 1) + outputPadding + 1`. `forward(x, outputSize)` picks the
 * output padding that gives `outputSize` (its last two entries), as PyTorch's `output_size`.
 *
 * @example
 * const up = new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 });
 * up.forward(torch.randn([4, 16, 7, 7])).shape; // [4, 8, 14, 14]
 */
export class ConvTranspose2d extends ConvNd<readonly [number, number]> {
  declare readonly padding: readonly [number, number];
  readonly outputPadding: readonly [number, number];

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size2,
    options: ConvTranspose2dModuleOptions = {},
  ) {
    const op = "ConvTranspose2d";
    let outputPadding: [number, number] = [0, 0];
    super(op, 2, inChannels, outChannels, kernelSize, options, true, (stride, dilation) => {
      const padding = options.padding ?? 0;
      if (typeof padding === "string")
        throw new ValueError(
          op,
          `padding must be integers; got "${String(padding)}" (string padding is only for Conv1d/Conv2d)`,
        );
      const parsed = tupleOf(padding, 2, "padding", op, 0) as [number, number];
      outputPadding = tupleOf(options.outputPadding ?? 0, 2, "outputPadding", op, 0) as [
        number,
        number,
      ];
      if (outputPadding.some((p, i) => p >= Math.max(stride[i]!, dilation[i]!))) {
        throw new ValueError(
          op,
          `outputPadding ${pyTuple(outputPadding)} must be smaller than either stride ${pyTuple(stride)} or dilation ${pyTuple(dilation)}`,
        );
      }
      return parsed;
    });
    this.outputPadding = outputPadding;
  }

  /**
   * input `(N, C_in, H, W)` or `(C_in, H, W)`; output `(N, C_out, H_out, W_out)` (or unbatched).
   *
   * @param outputSize the wanted output size (`[H, W]`, or a full shape whose last two entries are
   *   used); each must lie within `[min, min + stride - 1]` for this input.
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x, "N, C, H, W");
    const outputPadding = outputSize ? this.#outputPaddingFor(x, outputSize) : this.outputPadding;
    const opts = {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    };
    if (x.ndim === 4) return convTranspose2d(x, this.weight, this.bias, opts);
    return tidy(() => convTranspose2d(x.unsqueeze(0), this.weight, this.bias, opts).squeeze(0));
  }

  /** PyTorch's `_output_padding`: the output padding that gives `outputSize`. */
  #outputPaddingFor(x: Tensor, outputSize: readonly number[]): [number, number] {
    const size =
      outputSize.length === 4 || outputSize.length === 3 ? outputSize.slice(-2) : outputSize;
    if (size.length !== 2)
      throw new ValueError(
        this.layerName,
        `outputSize must have 2 (or 3 or 4) entries; got ${fmtShape(outputSize)}`,
      );
    // the smallest output each dim can have; output padding adds up to stride - 1 to it
    const mins = [0, 1].map(
      (d) =>
        (x.shape[x.ndim - 2 + d]! - 1) * this.stride[d]! -
        2 * this.padding[d]! +
        this.dilation[d]! * (this.kernelSize[d]! - 1) +
        1,
    );
    const maxs = mins.map((m, d) => m + this.stride[d]! - 1);
    const out: [number, number] = [0, 0];
    for (let d = 0; d < 2; d++) {
      const want = size[d]!;
      if (!Number.isInteger(want) || want < mins[d]! || want > maxs[d]!) {
        throw new ValueError(
          this.layerName,
          `requested an output size of ${fmtShape(size)}, but valid sizes range from ${fmtShape(mins)} to ${fmtShape(maxs)} (for an input of ${fmtShape(x.shape.slice(-2))})`,
        );
      }
      out[d] = want - mins[d]!;
    }
    return out;
  }
}
