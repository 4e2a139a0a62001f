/**
 * Out-of-domain input refused as PyTorch refuses it (issue 9): binaryCrossEntropy of values
 * outside [0, 1] or NaN, oneHot of a class out of range; and an empty dim list reducing every dim
 * as in PyTorch 1.13. A failed call changes and leaks nothing.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { describeBackend } from "../util/backends.js";
import { withLeakCheck } from "../util/leaks.js";

const F = torch.nn.functional;

describe("out-of-domain input", () => {
  withLeakCheck();

  it("binaryCrossEntropy refuses input outside [0, 1] with PyTorch's wording", () => {
    const y = torch.tensor([1, 0]);
    const cases: [number[], string][] = [
      [[0.5, 1.5], "1.5"],
      [[Number.NaN, 0.5], "NaN"],
      [[0.5, -0.1], "-0.1"],
      [[1.1, 0.5], "1.1"], // shown as the float32 value's shortest form
      [[Infinity, 0.5], "Infinity"],
    ];
    for (const [values, shown] of cases) {
      const x = torch.tensor(values, { requiresGrad: true });
      const msg = new RegExp(
        `^binaryCrossEntropy: all elements of input should be between 0 and 1; got ${shown.replace(".", "\\.")}$`,
      );
      expect(() => F.binaryCrossEntropy(x, y)).toThrow(torch.ValueError);
      expect(() => F.binaryCrossEntropy(x, y)).toThrow(msg);
      expect(() => F.binaryCrossEntropy(x, y, { reduction: "none" })).toThrow(msg);
      const loss = new torch.nn.BCELoss();
      expect(() => loss.forward(x, y)).toThrow(msg);
      expect(x.grad).toBeNull();
      x.dispose();
    }
    // float64 values are shown as they are
    const x64 = torch.tensor(new Float64Array([0.25, 1.0000001]));
    const y64 = torch.tensor(new Float64Array([1, 0]));
    expect(() => F.binaryCrossEntropy(x64, y64)).toThrow(
      /^binaryCrossEntropy: all elements of input should be between 0 and 1; got 1\.0000001$/,
    );
    x64.dispose();
    y64.dispose();
    y.dispose();
  });

  it("binaryCrossEntropy still takes the ends 0 and 1 and an empty input", async () => {
    const x = torch.tensor([0, 1, 0.5]);
    const y = torch.tensor([1, 0, 1]);
    const l = F.binaryCrossEntropy(x, y, { reduction: "none" });
    const v = (await l.tolist()) as number[];
    expect(v[0]).toBeCloseTo(100);
    expect(v[1]).toBeCloseTo(100);
    expect(v[2]).toBeCloseTo(Math.LN2, 6);
    const e = torch.zeros([0]);
    const le = F.binaryCrossEntropy(e, e, { reduction: "sum" });
    expect(le.itemSync()).toBe(0);
    for (const t of [x, y, l, e, le]) t.dispose();
  });

  it("oneHot refuses a negative class or one >= numClasses, as PyTorch", () => {
    const i32 = (v: number[]) => torch.tensor(v, { dtype: "int32" });
    const big = i32([0, 3, 1]);
    expect(() => torch.oneHot(big, 3)).toThrow(torch.ValueError);
    expect(() => torch.oneHot(big, 3)).toThrow(
      /^oneHot: class values must be smaller than numClasses \(3\); got 3$/,
    );
    const neg = i32([0, -1]);
    expect(() => torch.oneHot(neg, 3)).toThrow(
      /^oneHot: class values must be non-negative; got -1$/,
    );
    expect(() => torch.oneHot(neg)).toThrow(/^oneHot: class values must be non-negative; got -1$/);
    expect(() => F.oneHot(neg, 3)).toThrow(/^oneHot: class values must be non-negative; got -1$/);
    // in range: unchanged
    const ok = i32([2, 0]);
    const hot = torch.oneHot(ok, 3);
    expect(hot.tolistSync()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    for (const t of [big, neg, ok, hot]) t.dispose();
  });

  it("an empty dim list reduces every dim, as PyTorch 1.13 (torch.ones(2, 3).sum([]) is 6)", () => {
    const x = torch.ones([2, 3]);
    const s = x.sum([]);
    expect(s.shape).toEqual([]);
    expect(s.itemSync()).toBe(6);
    const k = x.sum([], true);
    expect(k.shape).toEqual([1, 1]);
    expect(k.tolistSync()).toEqual([[6]]);
    const ts = torch.sum(x, []);
    expect(ts.itemSync()).toBe(6);
    const m = x.mean([]);
    expect(m.shape).toEqual([]);
    expect(m.itemSync()).toBe(1);
    const a = x.amax([]);
    expect(a.shape).toEqual([]);
    const r = torch.arange(6, { dtype: "float32" });
    const v = r.view([2, 3]);
    const vv = v.var([]);
    expect(vv.itemSync()).toBeCloseTo(3.5, 6); // PyTorch: tensor(3.5000)
    // flip([]) is still a no-op (not a reduction)
    const f = v.flip([]);
    expect(f.tolistSync()).toEqual(v.tolistSync());
    for (const t of [x, s, k, ts, m, a, r, v, vv, f]) t.dispose();
  });

  it("the gradient of sum([]) is ones over every element", () => {
    const x = torch.ones([2, 3], { requiresGrad: true });
    const s = x.sum([]);
    s.backward();
    expect(x.grad!.tolistSync()).toEqual([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    x.dispose();
    s.dispose();
  });
});

describeBackend("out-of-domain input", "webgpu", (device) => {
  it("on a GPU binaryCrossEntropy and oneHot raise at the next read (device-side checks)", async () => {
    const x = torch.tensor([0.5, 1.5], { device });
    const y = torch.tensor([1, 0], { device });
    const l = F.binaryCrossEntropy(x, y, { reduction: "none" });
    expect(l.device).toBe(device);
    await expect(l.data()).rejects.toThrow(
      /^binaryCrossEntropy: all elements of input should be between 0 and 1; got 1\.5$/,
    );
    const idx = torch.tensor([0, 3], { dtype: "int32", device });
    const hot = torch.oneHot(idx, 3);
    await expect(hot.tolist()).rejects.toThrow(
      /^oneHot: class values must be smaller than numClasses \(3\); got 3$/,
    );
    for (const t of [x, y, l, idx, hot]) t.dispose();
  });
});
