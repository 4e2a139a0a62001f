import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { memorySnapshot, withLeakCheck } from "../util/leaks.js";
import { casesFor, GOLDEN, lossOf, makeNet, makeOptimizer, param, trainStep } from "./helpers.js";

const { optim } = torch;

const byName = (name: string) => casesFor(name.split("/")[0]!).find((c) => c.name === name)!;

describe("Optimizer: hyper-parameter validation", () => {
  withLeakCheck();

  /** [constructor, options, message] */
  const cases: [string, (p: Tensor[]) => unknown, string][] = [
    ["SGD lr", (p) => new optim.SGD(p, { lr: -1 }), "SGD: invalid lr -1 (must be >= 0)"],
    [
      "SGD lr missing",
      (p) => new optim.SGD(p),
      "SGD: param group didn't specify a value of required optimization parameter lr",
    ],
    ["SGD lr NaN", (p) => new optim.SGD(p, { lr: NaN }), "SGD: invalid lr NaN (must be >= 0)"],
    [
      "SGD lr Infinity",
      (p) => new optim.SGD(p, { lr: Infinity }),
      "SGD: invalid lr Infinity (must be finite)",
    ],
    [
      "SGD lr string",
      (p) => new optim.SGD(p, { lr: "0.1" as unknown as number }),
      'SGD: invalid lr "0.1" (must be a number)',
    ],
    [
      "SGD momentum",
      (p) => new optim.SGD(p, { lr: 0.1, momentum: -0.9 }),
      "SGD: invalid momentum -0.9 (must be >= 0)",
    ],
    [
      "SGD weightDecay",
      (p) => new optim.SGD(p, { lr: 0.1, weightDecay: -1e-4 }),
      "SGD: invalid weightDecay -0.0001 (must be >= 0)",
    ],
    [
      "SGD dampening",
      (p) => new optim.SGD(p, { lr: 0.1, dampening: NaN }),
      "SGD: invalid dampening NaN (must be a finite number)",
    ],
    [
      "SGD nesterov type",
      (p) => new optim.SGD(p, { lr: 0.1, nesterov: 1 as unknown as boolean }),
      "SGD: invalid nesterov 1 (must be a boolean)",
    ],
    [
      "SGD maximize type",
      (p) => new optim.SGD(p, { lr: 0.1, maximize: "no" as unknown as boolean }),
      'SGD: invalid maximize "no" (must be a boolean)',
    ],
    [
      "SGD nesterov",
      (p) => new optim.SGD(p, { lr: 0.1, nesterov: true }),
      "SGD: Nesterov momentum requires a momentum > 0 and zero dampening; got momentum 0, dampening 0",
    ],
    [
      "SGD nesterov dampening",
      (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      "SGD: Nesterov momentum requires a momentum > 0 and zero dampening; got momentum 0.9, dampening 0.1",
    ],
    ["Adam lr", (p) => new optim.Adam(p, { lr: -0.001 }), "Adam: invalid lr -0.001 (must be >= 0)"],
    [
      "Adam eps",
      (p) => new optim.Adam(p, { eps: -1e-8 }),
      "Adam: invalid eps -1e-8 (must be >= 0)",
    ],
    [
      "Adam beta0",
      (p) => new optim.Adam(p, { betas: [1, 0.999] }),
      "Adam: invalid beta parameter at index 0: 1 (must be in [0, 1))",
    ],
    [
      "Adam beta1",
      (p) => new optim.Adam(p, { betas: [0.9, 1.5] }),
      "Adam: invalid beta parameter at index 1: 1.5 (must be in [0, 1))",
    ],
    [
      "Adam beta negative",
      (p) => new optim.Adam(p, { betas: [-0.1, 0.9] }),
      "Adam: invalid beta parameter at index 0: -0.1 (must be in [0, 1))",
    ],
    [
      "Adam betas shape",
      (p) => new optim.Adam(p, { betas: [0.9] as unknown as [number, number] }),
      "Adam: invalid betas [0.9] (must be a pair [beta1, beta2])",
    ],
    [
      "Adam weightDecay",
      (p) => new optim.Adam(p, { weightDecay: -1 }),
      "Adam: invalid weightDecay -1 (must be >= 0)",
    ],
    [
      "Adam amsgrad",
      (p) => new optim.Adam(p, { amsgrad: "yes" as unknown as boolean }),
      'Adam: invalid amsgrad "yes" (must be a boolean)',
    ],
    ["AdamW lr", (p) => new optim.AdamW(p, { lr: -1 }), "AdamW: invalid lr -1 (must be >= 0)"],
    [
      "AdamW beta1",
      (p) => new optim.AdamW(p, { betas: [0.9, 1.5] }),
      "AdamW: invalid beta parameter at index 1: 1.5 (must be in [0, 1))",
    ],
    [
      "Adagrad lr",
      (p) => new optim.Adagrad(p, { lr: -1 }),
      "Adagrad: invalid lr -1 (must be >= 0)",
    ],
    [
      "Adagrad lrDecay",
      (p) => new optim.Adagrad(p, { lrDecay: -1 }),
      "Adagrad: invalid lrDecay -1 (must be >= 0)",
    ],
    [
      "Adagrad weightDecay",
      (p) => new optim.Adagrad(p, { weightDecay: -1 }),
      "Adagrad: invalid weightDecay -1 (must be >= 0)",
    ],
    [
      "Adagrad initialAccumulatorValue",
      (p) => new optim.Adagrad(p, { initialAccumulatorValue: -0.1 }),
      "Adagrad: invalid initialAccumulatorValue -0.1 (must be >= 0)",
    ],
    [
      "Adagrad eps",
      (p) => new optim.Adagrad(p, { eps: -1 }),
      "Adagrad: invalid eps -1 (must be >= 0)",
    ],
    [
      "RMSprop lr",
      (p) => new optim.RMSprop(p, { lr: -1 }),
      "RMSprop: invalid lr -1 (must be >= 0)",
    ],
    [
      "RMSprop alpha",
      (p) => new optim.RMSprop(p, { alpha: -0.99 }),
      "RMSprop: invalid alpha -0.99 (must be >= 0)",
    ],
    [
      "RMSprop eps",
      (p) => new optim.RMSprop(p, { eps: -1 }),
      "RMSprop: invalid eps -1 (must be >= 0)",
    ],
    [
      "RMSprop weightDecay",
      (p) => new optim.RMSprop(p, { weightDecay: -1 }),
      "RMSprop: invalid weightDecay -1 (must be >= 0)",
    ],
    [
      "RMSprop momentum",
      (p) => new optim.RMSprop(p, { momentum: -1 }),
      "RMSprop: invalid momentum -1 (must be >= 0)",
    ],
    [
      "RMSprop centered",
      (p) => new optim.RMSprop(p, { centered: 0 as unknown as boolean }),
      "RMSprop: invalid centered 0 (must be a boolean)",
    ],
    [
      "snake_case option",
      (p) => new optim.Adam(p, { weight_decay: 0.1 } as never),
      'Adam: unknown option "weight_decay" (did you mean weightDecay?)',
    ],
    [
      "unknown option",
      (p) => new optim.RMSprop(p, { beta: 0.1 } as never),
      'RMSprop: unknown option "beta" (RMSprop takes lr, alpha, eps, weightDecay, momentum, centered, maximize)',
    ],
    [
      "fused",
      (p) => new optim.Adam(p, { fused: "yes" as unknown as boolean }),
      'Adam: invalid fused "yes" (must be a boolean)',
    ],
    [
      "group lr",
      (p) => new optim.Adam([{ params: p }, { params: [] as Tensor[], lr: -1 }]),
      "Adam: invalid lr -1 in param group 1 (must be >= 0)",
    ],
    [
      "group option",
      (p) => new optim.Adam([{ params: p, betas: [0.9, 1] }]),
      "Adam: invalid beta parameter at index 1: 1 (must be in [0, 1))",
    ],
    [
      "group unknown option",
      (p) => new optim.SGD([{ params: p, moment: 0.9 } as never], { lr: 0.1 }),
      'SGD: unknown option in param group "moment"',
    ],
    [
      "group nesterov",
      (p) => new optim.SGD([{ params: p, nesterov: true }], { lr: 0.1 }),
      "SGD: Nesterov momentum requires a momentum > 0 and zero dampening; got momentum 0, dampening 0",
    ],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      const p = [param([1, 2])];
      expect(() => make(p)).toThrow(message);
      p[0]!.dispose();
    });
  }

  it("checks the parameters", () => {
    const p = param([1, 2]);
    const ints = torch.tensor([1, 2], { dtype: "int32" });
    const nonLeaf = torch.tidy(() => p.mul(2));
    const dead = param([3]);
    dead.dispose();
    expect(() => new optim.Adam([])).toThrow("Adam: got an empty parameter list");
    expect(() => new optim.Adam(p as never)).toThrow(
      "Adam: params must be an iterable of Tensors or of param groups; got a single Tensor (wrap it in an array)",
    );
    expect(() => new optim.Adam(42 as never)).toThrow(
      "Adam: params must be an iterable of Tensors or of param groups; got 42",
    );
    expect(() => new optim.Adam([p, 3] as never)).toThrow(
      "Adam: can only optimize Tensors, but one of the params is number",
    );
    expect(() => new optim.Adam([ints])).toThrow(
      "Adam: can only optimize floating-point tensors; got int32",
    );
    expect(() => new optim.Adam([nonLeaf])).toThrow("Adam: can't optimize a non-leaf Tensor");
    expect(() => new optim.Adam([dead])).toThrow("Adam: a parameter of shape [1] was disposed");
    expect(() => new optim.Adam([p, p])).toThrow(
      "Adam: a parameter appears more than once in a param group",
    );
    expect(() => new optim.Adam([{ params: [p] }, { params: [p] }])).toThrow(
      "Adam: some parameters appear in more than one parameter group",
    );
    for (const t of [p, ints, nonLeaf]) t.dispose();
  });
});

describe("Optimizer: param groups", () => {
  withLeakCheck();

  it("fills each group from the defaults and keeps its own options", () => {
    const a = param([1]);
    const b = param([2]);
    const c = param([3]);
    const opt = new optim.SGD([{ params: [a], lr: 0.5 }, { params: b }], {
      lr: 0.1,
      momentum: 0.9,
    });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum, g.params.length])).toEqual([
      [0.5, 0.9, 1],
      [0.1, 0.9, 1],
    ]);
    opt.addParamGroup({ params: [c], momentum: 0 });
    expect(opt.paramGroups[2]).toMatchObject({
      lr: 0.1,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
    });
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(
      "SGD: some parameters appear in more than one parameter group",
    );
    expect(() =>
      opt.addParamGroup({ params: [param([0])].map((p) => (p.dispose(), p)), lr: 1 }),
    ).toThrow("SGD: a parameter of shape [1] was disposed");
    expect(opt.paramGroups.length).toBe(3);
    for (const t of [opt, a, b, c]) t.dispose();
  });

  it("the defaults are a copy: changing a group's betas does not change another's", () => {
    const a = param([1]);
    const b = param([2]);
    const betas: [number, number] = [0.8, 0.9];
    const opt = new optim.Adam([{ params: [a] }, { params: [b] }], { betas });
    betas[0] = 0.1;
    opt.paramGroups[0]!.betas[0] = 0.5;
    expect(opt.paramGroups[1]!.betas).toEqual([0.8, 0.9]);
    expect(opt.defaults.betas).toEqual([0.8, 0.9]);
    for (const t of [opt, a, b]) t.dispose();
  });

  it("prints like PyTorch", () => {
    const a = param([1]);
    const opt = new optim.SGD([a], { lr: 0.1 });
    expect(String(opt)).toBe(
      "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)",
    );
    a.dispose();
  });

  it("prints PyTorch 1.13's text (from /usr/bin/python3's torch)", () => {
    const a = param([2]);
    const b = param([1]);
    const cases: [{ dispose(): void; toString(): string }, string][] = [
      [
        new optim.Adam([a], { lr: 0.01 }),
        "Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n    differentiable: False\n    eps: 1e-08\n    foreach: None\n    fused: False\n    lr: 0.01\n    maximize: False\n    weight_decay: 0\n)",
      ],
      [
        new optim.SGD([a], { lr: 0.1, momentum: 0.9 }),
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)",
      ],
      [
        new optim.AdamW([{ params: [a] }, { params: [b], lr: 0.5 }]),
        "AdamW (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n    eps: 1e-08\n    foreach: None\n    lr: 0.001\n    maximize: False\n    weight_decay: 0.01\n\nParameter Group 1\n    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n    eps: 1e-08\n    foreach: None\n    lr: 0.5\n    maximize: False\n    weight_decay: 0.01\n)",
      ],
      [
        new optim.RMSprop([a]),
        "RMSprop (\nParameter Group 0\n    alpha: 0.99\n    centered: False\n    differentiable: False\n    eps: 1e-08\n    foreach: None\n    lr: 0.01\n    maximize: False\n    momentum: 0\n    weight_decay: 0\n)",
      ],
      [
        new optim.Adagrad([a]),
        "Adagrad (\nParameter Group 0\n    eps: 1e-10\n    foreach: None\n    initial_accumulator_value: 0\n    lr: 0.01\n    lr_decay: 0\n    maximize: False\n    weight_decay: 0\n)",
      ],
    ];
    for (const [opt, text] of cases) {
      expect(String(opt)).toBe(text);
      opt.dispose();
    }
    a.dispose();
    b.dispose();
  });
});

describe("Optimizer: step and zeroGrad", () => {
  withLeakCheck();

  it("zeroGrad disposes the gradients by default, or zeroes them", () => {
    const p = param([1, 2]);
    const opt = new optim.SGD([p], { lr: 0.1 });
    const before = memorySnapshot();
    const loss = torch.tidy(() => p.mul(p).sum());
    loss.backward();
    loss.dispose();
    const grad = p.grad!;
    opt.zeroGrad({ setToNone: false });
    expect(p.grad).toBe(grad);
    expect(Array.from(grad.dataSync())).toEqual([0, 0]);
    opt.zeroGrad();
    expect(p.grad).toBeNull();
    expect(grad.isDisposed).toBe(true);
    expect(memorySnapshot().numTensors).toBe(before.numTensors);
    opt.dispose();
    p.dispose();
  });

  it("runs a closure with gradients enabled (even inside noGrad) and returns what it returns", () => {
    const p = param([3]);
    const opt = new optim.SGD([p], { lr: 0.1 });
    const value = torch.noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const loss = torch.tidy(() => p.mul(p).sum());
        loss.backward();
        const v = loss.itemSync();
        loss.dispose();
        return v;
      }),
    );
    expect(value).toBe(9);
    // grad 2p = 6: p = 3 - 0.6
    expect(p.dataSync()[0]).toBeCloseTo(2.4, 6);
    opt.dispose();
    p.dispose();
  });

  it("step() returns nothing and checks every parameter before changing any", () => {
    const a = param([1]);
    const b = param([2]);
    const opt = new optim.SGD([a, b], { lr: 0.1 });
    a.grad = torch.tensor([1.5]);
    b.grad = torch.tensor([1.5, 2.5]);
    expect(() => opt.step()).toThrow(
      "SGD.step: parameter 1 of param group 0 is a float32 [1] tensor on cpu, but its grad is a float32 [2] tensor on cpu",
    );
    expect(a.dataSync()[0]).toBe(1);
    b.grad.dispose();
    b.grad = null;
    expect(opt.step()).toBeUndefined();
    expect(a.dataSync()[0]).toBeCloseTo(0.85, 6);
    b.dispose();
    expect(() => opt.step()).toThrow(
      "SGD.step: parameter 1 of param group 0 (shape [1]) was disposed",
    );
    opt.dispose();
    a.dispose();
  });

  it("no leaks: the live tensor count is constant from step 2 on, and back to the start after dispose", () => {
    for (const c of [
      "adam/amsgrad",
      "rmsprop/centered_momentum_wd",
      "sgd/nesterov",
      "adagrad/wd_init_eps",
      "adamw/amsgrad_wd",
    ].map(byName)) {
      const start = memorySnapshot();
      const net = makeNet();
      const opt = makeOptimizer(c, net);
      trainStep(net, opt);
      const afterFirst = memorySnapshot();
      for (let i = 0; i < 4; i++) {
        trainStep(net, opt);
        expect(memorySnapshot().numTensors, `${c.name} step ${i + 2}`).toBe(afterFirst.numTensors);
        expect(memorySnapshot().numStorages, `${c.name} step ${i + 2}`).toBe(
          afterFirst.numStorages,
        );
      }
      opt.zeroGrad();
      opt.dispose();
      net.dispose();
      expect(memorySnapshot().numTensors, c.name).toBe(start.numTensors);
      expect(memorySnapshot().numStorages, c.name).toBe(start.numStorages);
    }
  });

  it("keeps its state out of reach of an enclosing tidy", () => {
    const net = makeNet();
    const opt = new optim.Adam(Object.values(net.params), { lr: 0.01 });
    torch.tidy(() => {
      const loss = lossOf(net);
      loss.backward();
      opt.step();
    });
    for (const s of opt.state.values()) expect(s.expAvg.isDisposed).toBe(false);
    trainStep(net, opt);
    opt.dispose();
    net.dispose();
  });

  it("dispose() frees the state; stepping again starts afresh", () => {
    const p = param([1, 2]);
    const opt = new optim.Adam([p], { lr: 0.1 });
    p.grad = torch.tensor([0.5, 0.5]);
    opt.step();
    opt.dispose();
    expect(opt.state.size).toBe(0);
    opt.step();
    expect(opt.state.get(p)!.step).toBe(1);
    opt.dispose();
    p.dispose();
  });
});

describe("Optimizer: state dicts", () => {
  withLeakCheck();

  it("has PyTorch's layout, with copies of the state tensors", () => {
    const a = param([1, 2]);
    const b = param([3]);
    const c = param([4]);
    const opt = new optim.Adam([{ params: [a, b] }, { params: [c], lr: 0.5, amsgrad: true }], {
      lr: 0.1,
    });
    a.grad = torch.tensor([1.5, 1.5]);
    c.grad = torch.tensor([1.5]);
    opt.step();
    const sd = opt.stateDict();
    expect(sd.param_groups).toEqual([
      {
        lr: 0.1,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        amsgrad: false,
        maximize: false,
        params: [0, 1],
      },
      {
        lr: 0.5,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        amsgrad: true,
        maximize: false,
        params: [2],
      },
    ]);
    expect(Object.keys(sd.state)).toEqual(["0", "2"]);
    expect(Object.keys(sd.state[2]!)).toEqual(["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]);
    expect(sd.state[0]!.step).toBe(1);
    const copy = sd.state[0]!.exp_avg as Tensor;
    expect(copy).not.toBe(opt.state.get(a)!.expAvg);
    torch.noGrad(() => copy.fill_(7));
    expect(opt.state.get(a)!.expAvg.dataSync()[0]).toBeCloseTo(0.15, 6);
    // the state dict's groups are copies too
    (sd.param_groups[0]!.betas as number[])[0] = 0;
    expect(opt.paramGroups[0]!.betas[0]).toBe(0.9);
    optim.disposeStateDict(sd);
    for (const t of [opt, a, b, c]) t.dispose();
  });

  it("loads PyTorch's own form: step as a 0-d tensor, implementation flags, scheduler fields", () => {
    const p = param([1, 2]);
    const opt = new optim.Adam([p]);
    const step = torch.tensor(3);
    const expAvg = torch.tensor([0.1, 0.2], { dtype: "float64" });
    const expAvgSq = torch.tensor([0.01, 0.02]);
    opt.loadStateDict({
      state: { 0: { step, exp_avg: expAvg, exp_avg_sq: expAvgSq } },
      param_groups: [
        {
          lr: 0.01,
          betas: [0.8, 0.9],
          eps: 1e-8,
          weight_decay: 0,
          amsgrad: false,
          maximize: false,
          foreach: null,
          capturable: false,
          differentiable: false,
          fused: false,
          initial_lr: 0.02,
          params: [0],
        },
      ],
    });
    const s = opt.state.get(p)!;
    expect(s.step).toBe(3);
    // converted to the parameter's dtype, and copied
    expect(s.expAvg.dtype).toBe("float32");
    expect(s.expAvg).not.toBe(expAvg);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.01, betas: [0.8, 0.9], initialLr: 0.02 });
    expect(opt.paramGroups[0]!.params[0]).toBe(p);
    expect(opt.fused).toBe(true);
    for (const t of [step, expAvg, expAvgSq, opt, p]) t.dispose();
  });

  it("a failed loadStateDict changes nothing", () => {
    const net = makeNet();
    const c = byName("adam/groups"); // two param groups, amsgrad in the second
    const opt = makeOptimizer(c, net);
    trainStep(net, opt);
    const good = opt.stateDict();
    const snapshot = () => ({
      groups: JSON.stringify(opt.paramGroups.map((g) => ({ ...g, params: g.params.length }))),
      state: [...(opt as unknown as torch.optim.Adam).state.entries()].map(([p, s]) => [
        p.shape,
        s.step,
        Array.from(s.expAvg.dataSync()),
        s.expAvg,
      ]),
    });
    const before = snapshot();
    const s0 = good.state[0]!;
    const wrongShape = torch.zeros([3]);
    const tensorsBefore = memorySnapshot().numTensors;
    const bad: [string, unknown, string][] = [
      [
        "not a state dict",
        42,
        "Adam.loadStateDict: expected { state, param_groups }; nothing was changed",
      ],
      [
        "group count",
        { ...good, param_groups: good.param_groups.slice(0, 1) },
        "Adam.loadStateDict: loaded state dict has 1 parameter groups; this optimizer has 2; nothing was changed",
      ],
      [
        "group size",
        { ...good, param_groups: [{ ...good.param_groups[0], params: [0] }, good.param_groups[1]] },
        "Adam.loadStateDict: param group 0 has 1 parameters in the loaded state dict and 2 here; nothing was changed",
      ],
      [
        "bad option",
        { ...good, param_groups: [good.param_groups[0], { ...good.param_groups[1], lr: -1 }] },
        "Adam.loadStateDict: invalid lr -1 in param group 1 (must be >= 0); nothing was changed",
      ],
      [
        "bad beta",
        {
          ...good,
          param_groups: [{ ...good.param_groups[0], betas: [0.9, 2] }, good.param_groups[1]],
        },
        "Adam.loadStateDict: invalid beta parameter at index 1: 2 in param group 0 (must be in [0, 1)); nothing was changed",
      ],
      [
        "unknown option",
        {
          ...good,
          param_groups: [{ ...good.param_groups[0], momentum: 0.9 }, good.param_groups[1]],
        },
        'Adam.loadStateDict: param group 0 has an unknown option "momentum"; nothing was changed',
      ],
      [
        "unknown state key",
        { ...good, state: { ...good.state, 1: { ...good.state[1], momentum_buffer: null } } },
        'Adam.loadStateDict: state of parameter 1 has an unknown entry "momentum_buffer" (Adam keeps step, exp_avg, exp_avg_sq, max_exp_avg_sq); nothing was changed',
      ],
      [
        "wrong shape",
        { ...good, state: { ...good.state, 1: { ...good.state[1], exp_avg: wrongShape } } },
        "Adam.loadStateDict: state exp_avg of parameter 1 has shape [3]; the parameter has shape [4]; nothing was changed",
      ],
      [
        "missing key",
        { ...good, state: { ...good.state, 3: { step: 1, exp_avg: good.state[3]!.exp_avg } } },
        'Adam.loadStateDict: state of parameter 3 lacks "exp_avg_sq"; nothing was changed',
      ],
      [
        "bad step",
        { ...good, state: { ...good.state, 0: { ...s0, step: -1 } } },
        "Adam.loadStateDict: state step of parameter 0 must be a number >= 0; got -1; nothing was changed",
      ],
      [
        "unknown parameter",
        { ...good, state: { ...good.state, 9: s0 } },
        "Adam.loadStateDict: state has an entry for parameter 9, which no param group lists; nothing was changed",
      ],
    ];
    for (const [name, sd, message] of bad) {
      expect(() => opt.loadStateDict(sd as never), name).toThrow(message);
      expect(snapshot(), name).toEqual(before);
      expect(memorySnapshot().numTensors, name).toBe(tensorsBefore);
    }
    wrongShape.dispose();
    optim.disposeStateDict(good);
    opt.dispose();
    net.dispose();
  });

  it("round-trips through a state dict that lists the same parameters in other groups", () => {
    // PyTorch numbers parameters across groups in order: group 0 gets 0..n0-1, group 1 continues.
    const c = byName("sgd/groups");
    const net = makeNet();
    const opt = makeOptimizer(c, net);
    trainStep(net, opt);
    const sd = opt.stateDict();
    expect(sd.param_groups.map((g) => g.params)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(Object.keys(sd.state)).toEqual(["0", "1", "2", "3"]);
    optim.disposeStateDict(sd);
    opt.dispose();
    net.dispose();
    expect(GOLDEN.network.order).toEqual(["w1", "b1", "w2", "b2"]);
  });
});

describe("Optimizer: subclassing", () => {
  withLeakCheck();

  /** signSGD with an update count: a user-written optimizer with plain tensor ops. */
  class SignSGD extends optim.Optimizer<{ lr: number }, { count: number }> {
    constructor(params: torch.optim.Params<{ lr: number }>, options: { lr?: number } = {}) {
      super("SignSGD", params, options, { lr: 0.01 }, { lr: "nonNegative" });
    }
    protected override stateSpec(): Record<string, torch.optim.StateKeySpec> {
      return { count: { kind: "number", required: true } };
    }
    protected override update(
      p: Tensor,
      g: Tensor,
      group: torch.optim.ParamGroup<{ lr: number }>,
    ): void {
      const s = this.state.get(p) ?? { count: 0 };
      this.state.set(p, s);
      const step = torch.tidy(() => g.sign().mul(group.lr));
      p.sub_(step);
      step.dispose();
      s.count++;
    }
  }

  it("works with the base class's groups, validation and state dicts", () => {
    const p = param([1, -2]);
    const opt = new SignSGD([p], { lr: 0.5 });
    expect(() => new SignSGD([p], { lr: -1 })).toThrow("SignSGD: invalid lr -1 (must be >= 0)");
    p.grad = torch.tensor([0.1, -3]);
    opt.step();
    expect(Array.from(p.dataSync())).toEqual([0.5, -1.5]);
    expect(opt.stateDict()).toEqual({
      state: { 0: { count: 1 } },
      param_groups: [{ lr: 0.5, params: [0] }],
    });
    opt.loadStateDict({ state: { 0: { count: 5 } }, param_groups: [{ lr: 0.25, params: [0] }] });
    opt.step();
    expect(Array.from(p.dataSync())).toEqual([0.25, -1.25]);
    expect(opt.state.get(p)!.count).toBe(6);
    opt.dispose();
    p.dispose();
  });
});
