import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn } = torch;
const { init } = nn;

/**
 * nn.init: our generator differs from PyTorch's, so these tests check each initialiser's
 * distribution (bounds, mean, standard deviation over ~100k samples), its formula for the scale,
 * its in-place, no-grad contract, and its errors; not exact values.
 */

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.dataSync();
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  let q = 0;
  for (const v of d) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / (d.length - 1)), min, max };
}

/** A parameter of `shape` (a leaf that requires grad, as the initialisers usually see). */
function param(shape: number[]): torch.nn.Parameter {
  const t = torch.empty(shape);
  const p = new nn.Parameter(t);
  t.dispose();
  return p;
}

/** Checks U(-bound, bound): inside the bounds, reaching near them, std bound/sqrt(3). */
function expectUniform(t: Tensor, lo: number, hi: number): void {
  const s = stats(t);
  const width = hi - lo;
  expect(s.min).toBeGreaterThanOrEqual(lo);
  expect(s.max).toBeLessThan(hi);
  expect(s.min).toBeLessThan(lo + 0.01 * width);
  expect(s.max).toBeGreaterThan(hi - 0.01 * width);
  expect(Math.abs(s.mean - (lo + hi) / 2)).toBeLessThan(0.01 * width);
  expect(s.std / (width / Math.sqrt(12))).toBeCloseTo(1, 1);
}

function expectNormal(t: Tensor, mean: number, std: number): void {
  const s = stats(t);
  expect(Math.abs(s.mean - mean)).toBeLessThan(0.02 * std);
  expect(Math.abs(s.std / std - 1)).toBeLessThan(0.02);
}

describe("nn.init", () => {
  withLeakCheck();

  it("calculateGain follows PyTorch's table", () => {
    for (const n of [
      "linear",
      "conv1d",
      "conv2d",
      "conv3d",
      "conv_transpose2d",
      "convTranspose1d",
      "sigmoid",
    ] as const)
      expect(init.calculateGain(n)).toBe(1);
    expect(init.calculateGain("tanh")).toBeCloseTo(5 / 3, 15);
    expect(init.calculateGain("relu")).toBeCloseTo(Math.SQRT2, 15);
    expect(init.calculateGain("leaky_relu")).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(init.calculateGain("leakyRelu", 0.2)).toBeCloseTo(1.3867504905630728, 15);
    expect(init.calculateGain("selu")).toBe(0.75);
    expect(() => init.calculateGain("swish" as "relu")).toThrow(
      'calculateGain: unsupported nonlinearity "swish"',
    );
    expect(() => init.calculateGain("leaky_relu", NaN)).toThrow(
      "calculateGain: negative slope NaN is not a valid number",
    );
  });

  it("calculateFanInAndFanOut uses the receptive field", () => {
    const w = torch.empty([30, 20]);
    const c = torch.empty([16, 3, 5, 5]);
    const v = torch.empty([4]);
    expect(init.calculateFanInAndFanOut(w)).toEqual({ fanIn: 20, fanOut: 30 });
    expect(init.calculateFanInAndFanOut(c)).toEqual({ fanIn: 75, fanOut: 400 });
    expect(() => init.calculateFanInAndFanOut(v)).toThrow(
      "calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions; got [4]",
    );
    expect(() => init.xavierUniform_(v)).toThrow(
      "calculateFanInAndFanOut: fan in and fan out can not be computed",
    );
    for (const t of [w, c, v]) t.dispose();
  });

  it("uniform_, normal_, constant_, ones_, zeros_ and eye_ fill in place under no-grad", () => {
    torch.manualSeed(0);
    const p = param([200, 500]);
    expect(init.uniform_(p, -2, 3)).toBe(p);
    expectUniform(p, -2, 3);
    expect(p.gradFn).toBeNull();
    expect(p.requiresGrad).toBe(true);
    init.uniform_(p);
    expectUniform(p, 0, 1);
    expect(init.normal_(p, 1, 0.5)).toBe(p);
    expectNormal(p, 1, 0.5);
    init.normal_(p);
    expectNormal(p, 0, 1);
    init.constant_(p, 0.25);
    expect(p.dataSync().every((v) => v === 0.25)).toBe(true);
    init.ones_(p);
    expect(p.dataSync().every((v) => v === 1)).toBe(true);
    init.zeros_(p);
    expect(p.dataSync().every((v) => v === 0)).toBe(true);
    const e = param([2, 3]);
    expect(init.eye_(e).tolistSync()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(() => init.uniform_(p, 2, 1)).toThrow(
      "uniform_: expects a range [a, b) with a <= b; got a=2, b=1",
    );
    expect(() => init.normal_(p, 0, -1)).toThrow("normal_: expects std >= 0; got std=-1");
    const row = p.index(0);
    expect(() => init.eye_(row)).toThrow("eye_: only 2-D tensors are supported; got [500]");
    row.dispose();
    p.dispose();
    e.dispose();
  });

  it("are reproducible with manualSeed", () => {
    const a = param([50, 40]);
    const b = param([50, 40]);
    torch.manualSeed(42);
    init.kaimingUniform_(a);
    init.orthogonal_(b);
    const a1 = [...a.dataSync()];
    const b1 = [...b.dataSync()];
    torch.manualSeed(42);
    init.kaimingUniform_(a);
    init.orthogonal_(b);
    expect([...a.dataSync()]).toEqual(a1);
    expect([...b.dataSync()]).toEqual(b1);
    a.dispose();
    b.dispose();
  });

  it("xavierUniform_ and xavierNormal_ scale by gain * sqrt(2 / (fanIn + fanOut))", () => {
    torch.manualSeed(1);
    const w = param([400, 250]);
    const std = Math.sqrt(2 / 650);
    init.xavierUniform_(w);
    expectUniform(w, -Math.sqrt(3) * std, Math.sqrt(3) * std);
    init.xavierUniform_(w, init.calculateGain("tanh"));
    expectUniform(w, (-5 / 3) * Math.sqrt(3) * std, (5 / 3) * Math.sqrt(3) * std);
    init.xavierNormal_(w);
    expectNormal(w, 0, std);
    init.xavierNormal_(w, { gain: 2 });
    expectNormal(w, 0, 2 * std);
    w.dispose();
  });

  it("kaimingUniform_ and kaimingNormal_ scale by gain / sqrt(fan)", () => {
    torch.manualSeed(2);
    const w = param([200, 50, 3, 3]); // fanIn 450, fanOut 1800
    // defaults: a = 0, fanIn, leaky_relu (gain sqrt(2))
    init.kaimingUniform_(w);
    const b = Math.sqrt(3) * Math.sqrt(2 / 450);
    expectUniform(w, -b, b);
    // Linear's init: a = sqrt(5) gives U(+-1/sqrt(fanIn))
    init.kaimingUniform_(w, { a: Math.sqrt(5) });
    expectUniform(w, -1 / Math.sqrt(450), 1 / Math.sqrt(450));
    init.kaimingNormal_(w, { mode: "fanOut", nonlinearity: "relu" });
    expectNormal(w, 0, Math.sqrt(2 / 1800));
    init.kaimingNormal_(w, { mode: "fan_in", nonlinearity: "tanh" });
    expectNormal(w, 0, 5 / 3 / Math.sqrt(450));
    expect(() => init.kaimingNormal_(w, { mode: "fan" as "fanIn" })).toThrow(
      'kaimingNormal_: mode "fan" not supported, please use one of "fanIn", "fanOut"',
    );
    expect(() => init.kaimingUniform_(w, { nonlinearity: "gelu" as "relu" })).toThrow(
      'calculateGain: unsupported nonlinearity "gelu"',
    );
    const empty = param([0, 3]);
    expect(init.kaimingUniform_(empty)).toBe(empty);
    w.dispose();
    empty.dispose();
  });

  it("orthogonal_ gives orthonormal rows or columns, scaled by gain", () => {
    torch.manualSeed(3);
    const check = (shape: number[], gain: number) =>
      torch.tidy(() => {
        const w = param(shape);
        init.orthogonal_(w, gain);
        const m = w.reshape(shape[0]!, -1).double();
        const [r, c] = m.shape as [number, number];
        const g = r >= c ? m.t().matmul(m) : m.matmul(m.t());
        const n = Math.min(r, c);
        const d = g.dataSync();
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            expect(Math.abs(d[i * n + j]! - (i === j ? gain * gain : 0))).toBeLessThan(1e-5);
        // a random orthogonal matrix, not a permutation of the identity
        expect(stats(w).max).toBeLessThan(gain);
        w.dispose();
      });
    check([20, 8], 1);
    check([8, 20], 1);
    check([16, 16], 2);
    check([6, 2, 3, 3], 1);
    const v = param([5]);
    expect(() => init.orthogonal_(v)).toThrow(
      "orthogonal_: only tensors with 2 or more dimensions are supported; got [5]",
    );
    v.dispose();
  });

  it("orthogonal_ matches PyTorch's distribution: Q of a Gaussian QR with sign(diag R) folded in", () => {
    // with the sign correction the diagonal of Q^T G is positive (it is R's diagonal)
    torch.manualSeed(5);
    const w = param([10, 4]);
    init.orthogonal_(w);
    torch.manualSeed(5);
    const g = torch.randn([10, 4], { dtype: "float64" });
    const r = torch.tidy(() => w.double().t().matmul(g));
    const d = r.dataSync();
    for (let i = 0; i < 4; i++) expect(d[i * 4 + i]!).toBeGreaterThan(0);
    // and R is upper triangular
    for (let i = 1; i < 4; i++)
      for (let j = 0; j < i; j++) expect(Math.abs(d[i * 4 + j]!)).toBeLessThan(1e-5);
    for (const t of [w, g, r]) t.dispose();
  });

  it("truncNormal_ stays within [a, b] with the truncated normal's moments", () => {
    torch.manualSeed(4);
    const w = param([300, 300]);
    init.truncNormal_(w);
    const s = stats(w);
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThanOrEqual(2);
    expect(Math.abs(s.mean)).toBeLessThan(0.01);
    // the std of N(0, 1) truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (Phi(2) - Phi(-2)))
    expect(s.std).toBeCloseTo(0.8796, 2);
    init.truncNormal_(w, { mean: 1, std: 0.02, a: 0.99, b: 2 });
    const t = stats(w);
    expect(t.min).toBeGreaterThanOrEqual(0.99);
    expect(t.max).toBeLessThan(1.1);
    expect(() => init.truncNormal_(w, { a: 1, b: 1 })).toThrow(
      "truncNormal_: expects a < b; got a=1, b=1",
    );
    expect(() => init.truncNormal_(w, { std: -1 })).toThrow(
      "truncNormal_: expects std >= 0; got std=-1",
    );
    w.dispose();
  });

  it("work on float64 tensors and inside tidy", () => {
    const w = torch.tidy(() => {
      const t = torch.empty([64, 32], { dtype: "float64" });
      init.orthogonal_(t);
      init.kaimingNormal_(t);
      return t;
    });
    expect(w.dtype).toBe("float64");
    // only 2048 samples: a looser check than expectNormal's
    expect(Math.abs(stats(w).std / Math.sqrt(2 / 32) - 1)).toBeLessThan(0.1);
    w.dispose();
  });
});
