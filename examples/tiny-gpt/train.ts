/**
 * Trains a small causal Transformer (model.ts) on Newton's _Opticks_ (examples/data): token and
 * position embeddings, pre-norm nn.TransformerEncoder layers under the causal mask, a final
 * LayerNorm and a linear head; cross-entropy on random windows, Adam, gradient clipping. After
 * each epoch it reports the loss on held-out text and writes a sample, starting from a prompt, at
 * the chosen temperature.
 *
 * Run:  npm run tiny-gpt                       (a couple of minutes on the CPU)
 *       npm run tiny-gpt -- --epochs 10 --layers 4 --temperature 0.5 --save gpt.safetensors
 *       npm run tiny-gpt -- --help
 */
import "../../scripts/wgsl-loader.js";

import * as torch from "../../src/index.js";
import { parseTextOptions, usage, type TextDefaults } from "../shared/cli.js";
import { runTextExample } from "../shared/run.js";
import { runAsScript } from "../shared/script.js";
import { TinyGPT } from "./model.js";

/** The defaults of `npm run tiny-gpt`: a small Transformer that learns words in a couple of minutes. */
export const DEFAULTS: TextDefaults = {
  epochs: 5,
  steps: 30,
  device: "cpu",
  hidden: 64,
  layers: 2,
  heads: 4,
  seqLen: 32,
  batch: 32,
  lr: 1e-2,
  temperature: 0.7,
  prompt: "The Light ",
  length: 200,
  seed: 0,
};

/**
 * The model and the function the training loop calls: logits `[B, L, V]` of ids `[B, L]`. It
 * reads windows of up to `seqLen` characters.
 */
export function makeTinyGPT(
  vocabSize: number,
  options: { hidden: number; layers: number; heads: number; seqLen: number },
) {
  const model = new TinyGPT(vocabSize, options.seqLen, {
    dModel: options.hidden,
    nhead: options.heads,
    numLayers: options.layers,
  });
  return { model, logitsOf: (x: torch.Tensor) => model.forward(x) };
}

async function main(): Promise<void> {
  const opts = parseTextOptions(process.argv.slice(2), DEFAULTS);
  if (!opts) {
    console.log(usage("tiny-gpt", DEFAULTS));
    return;
  }
  await runTextExample("tiny-gpt", opts, (vocabSize, device) => {
    const { model, logitsOf } = makeTinyGPT(vocabSize, { ...opts, heads: opts.heads! });
    model.to(device);
    return { model, logitsOf, continuation: () => model.continuation(device) };
  });
}

// Run main() only when this file is the script (the test imports DEFAULTS and makeTinyGPT).
await runAsScript(import.meta.url, main, () => usage("tiny-gpt", DEFAULTS));
