import type { DeviceName } from "../backends/backend.js";
import { noGrad } from "../autograd/grad-mode.js";
import { ValueError } from "../core/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { disposeTensors, type Collated } from "./collate.js";
import { collateSamples, collateWith, type DatasetLike } from "./dataset.js";
import { checkSeed, permutation } from "./sampling.js";

/** Options of a `DataLoader`, with PyTorch's defaults. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Visit the samples in a new random order every epoch (default false). */
  shuffle?: boolean;
  /** Skip the last batch when it would be smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /**
   * Seed of the shuffle: epoch `e` uses a private generator seeded with `seed + e`, so the order
   * is fixed whatever else draws random numbers. Without it, each epoch's order is drawn from the
   * global generator (reproducible after `torch.manualSeed`).
   */
  seed?: number;
  /**
   * Makes a batch from a list of samples (default: `defaultCollate`, or the dataset's faster
   * `getBatch` when it has one). The loader frees the samples' tensors that the batch does not
   * contain.
   */
  collate?: (samples: T[]) => B;
  /**
   * Moves every batch to this device as it is made; with `for await`, the next batch's upload is
   * issued before the current batch is handed out.
   */
  device?: DeviceName;
}

/**
 * Iterates over a dataset in batches (PyTorch's `torch.utils.data.DataLoader`).
 *
 * `for (const [x, y] of loader)` yields collated batches; for a `TensorDataset` (or a `Subset` of
 * one), each tensor of the batch is one `indexSelect` of the dataset's tensor. Each `for` loop is
 * one epoch; with `shuffle`, epoch `e`'s order comes from `seed + e` (or from the global
 * generator when there is no seed), and every sample appears exactly once per epoch.
 *
 * Memory: the loader owns its batches. It disposes each batch when the loop asks for the next one,
 * and the last one when the loop ends, breaks or throws, so a plain training loop holds a constant
 * number of live tensors. A batch (or a tensor of it) that must outlive its iteration has to be
 * copied: `x.clone()`.
 *
 * `for await (const [x, y] of loader)` prefetches: it makes the next batch before handing out the
 * current one (two batches are alive at a time), which lets a GPU backend upload the next batch
 * while the current one trains.
 *
 * @example
 * const loader = new torch.data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 });
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   for (const [x, y] of loader) {   // x: [64, 1, 28, 28], y: [64] int32
 *     opt.zeroGrad();
 *     const loss = F.crossEntropy(model.forward(x), y);
 *     loss.backward();
 *     opt.step();
 *     loss.dispose();
 *   }
 * }
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: DatasetLike<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number | undefined;
  readonly device: DeviceName | undefined;
  readonly #collate: ((samples: T[]) => B) | undefined;
  #epoch = 0;

  constructor(dataset: DatasetLike<T>, options: DataLoaderOptions<T, B> = {}) {
    const op = "DataLoader";
    if (
      typeof dataset !== "object" ||
      dataset === null ||
      typeof dataset.get !== "function" ||
      !Number.isInteger(dataset.length) ||
      dataset.length < 0
    )
      throw new ValueError(op, "expected a dataset with an integer length and a get(i) method");
    const { batchSize = 1, shuffle = false, dropLast = false, seed, collate, device } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ValueError(op, `invalid batchSize ${batchSize} (must be a positive integer)`);
    if (seed !== undefined) checkSeed(seed, op);
    if (collate !== undefined && typeof collate !== "function")
      throw new ValueError(op, `collate must be a function; got ${typeof collate}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.seed = seed;
    this.device = device;
    this.#collate = collate;
  }

  /** The number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * The number of epochs started so far (each `for` loop over the loader starts one). Setting it
   * chooses the next epoch's seeded order, e.g. when resuming training.
   */
  get epoch(): number {
    return this.#epoch;
  }
  set epoch(e: number) {
    if (!Number.isInteger(e) || e < 0)
      throw new ValueError("DataLoader", `invalid epoch ${e} (must be a non-negative integer)`);
    this.#epoch = e;
  }

  /** This epoch's order of the sample indices (consumes the epoch). */
  #order(): Int32Array {
    const n = this.dataset.length;
    const epoch = this.#epoch++;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    if (this.seed === undefined) return permutation(n);
    const s = this.seed + epoch;
    checkSeed(s, "DataLoader");
    return permutation(n, s);
  }

  /** Batch `b` of `order`: a new batch that the loader owns. */
  #batch(order: Int32Array, b: number): B {
    const start = b * this.batchSize;
    const indices = Array.from(order.subarray(start, start + this.batchSize));
    const batch = this.#collate
      ? collateWith(this.dataset, indices, this.#collate)
      : ((this.dataset.getBatch
          ? noGrad(() => this.dataset.getBatch!(indices))
          : collateSamples(this.dataset, indices)) as B);
    return this.device === undefined ? batch : this.#toDevice(batch, this.device);
  }

  #toDevice(batch: B, device: DeviceName): B {
    const move = (v: unknown): unknown => {
      if (v instanceof Tensor) {
        if (v.device === device) return v;
        const moved = v.to(device);
        v.dispose();
        return moved;
      }
      if (Array.isArray(v)) return v.map(move);
      if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype)
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, move(x)]));
      return v;
    };
    return move(batch) as B;
  }

  /** One epoch, batch by batch; each batch is disposed when the next is asked for. */
  [Symbol.iterator](): Generator<B, void, undefined> {
    return this.#epochSync(this.#order());
  }

  *#epochSync(order: Int32Array): Generator<B, void, undefined> {
    const count = this.length;
    let current: B | undefined;
    try {
      for (let b = 0; b < count; b++) {
        current = this.#batch(order, b);
        yield current;
        disposeTensors(current);
        current = undefined;
      }
    } finally {
      if (current !== undefined) disposeTensors(current);
    }
  }

  /** One epoch with prefetch: the next batch is made before the current one is handed out. */
  [Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    return this.#epochAsync(this.#order());
  }

  async *#epochAsync(order: Int32Array): AsyncGenerator<B, void, undefined> {
    const count = this.length;
    let current: B | undefined;
    let next: B | undefined;
    try {
      if (count > 0) next = this.#batch(order, 0);
      for (let b = 0; b < count; b++) {
        current = next;
        next = undefined;
        if (b + 1 < count) next = this.#batch(order, b + 1);
        yield current!;
        disposeTensors(current);
        current = undefined;
      }
    } finally {
      if (current !== undefined) disposeTensors(current);
      if (next !== undefined) disposeTensors(next);
    }
  }
}
