/**
 * Async `tidy` calls that interleave their awaits: each disposes only what its own code made.
 * Node has AsyncLocalStorage, so each async scope has its own context; without it (a browser,
 * simulated with setAsyncScopes(false)) an async tidy frees only what it made before its first
 * await, so nothing made by another call or outside is ever disposed.
 */
import { afterEach, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { setAsyncScopes } from "../../src/core/memory.js";
import { expectNoLeaks, withLeakCheck } from "../util/leaks.js";

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

describe("interleaved async tidy (AsyncLocalStorage)", () => {
  withLeakCheck();

  it("neither call disposes a tensor made outside both, nor the other's result", async () => {
    const outside = torch.ones([2]);
    let madeBetween: torch.Tensor | null = null;
    let aTemp: torch.Tensor | null = null;
    let bTemp: torch.Tensor | null = null;
    const a = torch.tidy(async () => {
      await tick();
      aTemp = outside.mul(2);
      await tick();
      await tick();
      return aTemp.add(1); // finishes after b
    });
    const b = torch.tidy(async () => {
      await tick();
      bTemp = outside.mul(3);
      await tick();
      return bTemp.add(1);
    });
    madeBetween = torch.ones([2]); // outside both, while both are pending
    const [ra, rb] = await Promise.all([a, b]);
    expect(outside.isDisposed).toBe(false);
    expect(madeBetween.isDisposed).toBe(false);
    expect(ra.isDisposed).toBe(false);
    expect(rb.isDisposed).toBe(false);
    expect(aTemp!.isDisposed).toBe(true);
    expect(bTemp!.isDisposed).toBe(true);
    expect(await ra.tolist()).toEqual([3, 3]);
    expect(await rb.tolist()).toEqual([4, 4]);
    for (const t of [outside, madeBetween, ra, rb]) t.dispose();
  });

  it("frees what each made when many interleave", async () => {
    const x = torch.ones([3]);
    const results = await expectNoLeaks(async () => {
      const rs = await Promise.all(
        [1, 2, 3, 4].map((k) =>
          torch.tidy(async () => {
            let y = x.mul(k);
            for (let i = 0; i < k; i++) {
              await tick();
              y = y.add(1);
            }
            return (await y.sum().item()) as number;
          }),
        ),
      );
      return rs;
    });
    expect(results).toEqual([6, 12, 18, 24]);
    x.dispose();
  });

  it("a nested async tidy's result belongs to the enclosing async tidy", async () => {
    const x = torch.ones([2]);
    let inner: torch.Tensor | null = null;
    const out = await torch.tidy(async () => {
      await tick();
      inner = await torch.tidy(async () => {
        await tick();
        return x.mul(5);
      });
      await tick();
      return inner.add(1);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(await out.tolist()).toEqual([6, 6]);
    out.dispose();
    x.dispose();
  });
});

describe("async tidy without AsyncLocalStorage (as in a browser)", () => {
  withLeakCheck();
  afterEach(() => void setAsyncScopes(true));

  it("interleaved calls dispose nothing made outside them or by the other call", async () => {
    setAsyncScopes(false);
    const outside = torch.ones([2]);
    const after: torch.Tensor[] = [];
    const before: torch.Tensor[] = [];
    const a = torch.tidy(async () => {
      before.push(outside.mul(1)); // before its first await: its own
      await tick();
      after.push(outside.mul(2));
      await tick();
      await tick();
      return after[after.length - 1]!;
    });
    const b = torch.tidy(async () => {
      before.push(outside.mul(1));
      await tick();
      after.push(outside.mul(3));
      return after[after.length - 1]!;
    });
    const madeBetween = torch.ones([2]);
    const [ra, rb] = await Promise.all([a, b]);
    expect(outside.isDisposed).toBe(false);
    expect(madeBetween.isDisposed).toBe(false);
    expect(ra.isDisposed).toBe(false);
    expect(rb.isDisposed).toBe(false);
    // What each made before its first await is freed; what it made after is left to the caller.
    for (const t of before) expect(t.isDisposed).toBe(true);
    for (const t of after) t.dispose();
    outside.dispose();
    madeBetween.dispose();
  });

  it("frees what fn made before its first await, keeping the result", async () => {
    setAsyncScopes(false);
    const x = torch.ones([2]);
    const out = await expectNoLeaks(async () => {
      let temp: torch.Tensor | null = null;
      const r = await torch.tidy(async () => {
        temp = x.mul(2);
        await tick();
        return temp.add(1);
      });
      expect(temp!.isDisposed).toBe(true);
      const v = await r.tolist();
      r.dispose();
      return v;
    });
    expect(out).toEqual([3, 3]);
    x.dispose();
  });
});
