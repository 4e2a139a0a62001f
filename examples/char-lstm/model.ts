/**
 * The network of the char-lstm example, as a PyTorch user writes it:
 *
 * ```python
 * class CharLSTM(nn.Module):
 *     def __init__(self, vocab_size, hidden_size=256, num_layers=1, embedding_dim=64):
 *         super().__init__()
 *         self.embed = nn.Embedding(vocab_size, embedding_dim)
 *         self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers, batch_first=True)
 *         self.head = nn.Linear(hidden_size, vocab_size)
 *     def forward(self, x, hx=None):
 *         out, hx = self.lstm(self.embed(x), hx)
 *         return self.head(out), hx
 * ```
 *
 * State-dict keys are PyTorch's (`embed.weight`, `lstm.weight_ih_l0`, `lstm.weight_hh_l0`,
 * `lstm.bias_ih_l0`, `lstm.bias_hh_l0`, ..., `head.weight`, `head.bias`), so the weights that
 * `--save` writes load into the class above.
 */
import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import type { Continuation } from "../shared/text.js";

const { nn } = torch;

export interface CharLSTMOptions {
  /** The LSTM's hidden size (default 256). */
  hidden?: number;
  /** Stacked LSTM layers (default 1). */
  layers?: number;
  /** The size of a character's embedding (default 64). */
  embeddingDim?: number;
}

/** An LSTM's state: `[h, c]`, each `(layers, B, hidden)`. */
export type LSTMState = [Tensor, Tensor];

/**
 * A character-level language model: embedding, LSTM (batch first), and a linear layer to the
 * logits of the next character.
 *
 * Shapes: x `(B, L)` int32 ids; returns logits `(B, L, vocabSize)` and the final `[h, c]`.
 */
export class CharLSTM extends nn.Module {
  embed: torch.nn.Embedding;
  lstm: torch.nn.LSTM;
  head: torch.nn.Linear;

  constructor(vocabSize: number, options: CharLSTMOptions = {}) {
    super();
    const hidden = options.hidden ?? 256;
    const embeddingDim = options.embeddingDim ?? 64;
    this.embed = new nn.Embedding(vocabSize, embeddingDim);
    this.lstm = new nn.LSTM(embeddingDim, hidden, {
      numLayers: options.layers ?? 1,
      batchFirst: true,
    });
    this.head = new nn.Linear(hidden, vocabSize);
  }

  forward(x: Tensor, hx?: LSTMState): [Tensor, LSTMState] {
    return torch.tidy(() => {
      const [out, state] = this.lstm.forward(this.embed.forward(x), hx);
      return [this.head.forward(out), state];
    });
  }

  /**
   * Generation that carries the LSTM's state from call to call, so each new character costs one
   * step of the recurrence (the state lives on the model's device until `dispose`).
   */
  continuation(device: torch.DeviceName): Continuation {
    let state: LSTMState | undefined;
    return {
      next: (ids) => {
        const [logits, next] = torch.tidy(() => {
          const x = torch.tensor(Int32Array.from(ids), {
            dtype: "int32",
            device,
            shape: [1, ids.length],
          });
          const [logits, next] = this.forward(x, state);
          return [logits.select(0, 0).select(0, -1), next] as const;
        });
        state?.forEach((t) => t.dispose());
        state = next;
        return logits;
      },
      dispose: () => {
        state?.forEach((t) => t.dispose());
        state = undefined;
      },
    };
  }
}
