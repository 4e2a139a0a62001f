import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import type { Module } from "../../src/nn/module.js";
import { assertAllClose } from "../util/allclose.js";
import { expectNoLeaks, expectSameMemory, memorySnapshot, withLeakCheck } from "../util/leaks.js";
import { CPU_VS_TORCH, type Tolerance } from "../util/tolerance.js";

const { nn } = torch;
const F = nn.functional;

/**
 * The basic layers (linear, activation, normalization, dropout, embedding, containers) against
 * PyTorch: `test/golden/gen_nn_basic.py` records, per case, the state dict, the inputs, the output,
 * the input and parameter gradients after `backward(gradOutput)`, the state dict after the
 * forward (running statistics) and `str(module)`. Each case loads the state dict into our module
 * with `loadStateDict` and compares everything.
 */

// ---- the fixture (see gen_nn_basic.py) ----

interface GTensor {
  data: number[];
  shape: number[];
  dtype: "float32" | "int32";
  requires_grad: boolean;
}

interface GModule {
  type: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  children: [string | null, GModule][] | null;
}

interface GCase {
  name: string;
  module: GModule;
  mode: "train" | "eval";
  repr: string;
  state_dict: Record<string, GTensor>;
  pre_inputs?: GTensor[][];
  inputs: GTensor[] | null;
  output?: GTensor;
  grad_output?: GTensor;
  input_grads?: (GTensor | null)[];
  param_grads?: Record<string, GTensor>;
  state_after?: Record<string, GTensor>;
}

const fixture = JSON.parse(
  readFileSync(new URL("../golden/nn_basic.json", import.meta.url), "utf8"),
) as { torch_version: string; cases: GCase[] };

function decode(t: GTensor, requiresGrad = t.requires_grad): Tensor {
  const data = t.dtype === "int32" ? Int32Array.from(t.data) : Float32Array.from(t.data);
  return torch.tensor(data, { shape: t.shape, dtype: t.dtype, requiresGrad });
}

function build(spec: GModule): Module {
  if (spec.children) {
    const kids = spec.children.map(([n, c]): [string | null, Module] => [n, build(c)]);
    const named = Object.fromEntries(kids.map(([n, m]) => [n!, m]));
    if (spec.type === "Sequential")
      return kids.every(([n]) => n === null)
        ? new nn.Sequential(...kids.map(([, m]) => m))
        : new nn.Sequential(named);
    if (spec.type === "ModuleList") return new nn.ModuleList(kids.map(([, m]) => m));
    if (spec.type === "ModuleDict") return new nn.ModuleDict(named);
    throw new Error(`unknown container ${spec.type}`);
  }
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => Module>)[spec.type];
  if (!Ctor) throw new Error(`nn.${spec.type} is missing`);
  return new Ctor(...spec.args, spec.kwargs);
}

/**
 * Per-case tolerances (default CPU_VS_TORCH), each with its reason. Keys are case names or
 * `name:quantity` (quantity: output, grad, param, state).
 */
const LOOSER: Record<string, Tolerance> = {
  // none needed: every case, normalisation gradients included, agrees to rtol 1e-5 / atol 1e-6
};

function tolFor(name: string): Tolerance {
  return LOOSER[name] ?? LOOSER[name.split("/")[0]!] ?? CPU_VS_TORCH;
}

function expectTensor(actual: Tensor, expected: GTensor, tol: Tolerance, label: string): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  expect(actual.dtype, `${label}: dtype`).toBe(expected.dtype);
  assertAllClose(actual.dataSync(), expected.data, tol, label, expected.shape);
}

describe(`nn basic layers vs PyTorch ${fixture.torch_version}`, () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const before = memorySnapshot();
      const tol = tolFor(c.name);
      const module = build(c.module);
      expect(String(module), "printout").toBe(c.repr);
      const sd = Object.fromEntries(
        Object.entries(c.state_dict).map(([k, v]) => [k, decode(v, false)]),
      );
      expect(Object.keys(module.stateDict()), "state dict keys").toEqual(Object.keys(c.state_dict));
      module.loadStateDict(sd);
      for (const t of Object.values(sd)) t.dispose();
      module.train(c.mode === "train");
      if (c.inputs) {
        for (const pre of c.pre_inputs ?? []) {
          const xs = pre.map((t) => decode(t, false));
          const y = (module.call as (...a: unknown[]) => Tensor).call(module, ...xs);
          y.dispose();
          for (const x of xs) x.dispose();
        }
        const xs = c.inputs.map((t) => decode(t));
        const y = (module.call as (...a: unknown[]) => Tensor).call(module, ...xs);
        expectTensor(y, c.output!, tol, `${c.name} output`);
        const g = decode(c.grad_output!, false);
        y.backward(g);
        c.input_grads!.forEach((eg, i) => {
          if (eg) expectTensor(xs[i]!.grad!, eg, tol, `${c.name} grad of input ${i}`);
          else expect(xs[i]!.grad, `${c.name} grad of input ${i}`).toBeNull();
        });
        const params = Object.fromEntries(module.namedParameters());
        expect(Object.keys(c.param_grads!).sort(), "parameters with a gradient").toEqual(
          Object.keys(params)
            .filter((k) => params[k]!.grad)
            .sort(),
        );
        for (const [k, eg] of Object.entries(c.param_grads!))
          expectTensor(params[k]!.grad!, eg, tol, `${c.name} grad of ${k}`);
        const after = module.stateDict();
        for (const [k, es] of Object.entries(c.state_after!))
          expectTensor(after[k]!, es, tol, `${c.name} state ${k} after forward`);
        for (const t of [...xs, y, g]) t.dispose();
      }
      module.dispose();
      expectSameMemory(before, c.name);
    });
  }
});

// ---- printing, options and errors ----

describe("printing", () => {
  withLeakCheck();
  it("prints Python floats, tuples and options as PyTorch", () => {
    const cases: [Module, string][] = [
      [new nn.LeakyReLU(0.2, { inplace: true }), "LeakyReLU(negative_slope=0.2, inplace=True)"],
      [new nn.ReLU({ inplace: true }), "ReLU(inplace=True)"],
      [new nn.ELU({ alpha: 2 }), "ELU(alpha=2.0)"],
      [new nn.Hardtanh(-2, 2), "Hardtanh(min_val=-2.0, max_val=2.0)"],
      [
        new nn.BatchNorm2d(8, { eps: 1e-3, momentum: null, affine: false }),
        "BatchNorm2d(8, eps=0.001, momentum=None, affine=False, track_running_stats=True)",
      ],
      [
        new nn.LayerNorm([2, 3], { eps: 1e-6 }),
        "LayerNorm((2, 3), eps=1e-06, elementwise_affine=True)",
      ],
      [
        new nn.Embedding(4, 2, { maxNorm: 2, normType: 1 }),
        "Embedding(4, 2, max_norm=2.0, norm_type=1.0)",
      ],
      [new nn.Dropout({ p: 0.25, inplace: true }), "Dropout(p=0.25, inplace=True)"],
      [new nn.Softmax({ dim: -1 }), "Softmax(dim=-1)"],
      [new nn.PReLU(3), "PReLU(num_parameters=3)"],
      [new nn.Flatten({ startDim: 0 }), "Flatten(start_dim=0, end_dim=-1)"],
    ];
    for (const [m, s] of cases) {
      expect(String(m)).toBe(s);
      m.dispose();
    }
  });
});

describe("functional forms", () => {
  withLeakCheck();

  it("accept a number for their single hyper-parameter and agree with the modules", () => {
    torch.tidy(() => {
      const x = torch.randn([3, 4]);
      expect(F.leakyRelu(x, 0.3).dataSync()).toEqual(
        F.leakyRelu(x, { negativeSlope: 0.3 }).dataSync(),
      );
      expect(F.elu(x, 0.7).dataSync()).toEqual(F.elu(x, { alpha: 0.7 }).dataSync());
      const m = new nn.GELU({ approximate: "tanh" });
      expect(m.forward(x).dataSync()).toEqual(F.gelu(x, { approximate: "tanh" }).dataSync());
    });
  });

  it("linear and bilinear match hand-computed values", () => {
    torch.tidy(() => {
      const x = torch.tensor([[1, 2]], { dtype: "float32" });
      const w = torch.tensor(
        [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
        { dtype: "float32" },
      );
      expect(F.linear(x, w).tolistSync()).toEqual([[1, 2, 3]]);
      expect(F.linear(x, w, torch.tensor([1, 1, 1], { dtype: "float32" })).tolistSync()).toEqual([
        [2, 3, 4],
      ]);
      const bw = torch.tensor(
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
        { dtype: "float32" },
      );
      // [1, 2] [[1, 2], [3, 4]] [1, 1]^T = 1*3 + 2*7 = 17
      expect(F.bilinear(x, torch.ones([1, 2]), bw).tolistSync()).toEqual([[17]]);
    });
  });

  it("batchNorm in eval uses the running statistics and does not change them", () => {
    torch.tidy(() => {
      const x = torch.tensor(
        [
          [1, 2],
          [3, 6],
        ],
        { dtype: "float32" },
      );
      const rm = torch.tensor([1, 2], { dtype: "float32" });
      const rv = torch.tensor([4, 16], { dtype: "float32" });
      const y = F.batchNorm(x, rm, rv, { eps: 0 });
      expect(y.tolistSync()).toEqual([
        [0, 0],
        [1, 1],
      ]);
      expect(rm.tolistSync()).toEqual([1, 2]);
      // training: batch mean [2, 4], biased var [1, 4], unbiased [2, 8]
      F.batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
      expect(rm.tolistSync()).toEqual([1.5, 3]);
      expect(rv.tolistSync()).toEqual([3, 12]);
    });
  });

  it("softplus and elu stay finite (with finite gradients) for large inputs", () => {
    torch.tidy(() => {
      const x = torch.tensor([-1000, -100, 0, 100, 1000], { dtype: "float32", requiresGrad: true });
      const s = F.softplus(x, { beta: 1, threshold: 1e9 });
      const e = F.elu(x);
      s.add(e).sum().backward();
      expect([...s.dataSync()].every(Number.isFinite)).toBe(true);
      expect([...x.grad!.dataSync()].every(Number.isFinite)).toBe(true);
      expect(s.dataSync()[4]).toBe(1000);
    });
  });

  it("groupNorm with one group per channel equals instance normalisation", () => {
    torch.tidy(() => {
      const x = torch.randn([2, 3, 5]);
      const y = F.groupNorm(x, 3);
      const m = x.mean(-1, true);
      const v = x.var(-1, { correction: 0, keepdim: true });
      const ref = x.sub(m).div(v.add(1e-5).sqrt());
      assertAllClose(y.dataSync(), ref.dataSync(), { rtol: 1e-5, atol: 1e-5 }, "groupNorm");
    });
  });

  it("validates its arguments", () => {
    torch.tidy(() => {
      const x = torch.randn([4, 3]);
      expect(() => F.linear(x, torch.randn([2, 5]))).toThrow(
        "linear: expected input [..., 5] for weight [2, 5]; got [4, 3]",
      );
      expect(() => F.linear(x, torch.randn([2]))).toThrow(
        "linear: weight must be 2-D [out, in]; got [2]",
      );
      expect(() => F.linear(x, torch.randn([2, 3]), torch.randn([3]))).toThrow(
        "linear: bias must have shape [2] for weight [2, 3]; got [3]",
      );
      expect(() => F.bilinear(x, torch.randn([4, 2]), torch.randn([1, 3]))).toThrow(
        "bilinear: weight must be 3-D [out, in1, in2]; got [1, 3]",
      );
      expect(() => F.bilinear(x, torch.randn([3, 2]), torch.randn([1, 3, 2]))).toThrow(
        "bilinear: expected inputs [..., 3] and [..., 2] with the same leading dims for weight [1, 3, 2]; got [4, 3] and [3, 2]",
      );
      expect(() =>
        F.bilinear(x, torch.randn([4, 2]), torch.randn([1, 3, 2]), torch.randn([2])),
      ).toThrow("bilinear: bias must have shape [1] for weight [1, 3, 2]; got [2]");
      expect(() => F.gelu(x, { approximate: "fast" as "tanh" })).toThrow(
        'gelu: approximate must be "none" or "tanh"; got "fast"',
      );
      expect(() => F.hardtanh(x, { minVal: 1, maxVal: 0 })).toThrow(
        "hardtanh: minVal cannot be greater than maxVal; got minVal 1, maxVal 0",
      );
      expect(() => F.prelu(x, torch.ones([2]))).toThrow(
        "prelu: mismatch between the number of slopes (2) and the number of input channels (dim 1 of [4, 3])",
      );
      expect(() => F.prelu(x, torch.ones([3, 1]))).toThrow(
        "prelu: weight must be a 1-D tensor or a scalar; got [3, 1]",
      );
      expect(() => F.dropout(x, 1.5)).toThrow(
        "dropout: dropout probability has to be between 0 and 1; got 1.5",
      );
      expect(() => F.dropout(torch.ones([2], { dtype: "int32" }), 0.5)).toThrow(
        "dropout: expected a floating-point input; got int32",
      );
      expect(() => F.dropout2d(x, 0.5)).toThrow(
        "dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input; got [4, 3]",
      );
      expect(() => F.dropout2d(torch.ones([1, 1, 1]), -0.1)).toThrow(
        "dropout2d: dropout probability has to be between 0 and 1; got -0.1",
      );
      expect(() => F.batchNorm(torch.ones([3]), null, null, { training: true })).toThrow(
        "batchNorm: expected an input [N, C, *] of at least 2 dims; got [3]",
      );
      expect(() => F.batchNorm(x, null, null)).toThrow(
        "batchNorm: runningMean and runningVar must be given when not training",
      );
      expect(() => F.batchNorm(torch.ones([1, 3]), null, null, { training: true })).toThrow(
        "batchNorm: expected more than 1 value per channel when training; got input [1, 3]",
      );
      expect(() => F.batchNorm(x, torch.zeros([4]), torch.ones([3]))).toThrow(
        "batchNorm: runningMean must have shape [3] (the input's channels); got [4]",
      );
      expect(() => F.batchNorm(x, null, null, { training: true, weight: torch.ones([2]) })).toThrow(
        "batchNorm: weight must have shape [3] (the input's channels); got [2]",
      );
      expect(() => F.layerNorm(x, [4])).toThrow(
        "layerNorm: expected input [..., 4] (normalizedShape [4]); got [4, 3]",
      );
      expect(() => F.layerNorm(x, [])).toThrow(
        "layerNorm: normalizedShape must have at least one dimension; got []",
      );
      expect(() => F.layerNorm(x, 3, { weight: torch.ones([4]) })).toThrow(
        "layerNorm: weight must have shape [3]; got [4]",
      );
      expect(() => F.groupNorm(x, 2)).toThrow(
        "groupNorm: expected the number of channels to be divisible by numGroups; got input [4, 3] and numGroups 2",
      );
      expect(() => F.groupNorm(torch.ones([3]), 1)).toThrow(
        "groupNorm: expected an input [N, C, *] of at least 2 dims; got [3]",
      );
      const w = torch.randn([5, 2]);
      expect(() => F.embedding(x, w)).toThrow(
        'embedding: indices must be int32 (PyTorch\'s long); got float32. Write torch.tensor([0, 2, 1], { dtype: "int32" }) or convert with t.long()',
      );
      expect(() => F.embedding(torch.tensor([1, 5], { dtype: "int32" }), w)).toThrow(
        "embedding: index 5 is out of range for 5 embeddings (expected in [0, 4])",
      );
      expect(() => F.embedding(torch.tensor([-1], { dtype: "int32" }), w)).toThrow(
        "embedding: index -1 is out of range for 5 embeddings (expected in [0, 4])",
      );
      expect(() => F.embedding(torch.tensor([1], { dtype: "int32" }), torch.randn([5]))).toThrow(
        "embedding: weight must be 2-D [numEmbeddings, embeddingDim]; got [5]",
      );
      expect(() =>
        F.embedding(torch.tensor([1], { dtype: "int32" }), w, { paddingIdx: 5 }),
      ).toThrow("embedding: paddingIdx must be within [-5, 4] (numEmbeddings 5); got 5");
      expect(() =>
        F.embedding(torch.tensor([1], { dtype: "int32" }), w, { scaleGradByFreq: true }),
      ).toThrow("embedding: scaleGradByFreq is not supported");
      expect(() => F.embedding(torch.tensor([1], { dtype: "int32" }), w, { sparse: true })).toThrow(
        "embedding: sparse gradients are not supported",
      );
    });
  });
});

describe("gradcheck (float64 finite differences)", () => {
  withLeakCheck();

  const rnd = (...shape: number[]) => torch.randn(shape, { dtype: "float64", requiresGrad: true });
  const cases: [string, () => [(...xs: Tensor[]) => Tensor, Tensor[]]][] = [
    ["leakyRelu", () => [(x) => F.leakyRelu(x, 0.2), [rnd(3, 4)]]],
    ["elu", () => [(x) => F.elu(x, 0.7), [rnd(3, 4)]]],
    ["gelu", () => [(x) => F.gelu(x), [rnd(3, 4)]]],
    ["gelu tanh", () => [(x) => F.gelu(x, { approximate: "tanh" }), [rnd(3, 4)]]],
    ["silu", () => [(x) => F.silu(x), [rnd(3, 4)]]],
    ["mish", () => [(x) => F.mish(x), [rnd(3, 4)]]],
    ["softplus", () => [(x) => F.softplus(x, { beta: 2, threshold: 3 }), [rnd(3, 4)]]],
    ["hardtanh", () => [(x) => F.hardtanh(x, { minVal: -0.5, maxVal: 0.5 }), [rnd(3, 4)]]],
    ["prelu", () => [(x, w) => F.prelu(x, w!), [rnd(2, 3, 2), rnd(3)]]],
    ["linear", () => [(x, w, b) => F.linear(x, w!, b), [rnd(2, 3), rnd(4, 3), rnd(4)]]],
    [
      "bilinear",
      () => [
        (a, b, w, c) => F.bilinear(a, b!, w!, c),
        [rnd(2, 3), rnd(2, 2), rnd(2, 3, 2), rnd(2)],
      ],
    ],
    [
      "batchNorm",
      () => [
        (x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
        [rnd(4, 3, 2), rnd(3), rnd(3)],
      ],
    ],
    [
      "layerNorm",
      () => [
        (x, w, b) => F.layerNorm(x, [2, 3], { weight: w, bias: b }),
        [rnd(2, 2, 3), rnd(2, 3), rnd(2, 3)],
      ],
    ],
    [
      "groupNorm",
      () => [
        (x, w, b) => F.groupNorm(x, 2, { weight: w, bias: b }),
        [rnd(2, 4, 3), rnd(4), rnd(4)],
      ],
    ],
    ["embedding", () => [(w) => F.embedding(idx, w!), [rnd(4, 3)]]],
  ];
  let idx: Tensor;
  for (const [name, make] of cases) {
    it(name, () => {
      torch.manualSeed(11);
      torch.tidy(() => {
        idx = torch.tensor(
          [
            [0, 1],
            [3, 1],
          ],
          { dtype: "int32" },
        );
        const [fn, inputs] = make();
        expect(torch.autograd.gradcheck(fn, inputs)).toBe(true);
      });
    });
  }
});

describe("module input validation", () => {
  withLeakCheck();

  it("names the module and the shapes", () => {
    torch.tidy(() => {
      const x = torch.randn([128, 10]);
      const checks: [Module, unknown[], string][] = [
        [
          new nn.Linear(20, 30),
          [x],
          "Linear(in=20, out=30): expected input [..., 20], got [128, 10]",
        ],
        [
          new nn.Bilinear(10, 4, 2),
          [x, torch.randn([127, 4])],
          "Bilinear(in1=10, in2=4, out=2): expected inputs [..., 10] and [..., 4] with the same leading dims, got [128, 10] and [127, 4]",
        ],
        [
          new nn.BatchNorm1d(3),
          [x],
          "BatchNorm1d(3): expected input [N, 3] or [N, 3, L], got [128, 10]",
        ],
        [
          new nn.BatchNorm1d(10),
          [torch.randn([2, 10, 1, 1])],
          "BatchNorm1d(10): expected input [N, 10] or [N, 10, L], got [2, 10, 1, 1]",
        ],
        [
          new nn.BatchNorm2d(10),
          [x],
          "BatchNorm2d(10): expected input [N, 10, H, W], got [128, 10]",
        ],
        [
          new nn.LayerNorm([2, 10]),
          [x],
          "LayerNorm([2, 10]): expected input [..., 2, 10], got [128, 10]",
        ],
        [new nn.GroupNorm(2, 4), [x], "GroupNorm(2, 4): expected input [N, 4, *], got [128, 10]"],
        [
          new nn.Embedding(4, 2),
          [x],
          'Embedding(4, 2): indices must be int32 (PyTorch\'s long); got float32. Write torch.tensor([0, 2, 1], { dtype: "int32" }) or convert with t.long()',
        ],
        [
          new nn.Unflatten(1, [3, 4]),
          [x],
          "Unflatten(dim=1, unflattened_size=(3, 4)): expected dim 1 of the input to have 12 elements, got [128, 10]",
        ],
        [
          new nn.Unflatten(1, [3, -1]),
          [x],
          "Unflatten(dim=1, unflattened_size=(3, -1)): expected dim 1 of the input to have a multiple of 3 elements, got [128, 10]",
        ],
        [new nn.PReLU(3), [x], "PReLU(num_parameters=3): expected input [N, 3, *], got [128, 10]"],
        [new nn.Linear(2, 2), [[1, 2]], "Linear(in=2, out=2): expected a Tensor; got object"],
        [new nn.ReLU(), ["x"], "ReLU: expected a Tensor; got string"],
      ];
      for (const [m, args, msg] of checks) {
        expect(() => (m.call as (...a: unknown[]) => unknown).call(m, ...args)).toThrow(msg);
        m.dispose();
      }
    });
  });

  it("validates constructor arguments", () => {
    expect(() => new nn.Linear(-1, 2)).toThrow(
      "Linear: inFeatures must be a non-negative integer; got -1",
    );
    expect(() => new nn.Bilinear(2, 2.5, 2)).toThrow(
      "Bilinear: in2Features must be a non-negative integer; got 2.5",
    );
    expect(() => new nn.Dropout(2)).toThrow(
      "Dropout: dropout probability has to be between 0 and 1; got 2",
    );
    expect(() => new nn.Dropout2d({ p: -1 })).toThrow(
      "Dropout2d: dropout probability has to be between 0 and 1; got -1",
    );
    expect(() => new nn.GroupNorm(4, 6)).toThrow(
      "GroupNorm: numChannels must be divisible by numGroups; got numGroups 4, numChannels 6",
    );
    expect(() => new nn.BatchNorm1d(0)).toThrow(
      "BatchNorm1d: numFeatures must be a positive integer; got 0",
    );
    expect(() => new nn.LayerNorm([])).toThrow(
      "LayerNorm: normalizedShape must be positive integers; got []",
    );
    expect(() => new nn.Embedding(3, 2, { paddingIdx: 3 })).toThrow(
      "Embedding: paddingIdx must be within [-3, 2] (numEmbeddings 3); got 3",
    );
    expect(() => new nn.Embedding(3, 2, { scaleGradByFreq: true })).toThrow(
      "Embedding: scaleGradByFreq is not supported",
    );
    expect(() => new nn.Embedding(3, 2, { sparse: true })).toThrow(
      "Embedding: sparse gradients are not supported",
    );
    expect(() => new nn.Embedding(-3, 2)).toThrow(
      "Embedding: numEmbeddings must be a non-negative integer; got -3",
    );
    expect(() => new nn.GELU({ approximate: "x" as "tanh" })).toThrow(
      'GELU: approximate must be "none" or "tanh"; got "x"',
    );
    expect(() => new nn.Hardtanh(1, -1)).toThrow(
      "Hardtanh: minVal cannot be greater than maxVal; got minVal 1, maxVal -1",
    );
    expect(() => new nn.PReLU({ numParameters: 0 })).toThrow(
      "PReLU: numParameters must be a positive integer; got 0",
    );
    expect(() => new nn.Unflatten(1, [])).toThrow(
      "Unflatten: unflattenedSize must be a non-empty array of integers; got []",
    );
    const w = torch.zeros([2, 2]);
    expect(() => new nn.Embedding(3, 2, { weight: w })).toThrow(
      "Embedding: weight must have shape [3, 2]; got [2, 2]",
    );
    const v = torch.zeros([3]);
    expect(() => nn.Embedding.fromPretrained(v)).toThrow(
      "Embedding.fromPretrained: embeddings must be 2-D [numEmbeddings, embeddingDim]; got [3]",
    );
    w.dispose();
    v.dispose();
  });
});

describe("layers", () => {
  withLeakCheck();

  it("Linear: PyTorch's init bounds, bias: false, dtype and dispose", () => {
    torch.manualSeed(1);
    const fc = new nn.Linear(100, 50);
    const bound = 1 / Math.sqrt(100);
    for (const p of [fc.weight, fc.bias!]) {
      const d = p.dataSync();
      expect(Math.max(...d)).toBeLessThanOrEqual(bound);
      expect(Math.min(...d)).toBeGreaterThanOrEqual(-bound);
    }
    expect(Math.max(...fc.weight.dataSync())).toBeGreaterThan(0.9 * bound);
    expect(fc.weight.shape).toEqual([50, 100]);
    const nb = new nn.Linear(3, 2, { bias: false, dtype: "float64" });
    expect(nb.bias).toBeNull();
    expect(Object.keys(nb.stateDict())).toEqual(["weight"]);
    expect(nb.weight.dtype).toBe("float64");
    const before = torch.memory().numTensors;
    fc.dispose();
    nb.dispose();
    expect(torch.memory().numTensors).toBe(before - 3);
  });

  it("Dropout: drops about p, scales by 1/(1-p), is reproducible, and is the identity in eval", () => {
    const drop = new nn.Dropout(0.3);
    const x = torch.ones([100, 100], { requiresGrad: true });
    torch.manualSeed(7);
    const y = drop.forward(x);
    const d = y.dataSync();
    const zeros = d.filter((v) => v === 0).length / d.length;
    expect(zeros).toBeGreaterThan(0.27);
    expect(zeros).toBeLessThan(0.33);
    expect(d.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    torch.tidy(() => y.sum().backward());
    // the gradient is the same mask, scaled
    expect([...x.grad!.dataSync()]).toEqual([...d]);
    torch.manualSeed(7);
    const y2 = drop.forward(x);
    expect([...y2.dataSync()]).toEqual([...d]);
    drop.eval();
    const y3 = drop.forward(x);
    expect(y3).not.toBe(x);
    expect(y3.dataSync().every((v) => v === 1)).toBe(true);
    const all = torch.noGrad(() => F.dropout(x, { p: 1 }));
    expect(all.dataSync().every((v) => v === 0)).toBe(true);
    for (const t of [x, y, y2, y3, all]) t.dispose();
  });

  it("Dropout2d zeroes whole channels (batched and unbatched)", () => {
    torch.manualSeed(3);
    const drop = new nn.Dropout2d({ p: 0.5 });
    torch.tidy(() => {
      for (const shape of [
        [4, 8, 3, 3],
        [8, 3, 3],
      ]) {
        const y = drop.forward(torch.ones(shape));
        const chans = y.reshape(-1, 9).tolistSync() as number[][];
        for (const ch of chans)
          expect(ch.every((v) => v === ch[0]) && (ch[0] === 0 || ch[0] === 2)).toBe(true);
        expect(chans.some((ch) => ch[0] === 0) && chans.some((ch) => ch[0] === 2)).toBe(true);
      }
    });
  });

  it("inplace activations write into their input", () => {
    torch.tidy(() => {
      const x = torch.tensor([-1, 2], { dtype: "float32" });
      const y = new nn.ReLU({ inplace: true }).forward(x);
      expect(y).toBe(x);
      expect(x.tolistSync()).toEqual([0, 2]);
      const z = torch.tensor([-1, 2], { dtype: "float32" });
      new nn.LeakyReLU({ negativeSlope: 0.5, inplace: true }).forward(z);
      expect(z.tolistSync()).toEqual([-0.5, 2]);
      const leaf = torch.ones([2], { requiresGrad: true });
      expect(() => new nn.SiLU({ inplace: true }).forward(leaf)).toThrow(
        /copy_: a leaf tensor that requires grad is being used in an in-place operation/,
      );
    });
  });

  it("BatchNorm: momentum null is a cumulative average; running stats reset; num_batches_tracked is int32", () => {
    const bn = new nn.BatchNorm1d(2, { momentum: null, affine: false });
    expect(bn.numBatchesTracked!.dtype).toBe("int32");
    const a = torch.tensor(
      [
        [0, 0],
        [2, 4],
      ],
      { dtype: "float32" },
    );
    const b = torch.tensor(
      [
        [4, 0],
        [6, 0],
      ],
      { dtype: "float32" },
    );
    bn.forward(a).dispose();
    bn.forward(b).dispose();
    // the means of the batch means: [(1 + 5) / 2, (2 + 0) / 2]
    expect(bn.runningMean!.tolistSync()).toEqual([3, 1]);
    expect(bn.numBatchesTracked!.itemSync()).toBe(2);
    bn.eval();
    const y = bn.forward(a);
    expect(bn.numBatchesTracked!.itemSync()).toBe(2);
    bn.resetRunningStats();
    expect(bn.runningMean!.tolistSync()).toEqual([0, 0]);
    expect(bn.runningVar!.tolistSync()).toEqual([1, 1]);
    expect(bn.numBatchesTracked!.itemSync()).toBe(0);
    bn.to("float64");
    expect(bn.runningMean!.dtype).toBe("float64");
    expect(bn.numBatchesTracked!.dtype).toBe("int32");
    for (const t of [a, b, y]) t.dispose();
    bn.dispose();
  });

  it("BatchNorm without trackRunningStats has no buffers in its state dict", () => {
    const bn = new nn.BatchNorm2d(3, { trackRunningStats: false });
    expect(Object.keys(bn.stateDict())).toEqual(["weight", "bias"]);
    expect(bn.runningMean).toBeNull();
    bn.dispose();
  });

  it("Embedding: padding row starts at zero and gets no gradient; fromPretrained freezes", () => {
    torch.manualSeed(0);
    const emb = new nn.Embedding(5, 3, { paddingIdx: -2 });
    expect(emb.paddingIdx).toBe(3);
    expect((emb.weight.tolistSync() as number[][])[3]).toEqual([0, 0, 0]);
    const idx = torch.tensor(
      [
        [3, 1],
        [3, 3],
      ],
      { dtype: "int32" },
    );
    const out = emb.forward(idx);
    expect(out.shape).toEqual([2, 2, 3]);
    torch.tidy(() => out.sum().backward());
    expect(emb.weight.grad!.tolistSync()).toEqual([
      [0, 0, 0],
      [1, 1, 1],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const pre = torch.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: "float32" },
    );
    const frozen = nn.Embedding.fromPretrained(pre);
    expect(frozen.weight.requiresGrad).toBe(false);
    const one = torch.tensor([1], { dtype: "int32" });
    const looked = frozen.forward(one);
    expect(looked.tolistSync()).toEqual([[3, 4]]);
    const trainable = nn.Embedding.fromPretrained(pre, { freeze: false });
    expect(trainable.weight.requiresGrad).toBe(true);
    for (const t of [idx, out, pre, one, looked]) t.dispose();
    emb.dispose();
    frozen.dispose();
    trainable.dispose();
  });

  it("Identity and Flatten return new handles; Softmax dim null picks PyTorch's legacy dim", () => {
    torch.tidy(() => {
      const x = torch.randn([2, 3]);
      const y = new nn.Identity(1, 2, { a: 3 }).forward(x);
      expect(y).not.toBe(x);
      expect([...y.dataSync()]).toEqual([...x.dataSync()]);
      const s = new nn.Softmax().forward(x);
      assertAllClose(s.sum(1).dataSync(), [1, 1], CPU_VS_TORCH, "softmax dim 1 for 2-D");
    });
  });
});

describe("containers", () => {
  withLeakCheck();

  it("Sequential: at, length, iteration, slice, append/insert/pop with re-indexed keys", () => {
    const a = new nn.Linear(2, 3);
    const b = new nn.ReLU();
    const c = new nn.Linear(3, 1);
    const seq = new nn.Sequential(a, b, c);
    expect(seq.length).toBe(3);
    expect(seq.at(0)).toBe(a);
    expect(seq.at(-1)).toBe(c);
    expect([...seq]).toEqual([a, b, c]);
    expect(() => seq.at(3)).toThrow(
      "Sequential.at: index 3 is out of range for a container of 3 modules",
    );
    const head = seq.slice(0, 2);
    expect(head.length).toBe(2);
    expect(head.at(0)).toBe(a);
    const t = new nn.Tanh();
    seq.insert(1, t);
    expect(Object.keys(seq.stateDict())).toEqual(["0.weight", "0.bias", "3.weight", "3.bias"]);
    expect(seq.pop(1)).toBe(t);
    expect(Object.keys(seq.stateDict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(String(seq)).toBe(
      "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n  (2): Linear(in_features=3, out_features=1, bias=True)\n)",
    );
    seq.append(new nn.Sigmoid());
    expect(seq.length).toBe(4);
    expect(() => seq.append({} as Module)).toThrow(
      "Sequential.append: expected a Module; got object",
    );
    const x = torch.randn([5, 2]);
    const before = torch.memory().numTensors;
    const y = torch.noGrad(() => seq.forward(x));
    // the intermediates were disposed: only y is new
    expect(torch.memory().numTensors).toBe(before + 1);
    expect(y.shape).toEqual([5, 1]);
    y.dispose();
    x.dispose();
    seq.dispose();
  });

  it("Sequential frees its intermediates when a module throws", () => {
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.Tanh(), new nn.Linear(4, 1));
    const x = torch.randn([5, 2]);
    expect(() => torch.noGrad(() => seq.forward(x))).toThrow(
      "Linear(in=4, out=1): expected input [..., 4], got [5, 3]",
    );
    x.dispose();
    seq.dispose();
  });

  it("Sequential runs the children's forward hooks", () => {
    const relu = new nn.ReLU();
    const seq = new nn.Sequential(new nn.Linear(2, 2), relu);
    const seen: number[][] = [];
    const remove = relu.registerForwardHook(
      (_m, _args, out) => void seen.push([...(out as Tensor).shape]),
    );
    torch.tidy(() => void seq.forward(torch.randn([3, 2])));
    remove();
    torch.tidy(() => void seq.forward(torch.randn([3, 2])));
    expect(seen).toEqual([[3, 2]]);
    seq.dispose();
  });

  it("a named Sequential keeps its names and refuses to change length", () => {
    const seq = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.Tanh() });
    expect(Object.keys(seq.stateDict())).toEqual(["fc.weight", "fc.bias"]);
    expect(seq.at(1)).toBeInstanceOf(nn.Tanh);
    expect(() => seq.append(new nn.ReLU())).toThrow(
      "Sequential.append: cannot change the length of a container built from named modules",
    );
    seq.set(1, new nn.ReLU());
    expect(String(seq)).toContain("(act): ReLU()");
    seq.dispose();
  });

  it("containers check their arguments", () => {
    expect(() => new nn.Sequential(new nn.ReLU(), 3 as unknown as Module)).toThrow(
      "Sequential: expected a Module; got number",
    );
    const list = new nn.ModuleList([new nn.ReLU()]);
    expect(() => list.insert(3, new nn.ReLU())).toThrow(
      "ModuleList.insert: index 3 is out of range for a container of 1 module",
    );
    expect(() => list.pop(-2)).toThrow(
      "ModuleList.pop: index -2 is out of range for a container of 1 module",
    );
    expect(() => list.set(0, null as unknown as Module)).toThrow(
      "ModuleList.set: expected a Module; got null",
    );
    expect(() => new nn.ModuleDict({ a: {} as Module })).toThrow(
      "ModuleDict.set: expected a Module; got object",
    );
    list.insert(0, new nn.Tanh());
    expect(String(list)).toBe("ModuleList(\n  (0): Tanh()\n  (1): ReLU()\n)");
  });

  it("ModuleList and ModuleDict register their modules and have no forward", () => {
    const list = new nn.ModuleList([new nn.Linear(1, 1)]);
    list.append(new nn.Linear(1, 2)).extend([new nn.Linear(2, 2)]);
    expect(list.length).toBe(3);
    expect(Object.keys(list.stateDict())).toEqual([
      "0.weight",
      "0.bias",
      "1.weight",
      "1.bias",
      "2.weight",
      "2.bias",
    ]);
    expect(() => list.forward()).toThrow(
      "ModuleList.forward: a ModuleList has no forward; iterate over it in your module's forward",
    );
    const dict = new nn.ModuleDict({ a: new nn.Linear(1, 1) });
    dict.set("b", new nn.PReLU());
    expect([...dict.keys()]).toEqual(["a", "b"]);
    expect(dict.size).toBe(2);
    expect(dict.has("b")).toBe(true);
    expect(Object.keys(dict.stateDict())).toEqual(["a.weight", "a.bias", "b.weight"]);
    expect(() => dict.get("c")).toThrow('ModuleDict.get: no module named "c"; the keys are [a, b]');
    const b = dict.pop("b");
    expect(Object.keys(dict.stateDict())).toEqual(["a.weight", "a.bias"]);
    expect(() => dict.forward()).toThrow("ModuleDict.forward: a ModuleDict has no forward");
    b.dispose();
    list.dispose();
    dict.dispose();
  });

  it("disposes a whole model", () => {
    expectNoLeaks(() => {
      const model = new nn.Sequential(
        new nn.Linear(4, 8),
        new nn.BatchNorm1d(8),
        new nn.GELU(),
        new nn.Dropout(0.1),
        new nn.Linear(8, 2),
      );
      torch.tidy(() =>
        model
          .forward(torch.randn([3, 4]))
          .sum()
          .backward(),
      );
      model.zeroGrad();
      model.dispose();
    });
  });
});
