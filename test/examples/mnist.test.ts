/**
 * The MNIST example (examples/mnist-cnn): one short epoch on 512 bundled digits with the example's
 * own training loop, checking that the loss falls and that the loop holds a constant number of
 * live tensors; plus the pieces around it (state-dict keys, drawing, the plot, the options).
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { normalize } from "../../examples/mnist-cnn/common.js";
import { drawDigits } from "../../examples/mnist-cnn/draw.js";
import { SimpleCNN } from "../../examples/mnist-cnn/model.js";
import { renderTrainingPlot, type EpochRecord } from "../../examples/mnist-cnn/plot.js";
import { evaluate, parseOptions, spread, trainEpoch } from "../../examples/mnist-cnn/train.js";
import { expectSameMemory, memorySnapshot } from "../util/leaks.js";

describe("examples/mnist-cnn", () => {
  it("trains one short epoch: the loss falls, live tensors stay constant, nothing leaks", async () => {
    const before = memorySnapshot();
    torch.manualSeed(0);
    const train = await torch.datasets.MNIST.load({ train: true });
    const test = await torch.datasets.MNIST.load({ train: false });
    // The bundled digits are ordered by class: spread picks every class alike.
    const trainSet = new torch.data.Subset(train, spread(train.length, 512));
    const testSet = new torch.data.Subset(test, spread(test.length, 500));
    const loader = new torch.data.DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 0 });
    const testLoader = new torch.data.DataLoader(testSet, { batchSize: 250 });
    const model = new SimpleCNN();
    const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });

    const losses: number[] = [];
    const live: number[] = [];
    const result = await trainEpoch(model, optimizer, loader, {
      device: "cpu",
      transform: normalize,
      progress: false,
      onStep: (_step, loss) => {
        losses.push(loss);
        live.push(torch.memory().numTensors);
      },
    });

    expect(losses).toHaveLength(8);
    expect(result.images).toBe(512);
    expect(losses.every(Number.isFinite)).toBe(true);
    // from ~2.3 (chance over 10 classes) down: the last two steps well below the first two
    expect(losses[0]!).toBeGreaterThan(2);
    expect((losses[6]! + losses[7]!) / 2).toBeLessThan(0.85 * ((losses[0]! + losses[1]!) / 2));
    // the same live tensors after every step (parameters, their grads, Adam's state, the batch)
    expect(new Set(live).size, `live tensors per step: ${live.join(", ")}`).toBe(1);

    const tested = await evaluate(model, testLoader, "cpu");
    expect(tested.predictions).toHaveLength(500);
    expect(tested.accuracy).toBeGreaterThan(0.3); // chance is 0.1
    expect(Number.isFinite(tested.loss)).toBe(true);
    expect(model.training).toBe(true);

    optimizer.dispose();
    model.dispose();
    train.dispose();
    test.dispose();
    expectSameMemory(before, "one MNIST epoch");
  }, 30_000);

  it("has PyTorch's state-dict keys and shapes, and they survive safetensors", async () => {
    const before = memorySnapshot();
    const model = new SimpleCNN();
    const shapes = Object.fromEntries(
      Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]),
    );
    expect(shapes).toEqual({
      "conv1.weight": [32, 1, 3, 3],
      "conv1.bias": [32],
      "conv2.weight": [64, 32, 3, 3],
      "conv2.bias": [64],
      "fc1.weight": [128, 3136],
      "fc1.bias": [128],
      "fc2.weight": [10, 128],
      "fc2.bias": [10],
    });
    const loaded = torch.loadBytes(await torch.saveBytes(model.stateDict()));
    const copy = new SimpleCNN();
    copy.loadStateDict(loaded);
    const x = torch.rand([2, 1, 28, 28]);
    const [a, b] = torch.noGrad(() => torch.tidy(() => [model.forward(x), copy.forward(x)]));
    expect(Array.from(a!.dataSync())).toEqual(Array.from(b!.dataSync()));
    for (const t of [...Object.values(loaded), x, a!, b!]) t.dispose();
    model.dispose();
    copy.dispose();
    expectSameMemory(before, "state dict round trip");
  });

  it("draws digits side by side with their captions", () => {
    const pixels = new Float32Array(2 * 28 * 28);
    for (let y = 6; y < 22; y++) pixels[y * 28 + 14] = 1; // a "1": one vertical stroke
    const text = drawDigits(
      pixels,
      [
        { pred: 1, label: 1, prob: 0.991 },
        { pred: 3, label: 5 },
      ],
      { columns: 80 },
    );
    const lines = text.split("\n");
    expect(lines.length).toBe(12 + 2); // 24 columns -> 12 rows, then the two caption lines
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(text).toContain("█");
    expect(lines.at(-2)).toMatch(/pred 1 ✓ 99\.1%\s+pred 3 ✗/);
    expect(lines.at(-1)).toMatch(/true 1\s+true 5/);
  });

  it("plots loss and accuracy per epoch as SVG", () => {
    const history: EpochRecord[] = [0.3, 0.08, 0.05].map((loss, i) => ({
      epoch: i + 1,
      trainLoss: loss,
      testLoss: loss + 0.02,
      testAccuracy: 0.96 + 0.005 * i,
      seconds: 30,
      imagesPerSecond: 270,
    }));
    const svg = renderTrainingPlot(history, "a <title> & more");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("a &lt;title&gt; &amp; more");
    expect(svg.match(/<polyline/g)).toHaveLength(3); // train loss, test loss, test accuracy
    for (const label of ["epoch", "cross-entropy loss", "test accuracy (%)"])
      expect(svg).toContain(label);
    expect(svg).toContain("final test accuracy 97.00%");
    expect(svg).not.toContain("NaN");
  });

  it("parses the command line", () => {
    expect(parseOptions([])).toMatchObject({
      epochs: 5,
      device: "auto",
      batchSize: 64,
      lr: 1e-3,
      seed: 0,
      augment: false,
    });
    expect(parseOptions(["--augment"])).toMatchObject({ epochs: 15, lr: 3e-3, augment: true });
    expect(
      parseOptions(["--epochs", "2", "--batch-size", "32", "--device", "cpu", "--seed", "7"]),
    ).toMatchObject({ epochs: 2, batchSize: 32, device: "cpu", seed: 7 });
    expect(parseOptions(["--help"])).toBeNull();
    expect(() => parseOptions(["--epochs", "0"])).toThrow(/--epochs must be a positive integer/);
    expect(() => parseOptions(["--device", "tpu"])).toThrow(/--device/);
    expect(() => parseOptions(["--bogus"])).toThrow();
  });
});
