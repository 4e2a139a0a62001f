/**
 * The training loop of the character-level examples: next-character prediction with cross-entropy
 * on random windows of the text, gradient clipping and any optimizer; and the loss on held-out text.
 * The model is anything that maps `[B, L]` character ids to `[B, L, V]` logits.
 */
import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { ProgressBar } from "./progress.js";
import { randomWindows, windows } from "./text.js";

const F = torch.nn.functional;

/** A character model's forward pass: ids `[B, L]` (int32) to logits `[B, L, V]`. */
export type LogitsFn = (x: Tensor) => Tensor;

/** The mean cross-entropy of next-character `logits` `[B, L, V]` against targets `y` `[B, L]`. */
export function nextCharLoss(logits: Tensor, y: Tensor): Tensor {
  const v = logits.shape.at(-1)!;
  return torch.tidy(() => F.crossEntropy(logits.reshape([-1, v]), y.reshape([-1])));
}

export interface TrainEpochOptions {
  /** Optimizer steps in the epoch. */
  steps: number;
  /** Windows per batch. */
  batch: number;
  /** Characters per window. */
  seqLen: number;
  /** Where the model lives; batches are made there. */
  device: torch.DeviceName;
  /** The gradients' total norm is clipped to this (default 1; 0 or Infinity: no clipping). */
  clip?: number;
  /** Label of the progress bar, e.g. "epoch 1/3". */
  label?: string;
  /** Draw a progress bar (default true). */
  progress?: boolean;
  /** Called after every step with its loss (the tests use it to watch memory). */
  onStep?: (step: number, loss: number) => void;
}

/**
 * One epoch of `steps` optimizer steps on random windows of `ids` (the global generator picks
 * them: `torch.manualSeed` repeats an epoch). Each step runs inside `torch.tidy`, which frees the
 * batch, the activations and the intermediate gradients. Returns the mean training loss.
 */
export async function trainEpoch(
  model: torch.nn.Module,
  logitsOf: LogitsFn,
  optimizer: torch.optim.Optimizer<torch.optim.BaseOptions, object>,
  ids: Int32Array,
  options: TrainEpochOptions,
): Promise<{ loss: number }> {
  const { steps, batch, seqLen, device } = options;
  const clip = options.clip ?? 1;
  const bar =
    options.progress === false
      ? null
      : new ProgressBar(options.label ?? "", steps, { unit: "char" });
  model.train();
  let sum = 0;
  for (let step = 1; step <= steps; step++) {
    const loss = torch.tidy(() => {
      const [x, y] = randomWindows(ids, batch, seqLen, device);
      optimizer.zeroGrad();
      const loss = nextCharLoss(logitsOf(x), y);
      loss.backward();
      if (clip > 0 && clip < Infinity) torch.nn.utils.clipGradNorm_(model.parameters(), clip);
      optimizer.step();
      return loss;
    });
    const value = await loss.item();
    loss.dispose();
    sum += value;
    options.onStep?.(step, value);
    const mean = sum / step;
    bar?.update(step, step * batch * seqLen, mean, `perplexity ${Math.exp(mean).toFixed(2)}`);
  }
  bar?.done();
  return { loss: sum / steps };
}

/**
 * The mean loss over `count` windows of `ids` evenly spread from its start (the same windows every
 * time, so that epochs compare), in eval mode without gradients.
 */
export async function evaluate(
  model: torch.nn.Module,
  logitsOf: LogitsFn,
  ids: Int32Array,
  options: { count: number; batch: number; seqLen: number; device: torch.DeviceName },
): Promise<number> {
  const { batch, seqLen, device } = options;
  const span = ids.length - seqLen - 1;
  if (span < 0) throw new RangeError(`evaluate: ${ids.length} ids are fewer than seqLen + 1`);
  const starts = Array.from({ length: options.count }, (_, i) =>
    Math.floor((i * span) / Math.max(1, options.count - 1)),
  );
  model.eval();
  let sum = 0;
  for (let i = 0; i < starts.length; i += batch) {
    const chunk = starts.slice(i, i + batch);
    const loss = torch.noGrad(() =>
      torch.tidy(() => {
        const [x, y] = windows(ids, chunk, seqLen, device);
        return nextCharLoss(logitsOf(x), y);
      }),
    );
    sum += (await loss.item()) * chunk.length;
    loss.dispose();
  }
  model.train();
  return sum / starts.length;
}
