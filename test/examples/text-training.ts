/**
 * The check that both text examples' tests run: a few dozen training steps on the CPU on the start
 * of the bundled book, then generation, watching the loss, the live tensors and the sampler.
 */
import { expect } from "vitest";

import * as torch from "../../src/index.js";
import {
  DEFAULT_TEXT,
  generate,
  loadText,
  unigramEntropy,
  Vocabulary,
} from "../../examples/shared/text.js";
import type { Continuation } from "../../examples/shared/text.js";
import { trainEpoch, type LogitsFn } from "../../examples/shared/train-loop.js";
import { expectSameMemory, memorySnapshot } from "../util/leaks.js";

/** The first characters of the book: enough for varied windows, small enough to load fast. */
export const SLICE = 20_000;

export interface BriefRun {
  steps: number;
  batch: number;
  seqLen: number;
  lr: number;
  build: (vocabSize: number) => {
    model: torch.nn.Module;
    logitsOf: LogitsFn;
    continuation: () => Continuation;
  };
}

/**
 * Trains `run.steps` steps from seed 0 and checks:
 * - the loss starts near ln(V) (an untrained model's guess) and ends below the text's unigram
 *   entropy by a margin: a model that ignores context cannot get below that entropy (on average;
 *   one batch's loss spreads about 0.1 nats from step to step here, so the mean of the last 5
 *   steps about 0.05), and the margin of 0.2 nats is 4 of those. Both models get far lower
 *   (about 2.3 and 2.7 from 4.4, with a threshold of 3.0);
 * - every step leaves the same number of live tensors, and nothing is left after disposal;
 * - a sample has the asked length in characters of the vocabulary, is the same after the same
 *   `torch.manualSeed`, and differs under another seed.
 */
export async function checkBriefTraining(run: BriefRun): Promise<void> {
  const before = memorySnapshot();
  const text = await loadText(DEFAULT_TEXT, SLICE);
  const vocab = Vocabulary.fromText(text);
  const ids = vocab.encode(text);
  const entropy = unigramEntropy(ids);
  torch.manualSeed(0);
  const { model, logitsOf, continuation } = run.build(vocab.size);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: run.lr });
  try {
    const losses: number[] = [];
    const live: number[] = [];
    await trainEpoch(model, logitsOf, optimizer, ids, {
      steps: run.steps,
      batch: run.batch,
      seqLen: run.seqLen,
      device: "cpu",
      progress: false,
      onStep: (_step, loss) => {
        losses.push(loss);
        live.push(torch.memory().numTensors);
      },
    });
    const detail = `losses ${losses.map((l) => l.toFixed(3)).join(" ")}; unigram entropy ${entropy.toFixed(3)}`;
    expect(losses, detail).toHaveLength(run.steps);
    expect(losses.every(Number.isFinite), detail).toBe(true);
    expect(Math.abs(losses[0]! - Math.log(vocab.size)), detail).toBeLessThan(0.5);
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(last, detail).toBeLessThan(entropy - 0.2);
    expect(new Set(live).size, `live tensors per step: ${live.join(", ")}`).toBe(1);

    model.eval();
    const sample = async (seed: number) => {
      torch.manualSeed(seed);
      return generate(continuation(), vocab, "The ", 40, 1);
    };
    const a = await sample(7);
    expect(Array.from(a)).toHaveLength(40);
    expect(
      Array.from(a).every((c) => vocab.chars.includes(c)),
      a,
    ).toBe(true);
    expect(await sample(7)).toBe(a);
    expect(await sample(8)).not.toBe(a);
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  expectSameMemory(before, "brief training and sampling");
}
