import { ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { checkOptions } from "../../core/options.js";
import { fmtShape } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { full } from "../../tensor/creation.js";
import { assertTensor, Module } from "../module.js";
import { causalBias } from "../functional/attention.js";
import { xavierUniform_ } from "../init.js";
import { cloneModule } from "./clone.js";
import { ModuleList, type FactoryOptions } from "./container.js";
import { LayerNorm } from "./normalization.js";
import {
  DECODER_FORWARD_SCHEMA,
  LAYER_SCHEMA,
  TransformerDecoderLayer,
  TransformerEncoderLayer,
  type TransformerLayerOptions,
  type TransformerDecoderLayerForwardOptions,
} from "./transformer-layers.js";

/** The options of `nn.TransformerEncoder` and `nn.TransformerDecoder`. */
export interface TransformerStackOptions {
  /** A module applied to the last layer's output (PyTorch passes a LayerNorm); default none. */
  norm?: Module | null;
}

/** The options of `TransformerEncoder.forward`. */
export interface TransformerEncoderForwardOptions {
  /** Every layer's srcMask: `(L, L)` or `(N * nhead, L, L)` (bool: true = ignore). */
  mask?: Tensor | null;
  /** `(N, L)` (bool: true = ignore). */
  srcKeyPaddingMask?: Tensor | null;
  /** mask is the causal mask; without mask, the causal mask is used. */
  isCausal?: boolean;
}

/** A module with a one-tensor forward: the `norm` of a stack. */
type Norm = Module & { forward(x: Tensor): Tensor };

/** Builds the clones of `layer` and checks `numLayers` and the options. */
function stack(
  op: string,
  layer: Module,
  numLayers: number,
  options: TransformerStackOptions,
  kind: typeof TransformerEncoderLayer | typeof TransformerDecoderLayer,
): ModuleList {
  checkOptions(op, options, { norm: "object|null" }, { argument: 3 });
  if (!(layer instanceof Module))
    throw new ValueError(op, `expected a layer module (a ${kind.name}) as argument 1`);
  if (!Number.isInteger(numLayers) || numLayers < 0)
    throw new ValueError(op, `numLayers must be a non-negative integer; got ${String(numLayers)}`);
  if (options.norm != null && !(options.norm instanceof Module))
    throw new ValueError(op, "norm must be a Module (such as a LayerNorm) or null");
  // NOTE: PyTorch deep-copies the layer numLayers times (_get_clones); the given layer is not
  // used itself and stays the caller's.
  return new ModuleList(Array.from({ length: numLayers }, () => cloneModule(layer, op)));
}

/**
 * A stack of `numLayers` copies of an encoder layer, as PyTorch's `nn.TransformerEncoder`: the
 * layer is deep-copied `numLayers` times (the copies start equal and train separately; the
 * given layer is not used and stays the caller's to dispose), then the optional `norm` is
 * applied. State-dict keys: `layers.0.self_attn.in_proj_weight`, ..., `norm.weight`.
 *
 * Shapes: src `(L, N, dModel)` (`(N, L, dModel)` if the layer is batchFirst), output the same.
 *
 * @example
 * const layer = new nn.TransformerEncoderLayer(512, 8);
 * const encoder = new nn.TransformerEncoder(layer, 6, { norm: new nn.LayerNorm(512) });
 * layer.dispose();
 * encoder.forward(torch.randn([10, 32, 512])).shape; // [10, 32, 512]
 */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  readonly numLayers: number;
  norm: Norm | null;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    this.layers = stack(
      "TransformerEncoder",
      encoderLayer,
      numLayers,
      options,
      TransformerEncoderLayer,
    );
    this.numLayers = numLayers;
    this.norm = (options.norm as Norm | null | undefined) ?? null;
  }

  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    checkOptions(
      "TransformerEncoder",
      options,
      { mask: "tensor|null", srcKeyPaddingMask: "tensor|null", isCausal: "boolean" },
      { argument: 2 },
    );
    assertTensor(src, "TransformerEncoder");
    return tidy(() => {
      let x = src;
      for (const layer of this.layers)
        x = (layer as TransformerEncoderLayer).forward(x, {
          srcMask: options.mask ?? null,
          srcKeyPaddingMask: options.srcKeyPaddingMask ?? null,
          isCausal: options.isCausal ?? false,
        });
      return this.norm ? this.norm.forward(x) : x === src ? src.expand(src.shape) : x;
    });
  }
}

/**
 * A stack of `numLayers` copies of a decoder layer, as PyTorch's `nn.TransformerDecoder` (deep
 * copies as `TransformerEncoder`), then the optional `norm`. State-dict keys:
 * `layers.0.self_attn.in_proj_weight`, `layers.0.multihead_attn...`, ..., `norm.weight`.
 *
 * Shapes: tgt `(T, N, dModel)`, memory `(S, N, dModel)` (batch first if the layer is); output as
 * tgt.
 *
 * @example
 * const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(512, 8), 6);
 * decoder.forward(torch.randn([20, 32, 512]), torch.randn([10, 32, 512])).shape; // [20, 32, 512]
 */
export class TransformerDecoder extends Module {
  layers: ModuleList;
  readonly numLayers: number;
  norm: Norm | null;

  constructor(
    decoderLayer: TransformerDecoderLayer,
    numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    this.layers = stack(
      "TransformerDecoder",
      decoderLayer,
      numLayers,
      options,
      TransformerDecoderLayer,
    );
    this.numLayers = numLayers;
    this.norm = (options.norm as Norm | null | undefined) ?? null;
  }

  forward(
    tgt: Tensor,
    memory: Tensor,
    options: TransformerDecoderLayerForwardOptions = {},
  ): Tensor {
    checkOptions("TransformerDecoder", options, DECODER_FORWARD_SCHEMA, { argument: 3 });
    assertTensor(tgt, "TransformerDecoder");
    assertTensor(memory, "TransformerDecoder");
    return tidy(() => {
      let x = tgt;
      for (const layer of this.layers)
        x = (layer as TransformerDecoderLayer).forward(x, memory, options);
      return this.norm ? this.norm.forward(x) : x === tgt ? tgt.expand(tgt.shape) : x;
    });
  }
}

/** The options of `nn.Transformer`, with PyTorch's defaults (its layers' options too). */
export interface TransformerOptions extends TransformerLayerOptions {
  /** The model's feature size (default 512). */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
}

/** The options of `Transformer.forward`. */
export interface TransformerForwardOptions {
  /** The encoder's mask `(S, S)`. */
  srcMask?: Tensor | null;
  /** The decoder's self-attention mask `(T, T)` (`Transformer.generateSquareSubsequentMask(T)`). */
  tgtMask?: Tensor | null;
  /** The decoder's mask over the memory `(T, S)`. */
  memoryMask?: Tensor | null;
  /** `(N, S)` (bool: true = ignore). */
  srcKeyPaddingMask?: Tensor | null;
  /** `(N, T)`. */
  tgtKeyPaddingMask?: Tensor | null;
  /** `(N, S)`. */
  memoryKeyPaddingMask?: Tensor | null;
  /** srcMask is (or, without it, use) the causal mask. */
  srcIsCausal?: boolean;
  /** tgtMask is (or, without it, use) the causal mask. */
  tgtIsCausal?: boolean;
  /** memoryMask is (or, without it, use) the causal mask. */
  memoryIsCausal?: boolean;
}

/**
 * The Transformer of "Attention Is All You Need", as PyTorch's `nn.Transformer`: an encoder
 * (`numEncoderLayers` layers and a final LayerNorm) and a decoder (`numDecoderLayers` layers and a
 * final LayerNorm). Init as PyTorch: xavier_uniform_ on every parameter of 2 or more dims.
 *
 * Shapes: src `(S, N, dModel)`, tgt `(T, N, dModel)` (batch first with batchFirst; 2-D
 * unbatched), output `(T, N, dModel)`.
 *
 * @example
 * const model = new nn.Transformer({ dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2 });
 * const tgtMask = nn.Transformer.generateSquareSubsequentMask(20);
 * model.forward(torch.randn([10, 32, 64]), torch.randn([20, 32, 64]), { tgtMask }).shape; // [20, 32, 64]
 */
export class Transformer extends Module {
  encoder: TransformerEncoder;
  decoder: TransformerDecoder;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(options: TransformerOptions = {}) {
    super();
    checkOptions(
      "Transformer",
      options,
      {
        ...LAYER_SCHEMA,
        dModel: "int",
        nhead: "int",
        numEncoderLayers: "int",
        numDecoderLayers: "int",
      },
      { argument: 1 },
    );
    const {
      dModel = 512,
      nhead = 8,
      numEncoderLayers = 6,
      numDecoderLayers = 6,
      ...rest
    } = options;
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = options.batchFirst ?? false;
    const f = { device: options.device, dtype: options.dtype };
    const eps = options.layerNormEps ?? 1e-5;
    const encLayer = new TransformerEncoderLayer(dModel, nhead, rest);
    const decLayer = new TransformerDecoderLayer(dModel, nhead, rest);
    try {
      this.encoder = new TransformerEncoder(encLayer, numEncoderLayers, {
        norm: new LayerNorm(dModel, { eps, ...f }),
      });
      this.decoder = new TransformerDecoder(decLayer, numDecoderLayers, {
        norm: new LayerNorm(dModel, { eps, ...f }),
      });
    } finally {
      encLayer.dispose();
      decLayer.dispose();
    }
    this.resetParameters();
  }

  /** PyTorch's init: xavier_uniform_ on every parameter with more than one dim. */
  resetParameters(): void {
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /**
   * A float mask `[n, n]` for a sequence to attend only to itself and the past: `-inf` above the
   * diagonal, 0 elsewhere (PyTorch's `Transformer.generate_square_subsequent_mask`).
   *
   * @example
   * nn.Transformer.generateSquareSubsequentMask(3); // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
   */
  static generateSquareSubsequentMask(n: number, options: FactoryOptions = {}): Tensor {
    checkOptions(
      "generateSquareSubsequentMask",
      options,
      { device: "string", dtype: "string" },
      {
        argument: 2,
      },
    );
    if (!Number.isInteger(n) || n < 0)
      throw new ValueError(
        "generateSquareSubsequentMask",
        `n must be a non-negative integer; got ${String(n)}`,
      );
    return tidy(() =>
      causalBias(n, n, full([], 0, { dtype: options.dtype ?? "float32", device: options.device })),
    );
  }

  forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    const op = `Transformer(d_model=${this.dModel}, nhead=${this.nhead})`;
    checkOptions(
      op,
      options,
      {
        srcMask: "tensor|null",
        tgtMask: "tensor|null",
        memoryMask: "tensor|null",
        srcKeyPaddingMask: "tensor|null",
        tgtKeyPaddingMask: "tensor|null",
        memoryKeyPaddingMask: "tensor|null",
        srcIsCausal: "boolean",
        tgtIsCausal: "boolean",
        memoryIsCausal: "boolean",
      },
      { argument: 3 },
    );
    assertTensor(src, op);
    assertTensor(tgt, op);
    const shapes = `src ${fmtShape(src.shape)}, tgt ${fmtShape(tgt.shape)}`;
    if (src.ndim !== tgt.ndim || (src.ndim !== 2 && src.ndim !== 3))
      throw new ShapeError(op, `src and tgt must both be 3-D (batched) or 2-D; got ${shapes}`);
    const bd = this.batchFirst ? 0 : 1;
    if (src.ndim === 3 && src.shape[bd] !== tgt.shape[bd])
      throw new ShapeError(op, `the batch sizes of src and tgt must be equal; got ${shapes}`);
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel)
      throw new ShapeError(
        op,
        `the feature size of src and tgt must be d_model=${this.dModel}; got ${shapes}`,
      );
    const o = options;
    return tidy(() => {
      const memory = this.encoder.forward(src, {
        mask: o.srcMask ?? null,
        srcKeyPaddingMask: o.srcKeyPaddingMask ?? null,
        isCausal: o.srcIsCausal ?? false,
      });
      return this.decoder.forward(tgt, memory, {
        tgtMask: o.tgtMask ?? null,
        memoryMask: o.memoryMask ?? null,
        tgtKeyPaddingMask: o.tgtKeyPaddingMask ?? null,
        memoryKeyPaddingMask: o.memoryKeyPaddingMask ?? null,
        tgtIsCausal: o.tgtIsCausal ?? false,
        memoryIsCausal: o.memoryIsCausal ?? false,
      });
    });
  }
}
