/**
 * The main program of the character-level examples, the same for each model: load the text,
 * build the vocabulary, train for some epochs with Adam, report the training and held-out loss
 * and write a sample after each, and save the weights if asked.
 */
import { mkdir } from "node:fs/promises";
import { dirname, relative } from "node:path";

import * as torch from "../../src/index.js";
import { UsageError, type TextOptions } from "./cli.js";
import {
  DEFAULT_TEXT,
  generate,
  loadText,
  splitIds,
  unigramEntropy,
  Vocabulary,
  type Continuation,
} from "./text.js";
import { evaluate, trainEpoch, type LogitsFn } from "./train-loop.js";

/** What an example gives the runner: its model, its forward pass, and how it generates. */
export interface TextModel {
  model: torch.nn.Module;
  logitsOf: LogitsFn;
  continuation: () => Continuation;
}

/** Held-out windows whose mean loss is reported after each epoch. */
const VAL_WINDOWS = 64;

const nats = (loss: number) => `${loss.toFixed(3)} (perplexity ${Math.exp(loss).toFixed(2)})`;

/**
 * Runs an example as the command line says (see cli.ts): `build` makes the model for the text's
 * vocabulary on the chosen device. Throws a UsageError for a prompt outside the text or a text too
 * short for the windows.
 */
export async function runTextExample(
  name: string,
  opts: TextOptions,
  build: (vocabSize: number, device: torch.DeviceName) => TextModel,
): Promise<void> {
  const device = await torch.init({ device: opts.device });
  torch.manualSeed(opts.seed);

  const text = await loadText(opts.text, opts.limit);
  const vocab = Vocabulary.fromText(text);
  const missing = Array.from(opts.prompt).filter((c) => !vocab.chars.includes(c));
  if (missing.length > 0)
    throw new UsageError(`--prompt: ${JSON.stringify(missing.join(""))} is not in the text`);
  const ids = vocab.encode(text);
  const { train, val } = splitIds(ids);
  if (val.length < opts.seqLen + 1)
    throw new UsageError(
      `--seq-len ${opts.seqLen} is too long for ${val.length} held-out characters`,
    );

  const { model, logitsOf, continuation } = build(vocab.size, device);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: opts.lr });
  const source = relative(process.cwd(), opts.text ?? DEFAULT_TEXT);
  console.log(`webtorch ${name} on ${device}\n${String(model)}`);
  console.log(
    `${source}: ${train.length} training and ${val.length} held-out characters, ${vocab.size} distinct ` +
      `(unigram entropy ${unigramEntropy(ids).toFixed(3)} nats: a model that reads no context gets no lower)`,
  );
  console.log(
    `Adam (lr ${opts.lr}), batch ${opts.batch} × ${opts.seqLen} characters, ${opts.steps} steps per epoch, seed ${opts.seed}\n`,
  );

  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const label = `epoch ${epoch}/${opts.epochs}`;
    const trained = await trainEpoch(model, logitsOf, optimizer, train, {
      steps: opts.steps,
      batch: opts.batch,
      seqLen: opts.seqLen,
      device,
      label,
    });
    const valLoss = await evaluate(model, logitsOf, val, {
      count: VAL_WINDOWS,
      batch: opts.batch,
      seqLen: opts.seqLen,
      device,
    });
    console.log(`${label}  train loss ${nats(trained.loss)}  held-out loss ${nats(valLoss)}`);
    model.eval();
    const sample = await generate(
      continuation(),
      vocab,
      opts.prompt,
      opts.length,
      opts.temperature,
    );
    model.train();
    console.log(`--- sample (temperature ${opts.temperature}) ---\n${opts.prompt}${sample}\n---\n`);
  }

  if (opts.save !== undefined) {
    await mkdir(dirname(opts.save), { recursive: true });
    await torch.save(model.stateDict(), opts.save);
    console.log(
      `weights: ${opts.save} (safetensors with PyTorch's keys; torch.load reads them back)`,
    );
  }
  optimizer.dispose();
  model.dispose();
}
