/**
 * Losses (functional and modules): PyTorch goldens from test/golden/gen_nn_conv_loss.py (outputs and
 * the gradients of every input that requires one), numerical stability at extreme logits,
 * finite-difference gradchecks in float64, buffers under PyTorch's keys, every error message, and
 * leaks.
 */

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { assertAllClose } from "../util/allclose.js";
import { decode, decodeKwargs, loadNnGolden, num, type GT } from "../util/golden-nn.js";
import { expectSameMemory, memorySnapshot, withLeakCheck } from "../util/leaks.js";
import { CPU_VS_TORCH, type Tolerance } from "../util/tolerance.js";

const { nn } = torch;
const F = torch.nn.functional;

// ---- the golden fixtures (format: see gen_nn_conv_loss.py) ----

const golden = loadNnGolden();
type Kw = Record<string, unknown>;

interface LossModule {
  forward(...xs: Tensor[]): Tensor;
  dispose(): void;
  loadStateDict(sd: Record<string, Tensor>): unknown;
  toString(): string;
}
/** The decoded options, typed as whatever the call expects (the fixtures use each loss's own names). */
function opts<T>(kw: Kw): T {
  return kw as T;
}
const MODULES: Record<string, (kw: Kw) => LossModule> = {
  MSELoss: (kw) => new nn.MSELoss(opts(kw)),
  L1Loss: (kw) => new nn.L1Loss(opts(kw)),
  SmoothL1Loss: (kw) => new nn.SmoothL1Loss(opts(kw)),
  HuberLoss: (kw) => new nn.HuberLoss(opts(kw)),
  BCELoss: (kw) => new nn.BCELoss(opts(kw)),
  BCEWithLogitsLoss: (kw) => new nn.BCEWithLogitsLoss(opts(kw)),
  CrossEntropyLoss: (kw) => new nn.CrossEntropyLoss(opts(kw)),
  NLLLoss: (kw) => new nn.NLLLoss(opts(kw)),
  KLDivLoss: (kw) => new nn.KLDivLoss(opts(kw)),
  CosineEmbeddingLoss: (kw) => new nn.CosineEmbeddingLoss(opts(kw)),
};
/** The functional form of each module, with the same (decoded) options. */
const FUNCTIONAL: Record<string, (xs: Tensor[], kw: Kw) => Tensor> = {
  MSELoss: ([a, b], kw) => F.mseLoss(a!, b!, opts(kw)),
  L1Loss: ([a, b], kw) => F.l1Loss(a!, b!, opts(kw)),
  SmoothL1Loss: ([a, b], kw) => F.smoothL1Loss(a!, b!, opts(kw)),
  HuberLoss: ([a, b], kw) => F.huberLoss(a!, b!, opts(kw)),
  BCELoss: ([a, b], kw) => F.binaryCrossEntropy(a!, b!, opts(kw)),
  BCEWithLogitsLoss: ([a, b], kw) => F.binaryCrossEntropyWithLogits(a!, b!, opts(kw)),
  CrossEntropyLoss: ([a, b], kw) => F.crossEntropy(a!, b!, opts(kw)),
  NLLLoss: ([a, b], kw) => F.nllLoss(a!, b!, opts(kw)),
  KLDivLoss: ([a, b], kw) => F.klDiv(a!, b!, opts(kw)),
  CosineEmbeddingLoss: ([a, b, y], kw) => F.cosineEmbeddingLoss(a!, b!, y!, opts(kw)),
};

function check(actual: Tensor | null, expected: GT, tol: Tolerance, label: string): void {
  expect(actual, `${label}: missing`).not.toBeNull();
  expect([...actual!.shape], `${label} shape`).toEqual(expected.shape);
  expect(actual!.dtype, `${label} dtype`).toBe(expected.dtype);
  assertAllClose(actual!.dataSync(), expected.data.map(num), tol, label, expected.shape);
}

function disposeKw(kw: Kw): void {
  for (const v of Object.values(kw)) if (v instanceof torch.Tensor) v.dispose();
}

const cases = golden.modules.filter((c) => c.module in MODULES);

describe(`losses vs PyTorch ${golden.torch_version}`, () => {
  it("has the fixtures", () => expect(cases.length).toBeGreaterThan(45));

  it.each(cases.map((c) => [c.name, c] as const))("%s (module)", (_name, c) => {
    const before = memorySnapshot();
    const m = MODULES[c.module]!(decodeKwargs(c.kwargs));
    const made: Tensor[] = [];
    try {
      expect(String(m)).toBe(c.repr);
      const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, decode(v)]));
      m.loadStateDict(state);
      Object.values(state).forEach((t) => t.dispose());
      const inputs = c.inputs.map((t) => decode(t, t.requires_grad));
      made.push(...inputs);
      const out = m.forward(...inputs);
      made.push(out);
      check(out, c.outputs[0]!, CPU_VS_TORCH, `${c.name} loss`);
      if (!c.grads) return;
      if (c.grad_output) {
        const go = decode(c.grad_output);
        made.push(go);
        out.backward(go);
      } else out.backward();
      c.input_grads.forEach((g, i) => {
        if (g) check(inputs[i]!.grad, g, CPU_VS_TORCH, `${c.name} grad of input ${i}`);
        else expect(inputs[i]!.grad, `${c.name} input ${i}`).toBeNull();
      });
    } finally {
      made.forEach((t) => t.dispose());
      m.dispose();
    }
    expectSameMemory(before, c.name);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s (functional)", (_name, c) => {
    const before = memorySnapshot();
    const kw = decodeKwargs(c.kwargs);
    const inputs = c.inputs.map((t) => decode(t));
    const out = FUNCTIONAL[c.module]!(inputs, kw);
    check(out, c.outputs[0]!, CPU_VS_TORCH, `${c.name} functional`);
    [...inputs, out].forEach((t) => t.dispose());
    disposeKw(kw);
    expectSameMemory(before, c.name);
  });
});

// ---- stability and semantics ----

describe("stability and semantics", () => {
  withLeakCheck();

  it("crossEntropy stays finite for logits of ±1e4 and ±3e38", () => {
    const x = torch.tensor(
      [
        [1e4, -1e4, 0],
        [3e38, -3e38, 0],
        [-1e4, -1e4, -1e4],
      ],
      { requiresGrad: true },
    );
    const y = torch.tensor([1, 0, 2], { dtype: "int32" });
    const loss = F.crossEntropy(x, y, { reduction: "none" });
    assertAllClose(
      loss.dataSync(),
      [2e4, 0, Math.log(3)],
      { rtol: 1e-6, atol: 1e-6 },
      "extreme logits",
    );
    const total = loss.sum();
    total.backward();
    expect([...x.grad!.dataSync()].every(Number.isFinite)).toBe(true);
    for (const t of [x, y, loss, total]) t.dispose();
  });

  it("binaryCrossEntropy has PyTorch's gradients, also at a confidently wrong prediction", () => {
    // torch 1.13: grad x = g (x - y) / max((1 - x) x, 1e-12), grad y = g (log(1 - x) - log(x))
    const p = torch.tensor([0, 1, 0.3, 0.3, 1e-30, 0, 1], { requiresGrad: true });
    const y = torch.tensor([1, 0, 0.2, 1, 0.5, 0, 1], { requiresGrad: true });
    const loss = F.binaryCrossEntropy(p, y, { reduction: "none" });
    const tol = CPU_VS_TORCH;
    const want = [100, 100, 0.5261345505714417, 1.2039728164672852, 34.53877639770508, 0, 0];
    assertAllClose(loss.dataSync(), want, tol, "loss");
    const g = torch.tensor([1, 2, 3, -1, 1, 1, 1]);
    loss.backward(g);
    const gx = [-999999995904, 1999999991808, 1.4285714626312256, 3.3333332538604736, -5e11, 0, 0];
    assertAllClose(p.grad!.dataSync(), gx, tol, "grad input");
    const gy = [Infinity, -Infinity, 2.541893482208252, -0.8472978472709656, 69.07755279541016];
    assertAllClose([...y.grad!.dataSync()].slice(0, 5), gy, tol, "grad target");
    for (const t of [p, y, g, loss]) t.dispose();
  });

  it("binaryCrossEntropy's gradient with a weight and mean, in float64 (PyTorch's numbers)", () => {
    const p = torch.tensor([0, 1, 0.3], { dtype: "float64", requiresGrad: true });
    const y = torch.tensor([1, 0, 0.2], { dtype: "float64" });
    const w = torch.tensor([2, 0.5, 1], { dtype: "float64" });
    const loss = F.binaryCrossEntropy(p, y, { weight: w });
    expect(loss.itemSync()).toBeCloseTo(83.50871150533872, 10);
    loss.backward();
    const gx = [-666666669330.5353, 166666667332.63382, 0.1587301587301587];
    assertAllClose(p.grad!.dataSync(), gx, { rtol: 1e-12, atol: 0 }, "grad input");
    for (const t of [p, y, w, loss]) t.dispose();
  });

  it("binaryCrossEntropyWithLogits has gradient sigmoid(x) - y, also at x = 0 and ±1e4", () => {
    const x = torch.tensor([0, 0, 1e4, -1e4, 2], { dtype: "float32", requiresGrad: true });
    const y = torch.tensor([0, 1, 1, 0, 0.25]);
    const loss = F.binaryCrossEntropyWithLogits(x, y, { reduction: "sum" });
    loss.backward();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    assertAllClose(
      x.grad!.dataSync(),
      [0.5, -0.5, 0, 0, sig(2) - 0.25],
      CPU_VS_TORCH,
      "bce logits grad",
    );
    for (const t of [x, y, loss]) t.dispose();
  });

  it("crossEntropy of logits equals nllLoss of logSoftmax, and probability targets equal one-hot", () => {
    torch.manualSeed(0);
    const x = torch.randn([6, 4]);
    const y = torch.tensor([0, 3, 1, 2, 2, 0], { dtype: "int32" });
    const oh = F.oneHot(y, 4);
    const p = oh.float();
    const a = F.crossEntropy(x, y);
    const lsm = F.logSoftmax(x, 1);
    const b = F.nllLoss(lsm, y);
    const c = F.crossEntropy(x, p);
    assertAllClose(b.dataSync(), a.dataSync(), CPU_VS_TORCH, "nll(logSoftmax)");
    assertAllClose(c.dataSync(), a.dataSync(), CPU_VS_TORCH, "one-hot probabilities");
    for (const t of [x, y, oh, p, a, lsm, b, c]) t.dispose();
  });

  it("loss modules register their weights as buffers under PyTorch's keys", () => {
    const w = torch.ones([3]);
    const pw = torch.ones([3]);
    const ce = new nn.CrossEntropyLoss({ weight: w });
    const bce = new nn.BCEWithLogitsLoss({ posWeight: pw });
    const plain = new nn.NLLLoss();
    expect(Object.keys(ce.stateDict())).toEqual(["weight"]);
    expect(Object.keys(bce.stateDict())).toEqual(["pos_weight"]);
    expect(Object.keys(plain.stateDict())).toEqual([]);
    expect(String(ce)).toBe("CrossEntropyLoss()");
    ce.dispose();
    bce.dispose();
    expect(w.isDisposed && pw.isDisposed).toBe(true);
  });
});

// ---- finite differences (float64) ----

describe("gradcheck (float64)", () => {
  withLeakCheck();
  const f64 = (shape: number[], scale = 1) => {
    const t = torch.tidy(() => torch.randn(shape, { dtype: "float64" }).mul(scale));
    t.requiresGrad_(true);
    return t;
  };
  const gc = (fn: (...xs: Tensor[]) => Tensor, xs: Tensor[]) =>
    expect(torch.autograd.gradcheck(fn, xs)).toBe(true);

  it("crossEntropy with weight, ignoreIndex and label smoothing; probability targets; nllLoss", () => {
    torch.manualSeed(4);
    const x = f64([5, 4]);
    const w = torch.tensor([0.5, 1, 2, 1.5], { dtype: "float64" });
    const y = torch.tensor([0, -100, 3, 2, 1], { dtype: "int32" });
    const p = torch.tidy(() => torch.randn([5, 4], { dtype: "float64" }).softmax(1));
    p.requiresGrad_(true);
    gc((t) => F.crossEntropy(t, y, { weight: w, labelSmoothing: 0.2 }), [x]);
    gc((t, q) => F.crossEntropy(t, q!, { weight: w, labelSmoothing: 0.1 }), [x, p]);
    gc((t) => F.nllLoss(t, y, { weight: w, reduction: "sum" }), [x]);
    for (const t of [x, w, y, p]) t.dispose();
  });

  it("binary cross-entropies, KL, cosine embedding, smooth L1 and Huber", () => {
    torch.manualSeed(5);
    const x = f64([3, 4], 2);
    const z = f64([3, 4]);
    const prob = torch.tidy(() => torch.rand([3, 4], { dtype: "float64" }).mul(0.9).add(0.05));
    prob.requiresGrad_(true);
    const y = torch.tidy(() => torch.rand([3, 4], { dtype: "float64" }));
    y.requiresGrad_(true);
    const pw = torch.tensor([0.5, 1, 2, 3], { dtype: "float64" });
    const lab = torch.tensor([1, -1, -1], { dtype: "int32" });
    gc((a, b) => F.binaryCrossEntropy(a, b!), [prob, y]);
    gc((a, b) => F.binaryCrossEntropyWithLogits(a, b!, { posWeight: pw }), [x, z]);
    gc((a) => torch.tidy(() => F.klDiv(a.logSoftmax(1), y, { reduction: "batchmean" })), [x]);
    gc((a, b) => F.klDiv(a, b!, { logTarget: true }), [x, z]);
    gc((a, b) => F.cosineEmbeddingLoss(a, b!, lab, { margin: -0.3 }), [x, z]);
    gc((a, b) => F.smoothL1Loss(a, b!, { beta: 0.8 }), [x, z]);
    gc((a, b) => F.huberLoss(a, b!, { delta: 0.6, reduction: "sum" }), [x, z]);
    for (const t of [x, z, prob, y, pw, lab]) t.dispose();
  });
});

// ---- errors ----

describe("errors", () => {
  withLeakCheck();

  it("reductions", () => {
    const a = torch.zeros([2]);
    expect(() => F.mseLoss(a, a, { reduction: "avg" as "mean" })).toThrow(
      /mseLoss: invalid reduction "avg" \(expected "none", "mean" or "sum"\)/,
    );
    expect(() => F.klDiv(a, a, { reduction: "max" as "mean" })).toThrow(
      /klDiv: invalid reduction "max" \(expected "none", "mean", "sum" or "batchmean"\)/,
    );
    expect(() => new nn.L1Loss({ reduction: "batchmean" as "mean" })).toThrow(
      /L1Loss: invalid reduction "batchmean" \(expected "none", "mean" or "sum"\)/,
    );
    expect(() => new nn.KLDivLoss({ reduction: "avg" as "mean" })).toThrow(
      /KLDivLoss: invalid reduction "avg"/,
    );
    a.dispose();
  });

  it("regression losses", () => {
    const a = torch.zeros([2, 3]);
    const b = torch.zeros([4]);
    const i = torch.zeros([2, 3], { dtype: "int32" });
    expect(() => F.mseLoss(a, b)).toThrow(
      /mseLoss: shapes \[2, 3\] and \[4\] are not broadcastable/,
    );
    expect(() => F.l1Loss(a, i)).toThrow(
      /l1Loss: expected a floating-point target; got int32 target of shape \[2, 3\]/,
    );
    expect(() => F.l1Loss(i, a)).toThrow(
      /l1Loss: expected a floating-point input; got int32 input of shape \[2, 3\]/,
    );
    expect(() => F.smoothL1Loss(a, a, { beta: -1 })).toThrow(
      /smoothL1Loss: beta must be >= 0; got -1/,
    );
    expect(() => F.huberLoss(a, a, { delta: 0 })).toThrow(/huberLoss: delta must be > 0; got 0/);
    expect(() => new nn.SmoothL1Loss({ beta: -2 })).toThrow(
      /SmoothL1Loss: beta must be >= 0; got -2/,
    );
    expect(() => new nn.HuberLoss({ delta: -1 })).toThrow(/HuberLoss: delta must be > 0; got -1/);
    for (const t of [a, b, i]) t.dispose();
  });

  it("binary cross-entropies", () => {
    const x = torch.zeros([3, 2]);
    const y = torch.zeros([3]);
    const w = torch.ones([3]);
    expect(() => F.binaryCrossEntropy(x, y)).toThrow(
      /binaryCrossEntropy: target shape \[3\] must match input shape \[3, 2\]/,
    );
    expect(() => F.binaryCrossEntropy(x, x, { weight: w })).toThrow(
      /binaryCrossEntropy: shapes \[3\] and \[3, 2\] are not broadcastable/,
    );
    expect(() => F.binaryCrossEntropyWithLogits(x, y)).toThrow(
      /binaryCrossEntropyWithLogits: target shape \[3\] must match input shape \[3, 2\]/,
    );
    const big = torch.ones([2, 3, 2]);
    expect(() => F.binaryCrossEntropyWithLogits(x, x, { posWeight: big })).toThrow(
      /binaryCrossEntropyWithLogits: posWeight \[2, 3, 2\] must broadcast to the input shape \[3, 2\]/,
    );
    const xi = torch.zeros([3, 2], { dtype: "int32" });
    expect(() => F.binaryCrossEntropyWithLogits(xi, x)).toThrow(
      /binaryCrossEntropyWithLogits: expected a floating-point input; got int32 input/,
    );
    for (const t of [x, y, w, big, xi]) t.dispose();
  });

  it("crossEntropy", () => {
    const x = torch.zeros([64, 10]);
    const bad = torch.zeros([64, 1], { dtype: "int32" });
    const yf = torch.zeros([64]);
    const pi = torch.zeros([64, 10], { dtype: "int32" });
    const y = torch.zeros([64], { dtype: "int32" });
    const oob = torch.tensor([0, 3, 10, 1], { dtype: "int32" });
    const x4 = torch.zeros([4, 10]);
    const p = torch.zeros([64, 10]);
    const w = torch.ones([9]);
    const xi = torch.zeros([4, 10], { dtype: "int32" });
    const s = torch.zeros([]);
    expect(() => F.crossEntropy(x, bad)).toThrow(
      /crossEntropy: expected target of shape \[64\] \(int32 class indices\) or \[64, 10\] \(probabilities\); got \[64, 1\]/,
    );
    expect(() => F.crossEntropy(x, yf)).toThrow(
      /^crossEntropy: class targets must be int32 \(PyTorch's long\); got float32\. Write torch\.tensor\(\[0, 2, 1\], \{ dtype: \"int32\" \}\) or convert with t\.long\(\)$/,
    );
    expect(() => F.crossEntropy(x, pi)).toThrow(
      /crossEntropy: a target of the input's shape \[64, 10\] holds class probabilities and must be floating point; got int32/,
    );
    expect(() => F.crossEntropy(x4, oob)).toThrow(
      /crossEntropy: target 10 is out of bounds for 10 classes \(at flat index 2; ignoreIndex is -100\)/,
    );
    expect(() => F.crossEntropy(x, y, { weight: w })).toThrow(
      /crossEntropy: weight must have shape \[10\] \(one entry per class\); got \[9\]/,
    );
    expect(() => F.crossEntropy(x, y, { labelSmoothing: 1.5 })).toThrow(
      /crossEntropy: labelSmoothing must be between 0 and 1; got 1.5/,
    );
    expect(() => F.crossEntropy(x, y, { ignoreIndex: 0.5 })).toThrow(
      /crossEntropy: ignoreIndex must be an integer; got 0.5/,
    );
    expect(() => F.crossEntropy(x, p, { ignoreIndex: 0 })).toThrow(
      /crossEntropy: ignoreIndex is not supported for probability targets; got ignoreIndex 0/,
    );
    expect(() => F.crossEntropy(xi, oob)).toThrow(
      /crossEntropy: expected a floating-point input; got int32 input of shape \[4, 10\]/,
    );
    expect(() => F.crossEntropy(s, y)).toThrow(
      /crossEntropy: expected input of shape \(C\), \(N, C\) or \(N, C, d1, \.\.\.\); got a 0-d input/,
    );
    expect(() => new nn.CrossEntropyLoss({ labelSmoothing: -0.1 })).toThrow(
      /CrossEntropyLoss: labelSmoothing must be between 0 and 1; got -0.1/,
    );
    for (const t of [x, bad, yf, pi, y, oob, x4, p, w, xi, s]) t.dispose();
  });

  it("nllLoss", () => {
    const x = torch.zeros([4, 3]);
    const y2 = torch.zeros([4, 1], { dtype: "int32" });
    const yf = torch.zeros([4]);
    const neg = torch.tensor([0, -1, 2, 1], { dtype: "int32" });
    expect(() => F.nllLoss(x, y2)).toThrow(
      /nllLoss: expected an int32 target of shape \[4\] for input \[4, 3\]; got \[4, 1\]/,
    );
    expect(() => F.nllLoss(x, yf)).toThrow(
      /^nllLoss: class targets must be int32 \(PyTorch's long\); got float32\. Write torch\.tensor\(\[0, 2, 1\], \{ dtype: \"int32\" \}\) or convert with t\.long\(\)$/,
    );
    expect(() => F.nllLoss(x, neg)).toThrow(
      /nllLoss: target -1 is out of bounds for 3 classes \(at flat index 1; ignoreIndex is -100\)/,
    );
    // an ignored index may be any integer
    const ok = F.nllLoss(x, neg, { ignoreIndex: -1 });
    expect(Math.abs(ok.itemSync())).toBe(0);
    for (const t of [x, y2, yf, neg, ok]) t.dispose();
  });

  it("cosineEmbeddingLoss", () => {
    const a = torch.zeros([3, 4]);
    const b = torch.zeros([3, 5]);
    const y = torch.ones([3]);
    const y2 = torch.ones([3, 1]);
    const y4 = torch.ones([4]);
    const yb = torch.ones([3], { dtype: "bool" });
    const v = torch.zeros([4]);
    expect(() => F.cosineEmbeddingLoss(a, b, y)).toThrow(
      /cosineEmbeddingLoss: input1 \[3, 4\] and input2 \[3, 5\] must have the same shape/,
    );
    expect(() => F.cosineEmbeddingLoss(a, a, y2)).toThrow(
      /cosineEmbeddingLoss: expected a 0-D or 1-D target; got \[3, 1\]/,
    );
    expect(() => F.cosineEmbeddingLoss(v, v, y)).toThrow(
      /cosineEmbeddingLoss: a 1-D target expects 2-D inputs; got input1 \[4\] and input2 \[4\]/,
    );
    expect(() => F.cosineEmbeddingLoss(a, a, y4)).toThrow(
      /cosineEmbeddingLoss: target \[4\] must have one label per row of the inputs \[3, 4\]/,
    );
    expect(() => F.cosineEmbeddingLoss(a, a, yb)).toThrow(
      /cosineEmbeddingLoss: target must hold 1 or -1 \(int32 or float\); got bool/,
    );
    for (const t of [a, b, y, y2, y4, yb, v]) t.dispose();
  });
});
