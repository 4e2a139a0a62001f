import { ValueError } from "../../core/errors.js";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { uniform_ } from "../init.js";
import { gateCount, type DirectionWeights, type RnnMode } from "../functional/rnn.js";
import { newParameter, pyBool, pyFloat, type FactoryOptions } from "./container.js";

/** The options of `nn.RNN`, `nn.LSTM` and `nn.GRU` (PyTorch's keywords and defaults). */
export interface RNNBaseOptions extends FactoryOptions {
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Learn the biases `b_ih` and `b_hh` (default true). */
  bias?: boolean;
  /** Input and output are `(B, L, *)` instead of `(L, B, *)` (default false; states stay `(D*numLayers, B, H)`). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training (default 0). */
  dropout?: number;
  /** Also run each layer backwards and concatenate both directions (default false). */
  bidirectional?: boolean;
}

/** @internal Throws unless `v` is an integer >= `min`, naming the module and the argument. */
export function checkSize(op: string, name: string, v: unknown, min: number): void {
  if (typeof v !== "number" || !Number.isInteger(v))
    throw new ValueError(op, `${name} must be an integer; got ${String(v)}`);
  if (v < min) throw new ValueError(op, `${name} must be at least ${min}; got ${v}`);
}

/** @internal PyTorch's init of every recurrent weight and bias: U(-1/sqrt(H), 1/sqrt(H)). */
export function initRecurrent(params: readonly Parameter[], hiddenSize: number): void {
  const bound = hiddenSize > 0 ? 1 / Math.sqrt(hiddenSize) : 0;
  for (const p of params) uniform_(p, -bound, bound);
}

/**
 * What `nn.RNN`, `nn.LSTM` and `nn.GRU` share, as PyTorch's `RNNBase`: the options, the
 * parameters of every layer and direction under PyTorch's keys and in its order
 * (`weight_ih_l{k}{_reverse}`, `weight_hh_l…`, `bias_ih_l…`, `bias_hh_l…`, `weight_hr_l…`), their
 * init and the printout.
 */
export abstract class RNNBase extends Module {
  readonly mode: RnnMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** LSTM's projection size (0: none). */
  readonly projSize: number;
  /** The weights of layer `k`, direction `d` at `[k * numDirections + d]`. */
  readonly #weights: DirectionWeights[] = [];

  protected constructor(
    mode: RnnMode,
    inputSize: number,
    hiddenSize: number,
    options: RNNBaseOptions & { projSize?: number },
  ) {
    super();
    const op = mode === "LSTM" || mode === "GRU" ? mode : "RNN";
    checkSize(op, "inputSize", inputSize, 0);
    checkSize(op, "hiddenSize", hiddenSize, 1);
    const numLayers = options.numLayers ?? 1;
    checkSize(op, "numLayers", numLayers, 1);
    const dropout = options.dropout ?? 0;
    if (!(dropout >= 0 && dropout <= 1))
      throw new ValueError(
        op,
        `dropout must be a probability in [0, 1] (of zeroing an element); got ${dropout}`,
      );
    const projSize = options.projSize ?? 0;
    checkSize(op, "projSize", projSize, 0);
    if (projSize >= hiddenSize)
      throw new ValueError(
        op,
        `projSize must be smaller than hiddenSize; got projSize=${projSize}, hiddenSize=${hiddenSize}`,
      );
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = options.bidirectional ?? false;
    this.projSize = projSize;
    const gates = gateCount(mode) * hiddenSize;
    const factory: FactoryOptions = {
      ...(options.device ? { device: options.device } : {}),
      ...(options.dtype ? { dtype: options.dtype } : {}),
    };
    const dirs = this.numDirections;
    const realHidden = this.realHiddenSize;
    for (let layer = 0; layer < numLayers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const suffix = `_l${layer}${d === 1 ? "_reverse" : ""}`;
        const inSize = layer === 0 ? inputSize : realHidden * dirs;
        const reg = (name: string, shape: number[]) =>
          this.registerParameter(name + suffix, newParameter(shape, factory))!;
        const w: DirectionWeights = {
          wIh: reg("weight_ih", [gates, inSize]),
          wHh: reg("weight_hh", [gates, realHidden]),
          bIh: this.bias ? reg("bias_ih", [gates]) : null,
          bHh: this.bias ? reg("bias_hh", [gates]) : null,
          wHr: projSize > 0 ? reg("weight_hr", [projSize, hiddenSize]) : null,
        };
        this.#weights.push(w);
      }
    }
    this.resetParameters();
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** The size of `h` (and of each direction's output): projSize when projecting, else hiddenSize. */
  get realHiddenSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /** @internal The weights of one layer and direction. */
  protected weightsOf(layer: number, direction: number): DirectionWeights {
    return this.#weights[layer * this.numDirections + direction]!;
  }

  /** PyTorch's init: every weight and bias U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)). */
  resetParameters(): void {
    initRecurrent(this.parameters(), this.hiddenSize);
  }

  /** The module's name in messages: `LSTM(input=100, hidden=128)`. */
  protected get opName(): string {
    return `${this.constructor.name}(input=${this.inputSize}, hidden=${this.hiddenSize})`;
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}
