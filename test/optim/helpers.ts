/**
 * Shared pieces of the optimizer tests: the PyTorch fixtures (`test/golden/optim.json`, written
 * by `test/golden/gen_optim.py`), the fixed network they train, and runners that replay a case.
 */
import { readFileSync } from "node:fs";

import { expect } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import type { Optimizer } from "../../src/optim/optimizer.js";
import { assertAllClose } from "../util/allclose.js";
import { CPU_VS_TORCH, type Tolerance } from "../util/tolerance.js";

const { nn, optim } = torch;

export interface Encoded {
  shape: number[];
  data: number[];
}

export interface OptimCase {
  name: string;
  class: "SGD" | "Momentum" | "Adagrad" | "RMSprop" | "Adam" | "AdamW";
  options: Record<string, unknown>;
  groups: { params: string[]; options: Record<string, unknown> }[] | null;
  losses: number[];
  /** Every parameter after each step. */
  trajectory: Record<string, Encoded>[];
}

export interface SchedSpec {
  type: string;
  options?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface SchedCase {
  name: string;
  optimizer: "SGD" | "Adam";
  lrs: number[];
  spec: SchedSpec;
  lr_sequence: number[][];
  momentum_sequence?: number[][];
}

export interface OptimGolden {
  torch_version: string;
  network: { x: Encoded; y: Encoded; params: Record<string, Encoded>; order: string[] };
  steps: number;
  optimizers: OptimCase[];
  plateau_metrics: number[];
  lambdas: string[];
  schedulers: SchedCase[];
}

export const GOLDEN = JSON.parse(
  readFileSync(new URL("../golden/optim.json", import.meta.url), "utf8"),
) as OptimGolden;

export function casesFor(prefix: string): OptimCase[] {
  const cases = GOLDEN.optimizers.filter((c) => c.name.startsWith(`${prefix}/`));
  if (!cases.length) throw new Error(`no golden cases for ${prefix}`);
  return cases;
}

export type ParamMap = Record<string, torch.nn.Parameter>;

export interface Net {
  params: ParamMap;
  x: Tensor;
  y: Tensor;
  dispose(): void;
}

/** The fixture network's parameters (fresh copies) and data, in `dtype`. */
export function makeNet(dtype: "float32" | "float64" = "float32"): Net {
  const { network } = GOLDEN;
  const t = (e: Encoded) => torch.tensor(e.data, { dtype, shape: e.shape });
  const params: ParamMap = {};
  for (const name of network.order) {
    const raw = t(network.params[name]!);
    params[name] = new nn.Parameter(raw);
    raw.dispose();
  }
  const x = t(network.x);
  const y = t(network.y);
  return {
    params,
    x,
    y,
    dispose() {
      for (const p of Object.values(params)) p.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

/** mean((tanh(x @ w1^T + b1) @ w2^T + b2 - y)^2), as gen_optim.py's `loss_fn`. */
export function lossOf(net: Net): Tensor {
  const { w1, b1, w2, b2 } = net.params;
  return torch.tidy(() =>
    net.x.matmul(w1!.t()).add(b1!).tanh().matmul(w2!.t()).add(b2!).sub(net.y).square().mean(),
  );
}

/** One training step: zeroGrad, loss, backward, step; returns the loss value. */
export function trainStep(net: Net, opt: Optimizer<{ lr: number }, object>): number {
  opt.zeroGrad();
  const loss = lossOf(net);
  loss.backward();
  const value = loss.itemSync();
  loss.dispose();
  opt.step();
  return value;
}

type OptimizerClass = new (
  params: torch.optim.Params<never>,
  options?: Record<string, unknown>,
) => Optimizer<{ lr: number }, object>;

/** The optimizer of a golden case over `net`'s parameters (with its param groups). */
export function makeOptimizer(
  c: OptimCase,
  net: Net,
  extra: { fused?: boolean } = {},
): Optimizer<{ lr: number }, object> {
  const cls = optim[c.class] as unknown as OptimizerClass;
  const order = GOLDEN.network.order;
  const params = c.groups
    ? c.groups.map((g) => ({ params: g.params.map((n) => net.params[n]!), ...g.options }))
    : order.map((n) => net.params[n]!);
  return new cls(params as never, { ...c.options, ...extra });
}

/**
 * Replays a golden case and checks the loss before each step and every parameter after it.
 * `tol` defaults to CPU_VS_TORCH (rtol 1e-5, atol 1e-6).
 */
export function checkTrajectory(
  c: OptimCase,
  options: { fused?: boolean; tol?: Tolerance } = {},
): void {
  const net = makeNet();
  const opt = makeOptimizer(c, net, { fused: options.fused });
  const tol = options.tol ?? CPU_VS_TORCH;
  try {
    for (let step = 0; step < c.trajectory.length; step++) {
      const loss = trainStep(net, opt);
      assertAllClose([loss], [c.losses[step]!], tol, `${c.name} loss before step ${step + 1}`);
      for (const [name, expected] of Object.entries(c.trajectory[step]!)) {
        const p = net.params[name]!;
        expect(p.shape).toEqual(expected.shape);
        assertAllClose(
          p.dataSync(),
          expected.data,
          tol,
          `${c.name} ${name} after step ${step + 1}`,
          expected.shape,
        );
      }
    }
  } finally {
    opt.dispose();
    net.dispose();
  }
}

/**
 * The state dict round trip: 5 steps, save, load into a fresh optimizer over a copy of the
 * parameters, 5 more steps; the result equals 10 straight steps (exactly: same arithmetic).
 */
export function checkStateDictRoundTrip(c: OptimCase): void {
  const straight = makeNet();
  const optA = makeOptimizer(c, straight);
  for (let i = 0; i < 10; i++) trainStep(straight, optA);

  const first = makeNet();
  const optB = makeOptimizer(c, first);
  for (let i = 0; i < 5; i++) trainStep(first, optB);
  const sd = optB.stateDict();

  // A copy of the parameters, and a fresh optimizer (made with other hyper-parameters: the state
  // dict brings the saved ones back).
  const second = makeNet();
  for (const [name, p] of Object.entries(first.params))
    torch.noGrad(() => second.params[name]!.copy_(p));
  const optC = makeOptimizer({ ...c, options: { ...c.options, lr: 0.123 } }, second);
  optC.loadStateDict(sd);
  torch.optim.disposeStateDict(sd);
  expect(optC.paramGroups.map((g) => g.lr)).toEqual(optB.paramGroups.map((g) => g.lr));
  for (let i = 0; i < 5; i++) trainStep(second, optC);

  for (const name of GOLDEN.network.order) {
    expect(Array.from(second.params[name]!.dataSync()), `${c.name} ${name}`).toEqual(
      Array.from(straight.params[name]!.dataSync()),
    );
  }
  for (const o of [optA, optB, optC]) o.dispose();
  for (const n of [straight, first, second]) n.dispose();
}

/** A parameter holding `values` (the temporary the constructor wraps is disposed). */
export function param(
  values: number[] | number[][],
  dtype: "float32" | "float64" = "float32",
): torch.nn.Parameter {
  const raw = torch.tensor(values, { dtype });
  const p = new nn.Parameter(raw);
  raw.dispose();
  return p;
}

/** A one-element-per-entry parameter with a fixed gradient: `loss = sum(p * c)` so `grad = c`. */
export function linearStep(
  p: torch.nn.Parameter,
  c: number[],
  opt: Optimizer<{ lr: number }, object>,
): void {
  opt.zeroGrad();
  const loss = torch.tidy(() => p.mul(torch.tensor(c, { dtype: p.dtype })).sum());
  loss.backward();
  loss.dispose();
  opt.step();
}
