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

function run(options: Partial<torch.optim.RMSpropOptions>, steps: number): number[] {
  const p = param([1.5, -0.5], "float64");
  const opt = new optim.RMSprop([p], { lr: 0.01, ...options });
  for (let i = 0; i < steps; i++) linearStep(p, [0.5, -2], opt);
  const out = Array.from(p.dataSync());
  opt.dispose();
  p.dispose();
  return out;
}

const close = (actual: number[], expected: number[], digits = 9) =>
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, digits));

describe("optim.RMSprop", () => {
  withLeakCheck();

  it("step 1 by hand: plain and centered", () => {
    // p0 = [1.5, -0.5], g = [0.5, -2], lr = 0.01, alpha = 0.99, eps = 1e-8.
    // Plain: v1 = 0.01 g^2; avg = sqrt(v1) + eps = 0.1 |g| + eps;
    //   p1 = p0 - 0.01 g / avg = [1.5 - 0.005 / 0.05000001, -0.5 + 0.02 / 0.20000001] ~ [1.4, -0.4].
    close(run({}, 1), [1.5 - 0.005 / 0.05000001, -0.5 + 0.02 / 0.20000001]);
    // Centered: gAvg = 0.01 g; v1 - gAvg^2 = 0.01 g^2 - 0.0001 g^2 = 0.0099 g^2;
    //   avg = sqrt(0.0099) |g| + eps; p1 = p0 - 0.01 g / avg ~ p0 - 0.1005038 sign(g).
    const s = Math.sqrt(0.0099);
    close(run({ centered: true }, 1), [
      1.5 - 0.005 / (s * 0.5 + 1e-8),
      -0.5 + 0.02 / (s * 2 + 1e-8),
    ]);
  });

  it("steps 1 and 2 by hand with momentum", () => {
    // momentum 0.9. Step 1: buf = g / avg ~ 10 sign(g); p1 = p0 - 0.01 buf ~ [1.4, -0.4].
    // Step 2: v2 = 0.99 * 0.01 g^2 + 0.01 g^2 = 0.0199 g^2; avg = sqrt(0.0199) |g| + eps;
    //   buf = 0.9 buf1 + g / avg ~ (9 + 7.0888120) sign(g); p2 = p1 - 0.01 buf ~ p1 - 0.1608881 sign(g).
    // (eps = 1e-8 moves these by ~2e-8, so they are compared to 7 digits.)
    close(run({ momentum: 0.9 }, 1), [1.4, -0.4], 7);
    const b = 0.01 * (9 + 1 / Math.sqrt(0.0199));
    close(run({ momentum: 0.9 }, 2), [1.4 - b, -0.4 + b], 7);
  });

  it("keeps only the state its options need, under PyTorch's names", () => {
    const p = param([1, 2]);
    const opt = new optim.RMSprop([p], { centered: true });
    linearStep(p, [1, 1], opt);
    const sd = opt.stateDict();
    expect(Object.keys(sd.state[0]!).sort()).toEqual(["grad_avg", "square_avg", "step"]);
    torch.optim.disposeStateDict(sd);
    // Momentum turned on later (as OneCycleLR may do) makes its buffer then.
    opt.paramGroups[0]!.momentum = 0.5;
    linearStep(p, [1, 1], opt);
    expect(opt.state.get(p)!.momentumBuffer).toBeDefined();
    opt.dispose();
    p.dispose();
  });

  for (const c of casesFor("rmsprop")) {
    it(`matches PyTorch: ${c.name} (fused)`, () => checkTrajectory(c));
    it(`matches PyTorch: ${c.name} (composite)`, () => checkTrajectory(c, { fused: false }));
    it(`state dict round trip: ${c.name}`, () => checkStateDictRoundTrip(c));
  }
});
