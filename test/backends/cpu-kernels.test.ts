// The raw CPU kernels (gemm, conv2d, max-pool) against their plain-loop references, on many
// shapes, strides and dtypes. The references themselves are pinned by a few values from PyTorch
// 1.13 (integers, so exact).
import { describe, expect, it } from "vitest";
import type { FloatArray } from "../../src/backends/cpu/gemm.js";
import { gemm } from "../../src/backends/cpu/gemm.js";
import { conv2dPass } from "../../src/backends/cpu/conv.js";
import { maxPool2dForward } from "../../src/backends/cpu/pool.js";
import type { Conv2dGeometry, Pool2dGeometry } from "../../src/core/conv-geometry.js";
import { conv2dGeometry } from "../../src/core/conv-geometry.js";
import * as torch from "../../src/index.js";
import {
  conv2dForwardReference,
  conv2dGeometryFor,
  conv2dGradInputReference,
  conv2dGradWeightReference,
  maxPool2dForwardReference,
  pool2dGeometryFor,
} from "../util/reference-conv.js";
import { gemmReference } from "../util/reference-gemm.js";
import { rng } from "../util/seeded.js";

type Pair = [number, number];
type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
const DTYPES: readonly [string, FloatCtor][] = [
  ["float32", Float32Array],
  ["float64", Float64Array],
];

function randomArray(T: FloatCtor, n: number, rand: () => number): FloatArray {
  const a = new T(n);
  for (let i = 0; i < n; i++) a[i] = rand() * 2 - 1;
  return a;
}

/**
 * Index of the first element where |actual - expected| > atol + rtol * |expected| (NaN must
 * match NaN), or -1.
 */
function firstMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
): number {
  if (actual.length !== expected.length) return 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) ? !Number.isNaN(a) : !(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      return i;
    }
  }
  return -1;
}

function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
): void {
  const i = firstMismatch(actual, expected, rtol, atol);
  const detail = i < 0 ? "" : `${what}: at ${i}, got ${actual[i]}, expected ${expected[i]}`;
  expect(detail).toBe("");
}

/** Tolerances for sums of `terms` products of values in [-1, 1]. */
function tolerance(T: FloatCtor, terms: number): { rtol: number; atol: number } {
  return T === Float32Array
    ? { rtol: 1e-4, atol: 1e-5 * Math.sqrt(terms + 1) }
    : { rtol: 1e-12, atol: 1e-13 * (terms + 1) };
}

describe("gemm", () => {
  interface GemmCase {
    M: number;
    N: number;
    K: number;
    transA: boolean;
    transB: boolean;
    /** extra elements between rows (row-major) or columns (transposed) */
    padA: number;
    padB: number;
    /** step between consecutive elements along the contiguous dimension (a sliced view) */
    stepA: number;
    aOff: number;
    bOff: number;
    outOff: number;
    accumulate: boolean;
  }

  /** Runs one case on the fast kernel and the reference; fills around `out` with sentinels. */
  function runCase(T: FloatCtor, c: GemmCase, rand: () => number) {
    const { M, N, K } = c;
    // A[i,k] = a[aOff + i*aRs + k*aCs]
    const [aRs, aCs] = c.transA
      ? [c.stepA, (M - 1) * c.stepA + 1 + c.padA]
      : [(K - 1) * c.stepA + 1 + c.padA, c.stepA];
    const [bRs, bCs] = c.transB ? [1, K + c.padB] : [N + c.padB, 1];
    const aLen = c.aOff + Math.max(0, (M - 1) * aRs + (K - 1) * aCs + 1);
    const bLen = c.bOff + Math.max(0, (K - 1) * bRs + (N - 1) * bCs + 1);
    const a = randomArray(T, aLen, rand);
    const b = randomArray(T, bLen, rand);
    const outLen = c.outOff + M * N + 3;
    const init = randomArray(T, outLen, rand);
    const fast = new T(init);
    const ref = new T(init);
    gemm(M, N, K, a, c.aOff, aRs, aCs, b, c.bOff, bRs, bCs, fast, c.outOff, c.accumulate);
    gemmReference(M, N, K, a, c.aOff, aRs, aCs, b, c.bOff, bRs, bCs, ref, c.outOff, c.accumulate);
    return { fast, ref, init };
  }

  const SIZES = [1, 2, 3, 4, 5, 7, 12, 13, 17, 33, 64, 65];
  /** Contiguous operands at offset 0, output overwritten. */
  const PLAIN = { transA: false, transB: false, padA: 0, padB: 0, stepA: 1 } as const;
  const AT_ZERO = { aOff: 0, bOff: 0, outOff: 0, accumulate: false } as const;

  for (const [name, T] of DTYPES) {
    it(`matches the reference on random shapes, layouts and offsets (${name})`, () => {
      const rand = rng(T === Float32Array ? 1 : 2);
      const pick = <V>(xs: readonly V[]): V => xs[Math.floor(rand() * xs.length)]!;
      for (let trial = 0; trial < 160; trial++) {
        const c: GemmCase = {
          M: pick(SIZES),
          N: pick(SIZES),
          K: pick([...SIZES, 130, 400]),
          transA: trial % 2 === 1,
          transB: trial % 4 >= 2,
          padA: pick([0, 0, 3]),
          padB: pick([0, 0, 5]),
          stepA: pick([1, 1, 1, 2]),
          aOff: pick([0, 7]),
          bOff: pick([0, 11]),
          outOff: pick([0, 5]),
          accumulate: rand() < 0.3,
        };
        const { fast, ref } = runCase(T, c, rand);
        const { rtol, atol } = tolerance(T, c.K);
        expectClose(fast, ref, rtol, atol, JSON.stringify(c));
      }
    });

    it(`covers block edges: K across panels, N across panels, skinny shapes (${name})`, () => {
      const rand = rng(3);
      const base = { padA: 0, padB: 0, stepA: 1, aOff: 3, bOff: 1, outOff: 2 };
      const shapes: [number, number, number][] = [
        [1, 300, 50], // 1 x K times K x N (a row vector)
        [300, 1, 50], // matrix-vector
        [50, 40, 1], // outer product, K = 1
        [6, 1600, 4], // N crosses the column-panel size
        [9, 7, 800], // K crosses the depth-panel size twice
        [130, 3, 20], // M crosses the row-block size
        [4, 3, 500], // exactly one micro-tile
      ];
      for (const [M, N, K] of shapes) {
        for (const accumulate of [false, true]) {
          const [transA, transB] = [K % 2 === 0, M % 2 === 0];
          const c: GemmCase = { M, N, K, transA, transB, accumulate, ...base };
          const { fast, ref } = runCase(T, c, rand);
          const { rtol, atol } = tolerance(T, K);
          expectClose(fast, ref, rtol, atol, JSON.stringify(c));
        }
      }
    });

    it(`leaves elements outside the output block untouched (${name})`, () => {
      const rand = rng(4);
      for (const [M, N, K] of [
        [2, 2, 2],
        [20, 30, 40],
      ] as const) {
        const c: GemmCase = { M, N, K, ...PLAIN, ...AT_ZERO, outOff: 5 };
        const { fast, init } = runCase(T, c, rand);
        expect(Array.from(fast.subarray(0, 5))).toEqual(Array.from(init.subarray(0, 5)));
        expect(Array.from(fast.subarray(5 + M * N))).toEqual(Array.from(init.subarray(5 + M * N)));
      }
    });
  }

  it("K = 0 writes zeros, or leaves out unchanged when accumulating", () => {
    const out = new Float32Array([1, 2, 3, 4, 5, 6, 7]);
    const empty = new Float32Array(0);
    gemm(2, 3, 0, empty, 0, 0, 1, empty, 0, 3, 1, out, 1, true);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    gemm(2, 3, 0, empty, 0, 0, 1, empty, 0, 3, 1, out, 1);
    expect(Array.from(out)).toEqual([1, 0, 0, 0, 0, 0, 0]);
  });

  it("overwrites NaN in out when not accumulating, and propagates NaN/Inf from inputs", () => {
    for (const M of [2, 8]) {
      const N = 6;
      const K = 40;
      const a = new Float64Array(M * K).fill(1);
      const b = new Float64Array(K * N).fill(0);
      a[0] = Infinity; // row 0: Inf * 0 = NaN, so zeros must not be skipped
      b[K * N - 1] = NaN; // column N - 1: NaN everywhere
      const out = new Float64Array(M * N).fill(NaN);
      gemm(M, N, K, a, 0, K, 1, b, 0, N, 1, out, 0);
      const expected = new Float64Array(M * N);
      gemmReference(M, N, K, a, 0, K, 1, b, 0, N, 1, expected, 0);
      expect(Number.isNaN(out[0])).toBe(true);
      expect(out[N + 1]).toBe(0);
      expect(Number.isNaN(out[2 * N - 1])).toBe(true);
      expectClose(out, expected, 0, 0, `M=${M}`);
    }
  });
});

describe("conv2d", () => {
  interface ConvCase {
    x: [number, number, number, number];
    w: [number, number, number, number];
    stride?: [number, number];
    padding?: [number, number];
    dilation?: [number, number];
    groups?: number;
  }

  const CASES: ConvCase[] = [
    { x: [2, 3, 7, 6], w: [4, 3, 3, 3] },
    { x: [1, 3, 7, 6], w: [4, 3, 3, 3], padding: [1, 1] }, // batch 1
    { x: [2, 4, 9, 8], w: [6, 2, 3, 3], groups: 2, padding: [1, 0] }, // groups, asymmetric pad
    { x: [2, 5, 8, 7], w: [5, 1, 3, 3], groups: 5, padding: [1, 1] }, // depthwise
    { x: [2, 3, 9, 10], w: [4, 3, 3, 2], stride: [2, 2], padding: [1, 2] }, // stride 2
    { x: [2, 2, 11, 9], w: [3, 2, 3, 3], dilation: [2, 2], padding: [2, 1] }, // dilation 2
    { x: [2, 2, 10, 9], w: [3, 2, 2, 3], stride: [1, 3], dilation: [3, 1], padding: [0, 2] },
    { x: [2, 6, 5, 4], w: [4, 6, 1, 1] }, // 1x1, the im2col-free path
    { x: [2, 6, 5, 4], w: [6, 2, 1, 1], groups: 3 }, // grouped 1x1
    { x: [2, 4, 5, 5], w: [3, 4, 1, 1], stride: [2, 2], padding: [1, 0] }, // strided padded 1x1
    { x: [1, 2, 4, 4], w: [3, 2, 4, 4], padding: [1, 1] }, // kernel as large as the input
    { x: [2, 1, 12, 12], w: [8, 1, 3, 3], padding: [1, 1] }, // MNIST conv1-like
    // Winograd F(4x4, 3x3): 3x3, stride 1, dilation 1, >= 4 channels per group.
    { x: [2, 4, 6, 7], w: [4, 4, 3, 3], padding: [1, 1] },
    { x: [2, 8, 14, 14], w: [10, 8, 3, 3], padding: [1, 1] },
    { x: [1, 9, 7, 5], w: [8, 9, 3, 3] }, // odd output: partial tiles
    { x: [2, 16, 6, 5], w: [16, 8, 3, 3], groups: 2, padding: [2, 0] },
    { x: [1, 8, 3, 4], w: [8, 8, 3, 3], padding: [3, 2] }, // grad input with negative padding
    { x: [1, 8, 1, 1], w: [9, 8, 3, 3], padding: [1, 1] }, // 1x1 plane, all padding
    // 40 x 25 tiles: chunks of 910 tiles (at 8 channels); the second starts inside image 36
    { x: [40, 8, 20, 20], w: [8, 8, 3, 3], padding: [1, 1] },
  ];

  const ONE: [number, number] = [1, 1];
  const ZERO: [number, number] = [0, 0];

  function describeCase(c: ConvCase): string {
    const { x, w, stride = ONE, padding = ZERO, dilation = ONE, groups = 1 } = c;
    const list = (v: readonly number[]) => `[${v.join(", ")}]`;
    const opts = `stride ${list(stride)} padding ${list(padding)} dilation ${list(dilation)}`;
    return `x ${list(x)} w ${list(w)} ${opts} groups ${groups}`;
  }

  function geometry(c: ConvCase): Conv2dGeometry {
    const { x, w, stride = ONE, padding = ZERO, dilation = ONE, groups = 1 } = c;
    return conv2dGeometryFor(x, w, stride, padding, dilation, groups);
  }

  for (const [name, T] of DTYPES) {
    it(`forward, grad input and grad weight match the reference (${name})`, () => {
      const rand = rng(T === Float32Array ? 10 : 11);
      for (const c of CASES) {
        const g = geometry(c);
        const x = randomArray(T, g.n * g.cIn * g.h * g.w, rand);
        const w = randomArray(T, g.cOut * (g.cIn / g.groups) * g.kh * g.kw, rand);
        const gradOut = randomArray(T, g.n * g.cOut * g.outH * g.outW, rand);
        const taps = (g.cIn / g.groups) * g.kh * g.kw;
        const what = describeCase(c);
        // Outputs start as NaN so that an element the kernel forgets to overwrite fails.
        const pair = (n: number) => [new T(n).fill(NaN), new T(n).fill(NaN)] as const;

        const [y, yRef] = pair(gradOut.length);
        conv2dPass("forward", g, x, w, y);
        conv2dForwardReference(g, x, w, yRef);
        const tolY = tolerance(T, taps);
        expectClose(y, yRef, tolY.rtol, tolY.atol, `forward ${what}`);

        const [gx, gxRef] = pair(x.length);
        conv2dPass("gradInput", g, gradOut, w, gx);
        conv2dGradInputReference(g, gradOut, w, gxRef);
        const tolX = tolerance(T, (g.cOut / g.groups) * g.kh * g.kw);
        expectClose(gx, gxRef, tolX.rtol, tolX.atol, `grad input ${what}`);

        const [gw, gwRef] = pair(w.length);
        conv2dPass("gradWeight", g, x, gradOut, gw);
        conv2dGradWeightReference(g, x, gradOut, gwRef);
        const tolW = tolerance(T, g.n * g.outH * g.outW);
        expectClose(gw, gwRef, tolW.rtol, tolW.atol, `grad weight ${what}`);
      }
    });
  }

  it("the reference matches PyTorch 1.13 (groups, stride, dilation, padding)", () => {
    // x = arange(80).reshape(1, 4, 5, 4) % 7 - 3; w = arange(48).reshape(4, 2, 2, 3) % 5 - 2;
    // F.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)
    const x = Float64Array.from({ length: 80 }, (_, i) => (i % 7) - 3);
    const w = Float64Array.from({ length: 48 }, (_, i) => (i % 5) - 2);
    const g = conv2dGeometryFor([1, 4, 5, 4], [4, 2, 2, 3], [2, 1], [1, 2], [2, 1], 2);
    expect([g.outH, g.outW]).toEqual([3, 6]);
    const expected = [
      -2, -3, -5, 9, -5, 3, -5, -6, 7, -3, 0, -5, 1, 0, -5, -8, 5, 7, 0, 0, -2, -5, -5, 3, 3, 3, 1,
      -12, 10, 10, 2, 6, -4, 7, -5, -3, 2, -3, -2, 2, 4, 1, 3, 4, 4, 4, 5, 4, 0, 0, -2, -6, -6, 2,
      1, 4, 2, -2, -3, 2, -5, -4, -1, -2, -6, 0, -2, 0, 4, 7, 0, -3,
    ];
    const ref = new Float64Array(72);
    conv2dForwardReference(g, x, w, ref);
    expect(Array.from(ref)).toEqual(expected);
    const fast = new Float64Array(72);
    conv2dPass("forward", g, x, w, fast);
    expect(Array.from(fast)).toEqual(expected);
  });

  it("takes the output size from the tensors: convTranspose2d with outputPadding >= stride", () => {
    // PyTorch allows outputPadding < max(stride, dilation); with stride 1 and dilation 2 the
    // output (9 rows) is one row taller than the conv2d output-size rule gives back from 4.
    const x = torch.tidy(() => torch.arange(0, 96).reshape([2, 3, 4, 4]).div(10));
    const w = torch.tidy(() => torch.arange(0, 54).reshape([3, 2, 3, 3]).div(7));
    const options = { stride: 1, dilation: 2, outputPadding: 1 };
    const y = torch.nn.functional.convTranspose2d(x, w, null, options);
    expect(y.shape).toEqual([2, 2, 9, 9]);
    const got = y.dataSync() as Float32Array;
    // PyTorch 1.13: F.conv_transpose2d(x, w, stride=1, dilation=2, output_padding=1)
    expect(Array.from(got.slice(0, 6)).map((v) => +v.toFixed(4))).toEqual([
      20.5714, 21.3429, 43.3714, 44.9571, 44.8286, 46.5,
    ]);
    const attrs = { stride: ONE, padding: ZERO, dilation: [2, 2] as Pair, groups: 1 };
    const g = conv2dGeometry(y.shape, w.shape, x.shape, attrs);
    const ref = new Float32Array(got.length);
    conv2dGradInputReference(g, x.dataSync() as Float32Array, w.dataSync() as Float32Array, ref);
    expectClose(got, ref, 1e-6, 1e-5, "convTranspose2d");
    for (const t of [x, w, y]) t.dispose();
  });

  it("the gradients are the adjoints of the forward map: <conv(x), gy> = <x, gx> = <w, gw>", () => {
    const rand = rng(12);
    for (const c of CASES.slice(0, 14)) {
      const g = geometry(c);
      const x = randomArray(Float64Array, g.n * g.cIn * g.h * g.w, rand);
      const w = randomArray(Float64Array, g.cOut * (g.cIn / g.groups) * g.kh * g.kw, rand);
      const gy = randomArray(Float64Array, g.n * g.cOut * g.outH * g.outW, rand);
      const y = new Float64Array(gy.length);
      const gx = new Float64Array(x.length);
      const gw = new Float64Array(w.length);
      conv2dPass("forward", g, x, w, y);
      conv2dPass("gradInput", g, gy, w, gx);
      conv2dPass("gradWeight", g, x, gy, gw);
      const dot = (a: FloatArray, b: FloatArray) => {
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
        return s;
      };
      const lhs = dot(y, gy);
      expect(dot(x, gx)).toBeCloseTo(lhs, 9);
      expect(dot(w, gw)).toBeCloseTo(lhs, 9);
    }
  });

  it("conv2d's output size is PyTorch's, and the kernels' geometry rejects inconsistent shapes", () => {
    // [x, w, stride, padding, dilation, PyTorch 1.13 output (H, W)]
    const cases: [number[], number[], Pair, Pair, Pair, Pair][] = [
      [
        [64, 1, 28, 28],
        [32, 1, 3, 3],
        [1, 1],
        [1, 1],
        [1, 1],
        [28, 28],
      ],
      [
        [1, 3, 10, 9],
        [4, 3, 3, 2],
        [2, 3],
        [1, 0],
        [2, 1],
        [4, 3],
      ],
    ];
    for (const [x, w, stride, padding, dilation, expected] of cases) {
      const y = torch.conv2d(torch.zeros(x), torch.zeros(w), null, {
        stride,
        padding,
        dilation,
      });
      expect(y.shape.slice(2)).toEqual(expected);
      y.dispose();
      const g = conv2dGeometryFor(x, w, stride, padding, dilation, 1);
      expect([g.outH, g.outW]).toEqual(expected);
    }
    const attrs = { stride: ONE, padding: ZERO, dilation: ONE, groups: 1 };
    // 4 input channels against a weight for 3; an output batch that is not the input's
    expect(() => conv2dGeometry([1, 4, 5, 5], [4, 3, 3, 3], [1, 4, 3, 3], attrs)).toThrow(
      /^internal: conv2dGeometry/,
    );
    expect(() => conv2dGeometry([1, 4, 5, 5], [4, 4, 3, 3], [2, 4, 3, 3], attrs)).toThrow(
      /^internal: conv2dGeometry/,
    );
  });
});

describe("maxPool2d", () => {
  function poolGeometry(
    x: [number, number, number, number],
    k: [number, number],
    stride: [number, number],
    padding: [number, number] = [0, 0],
    dilation: [number, number] = [1, 1],
    ceilMode = false,
  ): Pool2dGeometry {
    return pool2dGeometryFor(x, k, stride, padding, dilation, ceilMode);
  }

  function run(g: Pool2dGeometry, x: FloatArray) {
    const size = g.n * g.c * g.outH * g.outW;
    const out = new Float64Array(size).fill(NaN);
    const idx = new Int32Array(size).fill(-7);
    maxPool2dForward(g, x, out, idx);
    return { out: Array.from(out), idx: Array.from(idx) };
  }

  /** The kernel equals the reference on a random input of `g`'s shape. */
  function expectReference(g: Pool2dGeometry, rand: () => number) {
    // Small integers make ties common; some NaN and -Infinity too.
    const x = new Float32Array(g.n * g.c * g.h * g.w);
    for (let i = 0; i < x.length; i++) {
      const r = rand();
      x[i] = r < 0.05 ? NaN : r < 0.1 ? -Infinity : Math.floor(rand() * 5) - 2;
    }
    const size = g.n * g.c * g.outH * g.outW;
    const out = new Float32Array(size);
    const idx = new Int32Array(size);
    maxPool2dForwardReference(g, x, out, idx);
    const fast = run(g, x);
    expect(fast.idx).toEqual(Array.from(idx));
    expect(fast.out).toEqual(Array.from(out));
  }

  it("matches the reference over padding, stride, dilation and ceil mode", () => {
    const rand = rng(20);
    for (let trial = 0; trial < 120; trial++) {
      const k: [number, number] = [1 + Math.floor(rand() * 4), 1 + Math.floor(rand() * 4)];
      const stride: [number, number] = [1 + Math.floor(rand() * 3), 1 + Math.floor(rand() * 3)];
      const dil: [number, number] = [1 + Math.floor(rand() * 2), 1 + Math.floor(rand() * 2)];
      // PyTorch requires padding <= kernel / 2.
      const pad: [number, number] = [
        Math.floor(rand() * (Math.floor(k[0] / 2) + 1)),
        Math.floor(rand() * (Math.floor(k[1] / 2) + 1)),
      ];
      const h = dil[0] * (k[0] - 1) + 1 + Math.floor(rand() * 6);
      const w = dil[1] * (k[1] - 1) + 1 + Math.floor(rand() * 6);
      const g = poolGeometry([2, 3, h, w], k, stride, pad, dil, rand() < 0.5);
      expectReference(g, rand);
    }
  });

  it("matches the reference on 2x2 windows at stride 2 (the unrolled path), odd sizes included", () => {
    const rand = rng(21);
    for (let trial = 0; trial < 40; trial++) {
      const h = 2 + Math.floor(rand() * 7);
      const w = 2 + Math.floor(rand() * 7);
      const g = poolGeometry([2, 3, h, w], [2, 2], [2, 2], [0, 0], [1, 1], rand() < 0.5);
      expectReference(g, rand);
    }
  });

  it("keeps the first of tied maxima and never picks padding", () => {
    // 1 x 1 x 3 x 3, all -1; 2x2 windows, stride 1, padding 1: a padded corner sees one element.
    const x = new Float64Array(9).fill(-1);
    const g = poolGeometry([1, 1, 3, 3], [2, 2], [1, 1], [1, 1]);
    const { out, idx } = run(g, x);
    expect(out).toEqual(new Array(16).fill(-1));
    // PyTorch 1.13: [[0, 0, 1, 2], [0, 0, 1, 2], [3, 3, 4, 5], [6, 6, 7, 8]]
    expect(idx).toEqual([0, 0, 1, 2, 0, 0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8]);
  });

  it("propagates NaN like PyTorch: NaN wins, and the last NaN of a window gives the index", () => {
    // x = [[1, nan, 3, nan], [5, 5, 0, 0], [2, 2, 2, 2], [-inf] * 4]; PyTorch 1.13 values.
    const inf = Infinity;
    const x = Float64Array.from([1, NaN, 3, NaN, 5, 5, 0, 0, 2, 2, 2, 2, -inf, -inf, -inf, -inf]);
    const a = run(poolGeometry([1, 1, 4, 4], [2, 2], [2, 2]), x);
    expect(a.out).toEqual([NaN, NaN, 2, 2]);
    expect(a.idx).toEqual([1, 3, 8, 10]);
    const b = run(poolGeometry([1, 1, 4, 4], [3, 3], [1, 1], [1, 1]), x);
    expect(b.out).toEqual([NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 5, 5, 5, 2, 2, 2, 2, 2]);
    expect(b.idx).toEqual([1, 1, 3, 3, 1, 1, 3, 3, 4, 4, 5, 10, 8, 8, 9, 10]);
    const c = run(poolGeometry([1, 1, 4, 4], [2, 2], [2, 2], [1, 1], [2, 2], true), x);
    expect(c.out).toEqual([5, 5, 0, 5, 5, 0, -Infinity, -Infinity, -Infinity]);
    expect(c.idx).toEqual([5, 5, 7, 5, 5, 7, 13, 13, 15]);
  });

  it("maxPool2d's output size is PyTorch's, ceil mode included", () => {
    // [h, k, stride, pad, dilation, ceilMode, PyTorch 1.13 output size]
    const cases: [number, number, number, number, number, boolean, number][] = [
      [28, 2, 2, 0, 1, false, 14],
      [5, 2, 2, 0, 1, false, 2],
      [5, 2, 2, 0, 1, true, 3],
      [5, 2, 2, 1, 1, true, 3], // the last window would start in the padding: dropped
      [6, 3, 2, 1, 1, true, 4],
      [4, 2, 2, 1, 2, true, 3],
      [10, 3, 4, 1, 2, true, 3],
    ];
    for (const [h, k, s, p, d, ceilMode, expected] of cases) {
      const x = torch.zeros([1, 1, h, h]);
      const y = torch.maxPool2d(x, k, { stride: s, padding: p, dilation: d, ceilMode });
      expect(y.shape).toEqual([1, 1, expected, expected]);
      for (const t of [x, y]) t.dispose();
      const g = pool2dGeometryFor([1, 1, h, h], [k, k], [s, s], [p, p], [d, d], ceilMode);
      expect([g.outH, g.outW]).toEqual([expected, expected]);
    }
  });
});
