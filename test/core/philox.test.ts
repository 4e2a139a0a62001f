import { describe, expect, it } from "vitest";

import {
  fillNormal,
  fillUniform,
  mulhi32,
  philox4x32,
  seedToKey,
  u32ToUniform,
} from "../../src/core/philox.js";

/** Hex words, for readable failure messages. */
function hex(words: ArrayLike<number>): string[] {
  return Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, "0"));
}

/**
 * An independent Philox4x32-10 written with BigInt 64-bit products, in Random123's order (bump
 * the key before every round but the first), to cross-check the 16-bit-halves mulhi.
 */
function philoxReference(key: [number, number], ctr: [number, number, number, number]): number[] {
  const M0 = 0xd2511f53n;
  const M1 = 0xcd9e8d57n;
  const MASK = 0xffffffffn;
  let [k0, k1] = key.map(BigInt) as [bigint, bigint];
  let [x0, x1, x2, x3] = ctr.map(BigInt) as [bigint, bigint, bigint, bigint];
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + 0x9e3779b9n) & MASK;
      k1 = (k1 + 0xbb67ae85n) & MASK;
    }
    const p0 = M0 * x0;
    const p1 = M1 * x2;
    [x0, x1, x2, x3] = [(p1 >> 32n) ^ x1 ^ k0, p1 & MASK, (p0 >> 32n) ^ x3 ^ k1, p0 & MASK];
  }
  return [x0, x1, x2, x3].map(Number);
}

/** A tiny deterministic u32 source for test inputs (xorshift32), independent of philox. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function philoxWords(seed: number, block: number): Uint32Array {
  const [k0, k1] = seedToKey(seed);
  const w = new Uint32Array(4);
  philox4x32(k0, k1, block % 2 ** 32, Math.floor(block / 2 ** 32), 0, 0, w);
  return w;
}

function meanVar(xs: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]!;
  const mean = sum / xs.length;
  let sq = 0;
  for (let i = 0; i < xs.length; i++) sq += (xs[i]! - mean) ** 2;
  return { mean, variance: sq / (xs.length - 1) };
}

describe("philox4x32 (Random123 kat_vectors, philox4x32 10)", () => {
  const cases: {
    ctr: [number, number, number, number];
    key: [number, number];
    want: [number, number, number, number];
  }[] = [
    {
      ctr: [0, 0, 0, 0],
      key: [0, 0],
      want: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    },
    {
      ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      key: [0xffffffff, 0xffffffff],
      want: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    },
    {
      ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      key: [0xa4093822, 0x299f31d0],
      want: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    },
  ];
  it.each(cases)("counter $ctr, key $key", ({ ctr, key, want }) => {
    const out = new Uint32Array(4);
    philox4x32(key[0], key[1], ctr[0], ctr[1], ctr[2], ctr[3], out);
    expect(hex(out)).toEqual(hex(want));
    expect(hex(philoxReference(key, ctr))).toEqual(hex(want));
  });

  it("agrees with a BigInt reference on random inputs", () => {
    const next = xorshift(12345);
    const out = new Uint32Array(4);
    for (let t = 0; t < 500; t++) {
      const key: [number, number] = [next(), next()];
      const ctr: [number, number, number, number] = [next(), next(), next(), next()];
      philox4x32(key[0], key[1], ctr[0], ctr[1], ctr[2], ctr[3], out);
      expect(hex(out)).toEqual(hex(philoxReference(key, ctr)));
    }
  });
});

describe("mulhi32", () => {
  it("matches the BigInt product's high word, including the extremes", () => {
    const next = xorshift(7);
    const pairs: [number, number][] = [
      [0, 0],
      [0xffffffff, 0xffffffff],
      [0xffffffff, 1],
      [0x10000, 0x10000],
      [0xffff, 0xffff],
      [0xd2511f53, 0xffffffff],
    ];
    for (let t = 0; t < 2000; t++) pairs.push([next(), next()]);
    for (const [a, b] of pairs) {
      expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
  });
});

describe("u32ToUniform", () => {
  it("maps to multiples of 2^-24 in [0, 1), exact in float32", () => {
    expect(u32ToUniform(0)).toBe(0);
    expect(u32ToUniform(0xff)).toBe(0);
    expect(u32ToUniform(0x100)).toBe(2 ** -24);
    expect(u32ToUniform(0xffffffff)).toBe(1 - 2 ** -24);
    expect(u32ToUniform(0xffffffff)).toBeLessThan(1);
    expect(Math.fround(u32ToUniform(0xffffffff))).toBe(u32ToUniform(0xffffffff));
    const next = xorshift(99);
    for (let t = 0; t < 1000; t++) {
      const u = u32ToUniform(next());
      expect(Math.fround(u)).toBe(u);
    }
  });
});

describe("seedToKey", () => {
  it("splits a 53-bit seed into low and high words", () => {
    expect(seedToKey(0)).toEqual([0, 0]);
    expect(seedToKey(0xffffffff)).toEqual([0xffffffff, 0]);
    expect(seedToKey(2 ** 32 + 5)).toEqual([5, 1]);
    expect(seedToKey(Number.MAX_SAFE_INTEGER)).toEqual([0xffffffff, 2 ** 21 - 1]);
  });

  it("rejects seeds that are not integers in [0, 2^53)", () => {
    expect(() => seedToKey(-1)).toThrow(/philox: invalid seed -1 \(must be an integer in/);
    expect(() => seedToKey(1.5)).toThrow(/philox: invalid seed 1.5/);
    expect(() => seedToKey(2 ** 53)).toThrow(/philox: invalid seed 9007199254740992/);
    expect(() => seedToKey(Number.NaN)).toThrow(/philox: invalid seed NaN/);
  });
});

describe("fillUniform", () => {
  it("follows the documented mapping: block floor(n/4), lane n mod 4", () => {
    for (const seed of [0, 1, 2 ** 32 + 3, Number.MAX_SAFE_INTEGER]) {
      for (const n of [
        0,
        1,
        2,
        3,
        4,
        5,
        4 * 2 ** 32 - 1,
        4 * 2 ** 32,
        4 * 2 ** 32 + 6,
        2 ** 53 - 1,
      ]) {
        const out = new Float64Array(1);
        fillUniform(out, seed, n);
        const block = Math.floor(n / 4);
        expect(out[0]).toBe(u32ToUniform(philoxWords(seed, block)[n % 4]!));
      }
    }
  });

  it("matches the u32-only index recipe documented for WGSL (offset as lo/hi words)", () => {
    for (const offset of [0, 3, 2 ** 32 - 2, 4 * 2 ** 32 - 1, 2 ** 52 + 2 ** 32 - 3]) {
      const offLo = offset >>> 0;
      const offHi = Math.floor(offset / 2 ** 32);
      for (const i of [0, 1, 2, 5]) {
        const nLo = (offLo + i) >>> 0;
        const nHi = (offHi + (nLo < i ? 1 : 0)) >>> 0;
        const c0 = ((nLo >>> 2) | (nHi << 30)) >>> 0;
        const c1 = nHi >>> 2;
        const lane = nLo & 3;
        const n = offset + i;
        expect([c0, c1, lane]).toEqual([
          Math.floor(n / 4) % 2 ** 32,
          Math.floor(n / 2 ** 34),
          n % 4,
        ]);
      }
    }
  });

  it("element i depends only on (seed, offset + i), not on the length or the offset", () => {
    const seed = 31337;
    const big = new Float32Array(4099);
    fillUniform(big, seed, 0);
    const next = xorshift(5);
    for (let t = 0; t < 300; t++) {
      const offset = next() % 4000;
      const len = next() % Math.min(99, big.length - offset);
      const part = new Float32Array(len);
      fillUniform(part, seed, offset);
      expect(part).toEqual(big.subarray(offset, offset + len));
    }
    // One at a time.
    for (let n = 0; n < 64; n++) {
      const one = new Float32Array(1);
      fillUniform(one, seed, n);
      expect(one[0]).toBe(big[n]);
    }
  });

  it("is consistent across the 2^32 block boundary and near 2^53", () => {
    for (const start of [4 * 2 ** 32 - 13, 2 ** 53 - 40]) {
      const all = new Float64Array(40);
      fillUniform(all, 9, start);
      for (let k = 0; k < 40; k += 7) {
        const part = new Float64Array(Math.min(9, 40 - k));
        fillUniform(part, 9, start + k);
        expect(part).toEqual(all.subarray(k, k + part.length));
      }
    }
  });

  it("gives identical values in Float32Array and Float64Array", () => {
    const a = new Float32Array(1001);
    const b = new Float64Array(1001);
    fillUniform(a, 3, 17);
    fillUniform(b, 3, 17);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it("is deterministic and depends on every bit of the seed", () => {
    const draw = (seed: number): Float32Array => {
      const out = new Float32Array(64);
      fillUniform(out, seed, 0);
      return out;
    };
    expect(draw(42)).toEqual(draw(42));
    const seeds = [0, 1, 2, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 52, Number.MAX_SAFE_INTEGER];
    const draws = seeds.map((s) => Array.from(draw(s)).join(","));
    expect(new Set(draws).size).toBe(seeds.length);
  });

  it("has the mean and variance of U[0, 1) over 1e5 samples, all in [0, 1)", () => {
    const u = new Float32Array(100_000);
    fillUniform(u, 2024, 0);
    let min = Infinity;
    let max = -Infinity;
    for (const x of u) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    const { mean, variance } = meanVar(u);
    // NOTE: the mean's standard error is sqrt(1/12 / 1e5) ~= 9e-4; these bounds are ~5 sigma.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5e-3);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(2e-3);
    // Neighbouring elements (same block, and across blocks) are uncorrelated.
    let cov = 0;
    for (let i = 1; i < u.length; i++) cov += (u[i]! - mean) * (u[i - 1]! - mean);
    expect(Math.abs(cov / (u.length - 1) / variance)).toBeLessThan(0.02);
    // Each tenth of [0, 1) holds about a tenth of the samples.
    const bins = new Array<number>(10).fill(0);
    for (const x of u) bins[Math.floor(x * 10)]!++;
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it("writes nothing and accepts any offset for an empty output", () => {
    expect(() => fillUniform(new Float32Array(0), 0, 2 ** 53 - 1)).not.toThrow();
  });

  it("rejects bad offsets and counter overflow", () => {
    expect(() => fillUniform(new Float32Array(2), 0, -1)).toThrow(
      /fillUniform: invalid offset -1 \(must be an integer in \[0, 2\^53\)\)/,
    );
    expect(() => fillUniform(new Float32Array(2), 0, 0.5)).toThrow(/invalid offset 0.5/);
    expect(() => fillUniform(new Float32Array(2), 0, 2 ** 53 - 1)).toThrow(
      /fillUniform: counter overflow; got offset 9007199254740991 and length 2/,
    );
    expect(() => fillUniform(new Float32Array(1), -3, 0)).toThrow(/philox: invalid seed -3/);
  });
});

describe("fillNormal", () => {
  it("follows the documented Box-Muller mapping on lane pairs (0, 1) and (2, 3)", () => {
    for (const seed of [0, 77, 2 ** 40 + 1]) {
      for (const n of [0, 1, 2, 3, 4, 9, 4 * 2 ** 32 + 2, 2 ** 53 - 2]) {
        const out = new Float64Array(1);
        fillNormal(out, seed, n);
        const w = philoxWords(seed, Math.floor(n / 4));
        const lane = n % 4;
        const a = w[lane < 2 ? 0 : 2]!;
        const b = w[lane < 2 ? 1 : 3]!;
        const r = Math.sqrt(-2 * Math.log(((a >>> 8) + 1) * 2 ** -24));
        const theta = 2 * Math.PI * ((b >>> 8) * 2 ** -24);
        expect(out[0]).toBe(lane % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta));
      }
    }
  });

  it("element i depends only on (seed, offset + i)", () => {
    const seed = 8;
    const big = new Float64Array(2051);
    fillNormal(big, seed, 0);
    const next = xorshift(11);
    for (let t = 0; t < 300; t++) {
      const offset = next() % 2000;
      const len = next() % Math.min(51, big.length - offset);
      const part = new Float64Array(len);
      fillNormal(part, seed, offset);
      expect(part).toEqual(big.subarray(offset, offset + len));
    }
  });

  it("rounds the float64 value once for Float32Array", () => {
    const a = new Float32Array(999);
    const b = new Float64Array(999);
    fillNormal(a, 5, 3);
    fillNormal(b, 5, 3);
    expect(Array.from(a)).toEqual(Array.from(b, Math.fround));
  });

  it("is deterministic", () => {
    const a = new Float32Array(100);
    const b = new Float32Array(100);
    fillNormal(a, 123, 456);
    fillNormal(b, 123, 456);
    expect(a).toEqual(b);
  });

  it("has mean 0, variance 1 and normal tails over 1e5 samples, all finite", () => {
    const z = new Float64Array(100_000);
    fillNormal(z, 2024, 0);
    let inOneSigma = 0;
    let inTwoSigma = 0;
    let maxAbs = 0;
    for (const x of z) {
      maxAbs = Math.max(maxAbs, Math.abs(x)); // NaN propagates and fails the check below
      if (Math.abs(x) < 1) inOneSigma++;
      if (Math.abs(x) < 2) inTwoSigma++;
    }
    expect(maxAbs).toBeLessThanOrEqual(Math.sqrt(48 * Math.LN2));
    expect(maxAbs).toBeGreaterThan(3.5);
    const { mean, variance } = meanVar(z);
    // NOTE: standard errors: mean 1/sqrt(1e5) ~= 3.2e-3, variance sqrt(2/1e5) ~= 4.5e-3.
    expect(Math.abs(mean)).toBeLessThan(0.016);
    expect(Math.abs(variance - 1)).toBeLessThan(0.025);
    expect(Math.abs(inOneSigma / z.length - 0.682689)).toBeLessThan(0.01);
    expect(Math.abs(inTwoSigma / z.length - 0.9545)).toBeLessThan(0.005);
    // The two values of a Box-Muller pair, and neighbouring pairs, are uncorrelated.
    let cov = 0;
    for (let i = 1; i < z.length; i++) cov += (z[i]! - mean) * (z[i - 1]! - mean);
    expect(Math.abs(cov / (z.length - 1))).toBeLessThan(0.02);
  });

  it("rejects bad offsets", () => {
    expect(() => fillNormal(new Float32Array(1), 0, -2)).toThrow(/fillNormal: invalid offset -2/);
  });
});
