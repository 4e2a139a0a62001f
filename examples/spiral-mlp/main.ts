/**
 * The main job until the MNIST example lands (issue #4): a two-layer MLP learns to separate two
 * interleaved spirals, written with webtorch's tensors and autograd and a hand-written SGD step
 * (torch.nn and torch.optim come next). Prints the loss and accuracy as it trains.
 *
 * Run: npm run train   (options: --epochs N --seed S --lr X --hidden H; defaults 600, 0, 1, 64)
 */
// NOTE: first, so that init({ device: "auto" }) can load the WebGPU kernels when run from source
import "../../scripts/wgsl-loader.js";
import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const EPOCHS = arg("epochs", 600);
const SEED = arg("seed", 0);
const LR = arg("lr", 1);
const HIDDEN = arg("hidden", 64);
const POINTS = 200;

/** Two spirals of POINTS points each, with a little noise: x [2P, 2], labels [2P] (int32). */
function spirals(): { x: Tensor; y: Tensor } {
  return torch.tidy(() => {
    const t = torch.linspace(0.25, 2 * Math.PI, POINTS);
    const noise = torch.randn([2, POINTS, 2]).mul(0.1);
    const arm = (sign: number) =>
      torch.stack([t.mul(t.cos()).mul(sign), t.mul(t.sin()).mul(sign)], 1);
    const x = torch
      .cat([arm(1).add(noise.select(0, 0)), arm(-1).add(noise.select(0, 1))])
      .div(2 * Math.PI);
    const y = torch.cat([
      torch.zeros([POINTS], { dtype: "int32" }),
      torch.ones([POINTS], { dtype: "int32" }),
    ]);
    return { x, y };
  });
}

/** Kaiming-uniform weights [out, in] and zero biases, as nn.Linear initialises them. */
function linear(inF: number, outF: number): { w: Tensor; b: Tensor } {
  const bound = 1 / Math.sqrt(inF);
  const w = torch
    .rand([outF, inF])
    .mul(2 * bound)
    .sub(bound)
    .requiresGrad_();
  const b = torch
    .rand([outF])
    .mul(2 * bound)
    .sub(bound)
    .requiresGrad_();
  return { w, b };
}

async function main(): Promise<void> {
  const device = await torch.init({ device: "auto" });
  torch.manualSeed(SEED);
  const { x, y } = spirals();
  const l1 = linear(2, HIDDEN);
  const l2 = linear(HIDDEN, HIDDEN);
  const l3 = linear(HIDDEN, 2);
  const params = [l1.w, l1.b, l2.w, l2.b, l3.w, l3.b];
  const forward = (input: Tensor) => {
    const h1 = input.matmul(l1.w.t()).add(l1.b).tanh();
    const h2 = h1.matmul(l2.w.t()).add(l2.b).tanh();
    return h2.matmul(l3.w.t()).add(l3.b);
  };
  console.log(
    `webtorch: training a ${2}-${HIDDEN}-${HIDDEN}-2 MLP on two spirals (${2 * POINTS} points) on ${device}`,
  );
  const start = performance.now();
  let last = { loss: NaN, acc: NaN };
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const { loss, correct } = torch.tidy(() => {
      const logits = forward(x);
      // cross-entropy: -mean(logSoftmax(logits)[i, y_i])
      const loss = logits.logSoftmax(1).gather(1, y.unsqueeze(1)).mean().neg();
      loss.backward();
      torch.noGrad(() => {
        for (const p of params) {
          p.sub_(p.grad!.mul(LR));
          p.grad!.zero_();
        }
      });
      const correct = logits.argmax(1).eq(y).sum();
      return { loss, correct };
    });
    if (epoch % 50 === 0 || epoch === 1 || epoch === EPOCHS) {
      last = { loss: await loss.item(), acc: (await correct.item()) / (2 * POINTS) };
      console.log(
        `epoch ${String(epoch).padStart(4)}  loss ${last.loss.toFixed(4)}  train accuracy ${(100 * last.acc).toFixed(1)}%`,
      );
    }
    loss.dispose();
    correct.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `done in ${seconds.toFixed(2)} s (${((EPOCHS * 2 * POINTS) / seconds).toFixed(0)} samples/s); live tensors: ${torch.memory().numTensors}`,
  );
  if (last.acc < 0.95) {
    console.error(`accuracy ${(100 * last.acc).toFixed(1)}% is below 95%: something is wrong`);
    process.exitCode = 1;
  }
}

await main();
