/**
 * What train.ts and predict.ts share: the data, its normalisation, and classifying a few images.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as torch from "../../src/index.js";
import { MNIST_MEAN, MNIST_STD, type SimpleCNN } from "./model.js";

/** This example's folder. */
export const HERE = dirname(fileURLToPath(import.meta.url));
/** Where train.ts writes its results (weights, metrics, plot) unless told otherwise. */
export const DEFAULT_OUT = join(HERE, "out");
/** The file name of the trained weights inside the output folder. */
export const WEIGHTS_FILE = "model.safetensors";

export { MNIST_MEAN, MNIST_STD };

/** `(x - 0.1307) / 0.3081`: what the network sees, in training and at test time. */
export const normalize = torch.transforms.normalize([MNIST_MEAN], [MNIST_STD]);

/**
 * The bundled MNIST split (8,000 training and 2,000 test digits), or the official IDX files from
 * `root` (train-images-idx3-ubyte, ...) when given.
 */
export async function loadMnist(root?: string) {
  const opts = root === undefined ? {} : { root };
  const train = await torch.datasets.MNIST.load({ ...opts, train: true });
  const test = await torch.datasets.MNIST.load({ ...opts, train: false });
  return { train, test };
}

/** What the model says about one image. */
export interface Prediction {
  pred: number;
  prob: number;
}

/**
 * Classifies `images` ([N, 1, 28, 28], values in [0, 1]) with `model` in eval mode: the most
 * likely class of each and its softmax probability.
 */
export async function classify(
  model: SimpleCNN,
  images: torch.Tensor,
  device: torch.DeviceName,
): Promise<Prediction[]> {
  model.eval();
  const { values, indices } = torch.noGrad(() =>
    torch.tidy(() =>
      model
        .forward(normalize(images.to(device)))
        .softmax(1)
        .max(1),
    ),
  );
  const probs = await values.data();
  const preds = await indices.data();
  values.dispose();
  indices.dispose();
  return Array.from(preds, (pred, i) => ({ pred: Number(pred), prob: Number(probs[i]) }));
}
