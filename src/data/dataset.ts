import { noGrad } from "../autograd/grad-mode.js";
import { ShapeError, ValueError } from "../core/errors.js";
import { fmtShape } from "../core/shape.js";
import { indexSelect } from "../ops/indexing.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { collectTensors, defaultCollate, disposeTensors, type Collated } from "./collate.js";
import { checkSeed, permutation } from "./sampling.js";

/**
 * Datasets (PyTorch's `torch.utils.data`): a dataset is a length and a `get(i)`; `TensorDataset`
 * wraps tensors that share their first dim, `Subset` and `ConcatDataset` select and join, and
 * `randomSplit` cuts a dataset into seeded random subsets.
 *
 * Ownership: `get(i)` returns tensors that the caller owns (new tensors or views) and disposes;
 * a dataset that keeps tensors hands out views of them (`t.select(0, i)`, `t.detach()`), never the
 * tensors themselves. The `DataLoader` relies on this to free samples after collating them.
 */

/**
 * What a `DataLoader` needs from a dataset: its length and `get(i)`. `getBatch(indices)`, when
 * present, makes a whole collated batch at once (PyTorch's `__getitems__`), for example with one
 * `indexSelect` per tensor instead of one small tensor per sample.
 */
export interface DatasetLike<T> {
  readonly length: number;
  get(index: number): T;
  getBatch?(indices: readonly number[]): Collated<T>;
}

/** `index` as a position in `0..length-1` (negative counts from the end); throws if out of range. */
function normalizeIndex(index: number, length: number, op: string): number {
  if (!Number.isInteger(index)) throw new ValueError(op, `index must be an integer; got ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length)
    throw new ValueError(op, `index ${index} is out of range for a dataset of length ${length}`);
  return i;
}

/**
 * @internal `get` each index, `collate` the samples into a batch, then free the samples' tensors
 * that the batch does not hold (all of them if `collate` throws).
 */
export function collateWith<T, B>(
  dataset: DatasetLike<T>,
  indices: readonly number[],
  collate: (samples: T[]) => B,
): B {
  const samples: T[] = [];
  try {
    for (const i of indices) samples.push(dataset.get(i));
    const batch = collate(samples);
    disposeTensors(samples, collectTensors(batch, new Set()));
    return batch;
  } catch (e) {
    disposeTensors(samples);
    throw e;
  }
}

/** @internal The default `getBatch`: `get` each index, `defaultCollate`, then free the samples. */
export function collateSamples<T>(
  dataset: DatasetLike<T>,
  indices: readonly number[],
): Collated<T> {
  return noGrad(() => collateWith(dataset, indices, defaultCollate<T>));
}

/**
 * A map-style dataset: subclasses give `length` and `get(i)` (PyTorch's `__len__` and
 * `__getitem__`), and may override `getBatch` to make a collated batch faster than sample by
 * sample. `get(i)` returns tensors the caller owns (see the module comment).
 *
 * @example
 * class Squares extends torch.data.Dataset<[torch.Tensor, number]> {
 *   get length() { return 100; }
 *   get(i: number): [torch.Tensor, number] { return [torch.tensor([i]), i * i]; }
 * }
 * const loader = new torch.data.DataLoader(new Squares(), { batchSize: 10 });
 */
export abstract class Dataset<T> implements DatasetLike<T> {
  /** The number of samples. */
  abstract get length(): number;
  /** Sample `index` (0-based; negative counts from the end). */
  abstract get(index: number): T;
  /** The samples at `indices`, collated with `defaultCollate` (the samples are freed). */
  getBatch(indices: readonly number[]): Collated<T> {
    return collateSamples(this, indices);
  }
}

/**
 * A dataset of tensors that share their first dim, as PyTorch's `TensorDataset`: sample `i` is
 * `[t0[i], t1[i], ...]`, as views
 * (no copy). A `DataLoader` batch is one `indexSelect` per tensor. The dataset does not copy its
 * tensors; `dispose()` frees them.
 *
 * tensors: each `[N, ...]`. `get(i)` returns `[t0[i], t1[i], ...]` (views the caller disposes).
 *
 * @example
 * const ds = new torch.data.TensorDataset(torch.randn([100, 3]), torch.arange(100));
 * const [x, y] = ds.get(0); // x: [3], y: [] (views of row 0)
 */
export class TensorDataset<T extends readonly Tensor[] = [Tensor, Tensor]> extends Dataset<T> {
  /** The tensors, as given. */
  readonly tensors: T;
  readonly #length: number;

  constructor(...tensors: T) {
    super();
    if (tensors.length === 0)
      throw new ValueError("TensorDataset", "expected at least one tensor; got none");
    tensors.forEach((t, k) => {
      if (t.ndim === 0)
        throw new ShapeError(
          "TensorDataset",
          `tensor ${k} is 0-d; every tensor needs a first dim of samples`,
        );
    });
    const n = tensors[0]!.shape[0]!;
    tensors.forEach((t, k) => {
      if (t.shape[0] !== n)
        throw new ShapeError(
          "TensorDataset",
          `size mismatch between tensors: tensor 0 has ${n} samples (${fmtShape(tensors[0]!.shape)}) but tensor ${k} has ${t.shape[0]} (${fmtShape(t.shape)})`,
        );
    });
    this.tensors = tensors;
    this.#length = n;
  }

  get length(): number {
    return this.#length;
  }

  /** `[t0[i], t1[i], ...]`: views of row `i` (they share storage; dispose them when done). */
  get(index: number): T {
    const i = normalizeIndex(index, this.#length, "TensorDataset.get");
    return this.tensors.map((t) => t.select(0, i)) as unknown as T;
  }

  /** `[t0[indices], t1[indices], ...]`: one `indexSelect` per tensor (new tensors). */
  override getBatch(indices: readonly number[]): Collated<T> {
    const idx = Int32Array.from(indices, (i) =>
      normalizeIndex(i, this.#length, "TensorDataset.getBatch"),
    );
    return noGrad(() => {
      const byDevice = new Map<string, Tensor>();
      try {
        return this.tensors.map((t) => {
          let index = byDevice.get(t.device);
          if (!index) byDevice.set(t.device, (index = tensor(idx, { device: t.device })));
          return indexSelect(t, 0, index);
        }) as unknown as Collated<T>;
      } finally {
        for (const index of byDevice.values()) index.dispose();
      }
    });
  }

  /** Disposes the dataset's tensors. */
  dispose(): void {
    for (const t of this.tensors) t.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * The samples of `dataset` at `indices`, in that order, as PyTorch's `Subset`: `subset.get(i)` is
 * `dataset.get(indices[i])`. Batches go through the parent's `getBatch` when it has one, so a
 * subset of a `TensorDataset` still makes each batch with one `indexSelect`.
 *
 * @example
 * const evens = new torch.data.Subset(ds, [0, 2, 4, 6]);
 */
export class Subset<T> extends Dataset<T> {
  readonly dataset: DatasetLike<T>;
  readonly indices: readonly number[];

  constructor(dataset: DatasetLike<T>, indices: ArrayLike<number>) {
    super();
    const n = dataset.length;
    const list = Array.from(indices);
    list.forEach((i, k) => {
      if (!Number.isInteger(i) || i < 0 || i >= n)
        throw new ValueError(
          "Subset",
          `index ${i} at position ${k} is out of range for a dataset of length ${n}`,
        );
    });
    this.dataset = dataset;
    this.indices = list;
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    return this.dataset.get(
      this.indices[normalizeIndex(index, this.indices.length, "Subset.get")]!,
    );
  }

  override getBatch(indices: readonly number[]): Collated<T> {
    const mapped = indices.map(
      (i) => this.indices[normalizeIndex(i, this.indices.length, "Subset.getBatch")]!,
    );
    return this.dataset.getBatch
      ? this.dataset.getBatch(mapped)
      : collateSamples(this.dataset, mapped);
  }
}

/**
 * Datasets one after another, as PyTorch's `ConcatDataset`: indices `0..len(a)-1` are `a`'s, the
 * next `len(b)` are `b`'s, ...
 *
 * @example
 * const all = new torch.data.ConcatDataset([train, extra]);
 */
export class ConcatDataset<T> extends Dataset<T> {
  readonly datasets: readonly DatasetLike<T>[];
  /** `cumulativeSizes[k]` is the total length of datasets `0..k`. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: readonly DatasetLike<T>[]) {
    super();
    if (datasets.length === 0)
      throw new ValueError("ConcatDataset", "expected at least one dataset; got none");
    let total = 0;
    this.cumulativeSizes = datasets.map((d) => (total += d.length));
    this.datasets = datasets.slice();
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }

  get(index: number): T {
    const i = normalizeIndex(index, this.length, "ConcatDataset.get");
    // the first dataset whose cumulative size exceeds i (binary search)
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid]! > i) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1]!;
    return this.datasets[lo]!.get(i - start);
  }
}

/**
 * Splits `dataset` into non-overlapping random subsets (PyTorch's `random_split`). `lengths` are
 * sample counts that add up to `dataset.length`, or fractions that add up to 1: each subset gets
 * `floor(fraction * n)` and the samples left over go one each to the first subsets, in order.
 * With `seed` the split uses its own generator and is the same in every run; without it, it draws
 * from the global generator (reproducible after `torch.manualSeed`).
 *
 * @example
 * const [train, val] = torch.data.randomSplit(ds, [8000, 2000], { seed: 42 });
 * const [a, b, c] = torch.data.randomSplit(ds, [0.8, 0.1, 0.1], { seed: 42 });
 */
export function randomSplit<T>(
  dataset: DatasetLike<T>,
  lengths: readonly number[],
  options: { seed?: number } = {},
): Subset<T>[] {
  const op = "randomSplit";
  if (options.seed !== undefined) checkSeed(options.seed, op);
  if (lengths.length === 0) throw new ValueError(op, "expected at least one length; got none");
  lengths.forEach((v, k) => {
    if (!Number.isFinite(v) || v < 0)
      throw new ValueError(
        op,
        `invalid length ${v} at position ${k} (lengths are non-negative integers, or fractions that sum to 1)`,
      );
  });
  const n = dataset.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes: number[];
  if (Math.abs(total - 1) <= 1e-9 && lengths.every((v) => v <= 1)) {
    sizes = lengths.map((f) => Math.floor(n * f));
    const left = n - sizes.reduce((a, b) => a + b, 0);
    for (let k = 0; k < left; k++) sizes[k % sizes.length]!++;
  } else {
    if (!lengths.every(Number.isInteger))
      throw new ValueError(
        op,
        `fractions [${lengths.join(", ")}] sum to ${total}; they must sum to 1 (or give integer lengths)`,
      );
    if (total !== n)
      throw new ValueError(
        op,
        `the lengths [${lengths.join(", ")}] sum to ${total}, but the dataset has ${n} samples`,
      );
    sizes = lengths.slice();
  }
  const perm = permutation(n, options.seed);
  let start = 0;
  return sizes.map((len) => {
    const part = new Subset(dataset, perm.subarray(start, start + len));
    start += len;
    return part;
  });
}
