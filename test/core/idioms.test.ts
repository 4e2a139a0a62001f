/**
 * The idioms a PyTorch user types (issue 9): implicit conversions of a Tensor, pair results that
 * unpack, `item()` of a bool tensor, `using` a module.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn } = torch;
const F = nn.functional;

describe("Tensor[Symbol.toPrimitive]", () => {
  withLeakCheck();

  it("the string hint gives the printout", () => {
    const t = torch.tensor([1.5, 2]);
    expect(String(t)).toBe(t.toString());
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the idiom under test
    expect(`${t}`).toBe("tensor([1.5000, 2.0000])");
    t.dispose();
  });

  it("the number and default hints throw a TypeError pointing at item()", () => {
    const t = torch.tensor(0.5);
    const n = t as unknown as number;
    expect(() => n > 0).toThrow(TypeError);
    expect(() => n > 0).toThrow(
      /^Tensor: a tensor of shape \[\] cannot be used as a number \(as in t > 0, \+t or s \+= t\); read its value with await t\.item\(\)/,
    );
    expect(() => +n).toThrow(/cannot be used as a number/);
    let l1 = 0;
    expect(() => {
      l1 += n;
    }).toThrow(/^Tensor: a tensor of shape \[\] cannot be used as a primitive value/);
    expect(() => "" + (t as unknown as string)).toThrow(TypeError);
    expect(l1).toBe(0);
    t.dispose();
  });
});

describe("pair results unpack", () => {
  withLeakCheck();

  it("const [values, indices] = x.max(1) (and min, torch.max, max pools)", async () => {
    const x = torch.tensor([
      [1, 5, 2],
      [7, 0, 3],
    ]);
    const [values, indices] = x.max(1);
    expect(await values!.tolist()).toEqual([5, 7]);
    expect(await indices!.tolist()).toEqual([1, 0]);
    const named = x.min(1);
    const [v2, i2] = named;
    expect(v2).toBe(named.values);
    expect(i2).toBe(named.indices);
    expect(await v2!.tolist()).toEqual([1, 0]);
    expect(await i2!.tolist()).toEqual([0, 1]);
    const [v3, i3] = torch.max(x, 0, true);
    expect(v3!.shape).toEqual([1, 3]);
    for (const t of [x, values!, indices!, v2!, i2!, v3!, i3!]) t.dispose();

    const flat = torch.arange(16, { dtype: "float32" });
    const img = flat.reshape([1, 1, 4, 4]);
    const img3 = img.squeeze(0);
    const [pv, pi] = F.maxPool2dWithIndices(img, 2);
    expect(await pv!.tolist()).toEqual([
      [
        [
          [5, 7],
          [13, 15],
        ],
      ],
    ]);
    expect(await pi!.tolist()).toEqual([
      [
        [
          [5, 7],
          [13, 15],
        ],
      ],
    ]);
    const pool = new nn.MaxPool2d(2, { returnIndices: true });
    const [mv, mi] = pool.forward(img3);
    expect(mv!.shape).toEqual([1, 2, 2]);
    // tidy keeps the pair's tensors
    const kept = torch.tidy(() => img.flatten().max(0));
    expect(Object.keys(kept)).toEqual(["values", "indices"]);
    const [kv, ki] = kept;
    expect(await kv!.item()).toBe(15);
    for (const t of [flat, img, img3, pv!, pi!, mv!, mi!, kv!, ki!]) t.dispose();
  });
});

describe("item of a bool tensor", () => {
  withLeakCheck();

  it("resolves to a boolean, as PyTorch's", async () => {
    const t = torch.tensor(true);
    const small = torch.tensor([1, 2]);
    const gt = small.gt(5);
    const f = gt.any();
    expect(await t.item()).toBe(true);
    expect(t.itemSync()).toBe(true);
    expect(await f.item<boolean>()).toBe(false);
    const n = torch.tensor(3);
    expect(await n.item()).toBe(3);
    for (const x of [t, f, n, small, gt]) x.dispose();
  });
});

describe("Module[Symbol.dispose]", () => {
  withLeakCheck();

  it("using a module disposes its parameters at the end of the block", () => {
    let weight: torch.Tensor | undefined;
    {
      using model = new nn.Linear(2, 2);
      weight = model.weight;
      expect(weight.isDisposed).toBe(false);
    }
    expect(weight.isDisposed).toBe(true);
  });
});
