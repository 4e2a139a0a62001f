import { DeviceError, DTypeError, ShapeError, TensorError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { checkOptions } from "../../core/options.js";
import { fmtShape } from "../../core/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { full, tensor } from "../../tensor/creation.js";
import { cat, stack } from "../../ops/movement.js";
import { indexSelect } from "../../ops/indexing.js";

/**
 * `torch.nn.utils.rnn`: batches of variable-length sequences, padded (`padSequence`) or packed
 * (`PackedSequence`: the time-major rows of the live sequences at each step, which `nn.RNN`,
 * `nn.LSTM` and `nn.GRU` walk without computing the padding).
 */

/** Reads an int32 CPU tensor (or a JS array) as numbers; `what` names it in the message. */
function intsOf(v: Tensor | readonly number[], op: string, what: string): number[] {
  if (!(v instanceof Tensor)) {
    const list: unknown = v;
    if (!Array.isArray(list) || !list.every((n) => Number.isInteger(n)))
      throw new ValueError(op, `${what} must be an array of integers or an int32 tensor`);
    return (list as number[]).slice();
  }
  if (v.ndim !== 1 || v.dtype !== "int32")
    throw new DTypeError(
      op,
      `${what} must be a 1-D int32 tensor; got a ${v.ndim}-D ${v.dtype} tensor`,
    );
  // NOTE: as PyTorch, which wants lengths and batch sizes on the CPU: the loop needs them as numbers
  if (v.device !== "cpu")
    throw new DeviceError(op, `${what} must be a CPU tensor (read synchronously); got ${v.device}`);
  return Array.from(v.dataSync());
}

/** `perm`'s inverse: `inv[perm[i]] = i`. */
function invert(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/**
 * A batch of variable-length sequences in the packed layout, as PyTorch's `PackedSequence`:
 * `data` holds, step by step, the rows of the sequences still running at that step, the
 * sequences sorted by decreasing length; `batchSizes[t]` is how many run at step `t`.
 * `sortedIndices` maps the sorted order to the original batch (`null` when the batch was already
 * sorted) and `unsortedIndices` is its inverse.
 *
 * It owns its tensors: `dispose()` frees them. `batchSizes` is an int32 tensor on the CPU (as in
 * PyTorch); the indices live on `data`'s device.
 *
 * Shapes: data `(sum(batchSizes), *)`, batchSizes `(T)`, sortedIndices and unsortedIndices `(B)`.
 *
 * @example
 * const packed = nn.utils.rnn.packPaddedSequence(x, [5, 3, 2]);
 * const [out, hn] = rnn.forward(packed);
 * const [padded, lengths] = nn.utils.rnn.padPackedSequence(out);
 */
export class PackedSequence {
  readonly data: Tensor;
  readonly batchSizes: Tensor;
  readonly sortedIndices: Tensor | null;
  readonly unsortedIndices: Tensor | null;
  readonly #sizes: readonly number[];
  #unsorted: readonly number[] | null;

  /**
   * Wraps the tensors given (which the packed sequence then owns). `batchSizes` must be a 1-D
   * int32 CPU tensor of non-increasing sizes; `unsortedIndices`, when not given, is computed from
   * `sortedIndices` (which must then be on the CPU).
   */
  constructor(
    data: Tensor,
    batchSizes: Tensor,
    sortedIndices: Tensor | null = null,
    unsortedIndices: Tensor | null = null,
  ) {
    const op = "PackedSequence";
    if (!(data instanceof Tensor)) throw new TensorError(op, "data must be a Tensor");
    const sizes = intsOf(batchSizes, op, "batchSizes");
    const rows = sizes.reduce((a, b) => a + b, 0);
    if (
      sizes.length === 0 ||
      data.ndim === 0 ||
      data.shape[0] !== rows ||
      sizes.some((s, i) => s < (sizes[i + 1] ?? 1))
    )
      throw new ShapeError(
        op,
        `expected non-increasing positive batchSizes that sum to data's first dim; got batchSizes [${sizes.join(", ")}] for data ${fmtShape(data.shape)}`,
      );
    let unsorted: number[] | null = null;
    if (sortedIndices) {
      if (unsortedIndices === null) {
        unsorted = invert(intsOf(sortedIndices, op, "sortedIndices"));
        unsortedIndices = tensor(Int32Array.from(unsorted), { device: sortedIndices.device });
      } else if (unsortedIndices.device === "cpu")
        unsorted = intsOf(unsortedIndices, op, "unsortedIndices");
    }
    this.data = data;
    this.batchSizes = batchSizes;
    this.sortedIndices = sortedIndices;
    this.unsortedIndices = sortedIndices ? unsortedIndices : null;
    this.#sizes = sizes;
    this.#unsorted = unsorted;
  }

  /** @internal Builds one from plain numbers: the indices go to `data`'s device. */
  static fromArrays(data: Tensor, sizes: readonly number[], sorted: readonly number[] | null) {
    const dev = { device: data.device };
    const unsorted = sorted ? invert(sorted) : null;
    const ps = new PackedSequence(
      data,
      tensor(Int32Array.from(sizes)),
      sorted ? tensor(Int32Array.from(sorted), dev) : null,
      unsorted ? tensor(Int32Array.from(unsorted), dev) : null,
    );
    ps.#unsorted = unsorted;
    return ps;
  }

  /** The batch sizes as numbers (what the recurrence loops over). */
  get batchSizesArray(): readonly number[] {
    return this.#sizes;
  }

  /** @internal The inverse permutation as numbers, when known (indices given on the CPU or made here). */
  get unsortedArray(): readonly number[] | null {
    return this.#unsorted;
  }

  /**
   * A new packed sequence with `data` replaced (and new handles on the same batch sizes and
   * indices), as PyTorch's `_replace(data=...)`: what a recurrent module returns.
   */
  withData(data: Tensor): PackedSequence {
    const ps = new PackedSequence(
      data,
      this.batchSizes.detach(),
      this.sortedIndices?.detach() ?? null,
      this.unsortedIndices?.detach() ?? null,
    );
    ps.#unsorted = this.#unsorted;
    return ps;
  }

  /** Frees the four tensors. */
  dispose(): void {
    for (const t of [this.data, this.batchSizes, this.sortedIndices, this.unsortedIndices])
      t?.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    return `PackedSequence(data=${fmtShape(this.data.shape)}, batch_sizes=[${this.#sizes.join(", ")}])`;
  }
}

function checkSeqs(seqs: readonly Tensor[], op: string): void {
  const list: unknown = seqs;
  if (!Array.isArray(list) || list.length === 0)
    throw new ValueError(op, "expected a non-empty array of tensors");
  const first = seqs[0]!;
  if (!(first instanceof Tensor)) throw new TensorError(op, "sequence 0 is not a Tensor");
  for (const [i, s] of seqs.entries()) {
    if (!(s instanceof Tensor)) throw new TensorError(op, `sequence ${i} is not a Tensor`);
    if (
      s.ndim === 0 ||
      s.ndim !== first.ndim ||
      s.shape.slice(1).some((d, j) => d !== first.shape[j + 1])
    )
      throw new ShapeError(
        op,
        `every sequence must be (L, *) with the same trailing dims; got ${fmtShape(first.shape)} and ${fmtShape(s.shape)} (sequence ${i})`,
      );
  }
}

/** `x` along dim 0, padded with `value` to `length` rows. */
function padRows(x: Tensor, length: number, value: number): Tensor {
  const rows = x.shape[0]!;
  if (rows === length) return x;
  const pad = full([length - rows, ...x.shape.slice(1)], value, {
    dtype: x.dtype,
    device: x.device,
  });
  return cat([x, pad], 0);
}

/**
 * Pads a list of sequences `(L_i, *)` to the longest and stacks them, as PyTorch's
 * `pad_sequence`: `(maxL, B, *)`, or `(B, maxL, *)` with `batchFirst`.
 *
 * @example
 * nn.utils.rnn.padSequence([torch.ones([3, 2]), torch.ones([1, 2])]).shape; // [3, 2, 2]
 */
export function padSequence(
  sequences: readonly Tensor[],
  options: { batchFirst?: boolean; paddingValue?: number } = {},
): Tensor {
  const op = "padSequence";
  checkOptions(op, options, { batchFirst: "boolean", paddingValue: "number" }, { argument: 2 });
  checkSeqs(sequences, op);
  const maxLen = Math.max(...sequences.map((s) => s.shape[0]!));
  return tidy(() =>
    stack(
      sequences.map((s) => padRows(s, maxLen, options.paddingValue ?? 0)),
      options.batchFirst ? 0 : 1,
    ),
  );
}

/**
 * Packs a padded batch `(T, B, *)` (`(B, T, *)` with `batchFirst`) of sequences of the given
 * lengths, as PyTorch's `pack_padded_sequence`. With `enforceSorted` (the default) the lengths
 * must be non-increasing; with `enforceSorted: false` the batch is sorted here and the order kept in
 * `sortedIndices`, so that a module's final states come back in the original order. `lengths` is
 * an array of numbers or a 1-D int32 CPU tensor.
 *
 * @example
 * const packed = nn.utils.rnn.packPaddedSequence(x, [2, 5, 3], { enforceSorted: false });
 */
export function packPaddedSequence(
  input: Tensor,
  lengths: Tensor | readonly number[],
  options: { batchFirst?: boolean; enforceSorted?: boolean } = {},
): PackedSequence {
  const op = "packPaddedSequence";
  checkOptions(op, options, { batchFirst: "boolean", enforceSorted: "boolean" }, { argument: 3 });
  if (!(input instanceof Tensor)) throw new TensorError(op, "input must be a Tensor");
  const lens = intsOf(lengths, op, "lengths");
  const batchDim = options.batchFirst ? 0 : 1;
  if (input.ndim < 2)
    throw new ShapeError(
      op,
      `expected a padded input (T, B, *) or (B, T, *); got ${fmtShape(input.shape)}`,
    );
  const [B, T] = [input.shape[batchDim]!, input.shape[1 - batchDim]!];
  if (lens.length !== B)
    throw new ShapeError(
      op,
      `expected ${B} lengths (one per sequence of the batch ${fmtShape(input.shape)}); got ${lens.length}`,
    );
  if (lens.some((l) => l <= 0))
    throw new ValueError(
      op,
      `the length of every sequence must be greater than 0; got [${lens.join(", ")}]`,
    );
  if (lens.some((l) => l > T))
    throw new ShapeError(
      op,
      `a length exceeds the padded length ${T} of ${fmtShape(input.shape)}; got [${lens.join(", ")}]`,
    );
  let sorted: number[] | null = null;
  if (options.enforceSorted ?? true) {
    if (lens.some((l, i) => i > 0 && l > lens[i - 1]!))
      throw new ValueError(
        op,
        `lengths must be sorted in decreasing order when enforceSorted is true (pass enforceSorted: false to sort them here); got [${lens.join(", ")}]`,
      );
  } else {
    // a stable sort, as PyTorch's (equal lengths keep their order)
    sorted = lens.map((_, i) => i).sort((a, b) => lens[b]! - lens[a]! || a - b);
  }
  const sortedLens = sorted ? sorted.map((i) => lens[i]!) : lens;
  const sizes: number[] = [];
  for (let t = 0; t < sortedLens[0]!; t++) sizes.push(sortedLens.filter((l) => l > t).length);
  const data = tidy(() => {
    let x = input;
    if (sorted) {
      const idx = tensor(Int32Array.from(sorted), { device: input.device });
      x = indexSelect(x, batchDim, idx);
    }
    if (options.batchFirst) x = x.transpose(0, 1);
    return cat(
      sizes.map((bs, t) => x.select(0, t).narrow(0, 0, bs)),
      0,
    );
  });
  return PackedSequence.fromArrays(data, sizes, sorted);
}

/**
 * Unpacks a packed sequence to a padded batch, as PyTorch's `pad_packed_sequence`: returns
 * `[padded, lengths]`, padded `(T, B, *)` (`(B, T, *)` with `batchFirst`; `T` is `totalLength` when
 * given) in the original batch order, and lengths a 1-D int32 CPU tensor.
 *
 * @example
 * const [padded, lengths] = nn.utils.rnn.padPackedSequence(out, { batchFirst: true });
 */
export function padPackedSequence(
  sequence: PackedSequence,
  options: { batchFirst?: boolean; paddingValue?: number; totalLength?: number } = {},
): [Tensor, Tensor] {
  const op = "padPackedSequence";
  checkOptions(
    op,
    options,
    { batchFirst: "boolean", paddingValue: "number", totalLength: "int" },
    { argument: 2 },
  );
  if (!(sequence instanceof PackedSequence)) throw new TensorError(op, "expected a PackedSequence");
  const sizes = sequence.batchSizesArray;
  const T = sizes.length;
  const B = sizes[0]!;
  const totalLength = options.totalLength ?? T;
  if (totalLength < T)
    throw new ValueError(
      op,
      `expected totalLength to be at least the length of the longest sequence (${T}); got totalLength=${totalLength}`,
    );
  const value = options.paddingValue ?? 0;
  const unsorted = sequence.unsortedIndices;
  let unsortedNums: readonly number[] | null = null;
  if (unsorted) {
    unsortedNums = sequence.unsortedArray;
    if (!unsortedNums)
      throw new DeviceError(
        op,
        `the lengths are returned on the CPU, which needs unsortedIndices there too; got them on ${unsorted.device}`,
      );
  }
  const padded = tidy(() => {
    const rows: Tensor[] = [];
    let offset = 0;
    for (const bs of sizes) {
      rows.push(padRows(sequence.data.narrow(0, offset, bs), B, value));
      offset += bs;
    }
    let out = padRows(stack(rows, 0), totalLength, value);
    if (unsorted) out = indexSelect(out, 1, unsorted);
    return options.batchFirst ? out.transpose(0, 1) : out;
  });
  const sortedLens = Array.from({ length: B }, (_, b) => sizes.filter((s) => s > b).length);
  const lens = unsortedNums ? unsortedNums.map((i) => sortedLens[i]!) : sortedLens;
  return [padded, tensor(Int32Array.from(lens))];
}

/**
 * Packs a list of sequences `(L_i, *)`, as PyTorch's `pack_sequence`: `padSequence` then
 * `packPaddedSequence` with their lengths.
 *
 * @example
 * const packed = nn.utils.rnn.packSequence([a, b, c], { enforceSorted: false });
 */
export function packSequence(
  sequences: readonly Tensor[],
  options: { enforceSorted?: boolean } = {},
): PackedSequence {
  const op = "packSequence";
  checkOptions(op, options, { enforceSorted: "boolean" }, { argument: 2 });
  checkSeqs(sequences, op);
  const padded = padSequence(sequences);
  try {
    return packPaddedSequence(
      padded,
      sequences.map((s) => s.shape[0]!),
      options,
    );
  } finally {
    padded.dispose();
  }
}
