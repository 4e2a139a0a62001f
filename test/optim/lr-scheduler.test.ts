import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Optimizer } from "../../src/optim/optimizer.js";
import { assertAllClose } from "../util/allclose.js";
import { withLeakCheck } from "../util/leaks.js";
import { GOLDEN, param, type SchedCase, type SchedSpec } from "./helpers.js";

const { optim } = torch;

/**
 * Learning rates are computed in doubles on both sides; Math.cos and libm's cos may differ in the
 * last bit, and the recursive forms carry that along, hence 1e-12 rather than exact.
 */
const LR_TOL = { rtol: 1e-12, atol: 1e-15 };

/** gen_optim.py's LAMBDAS, by name. */
const LAMBDAS: Record<string, (e: number) => number> = {
  exp095: (e) => 0.95 ** e,
  inverse: (e) => 1 / (1 + e),
  halve_every_3: (e) => 0.5 ** Math.floor(e / 3),
};

type AnyOptimizer = Optimizer<{ lr: number }, object>;
type Scheduler = torch.optim.LRScheduler | torch.optim.ReduceLROnPlateau;

/** The scheduler a golden spec describes (as gen_optim.py's `build`). */
function build(spec: SchedSpec, opt: AnyOptimizer): Scheduler {
  const o = (spec.options ?? {}) as Record<string, never>;
  switch (spec.type) {
    case "StepLR":
      return new optim.StepLR(opt, spec.stepSize as number, o);
    case "MultiStepLR":
      return new optim.MultiStepLR(opt, spec.milestones as number[], o);
    case "ExponentialLR":
      return new optim.ExponentialLR(opt, spec.gamma as number);
    case "CosineAnnealingLR":
      return new optim.CosineAnnealingLR(opt, spec.tMax as number, o);
    case "LinearLR":
      return new optim.LinearLR(opt, o);
    case "LambdaLR": {
      const l = spec.lambdas as string | string[];
      return new optim.LambdaLR(opt, Array.isArray(l) ? l.map((n) => LAMBDAS[n]!) : LAMBDAS[l]!);
    }
    case "OneCycleLR":
      return new optim.OneCycleLR(opt, spec.maxLr as number | number[], o);
    case "ReduceLROnPlateau":
      return new optim.ReduceLROnPlateau(opt, o);
    case "SequentialLR":
      return new optim.SequentialLR(
        opt,
        (spec.schedulers as SchedSpec[]).map((s) => build(s, opt) as torch.optim.LRScheduler),
        spec.milestones as number[],
      );
  }
  throw new Error(`unknown scheduler ${spec.type}`);
}

/** The golden case's optimizer: SGD (momentum 0.9) or Adam, one dummy parameter per group. */
function makeOpt(c: SchedCase): { opt: AnyOptimizer; dispose: () => void } {
  const params = c.lrs.map((_, i) => param(i === 0 ? [0, 0] : [0]));
  const groups = c.lrs.map((lr, i) => ({ params: [params[i]!], lr }));
  const opt = (
    c.optimizer === "SGD"
      ? new optim.SGD(groups, { lr: c.lrs[0]!, momentum: 0.9 })
      : new optim.Adam(groups, { lr: c.lrs[0]! })
  ) as AnyOptimizer;
  return {
    opt,
    dispose: () => {
      opt.dispose();
      for (const p of params) p.dispose();
    },
  };
}

function momentums(c: SchedCase, opt: AnyOptimizer): number[] {
  return opt.paramGroups.map((g) =>
    c.optimizer === "Adam"
      ? (g as unknown as { betas: number[] }).betas[0]!
      : (g as unknown as { momentum: number }).momentum,
  );
}

function schedStep(s: Scheduler, i: number): void {
  if (s instanceof optim.ReduceLROnPlateau) s.step(GOLDEN.plateau_metrics[i]!);
  else s.step();
}

function checkAt(c: SchedCase, opt: AnyOptimizer, s: Scheduler, k: number): void {
  const lrs = opt.paramGroups.map((g) => g.lr);
  assertAllClose(lrs, c.lr_sequence[k]!, LR_TOL, `${c.name} lr after ${k} steps`);
  assertAllClose(
    s.getLastLr(),
    c.lr_sequence[k]!,
    LR_TOL,
    `${c.name} getLastLr() after ${k} steps`,
  );
  if (c.momentum_sequence)
    assertAllClose(
      momentums(c, opt),
      c.momentum_sequence[k]!,
      LR_TOL,
      `${c.name} momentum after ${k} steps`,
    );
}

describe("LR schedulers vs PyTorch", () => {
  withLeakCheck();

  for (const c of GOLDEN.schedulers) {
    it(`${c.name}: ${c.lr_sequence.length - 1} steps`, () => {
      const { opt, dispose } = makeOpt(c);
      const s = build(c.spec, opt);
      checkAt(c, opt, s, 0);
      for (let i = 0; i < c.lr_sequence.length - 1; i++) {
        opt.step();
        schedStep(s, i);
        checkAt(c, opt, s, i + 1);
      }
      dispose();
    });

    it(`${c.name}: state dict round trip after 10 steps`, () => {
      const a = makeOpt(c);
      const s = build(c.spec, a.opt);
      for (let i = 0; i < 10; i++) schedStep(s, i);
      const optSd = a.opt.stateDict();
      const schedSd = structuredClone(s.stateDict());
      // A fresh optimizer and scheduler (made with the same spec), then both state dicts loaded.
      const b = makeOpt(c);
      const s2 = build(c.spec, b.opt);
      b.opt.loadStateDict(optSd);
      s2.loadStateDict(schedSd);
      checkAt(c, b.opt, s2, 10);
      for (let i = 10; i < c.lr_sequence.length - 1; i++) {
        schedStep(s2, i);
        checkAt(c, b.opt, s2, i + 1);
      }
      torch.optim.disposeStateDict(optSd);
      a.dispose();
      b.dispose();
    });
  }
});

describe("LR schedulers", () => {
  withLeakCheck();

  function withOpt(fn: (opt: AnyOptimizer) => void, lrs = [0.1]): void {
    const { opt, dispose } = makeOpt({
      name: "",
      optimizer: "SGD",
      lrs,
      spec: { type: "" },
      lr_sequence: [],
    });
    try {
      fn(opt);
    } finally {
      dispose();
    }
  }

  it("state dicts use PyTorch's keys", () => {
    withOpt((opt) => {
      const s = new optim.CosineAnnealingLR(opt, 10, { etaMin: 0.01 });
      s.step();
      expect(s.stateDict()).toEqual({
        T_max: 10,
        eta_min: 0.01,
        base_lrs: [0.1],
        last_epoch: 1,
        _step_count: 2,
        _last_lr: s.getLastLr(),
      });
    });
    withOpt((opt) => {
      const s = new optim.LambdaLR(opt, (e) => e);
      expect(s.stateDict()).toMatchObject({ lr_lambdas: [null], last_epoch: 0 });
    });
    withOpt((opt) => {
      const s = new optim.OneCycleLR(opt, 0.1, { totalSteps: 10 });
      expect(s.stateDict()._schedule_phases).toEqual([
        {
          end_step: 2,
          start_lr: "initial_lr",
          end_lr: "max_lr",
          start_momentum: "max_momentum",
          end_momentum: "base_momentum",
        },
        {
          end_step: 9,
          start_lr: "max_lr",
          end_lr: "min_lr",
          start_momentum: "base_momentum",
          end_momentum: "max_momentum",
        },
      ]);
      expect(opt.stateDict().param_groups[0]).toMatchObject({
        initial_lr: 0.004,
        max_lr: 0.1,
        min_lr: 0.004 / 1e4,
        max_momentum: 0.95,
        base_momentum: 0.85,
      });
    });
  });

  it("a failed loadStateDict changes nothing", () => {
    withOpt((opt) => {
      const s = new optim.StepLR(opt, 3);
      for (let i = 0; i < 4; i++) s.step();
      const before = s.stateDict();
      expect(() => s.loadStateDict({ ...before, last_epoch: 0, bogus: 1 })).toThrow(
        'StepLR.loadStateDict: unknown key "bogus" (StepLR keeps step_size, gamma, base_lrs, last_epoch, _step_count, _last_lr); nothing was changed',
      );
      expect(() => s.loadStateDict({ ...before, last_epoch: 0, base_lrs: "0.1" })).toThrow(
        'StepLR.loadStateDict: base_lrs must look like [0.1]; got "0.1"; nothing was changed',
      );
      expect(s.stateDict()).toEqual(before);
      // PyTorch's implementation keys are accepted and ignored
      s.loadStateDict({ ...before, verbose: false, _get_lr_called_within_step: false });
    });
    withOpt((opt) => {
      const warm = new optim.LinearLR(opt, { totalIters: 2 });
      const cos = new optim.CosineAnnealingLR(opt, 5);
      const seq = new optim.SequentialLR(opt, [warm, cos], [2]);
      const before = seq.stateDict();
      const subs = before._schedulers as Record<string, unknown>[];
      expect(() =>
        seq.loadStateDict({
          ...before,
          last_epoch: 7,
          _schedulers: [subs[0], { ...subs[1], T_max: "5" }],
        }),
      ).toThrow("CosineAnnealingLR.loadStateDict: T_max must look like 5");
      expect(seq.stateDict()).toEqual(before);
    });
  });

  it("OneCycleLR refuses to step past totalSteps", () => {
    withOpt((opt) => {
      const s = new optim.OneCycleLR(opt, 0.1, { totalSteps: 3 });
      for (let i = 0; i < 3; i++) s.step();
      expect(() => s.step()).toThrow(
        "OneCycleLR: tried to step 5 times; the specified number of total steps is 3",
      );
    });
  });

  it("resuming (lastEpoch >= 0) needs each group's initialLr", () => {
    withOpt((opt) => {
      expect(() => new optim.StepLR(opt, 3, { lastEpoch: 4 })).toThrow(
        "StepLR: param 'initialLr' is not specified in paramGroups[0] when resuming an optimizer",
      );
      opt.paramGroups[0]!.initialLr = 0.1;
      const s = new optim.StepLR(opt, 3, { gamma: 0.5, lastEpoch: 4 });
      expect(s.lastEpoch).toBe(5);
    });
  });

  it("checks its arguments", () => {
    withOpt((opt) => {
      const cases: [() => unknown, string][] = [
        [() => new optim.StepLR({} as never, 3), "StepLR: expected an Optimizer; got object"],
        [() => new optim.StepLR(opt, 0), "StepLR: invalid stepSize 0 (must be a positive integer)"],
        [
          () => new optim.StepLR(opt, 2, { gamma: NaN }),
          "StepLR: invalid gamma NaN (must be a finite number)",
        ],
        [
          () => new optim.StepLR(opt, 2, { lastEpoch: -2 }),
          "StepLR: invalid lastEpoch -2 (must be an integer >= -1)",
        ],
        [
          () => new optim.MultiStepLR(opt, [3, -1]),
          "MultiStepLR: invalid milestone -1 (must be a non-negative integer)",
        ],
        [
          () => new optim.ExponentialLR(opt, Infinity),
          "ExponentialLR: invalid gamma Infinity (must be a finite number)",
        ],
        [
          () => new optim.CosineAnnealingLR(opt, 0),
          "CosineAnnealingLR: invalid tMax 0 (must be a positive number)",
        ],
        [
          () => new optim.LinearLR(opt, { startFactor: 0 }),
          "LinearLR: invalid startFactor 0 (must be in (0, 1])",
        ],
        [
          () => new optim.LinearLR(opt, { endFactor: 1.5 }),
          "LinearLR: invalid endFactor 1.5 (must be in [0, 1])",
        ],
        [
          () => new optim.LinearLR(opt, { totalIters: 2.5 }),
          "LinearLR: invalid totalIters 2.5 (must be a positive integer)",
        ],
        [
          () => new optim.LambdaLR(opt, [(e) => e, (e) => e]),
          "LambdaLR: expected 1 lrLambdas, but got 2",
        ],
        [
          () => new optim.LambdaLR(opt, 3 as never),
          "LambdaLR: lrLambda must be a function or an array of functions; got number",
        ],
        [
          () => new optim.OneCycleLR(opt, 0.1),
          "OneCycleLR: you must define either totalSteps OR (epochs AND stepsPerEpoch)",
        ],
        [
          () => new optim.OneCycleLR(opt, 0.1, { totalSteps: 0 }),
          "OneCycleLR: invalid totalSteps 0 (must be a positive integer)",
        ],
        [
          () => new optim.OneCycleLR(opt, 0.1, { epochs: 2, stepsPerEpoch: -1 }),
          "OneCycleLR: invalid stepsPerEpoch -1 (must be a positive integer)",
        ],
        [
          () => new optim.OneCycleLR(opt, 0.1, { totalSteps: 10, pctStart: 1.5 }),
          "OneCycleLR: invalid pctStart 1.5 (must be in [0, 1])",
        ],
        [
          () => new optim.OneCycleLR(opt, 0.1, { totalSteps: 10, annealStrategy: "exp" as never }),
          'OneCycleLR: annealStrategy must be "cos" or "linear"; got "exp"',
        ],
        [
          () => new optim.OneCycleLR(opt, [0.1, 0.2], { totalSteps: 10 }),
          "OneCycleLR: expected 1 values for maxLr, got 2",
        ],
        [
          () => new optim.ReduceLROnPlateau(opt, { factor: 1 }),
          "ReduceLROnPlateau: invalid factor 1 (must be in [0, 1))",
        ],
        [
          () => new optim.ReduceLROnPlateau(opt, { mode: "up" as never }),
          'ReduceLROnPlateau: mode "up" is unknown (must be "min" or "max")',
        ],
        [
          () => new optim.ReduceLROnPlateau(opt, { thresholdMode: "pct" as never }),
          'ReduceLROnPlateau: thresholdMode "pct" is unknown (must be "rel" or "abs")',
        ],
        [
          () => new optim.ReduceLROnPlateau(opt, { minLr: [0, 0] }),
          "ReduceLROnPlateau: expected 1 minLrs, got 2",
        ],
        [
          () => new optim.ReduceLROnPlateau(opt, { patience: -1 }),
          "ReduceLROnPlateau: invalid patience -1 (must be a non-negative integer)",
        ],
        [
          () => new optim.SequentialLR(opt, [new optim.StepLR(opt, 2)], [3]),
          "SequentialLR: expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 1 and the number of milestones to be equal to 1",
        ],
      ];
      for (const [make, message] of cases) expect(make).toThrow(message);
    });
    withOpt((opt) => {
      withOpt((other) => {
        const s = new optim.StepLR(other, 2);
        expect(() => new optim.SequentialLR(opt, [new optim.StepLR(opt, 2), s], [3])).toThrow(
          "SequentialLR: expects all schedulers to belong to the same optimizer, but got schedulers at index 1 to be different than the optimizer passed in",
        );
      });
    });
    withOpt((opt) => {
      const p = param([1]);
      const plain = new optim.Adagrad([p]);
      expect(() => new optim.OneCycleLR(plain, 0.1, { totalSteps: 5 })).toThrow(
        "OneCycleLR: optimizer must support momentum with the cycleMomentum option enabled",
      );
      plain.dispose();
      p.dispose();
      expect(opt.paramGroups[0]!.lr).toBe(0.1);
    });
  });

  it("ReduceLROnPlateau takes a one-element tensor as the metric", () => {
    withOpt((opt) => {
      const s = new optim.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
      const m = torch.tensor(1.5);
      s.step(m);
      s.step(m);
      expect(s.getLastLr()).toEqual([0.05]);
      m.dispose();
    });
  });
});
