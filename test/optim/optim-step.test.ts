/**
 * The fused `optimStep` primitive against its oracle, the composite of elementwise ops (PyTorch's
 * single-tensor code written with tensor ops): in float64 they must agree bit for bit (the same
 * operations in the same order), in float32 to within rounding of the intermediates.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import {
  canFuseOptimStep,
  optimStateNames,
  optimStep,
  type OptimStepHyper,
} from "../../src/ops/optim-step.js";
import { assertAllClose } from "../util/allclose.js";
import { memorySnapshot, withLeakCheck } from "../util/leaks.js";
import { param } from "./helpers.js";

const { optim } = torch;

const ADAM = {
  kind: "adam",
  lr: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  step: 1,
  amsgrad: false,
  maximize: false,
  decoupledWeightDecay: false,
} as const;
const SGD = {
  kind: "sgd",
  lr: 0.1,
  weightDecay: 0,
  momentum: 0,
  dampening: 0,
  nesterov: false,
  maximize: false,
  firstStep: false,
} as const;
const ADAGRAD = {
  kind: "adagrad",
  lr: 0.1,
  lrDecay: 0,
  weightDecay: 0,
  eps: 1e-10,
  step: 1,
  maximize: false,
} as const;
const RMSPROP = {
  kind: "rmsprop",
  lr: 0.01,
  alpha: 0.99,
  eps: 1e-8,
  weightDecay: 0,
  momentum: 0,
  centered: false,
  maximize: false,
} as const;

/** Every option combination worth telling apart; `step` and `firstStep` are set per step. */
const CASES: [string, OptimStepHyper][] = [
  ["sgd", SGD],
  ["sgd wd maximize", { ...SGD, weightDecay: 0.1, maximize: true }],
  ["sgd momentum", { ...SGD, momentum: 0.9 }],
  ["sgd momentum dampening wd", { ...SGD, momentum: 0.9, dampening: 0.3, weightDecay: 0.05 }],
  ["sgd nesterov", { ...SGD, momentum: 0.8, nesterov: true }],
  ["adam", ADAM],
  ["adam wd amsgrad", { ...ADAM, weightDecay: 0.1, amsgrad: true, beta2: 0.9 }],
  ["adam maximize", { ...ADAM, maximize: true, beta1: 0.5, eps: 1e-3 }],
  ["adamw", { ...ADAM, weightDecay: 0.05, decoupledWeightDecay: true }],
  [
    "adamw amsgrad maximize",
    { ...ADAM, weightDecay: 0.05, decoupledWeightDecay: true, amsgrad: true, maximize: true },
  ],
  ["adagrad", ADAGRAD],
  [
    "adagrad lrDecay wd maximize",
    { ...ADAGRAD, lrDecay: 0.1, weightDecay: 0.2, maximize: true, eps: 1e-6 },
  ],
  ["rmsprop", RMSPROP],
  ["rmsprop centered", { ...RMSPROP, centered: true }],
  ["rmsprop momentum", { ...RMSPROP, momentum: 0.9 }],
  [
    "rmsprop centered momentum wd maximize",
    { ...RMSPROP, centered: true, momentum: 0.5, weightDecay: 0.1, maximize: true, alpha: 0.9 },
  ],
];

function withStep(h: OptimStepHyper, step: number): OptimStepHyper {
  if (h.kind === "sgd") return { ...h, firstStep: step === 1 };
  if (h.kind === "adam" || h.kind === "adagrad") return { ...h, step };
  return h;
}

interface Run {
  param: Tensor;
  state: Tensor[];
}

function setUp(h: OptimStepHyper, dtype: "float32" | "float64", shape: number[]): Run {
  torch.manualSeed(1);
  const p = torch.randn(shape, { dtype });
  // Adagrad's sum and the squared averages must stay >= 0; start them positive.
  const state = optimStateNames(h).map((n) =>
    n === "sum" || n.endsWith("Sq") || n === "squareAvg"
      ? torch.rand(shape, { dtype })
      : torch.randn(shape, { dtype }),
  );
  return { param: p, state };
}

function dispose(r: Run): void {
  r.param.dispose();
  for (const s of r.state) s.dispose();
}

/** Steps a fused and a composite copy with the same random gradients; returns both. */
function race(
  h: OptimStepHyper,
  dtype: "float32" | "float64",
  steps = 5,
  shape = [7, 5],
): [Run, Run] {
  const a = setUp(h, dtype, shape);
  const b = setUp(h, dtype, shape);
  torch.manualSeed(2);
  for (let s = 1; s <= steps; s++) {
    const g = torch.randn(shape, { dtype });
    optimStep(a.param, g, a.state, withStep(h, s), { fused: true });
    optimStep(b.param, g, b.state, withStep(h, s), { fused: false });
    g.dispose();
  }
  return [a, b];
}

describe("optimStep: fused == composite", () => {
  withLeakCheck();

  for (const [name, h] of CASES) {
    it(`${name}, float64, bit for bit over 5 steps`, () => {
      const [a, b] = race(h, "float64");
      expect(Array.from(a.param.dataSync())).toEqual(Array.from(b.param.dataSync()));
      a.state.forEach((s, i) =>
        expect(Array.from(s.dataSync()), optimStateNames(h)[i]).toEqual(
          Array.from(b.state[i]!.dataSync()),
        ),
      );
      dispose(a);
      dispose(b);
    });

    it(`${name}, float32, within rounding over 5 steps`, () => {
      const [a, b] = race(h, "float32");
      // NOTE: the composite rounds every intermediate (and every scalar) to float32; the fused
      // kernel keeps them in doubles, so they differ in the last bits.
      const tol = { rtol: 1e-5, atol: 1e-6 };
      assertAllClose(a.param.dataSync(), b.param.dataSync(), tol, `${name} param`);
      a.state.forEach((s, i) =>
        assertAllClose(
          s.dataSync(),
          b.state[i]!.dataSync(),
          tol,
          `${name} ${optimStateNames(h)[i]}`,
        ),
      );
      dispose(a);
      dispose(b);
    });
  }

  it("runs on a contiguous view with an offset (bit for bit in float64)", () => {
    const h = CASES[6]![1];
    const base = torch.randn([20], { dtype: "float64" });
    const other = torch.randn([20], { dtype: "float64" });
    const pa = base.narrow(0, 3, 12);
    const pb = torch.tidy(() => pa.clone());
    const stA = optimStateNames(h).map(() => torch.tidy(() => other.narrow(0, 5, 12).abs()));
    const stB = stA.map((s) => torch.tidy(() => s.clone()));
    const g = torch.tidy(() => other.narrow(0, 1, 12).mul(0.5));
    expect(canFuseOptimStep(pa, g, stA)).toBe(true);
    optimStep(pa, g, stA, h);
    optimStep(pb, g, stB, h, { fused: false });
    expect(Array.from(pa.dataSync())).toEqual(Array.from(pb.dataSync()));
    // the rest of the storage is untouched
    expect(base.dataSync()[2]).not.toBe(pa.dataSync()[0]);
    for (const t of [base, other, pa, pb, g, ...stA, ...stB]) t.dispose();
  });

  it("falls back to the composite for a non-contiguous parameter (an optimizer over a transposed view)", () => {
    const data = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const raw = torch.tensor(data, { dtype: "float64" });
    const rawT = raw.t();
    const strided = new torch.nn.Parameter(rawT);
    const plain = param(rawT.tolistSync() as number[][], "float64");
    expect(strided.isContiguous()).toBe(false);
    const optA = new optim.Adam([strided], { lr: 0.1, amsgrad: true });
    const optB = new optim.Adam([plain], { lr: 0.1, amsgrad: true });
    for (let i = 0; i < 3; i++) {
      for (const [p, opt] of [
        [strided, optA],
        [plain, optB],
      ] as const) {
        opt.zeroGrad();
        const loss = torch.tidy(() =>
          p
            .mul(p)
            .mul(torch.arange(6, { dtype: "float64" }).reshape([3, 2]))
            .sum(),
        );
        loss.backward();
        loss.dispose();
        opt.step();
      }
    }
    expect(strided.tolistSync()).toEqual(plain.tolistSync());
    // the update went through the strided view into the original storage
    expect(rawT.tolistSync()).toEqual(plain.tolistSync());
    for (const t of [optA, optB, strided, plain, raw, rawT]) t.dispose();
  });

  it("allocates nothing and leaves nothing behind (fused and composite)", () => {
    const p = param([1, 2, 3, 4]);
    const opt = new optim.Adam([p], { lr: 0.1, amsgrad: true });
    const g = torch.tensor([0.1, -0.2, 0.3, -0.4]);
    p.grad = g;
    opt.step(); // state made here
    for (const fused of [true, false]) {
      opt.fused = fused;
      const before = memorySnapshot();
      for (let i = 0; i < 3; i++) opt.step();
      const after = memorySnapshot();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numStorages).toBe(before.numStorages);
      expect(after.numBytes).toBe(before.numBytes);
    }
    opt.dispose();
    p.dispose();
  });

  it("bumps the version of what it writes, not of the gradient", () => {
    const p = param([1, 2]);
    const g = torch.tensor([1.5, 1.5]);
    const st = [torch.zeros([2]), torch.zeros([2])];
    const [vp, vg, vs] = [p.version, g.version, st[0]!.version];
    optimStep(p, g, st, ADAM);
    expect([p.version - vp, g.version - vg, st[0]!.version - vs]).toEqual([1, 0, 1]);
    for (const t of [p, g, ...st]) t.dispose();
  });

  it("does nothing on an empty parameter", () => {
    const p = torch.zeros([0, 3]);
    const g = torch.zeros([0, 3]);
    const st = [torch.zeros([0, 3]), torch.zeros([0, 3])];
    expect(() => optimStep(p, g, st, ADAM)).not.toThrow();
    for (const t of [p, g, ...st]) t.dispose();
  });

  it("checks its arguments", () => {
    const p = torch.zeros([2, 3]);
    const g = torch.zeros([2, 3]);
    const g64 = torch.zeros([2, 3], { dtype: "float64" });
    const gBad = torch.zeros([3, 2]);
    const st = [torch.zeros([2, 3]), torch.zeros([2, 3])];
    const pInt = torch.zeros([2, 3], { dtype: "int32" });
    expect(() => optimStep(p, g, st.slice(0, 1), ADAM)).toThrow(
      "optimStep: adam with these options takes 2 state tensors (expAvg, expAvgSq); got 1",
    );
    expect(() => optimStep(p, g, [], { ...SGD, momentum: 0.9 })).toThrow(
      "optimStep: sgd with these options takes 1 state tensors (momentumBuffer); got 0",
    );
    expect(() => optimStep(p, g, st, SGD)).toThrow(
      "optimStep: sgd with these options takes 0 state tensors (none); got 2",
    );
    expect(() => optimStep(p, g64, st, ADAM)).toThrow(
      "optimStep: the gradient's dtype float64 differs from the parameter's float32",
    );
    expect(() => optimStep(p, gBad, st, ADAM)).toThrow(
      "optimStep: the gradient's shape [3, 2] differs from the parameter's [2, 3]",
    );
    expect(() => optimStep(p, g, [st[0]!, gBad], ADAM)).toThrow(
      "optimStep: state expAvgSq's shape [3, 2] differs from the parameter's [2, 3]",
    );
    expect(() => optimStep(p, g, [st[0]!, p], ADAM)).toThrow(
      "optimStep: state expAvgSq shares storage with the parameter or its gradient",
    );
    expect(() => optimStep(pInt, pInt, [], SGD)).toThrow(
      "optimStep: expected a float32 or float64 parameter; got int32",
    );
    expect(() => optimStep(p, g, st, { ...ADAM, step: 0 })).toThrow(
      "optimStep: step must be >= 1; got 0",
    );
    const dead = torch.zeros([2, 3]);
    dead.dispose();
    expect(() => optimStep(p, dead, st, ADAM)).toThrow(
      /optimStep: a float32 tensor of shape \[2, 3\] was used after dispose\(\)/,
    );
    for (const t of [p, g, g64, gBad, pInt, ...st]) t.dispose();
  });
});
