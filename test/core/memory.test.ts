/**
 * Explicit memory: dispose, storages shared by views, tidy (sync, async, nested, keep), `using`,
 * what backward frees, a training loop that holds a constant number of tensors, and the error for
 * a disposed tensor.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { expectNoLeaks, memorySnapshot, withLeakCheck } from "../util/leaks.js";

const mem = () => torch.memory();

describe("dispose", () => {
  withLeakCheck();

  it("frees the tensor, its storage and its bytes", () => {
    const m0 = mem();
    const t = torch.zeros([2, 3]);
    const m1 = mem();
    expect(m1.numTensors - m0.numTensors).toBe(1);
    expect(m1.numStorages - m0.numStorages).toBe(1);
    expect(m1.numBytes - m0.numBytes).toBe(2 * 3 * 4);
    expect(m1.devices.cpu!.numTensors - (m0.devices.cpu?.numTensors ?? 0)).toBe(1);
    t.dispose();
    const m2 = mem();
    expect([m2.numTensors, m2.numStorages, m2.numBytes]).toEqual([
      m0.numTensors,
      m0.numStorages,
      m0.numBytes,
    ]);
    expect(t.isDisposed).toBe(true);
  });

  it("counts bytes per dtype", () => {
    const m0 = mem().numBytes;
    const ts = [
      torch.zeros([10], { dtype: "float64" }),
      torch.zeros([10], { dtype: "int32" }),
      torch.zeros([10], { dtype: "bool" }),
    ];
    expect(mem().numBytes - m0).toBe(80 + 40 + 10);
    for (const t of ts) t.dispose();
  });

  it("is idempotent", () => {
    const t = torch.ones([4]);
    const before = mem().numTensors;
    t.dispose();
    t.dispose();
    expect(mem().numTensors).toBe(before - 1);
  });

  it("disposes the .grad with the tensor", () => {
    const x = torch.ones([3], { requiresGrad: true });
    torch.tidy(() => x.mul(2).sum().backward());
    expect(x.grad).not.toBeNull();
    const g = x.grad!;
    x.dispose();
    expect(g.isDisposed).toBe(true);
    expect(x.grad).toBeNull();
  });
});

describe("views share storage", () => {
  withLeakCheck();

  it("a view adds a tensor but no storage", () => {
    const base = torch.arange(0, 12, 1, { dtype: "float32" });
    const m0 = mem();
    const v = base.view(3, 4);
    const tr = v.t();
    const sl = tr.index("1:3", 0);
    const m1 = mem();
    expect(m1.numTensors - m0.numTensors).toBe(3);
    expect(m1.numStorages).toBe(m0.numStorages);
    expect(m1.numBytes).toBe(m0.numBytes);
    expect(sl.storage).toBe(base.storage);
    for (const t of [sl, tr, v, base]) t.dispose();
  });

  it("the storage is freed only when the last view is disposed", () => {
    const m0 = mem();
    const base = torch.ones([4, 4]);
    const a = base.narrow(0, 1, 2);
    const b = base.select(1, 0);
    base.dispose();
    expect(mem().numStorages - m0.numStorages).toBe(1);
    // the views still read the data
    expect(torch.tidy(() => a.sum().itemSync())).toBe(8);
    a.dispose();
    expect(mem().numStorages - m0.numStorages).toBe(1);
    expect(b.tolistSync()).toEqual([1, 1, 1, 1]);
    b.dispose();
    expect(mem().numStorages).toBe(m0.numStorages);
    expect(mem().numBytes).toBe(m0.numBytes);
  });

  it("a write through one view shows in the others (they share storage)", () => {
    torch.tidy(() => {
      const base = torch.zeros([2, 3]);
      const row = base.select(0, 1);
      row.fill_(5);
      expect(base.tolistSync()).toEqual([
        [0, 0, 0],
        [5, 5, 5],
      ]);
      const col = base.t().select(0, 2);
      col.add_(1);
      expect(base.tolistSync()).toEqual([
        [0, 0, 1],
        [5, 5, 6],
      ]);
    });
  });

  it("contiguous() of a contiguous tensor is the tensor itself; of a view, a new storage", () => {
    const x = torch.ones([2, 3]);
    expect(x.contiguous()).toBe(x);
    const m0 = mem();
    const tr = x.t();
    const c = tr.contiguous();
    expect(c).not.toBe(tr);
    expect(mem().numStorages - m0.numStorages).toBe(1);
    for (const t of [c, tr, x]) t.dispose();
  });
});

describe("tidy", () => {
  withLeakCheck();

  it("returns fn's result and disposes every other tensor fn made", () => {
    const x = torch.ones([3]);
    const m0 = mem();
    const y = torch.tidy(() => {
      const a = x.mul(2);
      const b = a.add(1);
      return b.exp();
    });
    expect(mem().numTensors - m0.numTensors).toBe(1);
    expect(mem().numStorages - m0.numStorages).toBe(1);
    expect(y.isDisposed).toBe(false);
    expect(y.tolistSync()).toEqual(Array(3).fill(Math.fround(Math.exp(3))));
    x.dispose();
    y.dispose();
  });

  it("returns non-tensor values unchanged and frees everything", () => {
    const v = expectNoLeaks(() => torch.tidy(() => torch.ones([2, 2]).sum().itemSync()));
    expect(v).toBe(4);
    expectNoLeaks(() => torch.tidy(() => undefined));
  });

  it("keeps tensors returned in arrays, nested arrays, plain objects and Maps", () => {
    const m0 = mem().numTensors;
    const r = torch.tidy(() => {
      const a = torch.ones([1]);
      const b = torch.zeros([1]);
      const c = torch.full([1], 2);
      const d = torch.full([1], 3);
      torch.full([1], 99); // dropped
      return { list: [a, [b]], obj: { c }, map: new Map([["d", d]]) };
    });
    expect(mem().numTensors - m0).toBe(4);
    const all = [r.list[0] as Tensor, (r.list[1] as Tensor[])[0]!, r.obj.c, r.map.get("d")!];
    expect(all.map((t) => t.itemSync())).toEqual([1, 0, 2, 3]);
    for (const t of all) t.dispose();
  });

  it("does not dispose tensors made before it, even if fn uses them", () => {
    const x = torch.ones([2]);
    torch.tidy(() => {
      x.add(1);
    });
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });

  it("keep() protects a tensor from every enclosing tidy", () => {
    let kept: Tensor | null = null;
    const m0 = mem().numTensors;
    torch.tidy(() => {
      torch.tidy(() => {
        kept = torch.keep(torch.ones([2]));
        torch.ones([2]);
      });
      torch.ones([2]);
    });
    expect(mem().numTensors - m0).toBe(1);
    expect(kept!.isDisposed).toBe(false);
    kept!.dispose();
  });

  it("nested: an inner result belongs to the outer scope, and is freed there unless returned", () => {
    const m0 = mem().numTensors;
    let inner: Tensor | null = null;
    const outer = torch.tidy(() => {
      inner = torch.tidy(() => torch.ones([2]).mul(3));
      expect(inner.isDisposed).toBe(false);
      const dropped = torch.tidy(() => torch.ones([2]).mul(4));
      expect(dropped.isDisposed).toBe(false);
      return inner.add(1);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(outer.tolistSync()).toEqual([4, 4]);
    expect(mem().numTensors - m0).toBe(1);
    outer.dispose();
  });

  it("disposes what fn made when fn throws, and rethrows", () => {
    const m0 = memorySnapshot();
    expect(() =>
      torch.tidy(() => {
        torch.ones([3]).mul(2);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(mem().numTensors).toBe(m0.numTensors);
  });

  it("async: the scope ends when the promise settles", async () => {
    const m0 = mem().numTensors;
    const out = await torch.tidy(async () => {
      const a = torch.ones([2]).mul(2);
      const v = await a.data();
      const b = torch.tensor(Float32Array.from(v)).add(1);
      return b;
    });
    expect(mem().numTensors - m0).toBe(1);
    expect(await out.tolist()).toEqual([3, 3]);
    out.dispose();
  });

  it("async: a rejection disposes what fn made", async () => {
    const m0 = mem().numTensors;
    await expect(
      torch.tidy(async () => {
        torch.ones([2]);
        await Promise.resolve();
        torch.ones([2]);
        throw new Error("async boom");
      }),
    ).rejects.toThrow("async boom");
    expect(mem().numTensors).toBe(m0);
  });

  it("expectNoLeaks works with async functions", async () => {
    const v = await expectNoLeaks(async () => {
      const t = torch.ones([2]);
      const sum = t.sum();
      const s = await sum.item();
      sum.dispose();
      torch.tidy(() => {
        t.add(1);
      });
      t.dispose();
      return s;
    });
    expect(v).toBe(2);
  });
});

describe("using declarations", () => {
  withLeakCheck();

  it("dispose the tensor at the end of the block", () => {
    const m0 = mem().numTensors;
    let seen: Tensor | null = null;
    {
      using t = torch.ones([2, 2]);
      using s = t.sum();
      seen = t;
      expect(mem().numTensors - m0).toBe(2);
      expect(s.itemSync()).toBe(4);
    }
    expect(seen!.isDisposed).toBe(true);
    expect(mem().numTensors).toBe(m0);
  });

  it("dispose even when the block throws", () => {
    const m0 = mem().numTensors;
    expect(() => {
      using t = torch.ones([2]);
      t.add(1).dispose();
      throw new Error("inside using");
    }).toThrow("inside using");
    expect(mem().numTensors).toBe(m0);
  });

  it("[Symbol.dispose]() is dispose()", () => {
    const t = torch.ones([2]);
    t[Symbol.dispose]();
    expect(t.isDisposed).toBe(true);
  });
});

describe("backward frees what the graph saved", () => {
  it("the saved tensors of each node are freed by backward (backward inside tidy)", () => {
    const x = torch.randn([3, 4], { requiresGrad: true });
    const w = torch.randn([4, 2], { requiresGrad: true });
    const before = memorySnapshot();
    // forward: only `loss` survives the tidy, but the nodes hold their saved tensors
    const loss = torch.tidy(() => x.matmul(w).tanh().exp().mul(x.sum()).sum());
    const afterForward = memorySnapshot();
    expect(afterForward.numTensors).toBeGreaterThan(before.numTensors + 1);
    torch.tidy(() => loss.backward());
    loss.dispose();
    // what is left: the two grads
    const after = memorySnapshot();
    expect(after.numTensors - before.numTensors).toBe(2);
    expect(after.numStorages - before.numStorages).toBe(2);
    expect(x.grad!.shape).toEqual([3, 4]);
    expect(w.grad!.shape).toEqual([4, 2]);
    x.dispose();
    w.dispose();
  });

  // Backward frees the temporaries its backward functions make (e.g. sum's expandBack view, the
  // unused gradient of the scalar in x.mul(2)), so no tidy is needed around it.
  it("memory after loss.backward() is memory before the forward plus the grads", () => {
    const x = torch.randn([3, 4], { requiresGrad: true });
    const before = memorySnapshot();
    const loss = torch.tidy(() => x.exp().mul(2).sum());
    loss.backward();
    loss.dispose();
    const after = memorySnapshot();
    expect(after.numTensors - before.numTensors).toBe(1);
    expect(after.numStorages - before.numStorages).toBe(1);
    x.dispose();
  });

  it("retainGraph keeps the saved tensors until a later backward without it", () => {
    const x = torch.randn([5], { requiresGrad: true });
    const y = torch.tidy(() => x.exp().sum());
    torch.tidy(() => y.backward(undefined, { retainGraph: true }));
    const retained = memorySnapshot();
    torch.tidy(() => y.backward());
    const released = memorySnapshot();
    // exp saved its output: freed by the second backward
    expect(released.numTensors).toBeLessThan(retained.numTensors);
    y.dispose();
    x.dispose();
  });

  it("autograd.releaseGraph frees the saved tensors of a graph that is never differentiated", () => {
    const x = torch.randn([5], { requiresGrad: true });
    const before = memorySnapshot();
    const y = torch.tidy(() => x.exp().mul(x).sum());
    torch.autograd.releaseGraph(y);
    y.dispose();
    expect(memorySnapshot().numTensors).toBe(before.numTensors);
    expect(memorySnapshot().numStorages).toBe(before.numStorages);
    x.dispose();
  });

  // Regression test, fixed bug (ops/dispatch.ts record + core/memory.ts): the handles a node saves are `kept`, so a tidy
  // around a forward pass that is never differentiated (evaluation without noGrad) frees the
  // outputs but not what the nodes saved: they live until backward, releaseGraph or GC.
  // Repro: x = randn([5], {requiresGrad}); tidy(() => { x.exp().sum(); }) -> numTensors + 1.
  it("tidy frees the saved tensors of a graph it drops", () => {
    const x = torch.randn([5], { requiresGrad: true });
    const before = memorySnapshot();
    torch.tidy(() => {
      x.exp().mul(x).sum();
    });
    expect(memorySnapshot().numTensors).toBe(before.numTensors);
    x.dispose();
  });
});

describe("tidy and autograd results", () => {
  // Regression test, fixed bug (autograd/engine.ts adopt): the gradients autograd.grad returns are marked with keep(), so a
  // tidy around the call never frees them. Repro:
  //   x = randn([3], {requiresGrad}); tidy(() => { autograd.grad(x.mul(2).sum(), x); }) -> numTensors + 1.
  // (A leaf's .grad outliving tidy is right; a returned gradient should belong to the scope.)
  it("tidy frees the gradients autograd.grad returned inside it", () => {
    const x = torch.randn([3], { requiresGrad: true });
    const before = memorySnapshot();
    torch.tidy(() => {
      const [g] = torch.autograd.grad(x.mul(2).sum(), x);
      g!.sum();
    });
    expect(memorySnapshot().numTensors).toBe(before.numTensors);
    x.dispose();
  });

  // Regression test, fixed bug (tensor/tensor.ts retainGrad): retainGrad() marks the tensor with keep(), so no enclosing tidy
  // frees it (nor its .grad). Repro:
  //   tidy(() => { const y = x.mul(2); y.retainGrad(); y.sum().backward(); }) -> numTensors + 3
  //   (expected + 1: x.grad).
  it("retainGrad does not make a tensor escape tidy", () => {
    const x = torch.randn([3], { requiresGrad: true });
    const before = memorySnapshot();
    torch.tidy(() => {
      const y = x.mul(2);
      y.retainGrad();
      y.sum().backward();
    });
    expect(memorySnapshot().numTensors - before.numTensors).toBe(1);
    x.dispose();
  });

  it("a leaf's .grad outlives the tidy that ran backward", () => {
    const x = torch.randn([3], { requiresGrad: true });
    const before = memorySnapshot();
    torch.tidy(() => x.mul(2).sum().backward());
    expect(memorySnapshot().numTensors - before.numTensors).toBe(1);
    expect(x.grad!.isDisposed).toBe(false);
    x.dispose();
    expect(memorySnapshot().numTensors).toBe(before.numTensors - 1);
  });
});

describe("a training loop holds a constant number of tensors", () => {
  /** A 2-layer MLP on a fixed regression batch, written with plain tensor ops. */
  function setup() {
    torch.manualSeed(0);
    const W1 = torch.noGrad(() => torch.randn([4, 16]).mul_(0.5)).requiresGrad_();
    const b1 = torch.zeros([16], { requiresGrad: true });
    const W2 = torch.noGrad(() => torch.randn([16, 1]).mul_(0.25)).requiresGrad_();
    const b2 = torch.zeros([1], { requiresGrad: true });
    const X = torch.randn([32, 4]);
    const Y = torch.tidy(() => X.sum(1, true).sin());
    return { params: [W1, b1, W2, b2], X, Y };
  }

  function forward(params: Tensor[], X: Tensor, Y: Tensor): Tensor {
    const [W1, b1, W2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
    const h = X.matmul(W1).add(b1).relu();
    return h.matmul(W2).add(b2).sub(Y).square().mean();
  }

  it("with tidy per step and grad.zero_(): constant from step 2 on, and the loss goes down", () => {
    const { params, X, Y } = setup();
    const base = memorySnapshot();
    const counts: number[] = [];
    const storages: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) {
      const loss = torch.tidy(() => {
        const l = forward(params, X, Y);
        l.backward();
        torch.noGrad(() => {
          for (const p of params) p.sub_(p.grad!.mul(0.05));
        });
        for (const p of params) p.grad!.zero_();
        return l.itemSync();
      });
      losses.push(loss);
      counts.push(mem().numTensors);
      storages.push(mem().numStorages);
    }
    for (let s = 1; s < 50; s++) {
      expect(counts[s], `numTensors at step ${s + 1}`).toBe(counts[1]);
      expect(storages[s], `numStorages at step ${s + 1}`).toBe(storages[1]);
    }
    // what is left is exactly the four grads
    expect(counts[1]! - base.numTensors).toBe(params.length);
    expect(losses[49]!).toBeLessThan(losses[0]! * 0.5);
    for (const t of [...params, X, Y]) t.dispose();
    expect(mem().numTensors).toBe(base.numTensors - params.length - 2);
  });

  it("with tidy per step and grad = null after dispose: back to the same count every step", () => {
    const { params, X, Y } = setup();
    const base = memorySnapshot();
    const counts: number[] = [];
    for (let step = 0; step < 50; step++) {
      torch.tidy(() => {
        const l = forward(params, X, Y);
        l.backward();
        torch.noGrad(() => {
          for (const p of params) p.sub_(p.grad!, { alpha: 0.05 });
        });
      });
      for (const p of params) {
        p.grad!.dispose();
        p.grad = null;
      }
      counts.push(mem().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(counts[1]).toBe(base.numTensors);
    for (const t of [...params, X, Y]) t.dispose();
  });

  it("with manual dispose and no tidy around backward: constant from step 2 on", () => {
    const { params, X, Y } = setup();
    const counts: number[] = [];
    for (let step = 0; step < 20; step++) {
      const l = torch.tidy(() => forward(params, X, Y));
      l.backward();
      l.dispose();
      torch.noGrad(() => {
        for (const p of params) p.sub_(p.grad!, { alpha: 0.05 });
      });
      for (const p of params) p.grad!.zero_();
      counts.push(mem().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    for (const t of [...params, X, Y]) t.dispose();
  });
});

describe("using a disposed tensor", () => {
  withLeakCheck();

  /** Calls each case on a disposed [2, 3] tensor and checks the error names that op. */
  function expectNamedErrors(cases: (t: Tensor, other: Tensor) => [string, () => unknown][]): void {
    const t = torch.ones([2, 3]);
    const other = torch.ones([2, 3]);
    const idx = torch.zeros([2, 1], { dtype: "int32" });
    t.dispose();
    try {
      for (const [op, call] of cases(t, other)) {
        let err: unknown = null;
        try {
          call();
        } catch (e) {
          err = e;
        }
        expect(err, op).toBeInstanceOf(torch.TensorError);
        expect((err as Error).message, op).toMatch(
          new RegExp(`^${op}: a float32 tensor of shape \\[2, 3\\] was used after dispose\\(\\)$`),
        );
      }
    } finally {
      other.dispose();
      idx.dispose();
    }
  }

  it("primitives throw a TensorError that names the op and the tensor", async () => {
    const idx = torch.zeros([2, 1], { dtype: "int32" });
    expectNamedErrors((t, other) => [
      ["add", () => t.add(1)],
      ["mul", () => other.mul(t)],
      ["exp", () => t.exp()],
      ["sum", () => t.sum()],
      ["view", () => t.view(6)],
      ["permute", () => t.permute(1, 0)],
      ["narrow", () => t.narrow(0, 0, 1)],
      ["dataSync", () => t.dataSync()],
      ["add_", () => t.add_(1)],
      ["gather", () => t.gather(1, idx)],
      ["cat", () => torch.cat([other, t])],
      ["detach", () => t.detach()],
    ]);
    idx.dispose();
    const t = torch.ones([2, 3]);
    t.dispose();
    await expect(t.data()).rejects.toThrow(
      /^data: a float32 tensor of shape \[2, 3\] was used after dispose\(\)$/,
    );
  });

  // Regression test, fixed bug (ops: composites): the disposal check lives in the primitives, so a composite names the
  // primitive that noticed: t.transpose(0, 1) -> "permute: ...", t.matmul(o) -> "expand: ...",
  // t.mean() -> "sum: ...", t.softmax(1) -> "logsumexp: ...", t.reshape(6) -> "view: ...",
  // t.clamp(0, 1) -> "clampMin: ...", t.clone() -> "contiguous: ...", t.tolistSync() -> "dataSync: ...".
  it("composites name themselves, not the primitive that noticed", () => {
    expectNamedErrors((t, other) => [
      ["transpose", () => t.transpose(0, 1)],
      ["matmul", () => t.matmul(other)],
      ["mean", () => t.mean()],
      ["softmax", () => t.softmax(1)],
      ["reshape", () => t.reshape(6)],
      ["clamp", () => t.clamp(0, 1)],
    ]);
  });

  // Regression test, fixed bug (tensor.ts contiguous): contiguous() of a disposed contiguous tensor returns the disposed
  // tensor instead of throwing.
  it("contiguous() of a disposed tensor throws", () => {
    const t = torch.ones([2, 3]);
    t.dispose();
    expect(() => t.contiguous()).toThrow(torch.TensorError);
  });

  it("the disposed-tensor error has the TensorError class and op field", () => {
    const t = torch.ones([2, 3]);
    t.dispose();
    const cases: [string, () => unknown][] = [["exp", () => t.exp()]];
    for (const [op, call] of cases) {
      let err: unknown = null;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err, op).toBeInstanceOf(torch.TensorError);
      expect((err as torch.TensorError).op).toBe(op);
    }
  });
});

describe("long graphs", () => {
  it("a chain of 20,000 recorded ops is freed without overflowing the stack", () => {
    const w = torch.ones([2], { requiresGrad: true });
    const before = torch.memory().numTensors;
    torch.tidy(() => {
      let x = w;
      for (let i = 0; i < 20_000; i++) x = x.mul(1.0001);
      return undefined;
    });
    expect(torch.memory().numTensors).toBe(before);
    w.dispose();
  });
});
