import { ShapeError, ValueError } from "../../core/errors.js";
import { checkOptions } from "../../core/options.js";
import { tidy } from "../../core/memory.js";
import { fmtShape } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  maxPool2dWithIndices,
} from "../../ops/pool.js";
import { adaptiveAvgPool2d, type AdaptiveSize2d } from "../functional/pooling.js";
import { Module } from "../module.js";
import { valuesIndices, type ValuesIndices } from "../../ops/reduce.js";
import { AVG_POOL_OPTIONS, MAX_POOL_OPTIONS, POOL_PLACE } from "../../ops/window.js";

/** The pooling modules' options: the functional ones' (ops/window.ts), plus returnIndices. */
const MAX_POOL_MODULE_OPTIONS = { ...MAX_POOL_OPTIONS, returnIndices: "boolean" } as const;
/** A module's options object is its second constructor argument. */
const MODULE_PLACE = { ...POOL_PLACE, argument: 2 } as const;

/**
 * Pooling layers: MaxPool1d/2d, AvgPool1d/2d and AdaptiveAvgPool2d, as PyTorch's. Each `forward`
 * delegates to a functional op; the printouts are PyTorch's.
 */

type Size2 = number | readonly [number, number];

/**
 * What a max pool with `returnIndices: true` returns: the maxima and their flat indices per plane
 * (int32; for 2-D pools `h * W + w` within each (n, c) plane, for 1-D pools the position along
 * L), named and iterable (`const [values, indices] = pool.forward(x)`).
 */
export type PoolWithIndices = ValuesIndices;

/** Python's printout of an option value: `2`, `(2, 2)`, `None`, `False`. */
function py(v: number | readonly number[] | null | boolean | undefined): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`;
}

function pairOf(v: Size2, name: string, op: string, min: number): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if ((typeof v !== "number" && v.length !== 2) || p.some((x) => !Number.isInteger(x) || x < min)) {
    throw new ValueError(
      op,
      `${name} must be an integer or 2 integers >= ${min}; got ${typeof v === "number" ? v : fmtShape(v)}`,
    );
  }
  return p;
}

function intOf(v: number | readonly [number], name: string, op: string, min: number): number {
  const x = typeof v === "number" ? v : v[0];
  if ((typeof v !== "number" && v.length !== 1) || !Number.isInteger(x) || x < min) {
    throw new ValueError(
      op,
      `${name} must be an integer >= ${min}; got ${typeof v === "number" ? v : fmtShape(v)}`,
    );
  }
  return x;
}

function checkHalfKernel(padding: readonly number[], kernel: readonly number[], op: string): void {
  if (padding.some((p, i) => p > kernel[i]! / 2)) {
    throw new ValueError(
      op,
      `padding should be at most half of the kernel size; got padding ${py(padding)} and kernel_size ${py(kernel)}`,
    );
  }
}

function checkRank(x: Tensor, spatial: number, op: string, layout: string): void {
  if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) {
    throw new ShapeError(
      op,
      `expected ${spatial + 1}-D (${layout.slice(3)}) or ${spatial + 2}-D (${layout}) input; got ${fmtShape(x.shape)}`,
    );
  }
}

/** Runs `fn` on x with a batch dim added when x is unbatched, and removes it from the result. */
function batched<T extends Tensor | PoolWithIndices>(
  x: Tensor,
  batchedRank: number,
  fn: (xb: Tensor) => T,
): T {
  if (x.ndim === batchedRank) return fn(x);
  return tidy(() => {
    const out = fn(x.unsqueeze(0));
    if ("values" in out) return valuesIndices(out.values.squeeze(0), out.indices.squeeze(0)) as T;
    return out.squeeze(0) as T;
  });
}

/** The options of a max pooling layer; `S` is an int or a tuple with one entry per spatial dim. */
interface MaxPoolOptions<S, R extends boolean> {
  /** Defaults to kernelSize. */
  stride?: S | null;
  /** Implicit -inf padding on both sides (default 0); at most half the kernel size. */
  padding?: S;
  /** The spacing between a window's elements (default 1). */
  dilation?: S;
  /** Also return the flat index of each maximum (`{ values, indices }`; default false). */
  returnIndices?: R;
  /** Use ceil instead of floor for the output size (a last, partial window; default false). */
  ceilMode?: boolean;
}

/** MaxPool2d's options (PyTorch's keyword arguments and defaults). */
export type MaxPool2dModuleOptions<R extends boolean = boolean> = MaxPoolOptions<Size2, R>;

/** MaxPool1d's options (PyTorch's keyword arguments and defaults). */
export type MaxPool1dModuleOptions<R extends boolean = boolean> = MaxPoolOptions<
  number | readonly [number],
  R
>;

/**
 * What the max pooling layers share, as PyTorch's `_MaxPoolNd`: the options as given (an int
 * stays an int, so the printout is PyTorch's: `kernel_size=2, stride=2, ...`) and that printout.
 * Subclasses check the options before calling `super`.
 */
abstract class MaxPoolNd<S extends number | readonly number[], R extends boolean> extends Module {
  readonly kernelSize: S;
  readonly stride: S;
  readonly padding: S;
  readonly dilation: S;
  readonly returnIndices: R;
  readonly ceilMode: boolean;

  protected constructor(kernelSize: S, options: MaxPoolOptions<S, R>) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? (0 as S);
    this.dilation = options.dilation ?? (1 as S);
    this.returnIndices = (options.returnIndices ?? false) as R;
    this.ceilMode = options.ceilMode ?? false;
  }

  override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}, dilation=${py(this.dilation)}, ceil_mode=${py(this.ceilMode)}`;
  }
}

/**
 * 2-D max pooling over `(N, C, H, W)` or `(C, H, W)`, as PyTorch's `nn.MaxPool2d`. With
 * `returnIndices: true`, `forward` returns `{ values, indices }`.
 *
 * Shapes: output `(N, C, H_out, W_out)`, `H_out = floor((H + 2 p - d (k - 1) - 1) / s) + 1`
 * (ceil with `ceilMode`).
 *
 * @example
 * const pool = new nn.MaxPool2d(2, { stride: 2 });
 * pool.forward(torch.randn([8, 32, 28, 28])).shape; // [8, 32, 14, 14]
 * const { values, indices } = new nn.MaxPool2d(2, { returnIndices: true }).forward(x);
 */
export class MaxPool2d<R extends boolean = false> extends MaxPoolNd<Size2, R> {
  constructor(kernelSize: Size2, options: MaxPool2dModuleOptions<R> = {}) {
    const op = "MaxPool2d";
    checkOptions(op, options, MAX_POOL_MODULE_OPTIONS, MODULE_PLACE);
    const k = pairOf(kernelSize, "kernelSize", op, 1);
    pairOf(options.stride ?? kernelSize, "stride", op, 1);
    checkHalfKernel(pairOf(options.padding ?? 0, "padding", op, 0), k, op);
    pairOf(options.dilation ?? 1, "dilation", op, 1);
    super(kernelSize, options);
  }

  /** input `(N, C, H, W)` or `(C, H, W)`; output the same rank (`{ values, indices }` with `returnIndices`). */
  forward(x: Tensor): R extends true ? PoolWithIndices : Tensor {
    checkRank(x, 2, "MaxPool2d", "N, C, H, W");
    const opts = {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    };
    if (!this.returnIndices)
      return maxPool2d(x, this.kernelSize, opts) as R extends true ? PoolWithIndices : Tensor;
    return batched(x, 4, (xb) => maxPool2dWithIndices(xb, this.kernelSize, opts)) as R extends true
      ? PoolWithIndices
      : Tensor;
  }
}

/**
 * 1-D max pooling over `(N, C, L)` or `(C, L)`, as PyTorch's `nn.MaxPool1d`; with
 * `returnIndices: true`, `forward` returns `{ values, indices }` (positions along L).
 *
 * Shapes: output `(N, C, L_out)`, `L_out = floor((L + 2 p - d (k - 1) - 1) / s) + 1` (ceil with
 * `ceilMode`).
 *
 * @example
 * new nn.MaxPool1d(3, { stride: 2 }).forward(torch.randn([20, 16, 50])).shape; // [20, 16, 24]
 */
export class MaxPool1d<R extends boolean = false> extends MaxPoolNd<number | readonly [number], R> {
  readonly #k: number;
  readonly #s: number;
  readonly #p: number;
  readonly #d: number;

  constructor(kernelSize: number | readonly [number], options: MaxPool1dModuleOptions<R> = {}) {
    const op = "MaxPool1d";
    checkOptions(op, options, MAX_POOL_MODULE_OPTIONS, MODULE_PLACE);
    const k = intOf(kernelSize, "kernelSize", op, 1);
    const s = intOf(options.stride ?? kernelSize, "stride", op, 1);
    const p = intOf(options.padding ?? 0, "padding", op, 0);
    const d = intOf(options.dilation ?? 1, "dilation", op, 1);
    checkHalfKernel([p], [k], op);
    super(kernelSize, options);
    [this.#k, this.#s, this.#p, this.#d] = [k, s, p, d];
  }

  /** input `(N, C, L)` or `(C, L)`; output the same rank (`{ values, indices }` with `returnIndices`). */
  forward(x: Tensor): R extends true ? PoolWithIndices : Tensor {
    checkRank(x, 1, "MaxPool1d", "N, C, L");
    type Out = R extends true ? PoolWithIndices : Tensor;
    if (!this.returnIndices) {
      const opts = {
        stride: this.#s,
        padding: this.#p,
        dilation: this.#d,
        ceilMode: this.ceilMode,
      };
      return batched(x, 3, (xb) => maxPool1d(xb, this.#k, opts)) as Out;
    }
    const opts2d = {
      stride: [1, this.#s] as const,
      padding: [0, this.#p] as const,
      dilation: [1, this.#d] as const,
      ceilMode: this.ceilMode,
    };
    return batched(x, 3, (xb) =>
      tidy(() => {
        // a 2-D pool of height 1: the flat index h * L + w is the position along L
        const { values, indices } = maxPool2dWithIndices(xb.unsqueeze(2), [1, this.#k], opts2d);
        return valuesIndices(values.squeeze(2), indices.squeeze(2));
      }),
    ) as Out;
  }
}

/** The options of `nn.AvgPool2d`, with PyTorch's defaults. */
export interface AvgPool2dModuleOptions {
  /** Defaults to kernelSize. */
  stride?: Size2 | null;
  /** Implicit zero padding on both sides (default 0); at most half the kernel size. */
  padding?: Size2;
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
  /** Count the zero padding in each window's divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead of its size (default null: the window's size). */
  divisorOverride?: number | null;
}

/**
 * 2-D average pooling over `(N, C, H, W)` or `(C, H, W)`, as PyTorch's `nn.AvgPool2d`.
 *
 * @example
 * new nn.AvgPool2d(2).forward(torch.randn([8, 3, 32, 32])).shape; // [8, 3, 16, 16]
 */
export class AvgPool2d extends Module {
  readonly kernelSize: Size2;
  readonly stride: Size2;
  readonly padding: Size2;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  readonly #k: [number, number];
  readonly #s: [number, number];
  readonly #p: [number, number];

  constructor(kernelSize: Size2, options: AvgPool2dModuleOptions = {}) {
    super();
    const op = "AvgPool2d";
    checkOptions(op, options, AVG_POOL_OPTIONS, MODULE_PLACE);
    this.#k = pairOf(kernelSize, "kernelSize", op, 1);
    this.#s = pairOf(options.stride ?? kernelSize, "stride", op, 1);
    this.#p = pairOf(options.padding ?? 0, "padding", op, 0);
    checkHalfKernel(this.#p, this.#k, op);
    const div = options.divisorOverride ?? null;
    if (div !== null && (!Number.isInteger(div) || div === 0))
      throw new ValueError(op, `divisorOverride must be a non-zero integer; got ${div}`);
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = div;
  }

  forward(x: Tensor): Tensor {
    checkRank(x, 2, "AvgPool2d", "N, C, H, W");
    return batched(x, 4, (xb) =>
      avgPool2d(xb, this.#k, {
        stride: this.#s,
        padding: this.#p,
        ceilMode: this.ceilMode,
        countIncludePad: this.countIncludePad,
        divisorOverride: this.divisorOverride,
      }),
    );
  }

  override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}`;
  }
}

/** The options of `nn.AvgPool1d`, with PyTorch's defaults. */
export interface AvgPool1dModuleOptions {
  /** Defaults to kernelSize. */
  stride?: number | readonly [number] | null;
  /** Implicit zero padding on both sides (default 0); at most half the kernel size. */
  padding?: number | readonly [number];
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
  /** Count the zero padding in each window's divisor (default true). */
  countIncludePad?: boolean;
}

/**
 * 1-D average pooling over `(N, C, L)` or `(C, L)`, as PyTorch's `nn.AvgPool1d`.
 *
 * @example
 * new nn.AvgPool1d(3, { stride: 2 }).forward(torch.randn([1, 1, 7])).shape; // [1, 1, 3]
 */
export class AvgPool1d extends Module {
  /** Stored as PyTorch stores them: 1-tuples, printed `(3,)`. */
  readonly kernelSize: readonly [number];
  readonly stride: readonly [number];
  readonly padding: readonly [number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: number | readonly [number], options: AvgPool1dModuleOptions = {}) {
    super();
    const op = "AvgPool1d";
    checkOptions(
      op,
      options,
      { stride: "size|null", padding: "size", ceilMode: "boolean", countIncludePad: "boolean" },
      MODULE_PLACE,
    );
    this.kernelSize = [intOf(kernelSize, "kernelSize", op, 1)];
    this.stride = [intOf(options.stride ?? kernelSize, "stride", op, 1)];
    this.padding = [intOf(options.padding ?? 0, "padding", op, 0)];
    checkHalfKernel(this.padding, this.kernelSize, op);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    checkRank(x, 1, "AvgPool1d", "N, C, L");
    const [k, s, p] = [this.kernelSize[0], this.stride[0], this.padding[0]];
    return batched(x, 3, (xb) =>
      avgPool1d(xb, k, {
        stride: s,
        padding: p,
        ceilMode: this.ceilMode,
        countIncludePad: this.countIncludePad,
      }),
    );
  }

  override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}`;
  }
}

/**
 * 2-D adaptive average pooling to a fixed output size, as PyTorch's `nn.AdaptiveAvgPool2d`
 * (see `F.adaptiveAvgPool2d`). `outputSize` is an int or `[h, w]`, where `null` keeps that input size.
 *
 * @example
 * new nn.AdaptiveAvgPool2d([5, 7]).forward(torch.randn([1, 64, 8, 9])).shape; // [1, 64, 5, 7]
 * new nn.AdaptiveAvgPool2d(1); // global average pooling
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: AdaptiveSize2d;

  constructor(outputSize: AdaptiveSize2d) {
    super();
    const sizes = typeof outputSize === "number" ? [outputSize] : outputSize;
    if (
      (typeof outputSize !== "number" && outputSize.length !== 2) ||
      sizes.some((v) => v !== null && (!Number.isInteger(v) || v < 1))
    ) {
      const shown =
        typeof outputSize === "number"
          ? String(outputSize)
          : `[${outputSize.map(String).join(", ")}]`;
      throw new ValueError(
        "AdaptiveAvgPool2d",
        `outputSize must be a positive integer or 2 (positive integers or null); got ${shown}`,
      );
    }
    this.outputSize = outputSize;
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    const s = this.outputSize;
    return `output_size=${typeof s === "number" ? s : `(${s.map((v) => (v === null ? "None" : String(v))).join(", ")})`}`;
  }
}
