import { describe, expect, it } from "vitest";
import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

/**
 * The two numerical fixes of issue 8 in the frontend: cumprod's gradient where the input has zeros
 * (PyTorch's cumprod_backward) and a float64-accurate erf.
 */

/** grad_x[i] = sum_{j >= i} g[j] prod_{k <= j, k != i} x[k], by the definition. */
function cumprodGradByDefinition(x: number[], g: number[]): number[] {
  return x.map((_, i) => {
    let s = 0;
    for (let j = i; j < x.length; j++) {
      let p = 1;
      for (let k = 0; k <= j; k++) if (k !== i) p *= x[k]!;
      s += g[j]! * p;
    }
    return s;
  });
}

describe("cumprod gradient", () => {
  withLeakCheck();

  it("matches PyTorch 1.13 where the input has a zero (golden cumprod/with_zero_grad)", () => {
    torch.tidy(() => {
      const x = torch.tensor([2, 0, 3, 0.5], { dtype: "float32", requiresGrad: true });
      x.cumprod(0).backward(torch.tensor([-0.13827538, 0.12050026, 0.61715376, 0.8824437]));
      const got = Array.from(x.grad!.dataSync());
      const want = [-0.13827538, 6.591254, 0, 0];
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    });
  });

  const cases = [
    [0, 2, 3, 4],
    [1, 2, 0, 0],
    [0, 0, 0, 1],
    [2, 0, 3, 0, 4, 5],
    [1.5, -2, 3, 0.5],
  ];
  for (const xs of cases) {
    it(`follows the definition for x = [${xs.join(", ")}] (float64)`, () => {
      torch.tidy(() => {
        const g = xs.map((_, i) => 0.3 * (i + 1) - 0.5);
        const x = torch.tensor(xs, { dtype: "float64", requiresGrad: true });
        x.cumprod(0).backward(torch.tensor(g, { dtype: "float64" }));
        const want = cumprodGradByDefinition(xs, g);
        Array.from(x.grad!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
      });
    });
  }

  it("runs along any dim of a batch", () => {
    torch.tidy(() => {
      const rows = [
        [2, 0, 3, 0.5],
        [1, 2, 0, 4],
      ];
      const x = torch.tensor(rows, { dtype: "float64", requiresGrad: true });
      const w = torch.tensor(
        [
          [0.1, -0.2, 0.3, 0.4],
          [0.5, 0.6, -0.7, 0.8],
        ],
        { dtype: "float64" },
      );
      x.transpose(0, 1).cumprod(1).transpose(0, 1).mul(w).sum().backward();
      const byRow = x.grad!.tolistSync() as number[][];
      const wl = w.tolistSync() as number[][];
      for (let j = 0; j < 4; j++) {
        const col = rows.map((r) => r[j]!);
        const want = cumprodGradByDefinition(col, [wl[0]![j]!, wl[1]![j]!]);
        expect(byRow[0]![j]).toBeCloseTo(want[0]!, 12);
        expect(byRow[1]![j]).toBeCloseTo(want[1]!, 12);
      }
    });
  });

  it("has a second derivative with zeros in the input (gradcheck of the gradient)", () => {
    torch.tidy(() => {
      const w = torch.tensor([0.3, -0.2, 0.5, 0.7], { dtype: "float64" });
      for (const xs of [
        [2, 0, 3, 0.5],
        [0, 2, 0, 3],
        [1.5, -2, 3, 0.5],
      ]) {
        const x = torch.tensor(xs, { dtype: "float64", requiresGrad: true });
        // gradcheck evaluates under noGrad for its finite differences: grad needs a graph
        const gradOf = (t: torch.Tensor) =>
          torch.enableGrad(
            () => torch.autograd.grad(t.cumprod(0).mul(w).sum(), t, { createGraph: true })[0]!,
          );
        expect(torch.autograd.gradcheck(gradOf, [x])).toBe(true);
      }
    });
  });
});

describe("erf", () => {
  withLeakCheck();

  it("is float64-accurate (W. J. Cody's approximations; references from mpmath)", () => {
    // x -> erf(x) to 20 digits
    const reference: [number, number][] = [
      [1e-10, 1.128379167095512615e-10],
      [0.001, 0.0011283787909692364034],
      [0.3, 0.32862675945912741619],
      [0.46875, 0.49261347321793799159],
      [0.5, 0.52049987781304653768],
      [1, 0.84270079294971486934],
      [2.5, 0.99959304798255504106],
      [3.9, 0.99999996520775140277],
      [4.5, 0.99999999980338395585],
      [5.5, 0.99999999999999264215],
    ];
    torch.tidy(() => {
      const xs = reference.flatMap(([x]) => [x, -x]);
      const got = torch.tensor(xs, { dtype: "float64" }).erf().dataSync();
      reference.forEach(([, want], i) => {
        expect(Math.abs(got[2 * i]! - want) / want).toBeLessThan(1e-15);
        expect(got[2 * i + 1]).toBe(-got[2 * i]!);
      });
    });
  });

  it("keeps its limits and special values", () => {
    torch.tidy(() => {
      const got = torch.tensor([0, Infinity, -Infinity, NaN, 7], { dtype: "float64" }).erf();
      expect(Array.from(got.dataSync())).toEqual([0, 1, -1, NaN, 1]);
    });
  });
});
