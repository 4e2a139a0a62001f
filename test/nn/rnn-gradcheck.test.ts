/**
 * Finite-difference gradchecks (float64, CPU) of the recurrent composites: the gate math of
 * src/nn/functional/rnn-gates.ts, and whole LSTM / GRU / RNN forwards with respect to the input,
 * the initial states and a weight, padded and packed (unsorted lengths, reverse direction).
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { gruGates, lstmGates } from "../../src/nn/functional/rnn-gates.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn } = torch;
const f64 = (shape: number[]) => torch.randn(shape, { dtype: "float64", requiresGrad: true });

describe("recurrent gradchecks (float64)", () => {
  withLeakCheck();

  it("lstmGates and gruGates", () => {
    torch.manualSeed(1);
    const gates = f64([2, 12]);
    const c = f64([2, 3]);
    const gi = f64([2, 9]);
    const gh = f64([2, 9]);
    const h = f64([2, 3]);
    const check = torch.autograd.gradcheck;
    expect(check((g, cc) => torch.tidy(() => torch.cat(lstmGates(g!, cc!), 1)), [gates, c])).toBe(
      true,
    );
    expect(check((a, b, hh) => gruGates(a!, b!, hh!), [gi, gh, h])).toBe(true);
    for (const t of [gates, c, gi, gh, h]) t.dispose();
  });

  it("LSTM (projected, bidirectional) on a packed batch of unsorted lengths", () => {
    torch.manualSeed(2);
    const lstm = new nn.LSTM(2, 3, { bidirectional: true, projSize: 2, dtype: "float64" });
    const x = f64([4, 3, 2]);
    const h0 = f64([2, 3, 2]);
    const c0 = f64([2, 3, 3]);
    const w = Object.fromEntries(lstm.namedParameters())["weight_hh_l0_reverse"]!;
    const fn = (xx: Tensor, hh: Tensor, cc: Tensor) =>
      torch.tidy(() => {
        const packed = nn.utils.rnn.packPaddedSequence(xx, [2, 4, 1], { enforceSorted: false });
        const [out, [hn, cn]] = lstm.forward(packed, [hh, cc]);
        const r = torch.cat([out.data.reshape(-1), hn.reshape(-1), cn.reshape(-1)]);
        packed.dispose();
        out.dispose();
        return r;
      });
    expect(torch.autograd.gradcheck((a, b, c) => fn(a!, b!, c!), [x, h0, c0, w])).toBe(true);
    for (const t of [x, h0, c0]) t.dispose();
    lstm.dispose();
  });

  it("GRU (2 layers, batch first) and RNN (relu, unbatched)", () => {
    torch.manualSeed(3);
    const gru = new nn.GRU(2, 3, { numLayers: 2, batchFirst: true, dtype: "float64" });
    const x = f64([2, 3, 2]);
    const h0 = f64([2, 2, 3]);
    const gruFn = (a: Tensor, b: Tensor) =>
      torch.tidy(() => {
        const [out, hn] = gru.forward(a, b);
        return torch.cat([out.reshape(-1), hn.reshape(-1)]);
      });
    const w = Object.fromEntries(gru.namedParameters())["bias_hh_l1"]!;
    expect(torch.autograd.gradcheck((a, b) => gruFn(a!, b!), [x, h0, w])).toBe(true);
    const rnn = new nn.RNN(2, 3, { nonlinearity: "relu", dtype: "float64" });
    const xu = f64([4, 2]);
    const rnnFn = (a: Tensor) =>
      torch.tidy(() => {
        const [out, hn] = rnn.forward(a);
        return torch.cat([out.reshape(-1), hn.reshape(-1)]);
      });
    expect(torch.autograd.gradcheck((a) => rnnFn(a!), [xu])).toBe(true);
    for (const t of [x, h0, xu]) t.dispose();
    gru.dispose();
    rnn.dispose();
  });
});
