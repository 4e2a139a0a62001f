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

describe("optim.Adam", () => {
  withLeakCheck();

  it("step 1 and 2 by hand", () => {
    // p0 = [1.5, -0.5]; loss = sum(p * [0.5, -2]) so g = [0.5, -2] at every step.
    // lr = 0.1, betas = (0.9, 0.999), eps = 1e-8.
    // Step 1: m1 = 0.1 g = [0.05, -0.2]; v1 = 0.001 g^2 = [0.00025, 0.004];
    //   bias corrections 1 - 0.9 = 0.1 and 1 - 0.999 = 0.001, so step size = lr / 0.1 = 1 and
    //   denom = sqrt(v1) / sqrt(0.001) + eps = |g| + 1e-8 = [0.50000001, 2.00000001];
    //   p1 = p0 - 1 * m1 / denom = [1.5 - 0.05 / 0.50000001, -0.5 + 0.2 / 2.00000001] ~ [1.4, -0.4].
    // Step 2: m2 = 0.9 m1 + 0.1 g = 0.19 g, v2 = 0.999 v1 + 0.001 g^2 = 0.001999 g^2; the bias
    //   corrections are 0.19 and 0.001999, so again p2 = p1 - lr g / (|g| + eps) ~ [1.3, -0.3].
    const p = param([1.5, -0.5], "float64");
    const opt = new optim.Adam([p], { lr: 0.1 });
    linearStep(p, [0.5, -2], opt);
    const p1 = [1.5 - 0.05 / 0.50000001, -0.5 + 0.2 / 2.00000001];
    expect(p.dataSync()[0]).toBeCloseTo(p1[0]!, 14);
    expect(p.dataSync()[1]).toBeCloseTo(p1[1]!, 14);
    const s = opt.state.get(p)!;
    expect(s.step).toBe(1);
    // m1 = 0.9 * 0 + 0.5 * (1 - 0.9): (1 - 0.9) is 0.09999999999999998 in doubles
    expect(Array.from(s.expAvg.dataSync())).toEqual([0.5 * (1 - 0.9), -2 * (1 - 0.9)]);
    linearStep(p, [0.5, -2], opt);
    expect(p.dataSync()[0]).toBeCloseTo(p1[0]! - 0.1 * (0.5 / (0.5 + 1e-8)), 12);
    expect(p.dataSync()[1]).toBeCloseTo(p1[1]! + 0.1 * (2 / (2 + 1e-8)), 12);
    opt.dispose();
    p.dispose();
  });

  it("step 1 by hand with a large eps: eps is added after the bias correction", () => {
    // As above with eps = 0.1: denom = sqrt(v1) / sqrt(0.001) + 0.1 = |g| + 0.1 = [0.6, 2.1];
    //   p1 = p0 - 1 * m1 / denom = [1.5 - 0.05 / 0.6, -0.5 + 0.2 / 2.1].
    // (Adding eps to sqrt(v1) before the correction would give denom ~ [3.66, 5.16].)
    const p = param([1.5, -0.5], "float64");
    const opt = new optim.Adam([p], { lr: 0.1, eps: 0.1 });
    linearStep(p, [0.5, -2], opt);
    expect(p.dataSync()[0]).toBeCloseTo(1.5 - 0.05 / 0.6, 14);
    expect(p.dataSync()[1]).toBeCloseTo(-0.5 + 0.2 / 2.1, 14);
    opt.dispose();
    p.dispose();
  });

  it("amsgrad keeps the running maximum of v", () => {
    // g = [1] then [0.1]: v1 = 0.1 (beta2 0.9), v2 = 0.09 + 0.001 = 0.091 < v1, so vmax stays 0.1.
    const p = param([0], "float64");
    const opt = new optim.Adam([p], { lr: 0.1, betas: [0.9, 0.9], amsgrad: true });
    linearStep(p, [1], opt);
    linearStep(p, [0.1], opt);
    const s = opt.state.get(p)!;
    expect(s.expAvgSq.dataSync()[0]).toBeCloseTo(0.091, 15);
    expect(s.maxExpAvgSq!.dataSync()[0]).toBeCloseTo(0.1, 15);
    opt.dispose();
    p.dispose();
  });

  for (const c of casesFor("adam")) {
    it(`matches PyTorch: ${c.name} (fused)`, () => checkTrajectory(c));
    it(`matches PyTorch: ${c.name} (composite)`, () => checkTrajectory(c, { fused: false }));
  }

  for (const c of casesFor("adam"))
    it(`state dict round trip: ${c.name}`, () => checkStateDictRoundTrip(c));

  it("has PyTorch's defaults", () => {
    const p = param([0]);
    const opt = new optim.Adam([p]);
    expect(opt.defaults).toEqual({
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
    });
    p.dispose();
  });
});
