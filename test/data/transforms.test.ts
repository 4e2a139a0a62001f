/**
 * torch.transforms: normalize (bit-exact against the float32 sub-then-div torchvision does),
 * randomCrop with padding (shape kept, content shifted by whole pixels, zeros shifted in),
 * randomAffine (the identity at 0 degrees and no shift, clockwise 90-degree rotation, integer
 * shifts, bilinear weights), compose, reproducibility with manualSeed, speed, errors and leaks.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const T = torch.transforms;

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

/** [n, c, h, w] float32 where pixel (y, x) of every channel of sample s holds 1 + y * w + x. */
function ids(n: number, c: number, h: number, w: number): Tensor {
  const data = new Float32Array(n * c * h * w);
  for (let i = 0; i < data.length; i++) data[i] = 1 + (i % (h * w));
  return torch.tensor(data, { shape: [n, c, h, w] });
}

/**
 * The shift (dy, dx) that maps each image of `ids` input onto `out` (out[y][x] = in[y - dy][x - dx],
 * 0 where that falls outside), checked at every pixel and channel.
 */
function shifts(out: Tensor, h: number, w: number): [number, number][] {
  const [n, c] = out.shape as [number, number];
  const d = out.dataSync();
  const result: [number, number][] = [];
  for (let s = 0; s < n; s++) {
    const base = s * c * h * w;
    let shift: [number, number] | null = null;
    for (let k = 0; k < h * w && !shift; k++) {
      const v = d[base + k]!;
      if (v !== 0) {
        const src = v - 1;
        shift = [Math.floor(k / w) - Math.floor(src / w), (k % w) - (src % w)];
      }
    }
    expect(shift, `sample ${s} is all zeros`).not.toBeNull();
    const [dy, dx] = shift!;
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const sy = y - dy;
          const sx = x - dx;
          const want = sy >= 0 && sy < h && sx >= 0 && sx < w ? 1 + sy * w + sx : 0;
          expect(d[base + ch * h * w + y * w + x]).toBe(want);
        }
    result.push([dy, dx]);
  }
  return result;
}

describe("normalize", () => {
  withLeakCheck();

  it("is (x - mean[c]) / std[c] in float32, bit for bit", () => {
    torch.manualSeed(0);
    const x = torch.rand([3, 2, 4, 5]);
    const mean = [0.1307, 0.5];
    const std = [0.3081, 0.25];
    const y = T.normalize(mean, std)(x);
    expect(y.shape).toEqual([3, 2, 4, 5]);
    expect(y.dtype).toBe("float32");
    const xs = x.dataSync();
    const ys = y.dataSync();
    for (let i = 0; i < xs.length; i++) {
      const c = Math.floor(i / 20) % 2;
      const want = Math.fround(Math.fround(xs[i]! - Math.fround(mean[c]!)) / Math.fround(std[c]!));
      expect(ys[i]).toBe(want);
    }
    x.dispose();
    y.dispose();
  });

  it("takes one number for every channel", () => {
    const x = torch.full([1, 3, 2, 2], 0.5);
    const y = T.normalize(0.5, 0.25)(x);
    expect(Array.from(y.dataSync())).toEqual(Array(12).fill(0));
    x.dispose();
    y.dispose();
  });

  it("rejects bad arguments", () => {
    const x = torch.zeros([2, 3, 4, 4]);
    const flat = torch.zeros([28, 28]);
    const ints = torch.zeros([1, 1, 2, 2], { dtype: "int32" });
    expect(errorOf(() => T.normalize([0.5, 0.5], [1, 1])(x))).toBe(
      "normalize: mean has 2 values but the images [2, 3, 4, 4] have 3 channels",
    );
    expect(errorOf(() => T.normalize(0, [1, 0]))).toBe(
      "normalize: std must be non-zero; got [1, 0]",
    );
    expect(errorOf(() => T.normalize([], 1))).toBe(
      "normalize: mean must be finite numbers; got []",
    );
    expect(errorOf(() => T.normalize(0, 1)(flat))).toBe(
      "normalize: expected images [N, C, H, W]; got shape [28, 28]",
    );
    expect(errorOf(() => T.normalize(0, 1)(ints))).toBe(
      "normalize: expected floating-point images; got int32",
    );
    for (const t of [x, flat, ints]) t.dispose();
  });
});

describe("randomCrop", () => {
  withLeakCheck();

  it("with padding keeps the shape and shifts each image by up to the padding", () => {
    const x = ids(32, 2, 6, 7);
    torch.manualSeed(0);
    const y = T.randomCrop([6, 7], { padding: 2 })(x);
    expect(y.shape).toEqual([32, 2, 6, 7]);
    const s = shifts(y, 6, 7);
    for (const [dy, dx] of s) {
      expect(Math.abs(dy)).toBeLessThanOrEqual(2);
      expect(Math.abs(dx)).toBeLessThanOrEqual(2);
    }
    // the shifts vary from image to image and cover the range
    const seen = new Set(s.map(([dy, dx]) => `${dy},${dx}`));
    expect(seen.size).toBeGreaterThan(10);
    expect(new Set(s.map(([dy]) => dy))).toEqual(new Set([-2, -1, 0, 1, 2]));
    x.dispose();
    y.dispose();
  });

  it("is reproducible with manualSeed and differs between draws", () => {
    const x = ids(8, 1, 28, 28);
    const crop = T.randomCrop(28, { padding: 4 });
    torch.manualSeed(5);
    const a = crop(x);
    torch.manualSeed(5);
    const b = crop(x);
    const c = crop(x);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(c.dataSync())).not.toEqual(Array.from(a.dataSync()));
    for (const t of [x, a, b, c]) t.dispose();
  });

  it("without padding, the full size is the identity and a smaller size is a window", () => {
    const x = ids(4, 1, 5, 5);
    const same = T.randomCrop(5)(x);
    expect(Array.from(same.dataSync())).toEqual(Array.from(x.dataSync()));
    const win = T.randomCrop([2, 3])(x);
    expect(win.shape).toEqual([4, 1, 2, 3]);
    const d = win.dataSync();
    for (let s = 0; s < 4; s++) {
      const top = Math.floor((d[s * 6]! - 1) / 5);
      const left = (d[s * 6]! - 1) % 5;
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++) expect(d[s * 6 + i * 3 + j]).toBe(1 + (top + i) * 5 + left + j);
    }
    for (const t of [x, same, win]) t.dispose();
  });

  it("pads with fill, and takes [leftRight, topBottom] padding", () => {
    const x = torch.ones([16, 1, 3, 3]);
    torch.manualSeed(2);
    const y = T.randomCrop(3, { padding: [1, 0], fill: -1 })(x);
    const d = y.dataSync();
    for (let s = 0; s < 16; s++) {
      // no vertical padding: only whole columns of fill can appear
      for (let j = 0; j < 3; j++) {
        const col = [0, 1, 2].map((i) => d[s * 9 + i * 3 + j]);
        expect(new Set(col).size).toBe(1);
        expect([1, -1]).toContain(col[0]);
      }
    }
    expect(Array.from(d)).toContain(-1);
    x.dispose();
    y.dispose();
  });

  it("rejects bad arguments", () => {
    const x = torch.zeros([1, 1, 4, 4]);
    expect(errorOf(() => T.randomCrop(6, { padding: 0 })(x))).toBe(
      "randomCrop: crop size [6, 6] is larger than the padded image [4, 4]",
    );
    expect(errorOf(() => T.randomCrop(0))).toBe(
      "randomCrop: size must be positive integers; got 0",
    );
    expect(errorOf(() => T.randomCrop(4, { padding: -1 }))).toBe(
      "randomCrop: padding must be a non-negative integer, [leftRight, topBottom] or [left, top, right, bottom]; got -1",
    );
    x.dispose();
  });
});

describe("randomAffine", () => {
  withLeakCheck();

  it("with degrees 0 and translate 0 is the identity (nearest and bilinear)", () => {
    torch.manualSeed(0);
    const x = torch.rand([5, 3, 28, 28]);
    for (const interpolation of ["nearest", "bilinear"] as const) {
      const y = T.randomAffine({ degrees: 0, translate: [0, 0], interpolation })(x);
      expect(y.shape).toEqual([5, 3, 28, 28]);
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
      y.dispose();
    }
    x.dispose();
  });

  it("rotates clockwise for positive angles, about the center", () => {
    const x = ids(1, 1, 5, 5);
    const y = T.randomAffine({ degrees: [90, 90] })(x);
    const d = y.dataSync();
    // clockwise: the top row becomes the right column
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) expect(d[i * 5 + j]).toBe(1 + (4 - j) * 5 + i);
    const b = T.randomAffine({ degrees: [90, 90], interpolation: "bilinear" })(x);
    const db = b.dataSync();
    for (let k = 0; k < 25; k++) expect(db[k]).toBeCloseTo(d[k]!, 4);
    for (const t of [x, y, b]) t.dispose();
  });

  it("shifts by whole pixels within translate * size", () => {
    const x = ids(24, 1, 10, 10);
    torch.manualSeed(4);
    const y = T.randomAffine({ translate: [0.2, 0.1] })(x);
    const s = shifts(y, 10, 10);
    for (const [dy, dx] of s) {
      expect(Math.abs(dx)).toBeLessThanOrEqual(2);
      expect(Math.abs(dy)).toBeLessThanOrEqual(1);
    }
    expect(new Set(s.map(([, dx]) => dx)).size).toBeGreaterThan(2);
    x.dispose();
    y.dispose();
  });

  it("blends four neighbours with bilinear interpolation", () => {
    // a half-pixel scale-down: scale 2 reads positions (p - c) / 2 + c
    const x = torch.tensor([0, 1, 2, 3], { dtype: "float32", shape: [1, 1, 1, 4] });
    const y = T.randomAffine({ scale: [2, 2], interpolation: "bilinear" })(x);
    // c = 1.5: p = 0..3 read 0.75, 1.25, 1.75, 2.25
    expect(Array.from(y.dataSync())).toEqual([0.75, 1.25, 1.75, 2.25]);
    x.dispose();
    y.dispose();
  });

  it("is reproducible with manualSeed, random per image", () => {
    torch.manualSeed(0);
    const x = torch.rand([6, 1, 28, 28]);
    const aug = T.randomAffine({ degrees: 15, translate: [0.1, 0.1] });
    torch.manualSeed(9);
    const a = aug(x);
    torch.manualSeed(9);
    const b = aug(x);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    // six images with the same content come out differently
    const same = torch.tidy(() => x.index("0:1").expand(6, 1, 28, 28).contiguous());
    const c = aug(same);
    const rows = [0, 1, 2].map((s) => Array.from(c.dataSync().subarray(s * 784, (s + 1) * 784)));
    expect(rows[0]).not.toEqual(rows[1]);
    expect(rows[1]).not.toEqual(rows[2]);
    for (const t of [x, a, b, same, c]) t.dispose();
  });

  it("takes a few ms for 64 images of 28 x 28", () => {
    const x = torch.rand([64, 1, 28, 28]);
    const aug = T.randomAffine({ degrees: 10, translate: [0.1, 0.1] });
    aug(x).dispose(); // warm up
    const t0 = performance.now();
    for (let r = 0; r < 5; r++) aug(x).dispose();
    const ms = (performance.now() - t0) / 5;
    expect(ms).toBeLessThan(50); // ~3-5 ms on the development machine; loose for CI
    x.dispose();
  });

  it("rejects bad arguments", () => {
    expect(errorOf(() => T.randomAffine({ degrees: -5 }))).toBe(
      "randomAffine: degrees must be a non-negative number or [min, max]; got -5",
    );
    expect(errorOf(() => T.randomAffine({ degrees: [10, -10] }))).toBe(
      "randomAffine: degrees must be [min, max] with min <= max; got [10,-10]",
    );
    expect(errorOf(() => T.randomAffine({ translate: [0.1, 1.5] }))).toBe(
      "randomAffine: translate must be [tx, ty] with values in [0, 1]; got [0.1,1.5]",
    );
    expect(errorOf(() => T.randomAffine({ scale: [0, 1] }))).toBe(
      "randomAffine: scale must be [min, max] with 0 < min <= max; got [0,1]",
    );
    expect(errorOf(() => T.randomAffine({ interpolation: "cubic" as never }))).toBe(
      'randomAffine: interpolation must be "nearest" or "bilinear"; got "cubic"',
    );
    const x = torch.zeros([1, 28, 28]);
    expect(errorOf(() => T.randomAffine()(x))).toBe(
      "randomAffine: expected images [N, C, H, W]; got shape [1, 28, 28]",
    );
    x.dispose();
  });
});

describe("compose", () => {
  withLeakCheck();

  it("applies in order and frees the intermediates, never the input", () => {
    const x = torch.ones([2, 1, 4, 4]);
    const pipeline = T.compose([
      T.normalize(1, 2), // 0
      (t) => t.add(3), // 3
      T.randomCrop(4, { padding: 1 }),
      T.normalize(3, 3), // 0 inside, -1 where padding came in
    ]);
    torch.manualSeed(1);
    const y = pipeline(x);
    expect(x.isDisposed).toBe(false);
    expect(y.shape).toEqual([2, 1, 4, 4]);
    for (const v of y.dataSync()) expect([0, -1]).toContain(v);
    x.dispose();
    y.dispose();
  });

  it("an identity step is not freed twice, and an empty compose returns the input", () => {
    const x = torch.ones([1, 1, 2, 2]);
    const y = T.compose([(t) => t, T.normalize(0, 1), (t) => t])(x);
    expect(y).not.toBe(x);
    expect(y.isDisposed).toBe(false);
    expect(T.compose([])(x)).toBe(x);
    expect(errorOf(() => T.compose([1 as never]))).toBe(
      "compose: transform 0 is not a function; got number",
    );
    x.dispose();
    y.dispose();
  });
});
