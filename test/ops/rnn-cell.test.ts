/**
 * The fused LSTM and GRU cells (src/ops/rnn-cell.ts) against their composites, on every backend:
 * one step and chains of steps (gradients flowing through h and c from step to step), with only
 * h' or only c' reaching the loss, inputs that need no gradient, the fused backward kernel against
 * the composite formulas (absent gradients included), double backward, errors and leaks. PyTorch's
 * values are checked by the op list's goldens (test/op-info/rnn.ts).
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName, DType, Tensor } from "../../src/index.js";
import {
  gruCellBackwardComposite,
  gruCellBackwardFused,
  gruCellComposite,
  gruCellFused,
  lstmCellBackwardComposite,
  lstmCellBackwardFused,
  lstmCellComposite,
  lstmCellFused,
} from "../../src/ops/rnn-cell.js";
import { assertAllClose } from "../util/allclose.js";
import { describeBackends } from "../util/backends.js";
import { withLeakCheck } from "../util/leaks.js";
import { WEBGPU_VS_CPU, type Tolerance } from "../util/tolerance.js";

type LstmCell = (gates: Tensor, c: Tensor) => [Tensor, Tensor];
type GruCell = (gi: Tensor, gh: Tensor, h: Tensor) => Tensor;

/** Fused against composite: float32 rounds each composite op, the fused kernel only its stores. */
const F32: Tolerance = WEBGPU_VS_CPU;
const F64: Tolerance = { rtol: 1e-12, atol: 1e-14 };

async function expectClose(
  a: readonly (Tensor | null)[],
  b: readonly (Tensor | null)[],
  tol: Tolerance,
  label: string,
) {
  expect(a.length, label).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    expect(x === null, `${label} [${k}] null`).toBe(y === null);
    if (!x || !y) continue;
    expect([...x.shape], `${label} [${k}] shape`).toEqual([...y.shape]);
    assertAllClose(await x.data(), await y.data(), tol, `${label} [${k}]`, x.shape);
  }
}

/** Which outputs of the last step reach the loss. */
type Use = "both" | "h" | "c";

/**
 * A T-step LSTM over leaves `xs[t]` [B, 4H] with gates_t = xs[t] + h_{t-1} W; the loss weighs
 * each h_t (and c_T) by fixed random tensors, `use` picking what of the last step counts.
 * Returns the last h and c, then the gradients of xs, W, h0 and c0.
 */
function lstmProgram(cell: LstmCell, leaves: Tensor[], steps: number, use: Use): Tensor[] {
  return torch.tidy(() => {
    const [w, h0, c0, rc, ...rest] = leaves as [Tensor, Tensor, Tensor, Tensor, ...Tensor[]];
    const xs = rest.slice(0, steps);
    const rs = rest.slice(steps);
    let h = h0;
    let c = c0;
    const terms: Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      [h, c] = cell(xs[t]!.add(h.matmul(w)), c);
      if (t < steps - 1 || use !== "c") terms.push(h.mul(rs[t]!).sum());
    }
    if (use !== "h") terms.push(c.mul(rc).sum());
    const loss = terms.reduce((a, b) => a.add(b));
    const grads = torch.autograd.grad([loss], [...xs, w, h0, c0]);
    return [h.detach(), c.detach(), ...(grads as Tensor[])];
  });
}

function lstmLeaves(
  device: DeviceName,
  dtype: DType,
  b: number,
  h: number,
  steps: number,
): Tensor[] {
  const opts = { device, dtype };
  const leaf = (shape: number[], scale = 1) =>
    torch.tidy(() => torch.randn(shape, opts).mul(scale)).requiresGrad_(true);
  return [
    leaf([h, 4 * h], 0.5),
    leaf([b, h]),
    leaf([b, h]),
    torch.randn([b, h], opts),
    ...Array.from({ length: steps }, () => leaf([b, 4 * h])),
    ...Array.from({ length: steps }, () => torch.randn([b, h], opts)),
  ];
}

/** A T-step GRU: gi_t = xs[t] leaves [B, 3H], gh_t = h_{t-1} W; loss as in lstmProgram. */
function gruProgram(cell: GruCell, leaves: Tensor[], steps: number): Tensor[] {
  return torch.tidy(() => {
    const [w, h0, ...rest] = leaves as [Tensor, Tensor, ...Tensor[]];
    const xs = rest.slice(0, steps);
    const rs = rest.slice(steps);
    let h = h0;
    const terms: Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      h = cell(xs[t]!, h.matmul(w), h);
      terms.push(h.mul(rs[t]!).sum());
    }
    const loss = terms.reduce((a, b) => a.add(b));
    const grads = torch.autograd.grad([loss], [...xs, w, h0]);
    return [h.detach(), ...(grads as Tensor[])];
  });
}

function gruLeaves(
  device: DeviceName,
  dtype: DType,
  b: number,
  h: number,
  steps: number,
): Tensor[] {
  const opts = { device, dtype };
  const leaf = (shape: number[], scale = 1) =>
    torch.tidy(() => torch.randn(shape, opts).mul(scale)).requiresGrad_(true);
  return [
    leaf([h, 3 * h], 0.5),
    leaf([b, h]),
    ...Array.from({ length: steps }, () => leaf([b, 3 * h])),
    ...Array.from({ length: steps }, () => torch.randn([b, h], opts)),
  ];
}

const dispose = (ts: readonly (Tensor | null)[]) => ts.forEach((t) => t?.dispose());

describeBackends("fused rnn cells against their composites", (device) => {
  withLeakCheck();
  const dtypes: DType[] = device === "cpu" ? ["float32", "float64"] : ["float32"];

  for (const dtype of dtypes) {
    const tol = dtype === "float64" ? F64 : F32;

    for (const [b, h, steps] of [
      [1, 1, 1],
      [3, 5, 4],
      [2, 64, 3],
    ] as const) {
      for (const use of ["both", "h", "c"] as const) {
        it(`LSTM ${dtype} B=${b} H=${h} over ${steps} steps, loss on ${use} of the last step`, async () => {
          torch.manualSeed(b * 100 + h + steps);
          const leaves = lstmLeaves(device, dtype, b, h, steps);
          const fused = lstmProgram(lstmCellFused, leaves, steps, use);
          const reference = lstmProgram(lstmCellComposite, leaves, steps, use);
          await expectClose(fused, reference, tol, `LSTM ${use}`);
          dispose([...fused, ...reference, ...leaves]);
        });
      }

      it(`GRU ${dtype} B=${b} H=${h} over ${steps} steps`, async () => {
        torch.manualSeed(b * 100 + h + steps);
        const leaves = gruLeaves(device, dtype, b, h, steps);
        const fused = gruProgram(gruCellFused, leaves, steps);
        const reference = gruProgram(gruCellComposite, leaves, steps);
        await expectClose(fused, reference, tol, "GRU");
        dispose([...fused, ...reference, ...leaves]);
      });
    }

    it(`the fused backward kernels match the composite formulas (${dtype}), absent gradients included`, async () => {
      torch.manualSeed(7);
      const opts = { device, dtype };
      const gates = torch.tidy(() => torch.randn([3, 20], opts).mul(2));
      const c = torch.randn([3, 5], opts);
      const gh = torch.randn([3, 5], opts);
      const gc = torch.randn([3, 5], opts);
      for (const [dh, dc] of [
        [gh, gc],
        [gh, null],
        [null, gc],
        [null, null],
      ] as const) {
        const fused = lstmCellBackwardFused(gates, c, dh, dc);
        const reference = lstmCellBackwardComposite(gates, c, dh, dc);
        await expectClose(fused, reference, tol, `LSTM backward dh ${!!dh} dc ${!!dc}`);
        dispose([...fused, ...reference]);
      }
      const gi = torch.tidy(() => torch.randn([3, 15], opts).mul(2));
      const ghh = torch.tidy(() => torch.randn([3, 15], opts).mul(2));
      const fused = gruCellBackwardFused(gi, ghh, c, gh);
      const reference = gruCellBackwardComposite(gi, ghh, c, gh);
      await expectClose(fused, reference, tol, "GRU backward");
      dispose([...fused, ...reference, gates, c, gh, gc, gi, ghh]);
    });
  }

  it("takes non-contiguous and offset inputs and gradients, and inputs that need no gradient", async () => {
    torch.manualSeed(3);
    const gatesBase = torch.randn([8, 3], { device, requiresGrad: true });
    const cBase = torch.randn([4, 3], { device });
    const run = (cell: LstmCell) =>
      torch.tidy(() => {
        const gates = gatesBase.t(); // [3, 8], transposed
        const c = cBase.narrow(0, 1, 3).narrow(1, 0, 2); // [3, 2], strided with an offset
        const [h, c1] = cell(gates, c);
        // the incoming gradients are broadcast views (stride 0): the kernel must copy them
        const loss = h.sum().add(c1.mul(2).sum());
        const [g] = torch.autograd.grad([loss], [gatesBase]);
        return [h, c1, g!];
      });
    const fused = run(lstmCellFused);
    const reference = run(lstmCellComposite);
    await expectClose(fused, reference, F32, "LSTM views");
    dispose([...fused, ...reference, gatesBase, cBase]);
  });

  it("backward through both outputs of one cell as two roots", async () => {
    torch.manualSeed(4);
    const gates = torch.randn([2, 8], { device, requiresGrad: true });
    const c = torch.randn([2, 2], { device, requiresGrad: true });
    const run = (cell: LstmCell) =>
      torch.tidy(() => {
        const [h, c1] = cell(gates, c.t());
        return torch.autograd.grad([h, c1], [gates, c], {
          gradOutputs: [torch.onesLike(h), torch.onesLike(c1).mul(-1)],
        }) as Tensor[];
      });
    const fused = run(lstmCellFused);
    const reference = run(lstmCellComposite);
    await expectClose(fused, reference, F32, "two roots");
    dispose([...fused, ...reference, gates, c]);
  });

  it("runs on its own device's kernels (no CPU fallback)", () => {
    torch.manualSeed(5);
    const before = { ...torch.backendStats().fallbacks };
    torch.tidy(() => {
      const gates = torch.randn([2, 8], { device, requiresGrad: true });
      const [h, c] = lstmCellFused(gates, torch.randn([2, 2], { device }));
      const gi = torch.randn([2, 6], { device, requiresGrad: true });
      const y = gruCellFused(gi, torch.randn([2, 6], { device }), h);
      y.sum().add(c.sum()).backward();
      gates.grad!.dispose();
      gi.grad!.dispose();
    });
    const after = torch.backendStats().fallbacks;
    for (const prim of ["rnnCell", "rnnCellBackward"])
      expect(after[`${device}:${prim}`] ?? 0, prim).toBe(before[`${device}:${prim}`] ?? 0);
  });

  it("names the op and the shapes in its errors", () => {
    torch.tidy(() => {
      const f = (...shape: number[]) => torch.zeros(shape, { device });
      expect(() => lstmCellFused(f(3, 10), f(3, 5))).toThrow(
        /lstmCell: expected gates \[B, 4H\] and c \[B, H\]; got gates \[3, 10\] and c \[3, 5\]/,
      );
      expect(() => lstmCellFused(f(2, 8), f(3, 2))).toThrow(/got gates \[2, 8\] and c \[3, 2\]/);
      expect(() => lstmCellComposite(f(8), f(2))).toThrow(/lstmCell: expected gates \[B, 4H\]/);
      expect(() => gruCellFused(f(2, 6), f(2, 9), f(2, 2))).toThrow(
        /gruCell: expected gi \[B, 3H\], gh \[B, 3H\] and h \[B, H\]; got gi \[2, 6\], gh \[2, 9\] and h \[2, 2\]/,
      );
      expect(() => gruCellComposite(f(2, 6), f(2, 6), f(1, 2))).toThrow(/gruCell: expected gi/);
      const ints = torch.zeros([2, 8], { device, dtype: "int32" });
      expect(() => lstmCellFused(ints, f(2, 2))).toThrow(
        /lstmCell: expected float32 or float64 tensors of one dtype; got gates int32, c float32/,
      );
      expect(() =>
        gruCellFused(f(2, 3), f(2, 3), torch.zeros([2, 1], { device, dtype: "bool" })),
      ).toThrow(
        /gruCell: expected float32 or float64 tensors of one dtype; got gi float32, gh float32, h bool/,
      );
    });
  });
});

describe("fused rnn cells: double backward and CPU-only checks", () => {
  withLeakCheck();
  const f64 = (shape: number[], scale = 1) =>
    torch.tidy(() => torch.randn(shape, { dtype: "float64" }).mul(scale)).requiresGrad_(true);

  it("differentiates the LSTM cell's gradient (createGraph runs the composite formulas)", () => {
    torch.manualSeed(11);
    torch.tidy(() => {
      const inputs = [f64([2, 8], 2), f64([2, 2]), f64([2, 2]), f64([2, 2])];
      const firstGrads = (gates: Tensor, c: Tensor, dh: Tensor, dc: Tensor) =>
        torch.tidy(() =>
          torch.enableGrad(() => {
            const [h1, c1] = lstmCellFused(gates, c);
            const [g, gc] = torch.autograd.grad([h1, c1], [gates, c], {
              gradOutputs: [dh, dc],
              createGraph: true,
            });
            return torch.cat([g!.reshape([-1]), gc!.reshape([-1])]);
          }),
        );
      expect(torch.autograd.gradcheck(firstGrads, inputs)).toBe(true);
    });
  });

  it("differentiates the GRU cell's gradient", () => {
    torch.manualSeed(12);
    torch.tidy(() => {
      const inputs = [f64([2, 6], 2), f64([2, 6], 2), f64([2, 2]), f64([2, 2])];
      const firstGrads = (gi: Tensor, gh: Tensor, h: Tensor, dh: Tensor) =>
        torch.tidy(() =>
          torch.enableGrad(() => {
            const y = gruCellFused(gi, gh, h);
            const grads = torch.autograd.grad([y], [gi, gh, h], {
              gradOutputs: [dh],
              createGraph: true,
            });
            return torch.cat(grads.map((g) => g!.reshape([-1])));
          }),
        );
      expect(torch.autograd.gradcheck(firstGrads, inputs)).toBe(true);
    });
  });

  it("refuses to run the fused backward kernel where its result would need a gradient", () => {
    torch.tidy(() => {
      const gates = f64([1, 4]);
      const c = f64([1, 1]);
      expect(() => lstmCellBackwardFused(gates, c, c, null)).toThrow(
        /lstmCellBackward: the fused backward kernel is not differentiable/,
      );
      expect(() =>
        gruCellBackwardFused(gates.narrow(1, 0, 3), gates.narrow(1, 0, 3), c, c),
      ).toThrow(/gruCellBackward: the fused backward kernel is not differentiable/);
      // under noGrad it runs
      torch.noGrad(() => lstmCellBackwardFused(gates, c, c, null));
    });
  });

  it("computes float64 bit for bit as the composite (forward)", async () => {
    torch.manualSeed(13);
    await torch.tidy(async () => {
      const gates = torch.randn([3, 20], { dtype: "float64" }).mul(3);
      const c = torch.randn([3, 5], { dtype: "float64" });
      const [h1, c1] = lstmCellFused(gates, c);
      const [h2, c2] = lstmCellComposite(gates, c);
      expect(await h1.data()).toEqual(await h2.data());
      expect(await c1.data()).toEqual(await c2.data());
    });
  });
});
