/**
 * torch.data: TensorDataset, Subset, ConcatDataset, randomSplit, defaultCollate and the
 * DataLoader (batching, dropLast, seeded and global shuffles, one pass over every sample per epoch,
 * the batch-at-a-time indexSelect path, prefetching async iteration, and a constant number of live
 * tensors through an epoch, a break and a throw). Every test checks that it leaks nothing.
 */
import { describe, expect, it, vi } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const { DataLoader, TensorDataset, Subset, ConcatDataset, randomSplit, defaultCollate, Dataset } =
  torch.data;

/** The message of what `fn` throws. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

/** `n` samples: images [n, 2, 3] where sample i is filled with i, labels [n] = i (int32). */
function makeDataset(n: number): torch.data.TensorDataset<[Tensor, Tensor]> {
  const images = torch.tidy(() =>
    torch.arange(n, { dtype: "float32" }).view(n, 1, 1).expand(n, 2, 3).contiguous(),
  );
  return new TensorDataset(images, torch.arange(n));
}

function labelsOf(loader: Iterable<[Tensor, Tensor]>): number[][] {
  const out: number[][] = [];
  for (const [, y] of loader) out.push(Array.from(y.dataSync()));
  return out;
}

describe("TensorDataset", () => {
  withLeakCheck();

  it("gives views of row i, has a length and keeps its tensors", () => {
    const ds = makeDataset(5);
    expect(ds.length).toBe(5);
    expect(ds.tensors.length).toBe(2);
    const [x, y] = ds.get(3);
    expect(x.shape).toEqual([2, 3]);
    expect(x.storage).toBe(ds.tensors[0].storage); // a view, no copy
    expect(Array.from(x.dataSync())).toEqual([3, 3, 3, 3, 3, 3]);
    expect(y.itemSync()).toBe(3);
    const [lastX, last] = ds.get(-1);
    expect(last.itemSync()).toBe(4);
    for (const t of [x, y, lastX, last]) t.dispose();
    ds.dispose();
  });

  it("makes a batch with one indexSelect per tensor", () => {
    const ds = makeDataset(6);
    const [x, y] = ds.getBatch([4, 0, 4]);
    expect(x.shape).toEqual([3, 2, 3]);
    expect(Array.from(y.dataSync())).toEqual([4, 0, 4]);
    expect(Array.from(x.dataSync()).filter((_, i) => i % 6 === 0)).toEqual([4, 0, 4]);
    x.dispose();
    y.dispose();
    ds.dispose();
  });

  it("rejects bad tensors and indices", () => {
    const a = torch.zeros([4, 2]);
    const b = torch.zeros([3]);
    const s = torch.tensor(1);
    expect(errorOf(() => new TensorDataset(a, b))).toBe(
      "TensorDataset: size mismatch between tensors: tensor 0 has 4 samples ([4, 2]) but tensor 1 has 3 ([3])",
    );
    expect(errorOf(() => new TensorDataset(a, s))).toBe(
      "TensorDataset: tensor 1 is 0-d; every tensor needs a first dim of samples",
    );
    expect(errorOf(() => new TensorDataset())).toBe(
      "TensorDataset: expected at least one tensor; got none",
    );
    const ds = new TensorDataset(a);
    expect(errorOf(() => ds.get(4))).toBe(
      "TensorDataset.get: index 4 is out of range for a dataset of length 4",
    );
    expect(errorOf(() => ds.get(1.5))).toBe("TensorDataset.get: index must be an integer; got 1.5");
    expect(errorOf(() => ds.getBatch([0, -5]))).toBe(
      "TensorDataset.getBatch: index -5 is out of range for a dataset of length 4",
    );
    for (const t of [a, b, s]) t.dispose();
  });
});

describe("DataLoader", () => {
  withLeakCheck();

  it("batches in order, with a short last batch or dropLast", () => {
    const ds = makeDataset(10);
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const shapes: number[][] = [];
    for (const [x, y] of loader) {
      shapes.push([...x.shape]);
      expect(y.dtype).toBe("int32");
    }
    expect(shapes).toEqual([
      [4, 2, 3],
      [4, 2, 3],
      [2, 2, 3],
    ]);
    expect(labelsOf(loader)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const dropping = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropping.length).toBe(2);
    expect(labelsOf(dropping)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(new DataLoader(ds).length).toBe(10);
    expect(new DataLoader(ds, { batchSize: 5, dropLast: true }).length).toBe(2);
    ds.dispose();
  });

  it("collates x as images[idx] and y as labels[idx], without calling get()", () => {
    const ds = makeDataset(12);
    const get = vi.spyOn(ds, "get");
    const loader = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 3 });
    for (const [x, y] of loader) {
      const labels = Array.from(y.dataSync());
      const firstPixels = Array.from(x.dataSync()).filter((_, i) => i % 6 === 0);
      expect(firstPixels).toEqual(labels);
    }
    expect(get).not.toHaveBeenCalled();
    ds.dispose();
  });

  it("visits every sample exactly once per epoch, in a new order each epoch", () => {
    const ds = makeDataset(50);
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 11 });
    const epochs = [labelsOf(loader).flat(), labelsOf(loader).flat(), labelsOf(loader).flat()];
    for (const e of epochs) expect([...e].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[1]).not.toEqual(epochs[2]);
    expect(epochs[0]).not.toEqual([...Array(50).keys()]);
    expect(loader.epoch).toBe(3);
    ds.dispose();
  });

  it("shuffles from seed + epoch, without touching the global generator", () => {
    const ds = makeDataset(40);
    const a = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 5 });
    const b = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 5 });
    const c = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 6 });
    torch.manualSeed(123);
    const state = torch.getRngState();
    const a0 = labelsOf(a);
    expect(torch.getRngState()).toEqual(state);
    torch.randn([3]).dispose(); // other random draws do not change the loader's order
    const a1 = labelsOf(a);
    expect(labelsOf(b)).toEqual(a0);
    expect(labelsOf(b)).toEqual(a1);
    expect(labelsOf(c)).toEqual(a1); // epoch 0 of seed 6 is epoch 1 of seed 5
    // resuming: setting the epoch picks its order
    b.epoch = 1;
    expect(labelsOf(b)).toEqual(a1);
    ds.dispose();
  });

  it("shuffles from the global generator without a seed (reproducible with manualSeed)", () => {
    const ds = makeDataset(30);
    const loader = new DataLoader(ds, { batchSize: 30, shuffle: true });
    torch.manualSeed(7);
    const first = labelsOf(loader)[0];
    torch.manualSeed(7);
    const again = labelsOf(loader)[0];
    expect(again).toEqual(first);
    torch.manualSeed(7);
    const perm = torch.randperm(30);
    expect(Array.from(perm.dataSync())).toEqual(first);
    perm.dispose();
    expect(labelsOf(loader)[0]).not.toEqual(first);
    ds.dispose();
  });

  it("holds a constant number of live tensors through an epoch, and none after it", () => {
    const ds = makeDataset(64);
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 0 });
    const before = torch.memory().numTensors;
    const inside: number[] = [];
    for (const [x, y] of loader) {
      // work made in the loop is the loop's to free
      torch.tidy(() => {
        x.mul(2).sum();
      });
      void y;
      inside.push(torch.memory().numTensors);
    }
    expect(inside.length).toBe(8);
    expect(new Set(inside).size).toBe(1);
    expect(inside[0]).toBe(before + 2);
    expect(torch.memory().numTensors).toBe(before);
    ds.dispose();
  });

  it("frees the current batch on break and on a throw", () => {
    const ds = makeDataset(20);
    const loader = new DataLoader(ds, { batchSize: 4 });
    const before = torch.memory();
    let kept: Tensor | null = null;
    for (const [x] of loader) {
      kept = x;
      break;
    }
    expect(kept!.isDisposed).toBe(true);
    expect(torch.memory().numTensors).toBe(before.numTensors);
    expect(() => {
      for (const [x] of loader) if (x.shape[0] === 4) throw new Error("boom");
    }).toThrow("boom");
    expect(torch.memory().numTensors).toBe(before.numTensors);
    expect(torch.memory().numStorages).toBe(before.numStorages);
    ds.dispose();
  });

  it("a batch to keep is cloned", () => {
    const ds = makeDataset(6);
    let copy: Tensor | null = null;
    for (const [x] of new DataLoader(ds, { batchSize: 3 })) {
      copy ??= x.clone();
    }
    expect(copy!.isDisposed).toBe(false);
    expect(copy!.shape).toEqual([3, 2, 3]);
    copy!.dispose();
    ds.dispose();
  });

  it("for await prefetches the next batch and yields the same batches", async () => {
    const ds = makeDataset(26);
    const loader = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 9 });
    const sync = labelsOf(loader);
    loader.epoch = 0;
    const before = torch.memory().numTensors;
    const asyncLabels: number[][] = [];
    const inside: number[] = [];
    for await (const [x, y] of loader) {
      expect(x.shape[1]).toBe(2);
      asyncLabels.push(Array.from(y.dataSync()));
      inside.push(torch.memory().numTensors);
    }
    expect(asyncLabels).toEqual(sync);
    // two batches (current and next) are alive, except during the last one
    expect(inside).toEqual([...new Array<number>(4).fill(before + 4), before + 2]);
    expect(torch.memory().numTensors).toBe(before);
    for await (const [x] of loader) {
      void x;
      break;
    }
    expect(torch.memory().numTensors).toBe(before);
    ds.dispose();
  });

  it("an empty dataset gives no batches", () => {
    const ds = new TensorDataset(torch.zeros([0, 3]));
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true });
    expect(loader.length).toBe(0);
    expect([...loader].length).toBe(0);
    ds.dispose();
  });

  it("moves batches to options.device", () => {
    const ds = makeDataset(4);
    for (const [x] of new DataLoader(ds, { batchSize: 2, device: "cpu" }))
      expect(x.device).toBe("cpu");
    ds.dispose();
  });

  it("rejects bad options", () => {
    const ds = makeDataset(4);
    expect(errorOf(() => new DataLoader(ds, { batchSize: 0 }))).toBe(
      "DataLoader: invalid batchSize 0 (must be a positive integer)",
    );
    expect(errorOf(() => new DataLoader(ds, { batchSize: 2.5 }))).toBe(
      "DataLoader: invalid batchSize 2.5 (must be a positive integer)",
    );
    expect(errorOf(() => new DataLoader(ds, { seed: -1 }))).toBe(
      "DataLoader: invalid seed -1 (must be a non-negative safe integer)",
    );
    expect(errorOf(() => new DataLoader({} as never))).toBe(
      "DataLoader: expected a dataset with an integer length and a get(i) method",
    );
    const loader = new DataLoader(ds);
    expect(
      errorOf(() => {
        loader.epoch = -1;
      }),
    ).toBe("DataLoader: invalid epoch -1 (must be a non-negative integer)");
    ds.dispose();
  });
});

/** A dataset written by a user: a tensor feature and a number label per sample. */
class Squares extends Dataset<[Tensor, number]> {
  constructor(readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  get(i: number): [Tensor, number] {
    return [torch.tensor([i, i * i], { dtype: "float32" }), i % 3];
  }
}

describe("custom datasets and collation", () => {
  withLeakCheck();

  it("collates [Tensor, number] samples with defaultCollate and frees the samples", () => {
    const loader = new DataLoader(new Squares(7), { batchSize: 3 });
    const batches: [number[], number[]][] = [];
    for (const [x, y] of loader) {
      expect(y.dtype).toBe("int32");
      batches.push([Array.from(x.dataSync()), Array.from(y.dataSync())]);
    }
    expect(batches).toEqual([
      [
        [0, 0, 1, 1, 2, 4],
        [0, 1, 2],
      ],
      [
        [3, 9, 4, 16, 5, 25],
        [0, 1, 2],
      ],
      [[6, 36], [0]],
    ]);
  });

  it("takes a custom collate and frees the sample tensors it did not keep", () => {
    const loader = new DataLoader(new Squares(4), {
      batchSize: 2,
      collate: (samples) => ({
        first: samples[0]![0], // a sample tensor passed through
        labels: samples.map((s) => s[1]),
      }),
    });
    const seen: number[][] = [];
    for (const batch of loader) {
      expect(batch.first.isDisposed).toBe(false);
      seen.push(Array.from(batch.first.dataSync()), batch.labels);
    }
    expect(seen).toEqual([
      [0, 0],
      [0, 1],
      [2, 4],
      [2, 0],
    ]);
  });

  it("defaultCollate handles numbers, booleans, strings, arrays and objects", () => {
    const [one, zero] = [torch.ones([2]), torch.zeros([2])];
    const batch = defaultCollate([
      { x: one, f: 0.5, i: 3, b: true, s: "a", pair: [1, 2.5] },
      { x: zero, f: 1, i: 4, b: false, s: "b", pair: [3, 4] },
    ]);
    expect(one.isDisposed).toBe(false); // the samples stay the caller's
    expect(batch.x.shape).toEqual([2, 2]);
    expect(batch.f.dtype).toBe("float32");
    expect(Array.from(batch.f.dataSync())).toEqual([0.5, 1]);
    expect(batch.i.dtype).toBe("int32");
    expect(batch.b.dtype).toBe("bool");
    expect(batch.s).toEqual(["a", "b"]);
    expect(Array.from(batch.pair[0].dataSync())).toEqual([1, 3]);
    expect(batch.pair[1].dtype).toBe("float32");
    for (const t of [one, zero, batch.x, batch.f, batch.i, batch.b, batch.pair[0], batch.pair[1]])
      t.dispose();
  });

  it("defaultCollate errors name the position", () => {
    const a = torch.zeros([2]);
    const b = torch.zeros([3]);
    expect(errorOf(() => defaultCollate([]))).toBe(
      "defaultCollate: expected at least one sample; got an empty list",
    );
    expect(
      errorOf(() =>
        defaultCollate([
          [a, 1],
          [b, 2],
        ]),
      ),
    ).toBe(
      "defaultCollate: cannot stack the samples at [0]: stack: expects each tensor to be equal size, but got [2] and [3]",
    );
    expect(errorOf(() => defaultCollate([{ y: 1 }, { y: "x" }]))).toBe(
      "defaultCollate: samples differ at y: number and string",
    );
    expect(errorOf(() => defaultCollate([null]))).toBe(
      "defaultCollate: cannot collate samples of type null; pass { collate } to the DataLoader",
    );
    a.dispose();
    b.dispose();
  });
});

describe("Subset, ConcatDataset and randomSplit", () => {
  withLeakCheck();

  it("Subset maps indices and batches through its parent's indexSelect", () => {
    const ds = makeDataset(10);
    const sub = new Subset(ds, [9, 2, 5]);
    expect(sub.length).toBe(3);
    const [x, y] = sub.get(1);
    expect(y.itemSync()).toBe(2);
    x.dispose();
    y.dispose();
    const get = vi.spyOn(ds, "get");
    expect(labelsOf(new DataLoader(sub, { batchSize: 2 }))).toEqual([[9, 2], [5]]);
    expect(get).not.toHaveBeenCalled();
    expect(errorOf(() => new Subset(ds, [0, 10]))).toBe(
      "Subset: index 10 at position 1 is out of range for a dataset of length 10",
    );
    ds.dispose();
  });

  it("ConcatDataset joins datasets end to end", () => {
    const a = makeDataset(3);
    const b = makeDataset(4);
    const both = new ConcatDataset([a, b]);
    expect(both.length).toBe(7);
    expect(both.cumulativeSizes).toEqual([3, 7]);
    expect(labelsOf(new DataLoader(both, { batchSize: 4 }))).toEqual([
      [0, 1, 2, 0],
      [1, 2, 3],
    ]);
    const [x, y] = both.get(-1);
    expect(y.itemSync()).toBe(3);
    x.dispose();
    y.dispose();
    both.get(3).forEach((t) => t.dispose());
    expect(errorOf(() => both.get(7))).toBe(
      "ConcatDataset.get: index 7 is out of range for a dataset of length 7",
    );
    expect(errorOf(() => new ConcatDataset([]))).toBe(
      "ConcatDataset: expected at least one dataset; got none",
    );
    a.dispose();
    b.dispose();
  });

  it("randomSplit cuts by lengths or fractions into disjoint subsets covering the dataset", () => {
    const ds = makeDataset(100);
    const [train, val] = randomSplit(ds, [80, 20], { seed: 42 });
    expect([train!.length, val!.length]).toEqual([80, 20]);
    const all = [...train!.indices, ...val!.indices].sort((p, q) => p - q);
    expect(all).toEqual([...Array(100).keys()]);
    expect(randomSplit(ds, [0.8, 0.2], { seed: 42 }).map((s) => s.indices)).toEqual([
      train!.indices,
      val!.indices,
    ]);
    // fractions: floors 5, 3, 2 of 11 leave one sample, which goes to the first subset
    const small = makeDataset(11);
    expect(randomSplit(small, [0.5, 0.3, 0.2], { seed: 0 }).map((s) => s.length)).toEqual([
      6, 3, 2,
    ]);
    small.dispose();
    ds.dispose();
  });

  it("randomSplit is deterministic with a seed and reproducible with manualSeed without one", () => {
    const ds = makeDataset(50);
    torch.manualSeed(1);
    const state = torch.getRngState();
    const a = randomSplit(ds, [25, 25], { seed: 7 });
    expect(torch.getRngState()).toEqual(state);
    const b = randomSplit(ds, [25, 25], { seed: 7 });
    const c = randomSplit(ds, [25, 25], { seed: 8 });
    expect(b[0]!.indices).toEqual(a[0]!.indices);
    expect(c[0]!.indices).not.toEqual(a[0]!.indices);
    torch.manualSeed(3);
    const g1 = randomSplit(ds, [30, 20]);
    torch.manualSeed(3);
    const g2 = randomSplit(ds, [30, 20]);
    expect(g2[1]!.indices).toEqual(g1[1]!.indices);
    ds.dispose();
  });

  it("randomSplit rejects lengths that do not fit", () => {
    const ds = makeDataset(10);
    expect(errorOf(() => randomSplit(ds, [8, 1]))).toBe(
      "randomSplit: the lengths [8, 1] sum to 9, but the dataset has 10 samples",
    );
    expect(errorOf(() => randomSplit(ds, [0.5, 0.4]))).toBe(
      "randomSplit: fractions [0.5, 0.4] sum to 0.9; they must sum to 1 (or give integer lengths)",
    );
    expect(errorOf(() => randomSplit(ds, [-1, 11]))).toBe(
      "randomSplit: invalid length -1 at position 0 (lengths are non-negative integers, or fractions that sum to 1)",
    );
    expect(errorOf(() => randomSplit(ds, []))).toBe(
      "randomSplit: expected at least one length; got none",
    );
    expect(errorOf(() => randomSplit(ds, [5, 5], { seed: 1.5 }))).toBe(
      "randomSplit: invalid seed 1.5 (must be a non-negative safe integer)",
    );
    ds.dispose();
  });
});
