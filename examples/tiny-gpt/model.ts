/**
 * The network of the tiny-gpt example: a small causal (decoder-only) Transformer over characters,
 * built from PyTorch's own blocks, as a PyTorch user writes it:
 *
 * ```python
 * class TinyGPT(nn.Module):
 *     def __init__(self, vocab_size, block_size, d_model=128, nhead=4, num_layers=2, dropout=0.0):
 *         super().__init__()
 *         self.tokens = nn.Embedding(vocab_size, d_model)
 *         self.positions = nn.Embedding(block_size, d_model)
 *         layer = nn.TransformerEncoderLayer(d_model, nhead, 4 * d_model, dropout,
 *                                            activation="gelu", batch_first=True, norm_first=True)
 *         self.blocks = nn.TransformerEncoder(layer, num_layers)
 *         self.norm = nn.LayerNorm(d_model)
 *         self.head = nn.Linear(d_model, vocab_size)
 *     def forward(self, x):
 *         L = x.shape[1]
 *         h = self.tokens(x) + self.positions(torch.arange(L, device=x.device))
 *         mask = nn.Transformer.generate_square_subsequent_mask(L, device=x.device)
 *         h = self.blocks(h, mask=mask, is_causal=True)
 *         return self.head(self.norm(h))
 * ```
 *
 * State-dict keys are PyTorch's (`tokens.weight`, `positions.weight`,
 * `blocks.layers.0.self_attn.in_proj_weight`, ..., `norm.weight`, `head.weight`, ...).
 */
import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import type { Continuation } from "../shared/text.js";

const { nn } = torch;

export interface TinyGPTOptions {
  /** The model width (default 128). */
  dModel?: number;
  /** Attention heads; must divide dModel (default 4). */
  nhead?: number;
  /** Transformer layers (default 2). */
  numLayers?: number;
  /** Dropout in every layer (default 0: short runs learn faster without it). */
  dropout?: number;
}

/**
 * A GPT-style character model: token and position embeddings, pre-norm Transformer layers with a
 * causal mask (each position sees only itself and those before it), a final LayerNorm and a
 * linear head. It reads at most `blockSize` characters at once.
 *
 * Shapes: x `(B, L)` int32 ids with `L <= blockSize`; returns logits `(B, L, vocabSize)`.
 */
export class TinyGPT extends nn.Module {
  tokens: torch.nn.Embedding;
  positions: torch.nn.Embedding;
  blocks: torch.nn.TransformerEncoder;
  norm: torch.nn.LayerNorm;
  head: torch.nn.Linear;
  readonly blockSize: number;

  constructor(vocabSize: number, blockSize: number, options: TinyGPTOptions = {}) {
    super();
    const dModel = options.dModel ?? 128;
    this.blockSize = blockSize;
    this.tokens = new nn.Embedding(vocabSize, dModel);
    this.positions = new nn.Embedding(blockSize, dModel);
    const layer = new nn.TransformerEncoderLayer(dModel, options.nhead ?? 4, {
      dimFeedforward: 4 * dModel,
      dropout: options.dropout ?? 0,
      activation: "gelu",
      batchFirst: true,
      normFirst: true,
    });
    this.blocks = new nn.TransformerEncoder(layer, options.numLayers ?? 2);
    layer.dispose(); // the encoder holds deep copies (as PyTorch's); this one is ours to free
    this.norm = new nn.LayerNorm(dModel);
    this.head = new nn.Linear(dModel, vocabSize);
  }

  forward(x: Tensor): Tensor {
    const len = x.shape[1]!;
    if (x.ndim !== 2 || len > this.blockSize)
      throw new RangeError(
        `TinyGPT: expected ids [B, L] with L <= ${this.blockSize}; got [${x.shape.join(", ")}]`,
      );
    return torch.tidy(() => {
      const pos = torch.arange(len, { dtype: "int32", device: x.device });
      const h = this.tokens.forward(x).add(this.positions.forward(pos));
      const mask = nn.Transformer.generateSquareSubsequentMask(len, { device: x.device });
      const out = this.blocks.forward(h, { mask, isCausal: true });
      return this.head.forward(this.norm.forward(out));
    });
  }

  /**
   * Generation: the model has no state to carry, so each call reads the last `blockSize`
   * characters of everything seen so far again and returns the logits of the one after them.
   */
  continuation(device: torch.DeviceName): Continuation {
    let context: number[] = [];
    return {
      next: (ids) => {
        context = [...context, ...ids].slice(-this.blockSize);
        return torch.tidy(() => {
          const x = torch.tensor(Int32Array.from(context), {
            dtype: "int32",
            device,
            shape: [1, context.length],
          });
          return this.forward(x).select(0, 0).select(0, -1);
        });
      },
      dispose: () => {
        context = [];
      },
    };
  }
}
