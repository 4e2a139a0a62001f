/**
 * In-place writes as in PyTorch: a write into a broadcast (stride-0) view is refused (several
 * results would land on one element), except fill_ and zero_ (one value everywhere); copy_ takes a
 * source that broadcasts to the target; maskedFill takes a number or a 0-d tensor value. The
 * refusals' messages are in test/core/errors.test.ts.
 */

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

describe("in-place writes into overlapping memory", () => {
  withLeakCheck();

  it("expand().add_ is refused and changes nothing; clone() first works", () => {
    const b = torch.tensor([1, 2, 3]);
    const e = b.expand([2, 3]);
    expect(() => e.add_(1)).toThrow(
      /^add_: unsupported operation: more than one element of the written-to tensor refers to a single memory location; clone\(\) it first$/,
    );
    expect(b.version).toBe(0);
    expect([...b.dataSync()]).toEqual([1, 2, 3]);
    const c = e.clone().add_(1);
    expect(c.tolistSync()).toEqual([
      [2, 3, 4],
      [2, 3, 4],
    ]);
    for (const t of [b, e, c]) t.dispose();
  });

  it("fill_ and zero_ write one value through a broadcast view, as PyTorch", () => {
    const b = torch.zeros([1]);
    const e = b.expand([3]);
    e.fill_(2);
    expect([...b.dataSync()]).toEqual([2]);
    e.zero_();
    expect([...b.dataSync()]).toEqual([0]);
    for (const t of [b, e]) t.dispose();
  });

  it("a size-1 dim with stride 0 is no overlap", () => {
    const b = torch.zeros([1, 3]);
    const e = b.expand([1, 3]);
    e.add_(1);
    expect([...b.dataSync()]).toEqual([1, 1, 1]);
    for (const t of [b, e]) t.dispose();
  });
});

describe("copy_ and maskedFill values", () => {
  withLeakCheck();

  it("copy_ broadcasts its source to the target's shape", () => {
    const x = torch.zeros([2, 3]);
    const src = torch.tensor([1, 2, 3]);
    x.copy_(src);
    expect(x.tolistSync()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    for (const t of [x, src]) t.dispose();
  });

  it("maskedFill takes a 0-d tensor value: cast to x's dtype, with a gradient (PyTorch's)", () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const mask = torch.tensor([true, false, true]);
    const v = torch.tensor(5, { dtype: "float64", requiresGrad: true });
    const y = x.maskedFill(mask, v);
    expect(y.dtype).toBe("float32");
    expect([...y.dataSync()]).toEqual([5, 2, 5]);
    const g = torch.tensor([1, 2, 3]);
    y.backward(g);
    // torch 1.13: x.grad = [0, 2, 0], value.grad = 1 + 3 = 4
    expect([...x.grad!.dataSync()]).toEqual([0, 2, 0]);
    expect(v.grad!.itemSync()).toBe(4);
    expect(v.grad!.dtype).toBe("float64");
    for (const t of [x, mask, v, y, g]) t.dispose();
  });

  it("maskedFill_ takes a 0-d tensor value", () => {
    const x = torch.zeros([2, 2]);
    const mask = torch.tensor([true, false]);
    const v = torch.tensor(-1);
    x.maskedFill_(mask, v);
    expect(x.tolistSync()).toEqual([
      [-1, 0],
      [-1, 0],
    ]);
    for (const t of [x, mask, v]) t.dispose();
  });
});

describe("in-place writes from a view of the target's own memory", () => {
  withLeakCheck();

  it("copy_ and add_ refuse a source that partly overlaps the target, as PyTorch", () => {
    const a = torch.tensor([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
    const at = a.t();
    const msg =
      /^copy_: unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location; clone\(\) the input first$/;
    expect(() => a.copy_(at)).toThrow(msg);
    expect(() => a.add_(at)).toThrow(/^add_: unsupported operation/);
    const b = torch.arange(6);
    const tail = b.index("1:");
    const head = b.index(":-1");
    expect(() => tail.copy_(head)).toThrow(msg);
    expect(b.tolistSync()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const t of [a, at, b, tail, head]) t.dispose();
  });

  it("disjoint views of one storage and the same view are fine (PyTorch's values)", () => {
    const c = torch.tensor([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    const r0 = c.select(0, 0);
    const r1 = c.select(0, 1);
    r0.copy_(r1);
    expect(c.tolistSync()).toEqual([
      [3, 4, 5],
      [3, 4, 5],
    ]);
    c.add_(c);
    expect(c.tolistSync()).toEqual([
      [6, 8, 10],
      [6, 8, 10],
    ]);
    for (const t of [c, r0, r1]) t.dispose();
  });
});
