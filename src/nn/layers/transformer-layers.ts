import { ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { checkOptions } from "../../core/options.js";
import { fmtShape } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { relu } from "../../ops/elementwise.js";
import { assertTensor, Module } from "../module.js";
import { gelu } from "../functional/activations.js";
import { checkDropoutP } from "../functional/dropout.js";
import { copyModuleState } from "./clone.js";
import type { FactoryOptions } from "./container.js";
import { Dropout } from "./dropout.js";
import { Linear } from "./linear.js";
import { MultiheadAttention } from "./multihead-attention.js";
import { LayerNorm } from "./normalization.js";

/** The feed-forward activation of a Transformer layer: PyTorch's names, or any function. */
export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor);

/** The options of `nn.TransformerEncoderLayer` and `nn.TransformerDecoderLayer` (PyTorch's defaults). */
export interface TransformerLayerOptions extends FactoryOptions {
  /** The feed-forward hidden size (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, in the feed-forward block and after it (default 0.1). */
  dropout?: number;
  /** The feed-forward activation (default "relu"). */
  activation?: TransformerActivation;
  /** The LayerNorms' eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs and output are `(N, L, E)` instead of `(L, N, E)` (default false). */
  batchFirst?: boolean;
  /** LayerNorm before each block (pre-norm) instead of after the residual (default false). */
  normFirst?: boolean;
}

/** @internal The option schema shared by the layers and nn.Transformer. */
export const LAYER_SCHEMA = {
  dimFeedforward: "int",
  dropout: "number",
  activation: "string|function",
  layerNormEps: "number",
  batchFirst: "boolean",
  normFirst: "boolean",
  device: "string",
  dtype: "string",
} as const;

/** The options of `TransformerEncoderLayer.forward`. */
export interface TransformerEncoderLayerForwardOptions {
  /** `(L, L)` or `(N * nhead, L, L)`, as MultiheadAttention's attnMask (bool: true = ignore). */
  srcMask?: Tensor | null;
  /** `(N, L)`, as MultiheadAttention's keyPaddingMask (bool: true = ignore). */
  srcKeyPaddingMask?: Tensor | null;
  /** srcMask is the causal mask; without srcMask, the causal mask is used. */
  isCausal?: boolean;
}

/** The options of `TransformerDecoderLayer.forward`. */
export interface TransformerDecoderLayerForwardOptions {
  /** The self-attention's mask `(T, T)` (bool: true = ignore). */
  tgtMask?: Tensor | null;
  /** The cross-attention's mask `(T, S)`. */
  memoryMask?: Tensor | null;
  /** `(N, T)`: target positions to ignore. */
  tgtKeyPaddingMask?: Tensor | null;
  /** `(N, S)`: memory positions to ignore. */
  memoryKeyPaddingMask?: Tensor | null;
  /** tgtMask is the causal mask; without tgtMask, the causal mask is used. */
  tgtIsCausal?: boolean;
  /** memoryMask is the causal mask; without memoryMask, the causal mask is used. */
  memoryIsCausal?: boolean;
}

/** The activation function for an option, checked. */
function activationFn(a: TransformerActivation | undefined, op: string): (x: Tensor) => Tensor {
  if (a === undefined || a === "relu") return relu;
  if (a === "gelu") return (x) => gelu(x);
  if (typeof a === "function") return a;
  throw new ValueError(op, `activation should be "relu", "gelu" or a function; got "${String(a)}"`);
}

/**
 * What the encoder and decoder layers share: the configuration, the feed-forward block and the
 * input check. The submodules are created by the subclasses in PyTorch's order (the state-dict
 * and printout order).
 */
abstract class TransformerLayerBase extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  protected readonly options: TransformerLayerOptions;
  protected readonly activation: (x: Tensor) => Tensor;

  protected constructor(
    dModel: number,
    nhead: number,
    options: TransformerLayerOptions,
    op: string,
  ) {
    super();
    checkOptions(op, options, LAYER_SCHEMA, { argument: 3 });
    const full = `${op}(d_model=${dModel}, nhead=${nhead})`;
    for (const [k, v] of Object.entries({
      dModel,
      nhead,
      dimFeedforward: options.dimFeedforward ?? 1,
    }))
      if (!Number.isInteger(v) || v <= 0)
        throw new ValueError(full, `${k} must be a positive integer; got ${String(v)}`);
    checkDropoutP(options.dropout ?? 0.1, full);
    this.dModel = dModel;
    this.nhead = nhead;
    this.normFirst = options.normFirst ?? false;
    this.batchFirst = options.batchFirst ?? false;
    this.options = { ...options };
    this.activation = activationFn(options.activation, full);
  }

  /** The layer's name with its sizes, for messages. */
  protected abstract get op(): string;

  /** The submodule options: dropout p, LayerNorm eps, device and dtype. */
  protected parts(): { p: number; eps: number; f: FactoryOptions; ff: number } {
    const o = this.options;
    return {
      p: o.dropout ?? 0.1,
      eps: o.layerNormEps ?? 1e-5,
      f: { device: o.device, dtype: o.dtype },
      ff: o.dimFeedforward ?? 2048,
    };
  }

  /** Throws unless `x` is a `(L, N, dModel)` / `(N, L, dModel)` / `(L, dModel)` tensor. */
  protected checkInput(x: Tensor, name: string): void {
    assertTensor(x, this.op);
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== this.dModel)
      throw new ShapeError(
        this.op,
        `expected ${name} [..., ${this.dModel}] (2-D unbatched or 3-D batched), got ${fmtShape(x.shape)}`,
      );
  }

  /** Linear, activation, dropout, linear, dropout: PyTorch's `_ff_block`. */
  protected ffBlock(x: Tensor, l1: Linear, drop: Dropout, l2: Linear, dropOut: Dropout): Tensor {
    return dropOut.forward(l2.forward(drop.forward(this.activation(l1.forward(x)))));
  }
}

/**
 * One Transformer encoder layer, as PyTorch's `nn.TransformerEncoderLayer`: self-attention and a
 * feed-forward block, each with dropout, a residual connection and a LayerNorm (after the
 * residual, or before the block with normFirst).
 *
 * Submodules (PyTorch's keys): `self_attn` (MultiheadAttention), `linear1`, `dropout`, `linear2`,
 * `norm1`, `norm2`, `dropout1`, `dropout2`.
 *
 * Shapes: src `(L, N, dModel)` (`(N, L, dModel)` with batchFirst, `(L, dModel)` unbatched), output
 * the same.
 *
 * @example
 * const layer = new nn.TransformerEncoderLayer(512, 8, { batchFirst: true });
 * layer.forward(torch.randn([32, 10, 512])).shape; // [32, 10, 512]
 */
export class TransformerEncoderLayer extends TransformerLayerBase {
  readonly #selfAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super(dModel, nhead, options, "TransformerEncoderLayer");
    const { p, eps, f, ff } = this.parts();
    this.#selfAttn = new MultiheadAttention(dModel, nhead, {
      dropout: p,
      batchFirst: this.batchFirst,
      ...f,
    });
    this.registerModule("self_attn", this.#selfAttn);
    this.linear1 = new Linear(dModel, ff, f);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, f);
    this.norm1 = new LayerNorm(dModel, { eps, ...f });
    this.norm2 = new LayerNorm(dModel, { eps, ...f });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
  }

  /** The self-attention (`self_attn` in the state dict). */
  get selfAttn(): MultiheadAttention {
    return this.#selfAttn;
  }

  protected get op(): string {
    return `TransformerEncoderLayer(d_model=${this.dModel}, nhead=${this.nhead})`;
  }

  /** A deep copy: the same configuration, its own copies of the parameters. */
  clone(): TransformerEncoderLayer {
    const w = this.linear1.weight;
    const fresh = new TransformerEncoderLayer(this.dModel, this.nhead, {
      ...this.options,
      device: w.device,
      dtype: w.dtype,
    });
    return copyModuleState(this, fresh);
  }

  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    checkOptions(
      this.op,
      options,
      { srcMask: "tensor|null", srcKeyPaddingMask: "tensor|null", isCausal: "boolean" },
      { argument: 2 },
    );
    this.checkInput(src, "src");
    const sa = (x: Tensor) => {
      const [y] = this.#selfAttn.forward(x, x, x, {
        attnMask: options.srcMask ?? null,
        keyPaddingMask: options.srcKeyPaddingMask ?? null,
        isCausal: options.isCausal ?? false,
        needWeights: false,
      });
      return this.dropout1.forward(y);
    };
    const ff = (x: Tensor) =>
      this.ffBlock(x, this.linear1, this.dropout, this.linear2, this.dropout2);
    return tidy(() => {
      let x = src;
      if (this.normFirst) {
        x = x.add(sa(this.norm1.forward(x)));
        return x.add(ff(this.norm2.forward(x)));
      }
      x = this.norm1.forward(x.add(sa(x)));
      return this.norm2.forward(x.add(ff(x)));
    });
  }
}

/**
 * One Transformer decoder layer, as PyTorch's `nn.TransformerDecoderLayer`: self-attention over
 * the target, attention over the encoder's output (memory), and a feed-forward block, each with
 * dropout, a residual connection and a LayerNorm (post-norm, or pre-norm with normFirst).
 *
 * Submodules (PyTorch's keys): `self_attn`, `multihead_attn`, `linear1`, `dropout`, `linear2`,
 * `norm1`, `norm2`, `norm3`, `dropout1`, `dropout2`, `dropout3`.
 *
 * Shapes: tgt `(T, N, dModel)`, memory `(S, N, dModel)` (batch first with batchFirst; 2-D
 * unbatched); output as tgt.
 *
 * @example
 * const layer = new nn.TransformerDecoderLayer(512, 8);
 * layer.forward(torch.randn([20, 32, 512]), torch.randn([10, 32, 512])).shape; // [20, 32, 512]
 */
export class TransformerDecoderLayer extends TransformerLayerBase {
  readonly #selfAttn: MultiheadAttention;
  readonly #multiheadAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super(dModel, nhead, options, "TransformerDecoderLayer");
    const { p, eps, f, ff } = this.parts();
    const mha = () =>
      new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: this.batchFirst, ...f });
    this.#selfAttn = mha();
    this.registerModule("self_attn", this.#selfAttn);
    this.#multiheadAttn = mha();
    this.registerModule("multihead_attn", this.#multiheadAttn);
    this.linear1 = new Linear(dModel, ff, f);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, f);
    this.norm1 = new LayerNorm(dModel, { eps, ...f });
    this.norm2 = new LayerNorm(dModel, { eps, ...f });
    this.norm3 = new LayerNorm(dModel, { eps, ...f });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
  }

  /** The self-attention over the target (`self_attn`). */
  get selfAttn(): MultiheadAttention {
    return this.#selfAttn;
  }
  /** The attention over the memory (`multihead_attn`). */
  get multiheadAttn(): MultiheadAttention {
    return this.#multiheadAttn;
  }

  protected get op(): string {
    return `TransformerDecoderLayer(d_model=${this.dModel}, nhead=${this.nhead})`;
  }

  /** A deep copy: the same configuration, its own copies of the parameters. */
  clone(): TransformerDecoderLayer {
    const w = this.linear1.weight;
    const fresh = new TransformerDecoderLayer(this.dModel, this.nhead, {
      ...this.options,
      device: w.device,
      dtype: w.dtype,
    });
    return copyModuleState(this, fresh);
  }

  forward(
    tgt: Tensor,
    memory: Tensor,
    options: TransformerDecoderLayerForwardOptions = {},
  ): Tensor {
    checkOptions(this.op, options, DECODER_FORWARD_SCHEMA, { argument: 3 });
    this.checkInput(tgt, "tgt");
    this.checkInput(memory, "memory");
    const o = options;
    const sa = (x: Tensor) => {
      const [y] = this.#selfAttn.forward(x, x, x, {
        attnMask: o.tgtMask ?? null,
        keyPaddingMask: o.tgtKeyPaddingMask ?? null,
        isCausal: o.tgtIsCausal ?? false,
        needWeights: false,
      });
      return this.dropout1.forward(y);
    };
    const mha = (x: Tensor) => {
      const [y] = this.#multiheadAttn.forward(x, memory, memory, {
        attnMask: o.memoryMask ?? null,
        keyPaddingMask: o.memoryKeyPaddingMask ?? null,
        isCausal: o.memoryIsCausal ?? false,
        needWeights: false,
      });
      return this.dropout2.forward(y);
    };
    const ff = (x: Tensor) =>
      this.ffBlock(x, this.linear1, this.dropout, this.linear2, this.dropout3);
    return tidy(() => {
      let x = tgt;
      if (this.normFirst) {
        x = x.add(sa(this.norm1.forward(x)));
        x = x.add(mha(this.norm2.forward(x)));
        return x.add(ff(this.norm3.forward(x)));
      }
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(mha(x)));
      return this.norm3.forward(x.add(ff(x)));
    });
  }
}

/** @internal The option schema of the decoders' forward. */
export const DECODER_FORWARD_SCHEMA = {
  tgtMask: "tensor|null",
  memoryMask: "tensor|null",
  tgtKeyPaddingMask: "tensor|null",
  memoryKeyPaddingMask: "tensor|null",
  tgtIsCausal: "boolean",
  memoryIsCausal: "boolean",
} as const;
