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

describe("optim.Adagrad", () => {
  withLeakCheck();

  it("steps 1 and 2 by hand", () => {
    // p0 = [1.5, -0.5], g = [0.5, -2], lr = 0.1, eps = 1e-10, lrDecay = 0.5.
    // Step 1: clr = lr / (1 + 0 * 0.5) = 0.1; sum = g^2 = [0.25, 4]; std = sqrt(sum) + eps = |g| + eps;
    //   p1 = p0 - 0.1 g / std ~ p0 - 0.1 sign(g) = [1.4, -0.4].
    // Step 2: clr = 0.1 / (1 + 1 * 0.5) = 0.0666...; sum = 2 g^2, std = sqrt(2) |g| + eps;
    //   p2 = p1 - clr / sqrt(2) sign(g) = p1 - 0.0471405 sign(g) = [1.3528595, -0.3528595].
    const p = param([1.5, -0.5], "float64");
    const opt = new optim.Adagrad([p], { lr: 0.1, lrDecay: 0.5 });
    linearStep(p, [0.5, -2], opt);
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([1.4, -0.4][i]!, 9));
    linearStep(p, [0.5, -2], opt);
    const d = 0.1 / 1.5 / Math.SQRT2;
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([1.4 - d, -0.4 + d][i]!, 9));
    expect(opt.state.get(p)!.step).toBe(2);
    opt.dispose();
    p.dispose();
  });

  it("makes every parameter's state in the constructor, as PyTorch", () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new optim.Adagrad([a, b], { initialAccumulatorValue: 0.5 });
    expect(opt.state.size).toBe(2);
    expect(Array.from(opt.state.get(b)!.sum.dataSync())).toEqual([0.5]);
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(["0", "1"]);
    expect(sd.state[1]!.step).toBe(0);
    torch.optim.disposeStateDict(sd);
    // A parameter added later gets its state on its first step.
    const c = param([4]);
    opt.addParamGroup({ params: [c], lr: 0.5 });
    linearStep(c, [1], opt);
    expect(opt.state.get(c)!.step).toBe(1);
    for (const t of [opt, a, b, c]) t.dispose();
  });

  for (const c of casesFor("adagrad")) {
    it(`matches PyTorch: ${c.name} (fused)`, () => checkTrajectory(c));
    it(`matches PyTorch: ${c.name} (composite)`, () => checkTrajectory(c, { fused: false }));
    it(`state dict round trip: ${c.name}`, () => checkStateDictRoundTrip(c));
  }
});
