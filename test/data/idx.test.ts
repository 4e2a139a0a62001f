/**
 * torch.datasets.MNIST from the official IDX format: small IDX files that the test writes, plain
 * and gzipped, in a folder (also torchvision's MNIST/raw layout), bytes through `fromIdx` and
 * `fromIdxAsync`, both gunzip paths (node:zlib and DecompressionStream), and every bad-file error
 * with its exact message, none of which may leave a tensor behind.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import { afterAll, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { gunzipStream } from "../../src/datasets/idx.js";
import { withLeakCheck } from "../util/leaks.js";

const { MNIST, parseIdx } = torch.datasets;

/** An IDX file of unsigned bytes: magic 0x0000 08 <ndims>, big-endian sizes, then the data. */
function idx(dims: number[], data: ArrayLike<number>, magic = 0x0800 | dims.length): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** n images of 28 x 28 with pixel (s, k) = (s * 31 + k) % 256, and labels s % 10. */
function sample(n: number): { images: Uint8Array; labels: Uint8Array; pixels: number[] } {
  const pixels = Array.from({ length: n * 784 }, (_, i) => (Math.floor(i / 784) * 31 + i) % 256);
  const labels = Array.from({ length: n }, (_, s) => s % 10);
  return { images: idx([n, 28, 28], pixels), labels: idx([n], labels), pixels };
}

async function errorOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

const dirs: string[] = [];
function folder(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "webtorch-mnist-"));
  dirs.push(dir);
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("MNIST from IDX files", () => {
  withLeakCheck();

  it("fromIdx reads images as byte / 255 float32 and labels as int32", () => {
    const { images, labels, pixels } = sample(5);
    const ds = MNIST.fromIdx(images, labels);
    expect(ds.length).toBe(5);
    expect(ds.images.shape).toEqual([5, 1, 28, 28]);
    expect(ds.images.dtype).toBe("float32");
    expect(ds.labels.dtype).toBe("int32");
    expect(Array.from(ds.labels.dataSync())).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(ds.images.dataSync())).toEqual(pixels.map((p) => Math.fround(p / 255)));
    const [x, y] = ds.get(2);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(y.itemSync()).toBe(2);
    x.dispose();
    y.dispose();
    ds.dispose();
  });

  it("load({ root }) reads the train and test files, plain or gzipped", async () => {
    const a = sample(7);
    const b = sample(3);
    const root = folder({
      "train-images-idx3-ubyte.gz": gzipSync(a.images),
      "train-labels-idx1-ubyte.gz": gzipSync(a.labels),
      "t10k-images-idx3-ubyte": b.images,
      "t10k-labels-idx1-ubyte": b.labels,
    });
    const train = await MNIST.load({ root, train: true });
    const test = await MNIST.load({ root, train: false });
    expect(train.length).toBe(7);
    expect(test.length).toBe(3);
    expect(Array.from(train.images.dataSync())).toEqual(a.pixels.map((p) => Math.fround(p / 255)));
    expect(Array.from(test.labels.dataSync())).toEqual([0, 1, 2]);
    train.dispose();
    test.dispose();
  });

  it("load({ root }) also finds torchvision's MNIST/raw layout (train by default)", async () => {
    const a = sample(2);
    const root = folder({
      "MNIST/raw/train-images-idx3-ubyte": a.images,
      "MNIST/raw/train-labels-idx1-ubyte.gz": gzipSync(a.labels),
    });
    const ds = await MNIST.load({ root });
    expect(ds.length).toBe(2);
    ds.dispose();
  });

  it("fromIdxAsync takes gzipped or plain bytes; DecompressionStream gunzips like zlib", async () => {
    const a = sample(4);
    const ds = await MNIST.fromIdxAsync(gzipSync(a.images), a.labels);
    expect(ds.length).toBe(4);
    ds.dispose();
    expect(Array.from(await gunzipStream(gzipSync(a.images)))).toEqual(Array.from(a.images));
  });

  it("parseIdx gives the sizes and a view of the data", () => {
    const bytes = idx([2, 3], [1, 2, 3, 4, 5, 6]);
    const { dims, data } = parseIdx(bytes, 2);
    expect(dims).toEqual([2, 3]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(data.buffer).toBe(bytes.buffer);
  });
});

describe("MNIST bad files", () => {
  withLeakCheck();
  const good = sample(5);

  it("a wrong magic number", async () => {
    const labelsAsImages = idx([5, 28, 28], good.pixels, 0x0801);
    expect(await errorOf(() => MNIST.fromIdx(labelsAsImages, good.labels))).toBe(
      "MNIST.fromIdx: images: bad magic number 0x00000801; expected 0x00000803 (an IDX file of unsigned bytes with 3 dims)",
    );
    expect(await errorOf(() => MNIST.fromIdx(good.images, good.images))).toBe(
      "MNIST.fromIdx: labels: bad magic number 0x00000803; expected 0x00000801 (an IDX file of unsigned bytes with 1 dim)",
    );
    const floats = idx([5, 28, 28], good.pixels, 0x0d03);
    expect(await errorOf(() => MNIST.fromIdx(floats, good.labels))).toBe(
      "MNIST.fromIdx: images: bad magic number 0x00000D03; expected 0x00000803 (an IDX file of unsigned bytes with 3 dims)",
    );
  });

  it("a truncated file", async () => {
    expect(await errorOf(() => MNIST.fromIdx(good.images.subarray(0, 2), good.labels))).toBe(
      "MNIST.fromIdx: images: truncated: 2 bytes, too short for the magic number of an IDX file of unsigned bytes with 3 dims",
    );
    expect(await errorOf(() => MNIST.fromIdx(good.images.subarray(0, 10), good.labels))).toBe(
      "MNIST.fromIdx: images: truncated: the header needs 16 bytes; the file has 10",
    );
    expect(await errorOf(() => MNIST.fromIdx(good.images.subarray(0, 3016), good.labels))).toBe(
      "MNIST.fromIdx: images: truncated: the header counts 5 x 28 x 28 = 3920 bytes of data; the file has 3000",
    );
    expect(await errorOf(() => MNIST.fromIdx(good.images, good.labels.subarray(0, 11)))).toBe(
      "MNIST.fromIdx: labels: truncated: the header counts 5 = 5 bytes of data; the file has 3",
    );
  });

  it("counts that disagree with the data, or with each other", async () => {
    const longer = new Uint8Array(good.images.length + 10);
    longer.set(good.images);
    expect(await errorOf(() => MNIST.fromIdx(longer, good.labels))).toBe(
      "MNIST.fromIdx: images: the header counts 5 x 28 x 28 = 3920 bytes of data, but the file has 3930 (10 more)",
    );
    const fourLabels = idx([4], [0, 1, 2, 3]);
    expect(await errorOf(() => MNIST.fromIdx(good.images, fourLabels))).toBe(
      "MNIST.fromIdx: images holds 5 images but labels holds 4 labels; they must match",
    );
    const badLabel = idx([5], [0, 1, 2, 12, 4]);
    expect(await errorOf(() => MNIST.fromIdx(good.images, badLabel))).toBe(
      "MNIST.fromIdx: labels: label 12 at index 3 is not a digit 0..9",
    );
  });

  it("gzipped bytes given to the synchronous fromIdx, and gzip that does not decompress", async () => {
    expect(await errorOf(() => MNIST.fromIdx(gzipSync(good.images), good.labels))).toBe(
      "MNIST.fromIdx: images: is gzip-compressed (it starts with 1f 8b); decompress it first, or use await MNIST.fromIdxAsync(images, labels) or MNIST.load({ root })",
    );
    const broken = gzipSync(good.images).subarray(0, 20);
    expect(await errorOf(() => MNIST.fromIdxAsync(broken, good.labels))).toMatch(
      /^MNIST\.fromIdxAsync: images: cannot decompress the gzip data \(.+\)$/,
    );
  });

  it("load({ root }) names the file in its errors", async () => {
    const root = folder({
      "train-images-idx3-ubyte": good.images.subarray(0, 100),
      "train-labels-idx1-ubyte": good.labels,
      "t10k-images-idx3-ubyte.gz": gzipSync(good.images),
      "t10k-labels-idx1-ubyte": idx([6], [0, 1, 2, 3, 4, 5]),
    });
    const trainFile = join(root, "train-images-idx3-ubyte");
    expect(await errorOf(() => MNIST.load({ root }))).toBe(
      `MNIST.load: ${trainFile}: truncated: the header counts 5 x 28 x 28 = 3920 bytes of data; the file has 84`,
    );
    expect(await errorOf(() => MNIST.load({ root, train: false }))).toBe(
      `MNIST.load: ${join(root, "t10k-images-idx3-ubyte.gz")} holds 5 images but ${join(root, "t10k-labels-idx1-ubyte")} holds 6 labels; they must match`,
    );
  });

  it("a folder without the files", async () => {
    const root = folder({ "README.txt": new Uint8Array([1]) });
    expect(await errorOf(() => MNIST.load({ root }))).toBe(
      `MNIST.load: cannot find train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) in ${root} (nor in ${join(root, "MNIST", "raw")})`,
    );
    expect(await errorOf(() => MNIST.load({ root: "" }))).toBe(
      'MNIST.load: root must be a folder path; got ""',
    );
  });

  it("the MNIST constructor checks its tensors", async () => {
    const images = torch.zeros([2, 28, 28]);
    const labels = torch.zeros([2], { dtype: "int32" });
    const floatLabels = torch.zeros([2]);
    const images4 = torch.zeros([2, 1, 28, 28]);
    expect(await errorOf(() => new MNIST(images, labels))).toBe(
      "MNIST: expected images [N, 1, H, W]; got [2, 28, 28]",
    );
    expect(await errorOf(() => new MNIST(images4, floatLabels))).toBe(
      "MNIST: expected int32 labels; got float32",
    );
    for (const t of [images, labels, floatLabels, images4]) t.dispose();
  });
});
