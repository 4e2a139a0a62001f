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

describe("optim.Momentum", () => {
  withLeakCheck();

  it("steps 1 and 2 by hand (momentum 0.9 by default)", () => {
    // p0 = [1.5, -0.5], g = [0.5, -2], lr = 0.1, momentum 0.9 (the default).
    // Step 1: buf = g -> p1 = p0 - 0.1 g = [1.45, -0.3].
    // Step 2: buf = 0.9 g + g = 1.9 g -> p2 = p1 - 0.19 g = [1.355, 0.08].
    const p = param([1.5, -0.5], "float64");
    const opt = new optim.Momentum([p], { lr: 0.1 });
    expect(opt.defaults.momentum).toBe(0.9);
    linearStep(p, [0.5, -2], opt);
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([1.45, -0.3][i]!, 14));
    linearStep(p, [0.5, -2], opt);
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([1.355, 0.08][i]!, 14));
    opt.dispose();
    p.dispose();
  });

  it("is an SGD and names itself in errors", () => {
    const p = param([1]);
    const opt = new optim.Momentum([p], { lr: 0.1 });
    expect(opt).toBeInstanceOf(optim.SGD);
    expect(opt.name).toBe("Momentum");
    expect(() => new optim.Momentum([p], { lr: -1 })).toThrow(
      "Momentum: invalid lr -1 (must be >= 0)",
    );
    expect(() => new optim.Momentum([p], { lr: 0.1, momentum: -0.5 })).toThrow(
      "Momentum: invalid momentum -0.5 (must be >= 0)",
    );
    expect(() => new optim.Momentum([p], { lr: 0.1, dampening: 0.1, nesterov: true })).toThrow(
      "Momentum: Nesterov momentum requires a momentum > 0 and zero dampening; got momentum 0.9, dampening 0.1",
    );
    opt.dispose();
    p.dispose();
  });

  for (const c of casesFor("momentum")) {
    it(`matches PyTorch: ${c.name} (fused)`, () => checkTrajectory(c));
    it(`matches PyTorch: ${c.name} (composite)`, () => checkTrajectory(c, { fused: false }));
    it(`state dict round trip: ${c.name}`, () => checkStateDictRoundTrip(c));
  }
});
