/**
 * Inference on its own: loads the weights that train.ts saved (a safetensors file with PyTorch's
 * keys: PyTorch's `SimpleCNN` can load the same file) into a fresh model, draws a few random test
 * digits with what it predicts for them, and classifies the whole test set.
 *
 * Run:  npm run mnist            (once, to train and save the weights)
 *       npm run mnist:predict
 *
 * Options:
 *   --weights FILE    the weights (default examples/mnist-cnn/out/model.safetensors)
 *   --count N         how many digits to draw (default 5)
 *   --seed N          which ones: a random draw with this seed (default 1)
 *   --device D        auto | cpu | webgpu (default auto)
 *   --data DIR        the official IDX files' folder, if the model was trained on them
 */
import "../../scripts/wgsl-loader.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import * as torch from "../../src/index.js";
import { DEFAULT_OUT, WEIGHTS_FILE, classify, normalize } from "./common.js";
import { drawDigits } from "./draw.js";
import { SimpleCNN } from "./model.js";
import { UsageError } from "./train.js";

const OPTIONS = {
  weights: { type: "string", default: join(DEFAULT_OUT, WEIGHTS_FILE) },
  count: { type: "string", default: "5" },
  seed: { type: "string", default: "1" },
  device: { type: "string", default: "auto" },
  data: { type: "string" },
} as const;

/** The command line, with parseArgs' errors (an unknown option...) as `UsageError`s. */
function parse() {
  try {
    return parseArgs({ strict: true, options: OPTIONS });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

async function main(): Promise<void> {
  const { values } = parse();
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count <= 0)
    throw new UsageError(`--count must be a positive integer; got ${values.count}`);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new UsageError(`--seed must be a non-negative integer; got ${values.seed}`);
  if (!existsSync(values.weights))
    throw new UsageError(`no weights at ${values.weights}: train first with \`npm run mnist\``);
  const device = await torch.init({ device: values.device as torch.DeviceRequest });

  // A fresh model, and the trained weights copied into it.
  const model = new SimpleCNN().to(device);
  const state = await torch.load(values.weights, { device });
  model.loadStateDict(state);
  for (const t of Object.values(state)) t.dispose();
  model.eval();
  console.log(`loaded ${values.weights} into SimpleCNN on ${device}`);

  const test = await torch.datasets.MNIST.load(
    values.data === undefined ? { train: false } : { root: values.data, train: false },
  );
  const labels = await test.labels.data();

  // A few random test digits, drawn with the model's guesses.
  torch.manualSeed(seed);
  const order = torch.randperm(test.length);
  const indices = Array.from(
    (await order.data()).subarray(0, Math.min(count, test.length)),
    Number,
  );
  order.dispose();
  const images = torch.tidy(() =>
    test.images.indexSelect(0, torch.tensor(indices, { dtype: "int32" })),
  );
  const predictions = await classify(model, images, device);
  console.log(`\n${indices.length} random test digits (seed ${seed}):`);
  console.log(
    drawDigits(
      await images.data(),
      predictions.map((p, k) => ({ ...p, label: labels[indices[k]!]! })),
    ),
  );
  images.dispose();

  // The whole test set, batch by batch, without recording gradients.
  const loader = new torch.data.DataLoader(test, { batchSize: 500 });
  const start = performance.now();
  let correct = 0;
  for (const [x, y] of loader) {
    const hits = torch.noGrad(() =>
      torch.tidy(() =>
        model
          .forward(normalize(x.to(device)))
          .argmax(1)
          .eq(y.to(device))
          .sum(),
      ),
    );
    correct += await hits.item();
    hits.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `\ntest set: ${correct} of ${test.length} correct (${((100 * correct) / test.length).toFixed(2)}%), ` +
      `${(test.length / seconds).toFixed(0)} images/s`,
  );

  model.dispose();
  test.dispose();
}

try {
  await main();
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(e.message);
  process.exitCode = 2;
}
