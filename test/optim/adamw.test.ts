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

describe("optim.AdamW", () => {
  withLeakCheck();

  it("step 1 by hand (decoupled weight decay)", () => {
    // p0 = [1.5, -0.5], g = [0.5, -2], lr = 0.1, weightDecay = 0.01 (the default).
    // First p <- p (1 - lr wd) = p * 0.999 = [1.4985, -0.4995]; the gradient is left alone.
    // Then Adam's step 1 (see adam.test.ts): p1 = p - lr g / (|g| + eps)
    //   = [1.4985 - 0.1 * 0.5 / 0.50000001, -0.4995 + 0.1 * 2 / 2.00000001] ~ [1.3985, -0.3995].
    const p = param([1.5, -0.5], "float64");
    const opt = new optim.AdamW([p], { lr: 0.1 });
    expect(opt.defaults.weightDecay).toBe(1e-2);
    linearStep(p, [0.5, -2], opt);
    const expected = [
      1.5 * (1 - 0.1 * 0.01) - (0.1 * 0.5) / 0.50000001,
      -0.5 * (1 - 0.1 * 0.01) + (0.1 * 2) / 2.00000001,
    ];
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 14));
    opt.dispose();
    p.dispose();
  });

  it("differs from Adam with the same weight decay (L2 vs decoupled)", () => {
    const a = param([1.5, -0.5], "float64");
    const b = param([1.5, -0.5], "float64");
    const adam = new optim.Adam([a], { lr: 0.1, weightDecay: 0.5 });
    const adamw = new optim.AdamW([b], { lr: 0.1, weightDecay: 0.5 });
    linearStep(a, [0.5, -2], adam);
    linearStep(b, [0.5, -2], adamw);
    // Adam: g' = g + 0.5 p0 = [1.25, -2.25]: the step is still ~lr sign(g') = [1.4, -0.4].
    expect(a.dataSync()[0]).toBeCloseTo(1.4, 6);
    // AdamW: p0 * (1 - 0.05) - lr sign(g) = [1.325, -0.375].
    expect(b.dataSync()[0]).toBeCloseTo(1.325, 6);
    expect(b.dataSync()[1]).toBeCloseTo(-0.375, 6);
    for (const t of [adam, adamw, a, b]) t.dispose();
  });

  it("names itself in errors", () => {
    const p = param([1]);
    expect(() => new optim.AdamW([p], { lr: -1 })).toThrow("AdamW: invalid lr -1 (must be >= 0)");
    expect(() => new optim.AdamW([p], { weightDecay: -0.1 })).toThrow(
      "AdamW: invalid weightDecay -0.1 (must be >= 0)",
    );
    p.dispose();
  });

  for (const c of casesFor("adamw")) {
    it(`matches PyTorch: ${c.name} (fused)`, () => checkTrajectory(c));
    it(`matches PyTorch: ${c.name} (composite)`, () => checkTrajectory(c, { fused: false }));
    it(`state dict round trip: ${c.name}`, () => checkStateDictRoundTrip(c));
  }
});
