import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";
import {
  casesFor,
  checkStateDictRoundTrip,
  checkTrajectory,
  linearStep,
  param,
} from "./helpers.js";

const { optim } = torch;

/** Runs `steps` steps of `loss = sum(p * [0.5, -2])` from p0 = [1.5, -0.5] (float64); returns p. */
function run(options: Partial<torch.optim.SGDOptions>, steps: number): number[] {
  const p = param([1.5, -0.5], "float64");
  const opt = new optim.SGD([p], { lr: 0.1, ...options });
  for (let i = 0; i < steps; i++) linearStep(p, [0.5, -2], opt);
  const out = Array.from(p.dataSync());
  opt.dispose();
  p.dispose();
  return out;
}

const close = (actual: number[], expected: number[]) =>
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, 14));

describe("optim.SGD", () => {
  withLeakCheck();

  it("step 1 by hand: plain, weight decay, maximize", () => {
    // p0 = [1.5, -0.5], g = [0.5, -2], lr = 0.1.
    // Plain: p1 = p0 - lr g = [1.45, -0.3].
    close(run({}, 1), [1.45, -0.3]);
    // weightDecay 0.1: d = g + 0.1 p0 = [0.65, -2.05]; p1 = p0 - 0.1 d = [1.435, -0.295].
    close(run({ weightDecay: 0.1 }, 1), [1.435, -0.295]);
    // maximize: d = -g; p1 = p0 + lr g = [1.55, -0.7].
    close(run({ maximize: true }, 1), [1.55, -0.7]);
  });

  it("steps 1 and 2 by hand with momentum, dampening and Nesterov", () => {
    // momentum 0.9. Step 1: buf = g (a copy of the gradient, no dampening) -> p1 = p0 - 0.1 g = [1.45, -0.3].
    // Step 2: buf = 0.9 g + g = 1.9 g -> p2 = p1 - 0.19 g = [1.355, 0.08].
    close(run({ momentum: 0.9 }, 1), [1.45, -0.3]);
    close(run({ momentum: 0.9 }, 2), [1.355, 0.08]);
    // dampening 0.5: step 1 is the same (the first buffer is not dampened);
    // step 2: buf = 0.9 g + 0.5 g = 1.4 g -> p2 = p1 - 0.14 g = [1.38, -0.02].
    close(run({ momentum: 0.9, dampening: 0.5 }, 1), [1.45, -0.3]);
    close(run({ momentum: 0.9, dampening: 0.5 }, 2), [1.38, -0.02]);
    // Nesterov: step 1: buf = g, d = g + 0.9 buf = 1.9 g -> p1 = p0 - 0.19 g = [1.405, -0.12];
    // step 2: buf = 1.9 g, d = g + 0.9 * 1.9 g = 2.71 g -> p2 = p1 - 0.271 g = [1.2695, 0.422].
    close(run({ momentum: 0.9, nesterov: true }, 1), [1.405, -0.12]);
    close(run({ momentum: 0.9, nesterov: true }, 2), [1.2695, 0.422]);
  });

  it("keeps momentum_buffer null without momentum, as PyTorch", () => {
    const p = param([1, 2]);
    const opt = new optim.SGD([p], { lr: 0.1 });
    linearStep(p, [1, 1], opt);
    expect(opt.state.get(p)).toEqual({ momentumBuffer: null });
    const sd = opt.stateDict();
    expect(sd.state).toEqual({ 0: { momentum_buffer: null } });
    expect(sd.param_groups).toEqual([
      {
        lr: 0.1,
        momentum: 0,
        dampening: 0,
        weight_decay: 0,
        nesterov: false,
        maximize: false,
        params: [0],
      },
    ]);
    opt.dispose();
    p.dispose();
  });

  it("skips parameters without a gradient", () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new optim.SGD([a, b], { lr: 0.1, momentum: 0.9 });
    linearStep(a, [1, 1], opt);
    expect(Array.from(b.dataSync())).toEqual([3]);
    expect(opt.state.has(b)).toBe(false);
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  for (const c of casesFor("sgd")) {
    it(`matches PyTorch: ${c.name} (fused)`, () => checkTrajectory(c));
    it(`matches PyTorch: ${c.name} (composite)`, () => checkTrajectory(c, { fused: false }));
    it(`state dict round trip: ${c.name}`, () => checkStateDictRoundTrip(c));
  }
});
