import { ShapeError, ValueError } from "../../core/errors.js";
import { checkOptions } from "../../core/options.js";
import { fmtShape, numel } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { assertTensor, Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { bilinear, linear } from "../functional/linear.js";
import { alias } from "../functional/dropout.js";
import { kaimingUniform_, uniform_ } from "../init.js";
import { newParameter, pyBool, pyTuple, type FactoryOptions } from "./container.js";

/** The options of `nn.Linear` and `nn.Bilinear` (PyTorch's keywords and defaults). */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

function checkFeatures(op: string, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < 0)
      throw new ValueError(op, `${k} must be a non-negative integer; got ${v}`);
  }
}

/**
 * Applies `y = x W^T + b`, as PyTorch's `nn.Linear`. `weight` is `[outFeatures, inFeatures]` and `bias` `[outFeatures]`
 * (PyTorch's layout and state-dict keys).
 *
 * Init (`resetParameters`, as PyTorch): `kaiming_uniform_(weight, a=sqrt(5))`, i.e.
 * U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)), and bias U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)).
 *
 * Shapes: input `(*, inFeatures)`, output `(*, outFeatures)`.
 *
 * @example
 * const fc = new nn.Linear(20, 30);
 * fc.forward(torch.randn([128, 20])).shape; // [128, 30]
 * new nn.Linear(20, 30, { bias: false });
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkOptions(
      "Linear",
      options,
      { bias: "boolean", dtype: "string", device: "string" },
      { argument: 3 },
    );
    checkFeatures("Linear", { inFeatures, outFeatures });
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = newParameter([outFeatures, inFeatures], options);
    this.bias = (options.bias ?? true) ? newParameter([outFeatures], options) : null;
    this.resetParameters();
  }

  /** PyTorch's init: kaiming_uniform_(a=sqrt(5)) for the weight, U(+-1/sqrt(fanIn)) for the bias. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    const op = `Linear(in=${this.inFeatures}, out=${this.outFeatures})`;
    assertTensor(x, op);
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures)
      throw new ShapeError(
        op,
        `expected input [..., ${this.inFeatures}], got ${fmtShape(x.shape)}`,
      );
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * Applies `y_k = x1^T W_k x2 + b_k`. `weight` is `[outFeatures, in1Features, in2Features]`.
 *
 * Init (as PyTorch): weight and bias U(-1/sqrt(in1Features), 1/sqrt(in1Features)).
 *
 * Shapes: x1 `(*, in1Features)`, x2 `(*, in2Features)`, output `(*, outFeatures)`.
 *
 * @example
 * const bl = new nn.Bilinear(5, 6, 3);
 * bl.forward(torch.randn([8, 5]), torch.randn([8, 6])).shape; // [8, 3]
 */
export class Bilinear extends Module {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    in1Features: number,
    in2Features: number,
    outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    checkOptions(
      "Bilinear",
      options,
      { bias: "boolean", dtype: "string", device: "string" },
      { argument: 4 },
    );
    checkFeatures("Bilinear", { in1Features, in2Features, outFeatures });
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    this.weight = newParameter([outFeatures, in1Features, in2Features], options);
    this.bias = (options.bias ?? true) ? newParameter([outFeatures], options) : null;
    this.resetParameters();
  }

  /** PyTorch's init: weight and bias U(-1/sqrt(in1Features), 1/sqrt(in1Features)). */
  resetParameters(): void {
    const bound = this.in1Features > 0 ? 1 / Math.sqrt(this.in1Features) : 0;
    uniform_(this.weight, -bound, bound);
    if (this.bias) uniform_(this.bias, -bound, bound);
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    const op = `Bilinear(in1=${this.in1Features}, in2=${this.in2Features}, out=${this.outFeatures})`;
    assertTensor(x1, op);
    assertTensor(x2, op);
    const lead = x1.shape.slice(0, -1);
    if (
      x1.ndim === 0 ||
      x1.shape[x1.ndim - 1] !== this.in1Features ||
      x2.ndim !== x1.ndim ||
      x2.shape[x2.ndim - 1] !== this.in2Features ||
      x2.shape.slice(0, -1).some((s, i) => s !== lead[i])
    ) {
      throw new ShapeError(
        op,
        `expected inputs [..., ${this.in1Features}] and [..., ${this.in2Features}] with the same leading dims, got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`,
      );
    }
    return bilinear(x1, x2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * Returns its input (as a new handle on the same data, which the caller owns). Its constructor
 * ignores any arguments, as PyTorch's.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * const head = useHead ? new nn.Linear(8, 2) : new nn.Identity();
 */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    assertTensor(x, "Identity");
    return alias(x);
  }
}

/** The options of `nn.Flatten`, with PyTorch's defaults. */
export interface FlattenOptions {
  /** The first dim to flatten (default 1: the batch dim is kept). */
  startDim?: number;
  /** The last dim to flatten (default -1). */
  endDim?: number;
}

/**
 * Flattens dims `startDim..endDim` (default 1..-1) into one, as PyTorch's `nn.Flatten`.
 *
 * Shapes: input `(N, *dims)`, output `(N, prod(dims))` with the defaults.
 *
 * @example
 * new nn.Flatten().forward(torch.zeros([32, 1, 5, 5])).shape; // [32, 25]
 * new nn.Flatten(0, 2); new nn.Flatten({ startDim: 0 });
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim: number | FlattenOptions = 1, endDim = -1) {
    super();
    this.startDim = typeof startDim === "number" ? startDim : (startDim.startDim ?? 1);
    this.endDim = typeof startDim === "number" ? endDim : (startDim.endDim ?? -1);
  }

  forward(x: Tensor): Tensor {
    assertTensor(x, "Flatten");
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Unflattens dim `dim` into `unflattenedSize` (one entry may be -1), as PyTorch's `nn.Unflatten`.
 *
 * Shapes: input `(*, S, *)` with `S = prod(unflattenedSize)`, output `(*, ...unflattenedSize, *)`.
 *
 * @example
 * new nn.Unflatten(1, [2, 5]).forward(torch.zeros([4, 10])).shape; // [4, 2, 5]
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: readonly number[];

  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    if (
      !Array.isArray(unflattenedSize) ||
      unflattenedSize.length === 0 ||
      unflattenedSize.some((s) => !Number.isInteger(s))
    ) {
      throw new ValueError(
        "Unflatten",
        `unflattenedSize must be a non-empty array of integers; got ${JSON.stringify(unflattenedSize)}`,
      );
    }
    this.dim = dim;
    this.unflattenedSize = Array.from(unflattenedSize as readonly number[]);
  }

  forward(x: Tensor): Tensor {
    const op = `Unflatten(dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)})`;
    assertTensor(x, op);
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    const size = x.shape[d];
    const known = numel(this.unflattenedSize.filter((s) => s !== -1));
    const fits =
      size !== undefined &&
      (this.unflattenedSize.includes(-1) ? known > 0 && size % known === 0 : known === size);
    if (!fits)
      throw new ShapeError(
        op,
        `expected dim ${this.dim} of the input to have ${this.unflattenedSize.includes(-1) ? `a multiple of ${known}` : known} elements, got ${fmtShape(x.shape)}`,
      );
    return x.unflatten(this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}
