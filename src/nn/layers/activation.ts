import { ShapeError, ValueError } from "../../core/errors.js";
import { checkOptions } from "../../core/options.js";
import { fmtShape } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { relu, sigmoid, tanh } from "../../ops/elementwise.js";
import { logSoftmax, softmax } from "../../ops/softmax.js";
import { assertTensor, Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import {
  elu,
  gelu,
  hardtanh,
  leakyRelu,
  mish,
  numberOr,
  prelu,
  silu,
  softplus,
  writeInto,
} from "../functional/activations.js";
import { constant_ } from "../init.js";
import { newParameter, pyFloat, type FactoryOptions } from "./container.js";

/**
 * Activation layers: modules with no parameters (but PReLU's) that apply the function of the same
 * name in `nn.functional`. Their printouts match PyTorch's (`LeakyReLU(negative_slope=0.01)`).
 */

/** `, inplace=True` when set, as PyTorch's activations print it. */
function inplaceStr(inplace: boolean, first = false): string {
  return inplace ? `${first ? "" : ", "}inplace=True` : "";
}

/**
 * An activation whose one option is `inplace` (ReLU, SiLU, Mish): PyTorch's `inplace=True` writes
 * the result into the input and returns it. Printed `inplace=True` when set, else nothing.
 */
abstract class InplaceActivation extends Module {
  readonly inplace: boolean;
  constructor(options: { inplace?: boolean } = {}) {
    super();
    checkOptions(new.target.name, options, { inplace: "boolean" }, { argument: 1 });
    this.inplace = options.inplace ?? false;
  }
  override extraRepr(): string {
    return inplaceStr(this.inplace, true);
  }
}

/**
 * `max(x, 0)`, as PyTorch's `nn.ReLU`; `inplace` (default false) writes the result into the input.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.ReLU().forward(x); new nn.ReLU({ inplace: true });
 */
export class ReLU extends InplaceActivation {
  forward(x: Tensor): Tensor {
    assertTensor(x, "ReLU");
    return this.inplace ? writeInto(x, relu(x)) : relu(x);
  }
}

/**
 * `x` where positive, else `negativeSlope * x` (default 0.01), as PyTorch's `nn.LeakyReLU`;
 * `inplace` (default false) writes the result into the input.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.LeakyReLU(0.2); new nn.LeakyReLU({ negativeSlope: 0.2 });
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  constructor(
    negativeSlope: number | { negativeSlope?: number; inplace?: boolean } = 0.01,
    options: { inplace?: boolean } = {},
  ) {
    super();
    this.negativeSlope = numberOr(negativeSlope, "negativeSlope", 0.01);
    this.inplace =
      (typeof negativeSlope === "object" ? negativeSlope.inplace : options.inplace) ?? false;
  }
  forward(x: Tensor): Tensor {
    assertTensor(x, "LeakyReLU");
    return leakyRelu(x, { negativeSlope: this.negativeSlope, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${inplaceStr(this.inplace)}`;
  }
}

/**
 * `x` where positive, else `alpha * (exp(x) - 1)` (default alpha 1), as PyTorch's `nn.ELU`;
 * `inplace` (default false) writes the result into the input.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.ELU(); new nn.ELU({ alpha: 0.5 });
 */
export class ELU extends Module {
  readonly alpha: number;
  readonly inplace: boolean;
  constructor(
    alpha: number | { alpha?: number; inplace?: boolean } = 1,
    options: { inplace?: boolean } = {},
  ) {
    super();
    this.alpha = numberOr(alpha, "alpha", 1);
    this.inplace = (typeof alpha === "object" ? alpha.inplace : options.inplace) ?? false;
  }
  forward(x: Tensor): Tensor {
    assertTensor(x, "ELU");
    return elu(x, { alpha: this.alpha, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceStr(this.inplace)}`;
  }
}

/**
 * GELU, as PyTorch's `nn.GELU`: exact (`approximate: "none"`, the default) or with the tanh
 * approximation.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.GELU(); new nn.GELU({ approximate: "tanh" });
 */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  constructor(options: { approximate?: "none" | "tanh" } = {}) {
    super();
    checkOptions("GELU", options, { approximate: "string" }, { argument: 1 });
    this.approximate = options.approximate ?? "none";
    if (this.approximate !== "none" && this.approximate !== "tanh")
      throw new ValueError(
        "GELU",
        `approximate must be "none" or "tanh"; got ${JSON.stringify(this.approximate)}`,
      );
  }
  forward(x: Tensor): Tensor {
    assertTensor(x, "GELU");
    return gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * SiLU (swish), as PyTorch's `nn.SiLU`: `x * sigmoid(x)`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.SiLU().forward(x);
 */
export class SiLU extends InplaceActivation {
  forward(x: Tensor): Tensor {
    assertTensor(x, "SiLU");
    return silu(x, { inplace: this.inplace });
  }
}

/**
 * Mish, as PyTorch's `nn.Mish`: `x * tanh(softplus(x))`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.Mish().forward(x);
 */
export class Mish extends InplaceActivation {
  forward(x: Tensor): Tensor {
    assertTensor(x, "Mish");
    return mish(x, { inplace: this.inplace });
  }
}

/**
 * Softplus, as PyTorch's `nn.Softplus`: `log(1 + exp(beta x)) / beta`, the identity above
 * `beta x > threshold` (defaults: beta 1, threshold 20).
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.Softplus({ beta: 2, threshold: 10 });
 */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(options: { beta?: number; threshold?: number } = {}) {
    super();
    this.beta = options.beta ?? 1;
    this.threshold = options.threshold ?? 20;
  }
  forward(x: Tensor): Tensor {
    assertTensor(x, "Softplus");
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    // NOTE: PyTorch's defaults are the ints 1 and 20, so they print without ".0"
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/**
 * `1 / (1 + exp(-x))`, as PyTorch's `nn.Sigmoid`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.Sigmoid().forward(x);
 */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    assertTensor(x, "Sigmoid");
    return sigmoid(x);
  }
}

/**
 * `tanh(x)`, as PyTorch's `nn.Tanh`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.Tanh().forward(x);
 */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    assertTensor(x, "Tanh");
    return tanh(x);
  }
}

/**
 * `x` clamped to `[minVal, maxVal]` (default [-1, 1]), as PyTorch's `nn.Hardtanh`; `inplace`
 * (default false) writes the result into the input.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.Hardtanh(); new nn.Hardtanh(-2, 2); new nn.Hardtanh({ minVal: 0, maxVal: 6 });
 */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  readonly inplace: boolean;
  constructor(
    minVal: number | { minVal?: number; maxVal?: number; inplace?: boolean } = -1,
    maxVal = 1,
    options: { inplace?: boolean } = {},
  ) {
    super();
    const o = typeof minVal === "object" ? minVal : { minVal, maxVal, inplace: options.inplace };
    this.minVal = o.minVal ?? -1;
    this.maxVal = o.maxVal ?? 1;
    this.inplace = o.inplace ?? false;
    if (this.minVal > this.maxVal)
      throw new ValueError(
        "Hardtanh",
        `minVal cannot be greater than maxVal; got minVal ${this.minVal}, maxVal ${this.maxVal}`,
      );
  }
  forward(x: Tensor): Tensor {
    assertTensor(x, "Hardtanh");
    return hardtanh(x, { minVal: this.minVal, maxVal: this.maxVal, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${inplaceStr(this.inplace)}`;
  }
}

/** PyTorch's `_get_softmax_dim` for `dim=None`: 0 for 0-, 1- and 3-D inputs, else 1. */
function legacySoftmaxDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/**
 * Softmax and LogSoftmax: a `dim` to normalise along, given as a number or `{ dim }`; when it is
 * null (the default), PyTorch's legacy choice for the input's rank.
 */
abstract class SoftmaxNd extends Module {
  readonly dim: number | null;
  constructor(dim: number | null | { dim?: number | null } = null) {
    super();
    this.dim = typeof dim === "object" && dim !== null ? (dim.dim ?? null) : dim;
  }
  /** The dim to normalise `x` along. */
  protected dimOf(x: Tensor): number {
    return this.dim ?? legacySoftmaxDim(x.ndim);
  }
  override extraRepr(): string {
    return `dim=${this.dim === null ? "None" : this.dim}`;
  }
}

/**
 * Softmax along `dim`, as PyTorch's `nn.Softmax` (PyTorch's legacy choice of dim when it is null).
 *
 * Shapes: input `(*)`, output `(*)`, summing to 1 along `dim`.
 *
 * @example
 * new nn.Softmax(-1).forward(logits);
 */
export class Softmax extends SoftmaxNd {
  forward(x: Tensor): Tensor {
    assertTensor(x, "Softmax");
    return softmax(x, this.dimOf(x));
  }
}

/**
 * `log(softmax(x))` along `dim`, computed stably, as PyTorch's `nn.LogSoftmax` (PyTorch's legacy
 * choice of dim when it is null).
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * new nn.LogSoftmax(1).forward(logits);
 */
export class LogSoftmax extends SoftmaxNd {
  forward(x: Tensor): Tensor {
    assertTensor(x, "LogSoftmax");
    return logSoftmax(x, this.dimOf(x));
  }
}

/** The options of `nn.PReLU`, with PyTorch's defaults. */
export interface PReLUOptions extends FactoryOptions {
  /** 1 (one shared slope) or the number of input channels (default 1). */
  numParameters?: number;
  /** The initial slope (default 0.25). */
  init?: number;
}

/**
 * `x` where positive, else `weight * x`, with a learned slope per channel or one shared slope, as
 * PyTorch's `nn.PReLU`.
 * `weight` is `[numParameters]`, initialised to `init` (0.25).
 *
 * Shapes: input `(N, C, *)` (or any shape with one slope), output the same.
 *
 * @example
 * new nn.PReLU(); new nn.PReLU({ numParameters: 64 });
 */
export class PReLU extends Module {
  readonly numParameters: number;
  readonly init: number;
  weight: Parameter;
  constructor(options: PReLUOptions | number = {}) {
    super();
    const o = typeof options === "number" ? { numParameters: options } : options;
    this.numParameters = o.numParameters ?? 1;
    this.init = o.init ?? 0.25;
    if (!Number.isInteger(this.numParameters) || this.numParameters < 1)
      throw new ValueError(
        "PReLU",
        `numParameters must be a positive integer; got ${this.numParameters}`,
      );
    this.weight = newParameter([this.numParameters], o);
    this.resetParameters();
  }
  /** PyTorch's init: every slope set to `init`. */
  resetParameters(): void {
    constant_(this.weight, this.init);
  }
  forward(x: Tensor): Tensor {
    const op = `PReLU(num_parameters=${this.numParameters})`;
    assertTensor(x, op);
    if (this.numParameters !== 1 && (x.ndim < 2 || x.shape[1] !== this.numParameters)) {
      throw new ShapeError(
        op,
        `expected input [N, ${this.numParameters}, *], got ${fmtShape(x.shape)}`,
      );
    }
    return prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}
