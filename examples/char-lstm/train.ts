/**
 * Trains a character-level LSTM language model (model.ts) on Newton's _Opticks_
 * (examples/data), the classic char-rnn recipe: embedding → LSTM → linear over the characters,
 * cross-entropy on random windows, Adam, gradient clipping. After each epoch it reports the loss
 * on held-out text and writes a sample, starting from a prompt, at the chosen temperature.
 *
 * Run:  npm run char-lstm                      (a couple of minutes on the CPU)
 *       npm run char-lstm -- --epochs 10 --hidden 256 --temperature 0.5 --save lstm.safetensors
 *       npm run char-lstm -- --help
 */
import "../../scripts/wgsl-loader.js";

import * as torch from "../../src/index.js";
import { parseTextOptions, usage, type TextDefaults } from "../shared/cli.js";
import { runTextExample } from "../shared/run.js";
import { runAsScript } from "../shared/script.js";
import { CharLSTM } from "./model.js";

/** The defaults of `npm run char-lstm`: a small LSTM that learns words in a couple of minutes. */
export const DEFAULTS: TextDefaults = {
  epochs: 4,
  steps: 25,
  device: "cpu",
  hidden: 128,
  layers: 1,
  seqLen: 48,
  batch: 16,
  lr: 1e-2,
  temperature: 0.7,
  prompt: "The Light ",
  length: 200,
  seed: 0,
};

/**
 * The model and the function the training loop calls: logits `[B, L, V]` of ids `[B, L]` (each
 * window starts from a zero state; the final state is dropped).
 */
export function makeCharLSTM(vocabSize: number, options: { hidden: number; layers: number }) {
  const model = new CharLSTM(vocabSize, options);
  return { model, logitsOf: (x: torch.Tensor) => torch.tidy(() => model.forward(x)[0]) };
}

async function main(): Promise<void> {
  const opts = parseTextOptions(process.argv.slice(2), DEFAULTS);
  if (!opts) {
    console.log(usage("char-lstm", DEFAULTS));
    return;
  }
  await runTextExample("char-lstm", opts, (vocabSize, device) => {
    const { model, logitsOf } = makeCharLSTM(vocabSize, opts);
    model.to(device);
    return { model, logitsOf, continuation: () => model.continuation(device) };
  });
}

// Run main() only when this file is the script (the test imports DEFAULTS and makeCharLSTM).
await runAsScript(import.meta.url, main, () => usage("char-lstm", DEFAULTS));
