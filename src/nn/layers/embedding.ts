import { indexDTypeError } from "../../core/dtype.js";
import { NotImplementedError, ShapeError, ValueError } from "../../core/errors.js";
import { checkOptions } from "../../core/options.js";
import { fmtShape } from "../../core/shape.js";
import { noGrad } from "../../autograd/grad-mode.js";
import type { Tensor } from "../../tensor/tensor.js";
import { assertTensor, Module } from "../module.js";
import { Parameter } from "../parameter.js";
import {
  embedding,
  normalizePaddingIdx,
  type EmbeddingOptions as FEmbeddingOptions,
} from "../functional/embedding.js";
import { normal_ } from "../init.js";
import { newParameter, pyBool, pyFloat, type FactoryOptions } from "./container.js";

/** The options of `nn.Embedding`: `F.embedding`'s, the factory keywords, and an initial weight. */
export interface EmbeddingOptions extends FEmbeddingOptions, FactoryOptions {
  /** Start from these values `(numEmbeddings, embeddingDim)` (shared, not copied) instead of N(0, 1). */
  weight?: Tensor;
}

/**
 * A lookup table, as PyTorch's `nn.Embedding`: row `i` of `weight` `[numEmbeddings, embeddingDim]` is the embedding of index
 * `i`. The row `paddingIdx` (if given) gets no gradient.
 *
 * Init (as PyTorch): weight N(0, 1), with the `paddingIdx` row zeroed.
 *
 * Shapes: input `(*)` int32, output `(*, embeddingDim)`.
 *
 * @example
 * const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
 * emb.forward(torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]], { dtype: "int32" })).shape; // [2, 4, 3]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkOptions(
      "Embedding",
      options,
      {
        paddingIdx: "int|null",
        maxNorm: "number|null",
        normType: "number",
        scaleGradByFreq: "boolean",
        sparse: "boolean",
        weight: "tensor",
        dtype: "string",
        device: "string",
      },
      { argument: 3 },
    );
    for (const [k, v] of [
      ["numEmbeddings", numEmbeddings],
      ["embeddingDim", embeddingDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new ValueError("Embedding", `${k} must be a non-negative integer; got ${v}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = normalizePaddingIdx(options.paddingIdx, numEmbeddings, "Embedding");
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    this.sparse = options.sparse ?? false;
    if (this.scaleGradByFreq)
      throw new NotImplementedError("Embedding", "scaleGradByFreq is not supported");
    if (this.sparse)
      throw new NotImplementedError("Embedding", "sparse gradients are not supported");
    if (options.weight) {
      const w = options.weight;
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) {
        throw new ShapeError(
          "Embedding",
          `weight must have shape [${numEmbeddings}, ${embeddingDim}]; got ${fmtShape(w.shape)}`,
        );
      }
      const d = w.detach();
      this.weight = new Parameter(d);
      d.dispose();
    } else {
      this.weight = newParameter([numEmbeddings, embeddingDim], options);
      this.resetParameters();
    }
  }

  /**
   * An Embedding whose weight is `embeddings` (shared), frozen by default.
   *
   * @example
   * const emb = nn.Embedding.fromPretrained(torch.tensor([[1, 2.3, 3], [4, 5.1, 6.3]]));
   */
  static fromPretrained(
    embeddings: Tensor,
    options: Omit<EmbeddingOptions, "weight"> & { freeze?: boolean } = {},
  ): Embedding {
    if (embeddings.ndim !== 2)
      throw new ShapeError(
        "Embedding.fromPretrained",
        `embeddings must be 2-D [numEmbeddings, embeddingDim]; got ${fmtShape(embeddings.shape)}`,
      );
    const { freeze: _freeze, ...rest } = options;
    const e = new Embedding(embeddings.shape[0]!, embeddings.shape[1]!, {
      ...rest,
      weight: embeddings,
    });
    e.weight.requiresGrad_(!(options.freeze ?? true));
    return e;
  }

  /** PyTorch's init: N(0, 1), then the padding row set to zeros. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const idx = this.paddingIdx;
      noGrad(() => {
        const row = this.weight.select(0, idx);
        row.fill_(0);
        row.dispose();
      });
    }
  }

  forward(input: Tensor): Tensor {
    const op = `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
    assertTensor(input, op);
    if (input.dtype !== "int32") throw indexDTypeError(op, "indices", input.dtype);
    return embedding(input, this.weight, {
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType,
      scaleGradByFreq: this.scaleGradByFreq,
      sparse: this.sparse,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += `, scale_grad_by_freq=${pyBool(true)}`;
    if (this.sparse) s += ", sparse=True";
    return s;
  }
}
