/**
 * Autograd: backward, accumulation, retainGraph, grad modes, detach, retainGrad, hooks,
 * autograd.grad (with double backward), custom Functions, in-place checks, gradients through views,
 * and gradcheck (float64 finite differences) of every differentiable primitive and composite.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

type Ctx = InstanceType<typeof torch.autograd.FunctionCtx>;

/** A float64 leaf that requires grad. */
function leaf(data: torch.NestedArray): Tensor {
  return torch.tensor(data, { dtype: "float64", requiresGrad: true });
}

/** Deterministic float64 values in [lo, hi), as a leaf that requires grad (a small LCG). */
function rnd(shape: number[], lo = -1, hi = 1, seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = (seed * 2654435761) >>> 0;
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return torch.tensor(data, { shape, requiresGrad: true });
}

const list = (t: Tensor | null | undefined) => t!.tolistSync();

/** Disposes and clears `.grad` (assigning null alone would leave the old gradient allocated). */
function clearGrad(t: Tensor): void {
  t.grad?.dispose();
  t.grad = null;
}

/**
 * Disposes what `autograd.grad` returned and what `retainGrad` kept: both are marked `keep`, so no
 * tidy frees them (see test/core/memory.test.ts).
 */
function release(...ts: (Tensor | null | undefined)[]): void {
  for (const t of ts) t?.dispose();
}

/** Elementwise closeness of nested arrays of numbers. */
function expectClose(actual: torch.NestedArray, expected: torch.NestedArray, tol = 1e-9): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `expected an array, got ${JSON.stringify(actual)}`).toBe(true);
    expect((actual as torch.NestedArray[]).length).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as torch.NestedArray[])[i]!, e, tol));
    return;
  }
  const a = actual as number;
  const e = expected as number;
  expect(Math.abs(a - e), `${a} vs ${e}`).toBeLessThanOrEqual(tol * (1 + Math.abs(e)));
}

// ---- backward ----

describe("backward", () => {
  withLeakCheck();

  it("of a scalar accumulates d(out)/d(leaf) into .grad", () => {
    torch.tidy(() => {
      const x = leaf([1, 2, 3]);
      const w = leaf([0.5, -1, 2]);
      x.mul(x).mul(w).sum().backward();
      expect(list(x.grad)).toEqual([1, -4, 12]); // 2 x w
      expect(list(w.grad)).toEqual([1, 4, 9]); // x^2
      expect(x.grad!.dtype).toBe("float64");
      expect(x.grad!.requiresGrad).toBe(false);
    });
  });

  it("of a one-element non-0-d tensor needs no gradient", () => {
    torch.tidy(() => {
      const x = leaf([[2]]);
      x.mul(3).backward();
      expect(list(x.grad)).toEqual([[3]]);
    });
  });

  it("with an explicit gradient computes the vector-Jacobian product", () => {
    torch.tidy(() => {
      const x = leaf([1, 2, 3]);
      const y = x.mul(x);
      y.backward(torch.tensor([1, 0.5, -2], { dtype: "float64" }));
      expect(list(x.grad)).toEqual([2, 2, -12]);
    });
  });

  it("of a non-scalar without a gradient throws", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.mul(2);
      expect(() => y.backward()).toThrow(torch.AutogradError);
      expect(() => y.backward()).toThrow(
        /^backward: grad can be implicitly created only for scalar outputs; got an output of shape \[2\]$/,
      );
      torch.autograd.releaseGraph(y);
    });
  });

  it("accumulates across two backward calls through one graph (retainGraph)", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.mul(x).sum();
      y.backward(undefined, { retainGraph: true });
      expect(list(x.grad)).toEqual([2, 4]);
      y.backward();
      expect(list(x.grad)).toEqual([4, 8]);
    });
  });

  it("accumulates across two graphs", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      x.mul(2).sum().backward();
      x.mul(x).sum().backward();
      expect(list(x.grad)).toEqual([4, 6]);
    });
  });

  it("a second backward without retainGraph throws the 'second time' AutogradError", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.exp().sum();
      y.backward();
      let err: unknown = null;
      try {
        y.backward();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(torch.AutogradError);
      expect((err as Error).message).toMatch(
        /^backward: trying to backward through the graph a second time \(through \w+\); the saved tensors were freed after the first backward\. Pass \{ retainGraph: true \} to the first backward call$/,
      );
    });
  });

  it("sums gradients where a tensor is used twice (a diamond)", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const a = x.mul(3);
      const b = x.exp();
      a.add(b).mul(a).sum().backward();
      // d/dx (3x + e^x) 3x = (3 + e^x) 3x + (3x + e^x) 3
      const ex = [Math.exp(1), Math.exp(2)];
      expectClose(
        list(x.grad),
        [1, 2].map((v, i) => (3 + ex[i]!) * 3 * v + (3 * v + ex[i]!) * 3),
      );
    });
  });

  it("backward with { inputs } accumulates only into those leaves", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const w = leaf([3, 4]);
      x.mul(w)
        .sum()
        .backward(undefined, { inputs: [w] });
      expect(x.grad).toBeNull();
      expect(list(w.grad)).toEqual([1, 2]);
    });
  });

  it("torch.autograd.backward takes several roots", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      torch.autograd.backward([x.mul(2).sum(), x.mul(x).sum()]);
      expect(list(x.grad)).toEqual([4, 6]);
    });
  });

  it("integer outputs are not differentiable; float outputs of int-free ops are", () => {
    torch.tidy(() => {
      const x = leaf([1.5, -2.5]);
      expect(x.argmax().requiresGrad).toBe(false);
      expect(x.gt(0).requiresGrad).toBe(false);
      expect(x.int().requiresGrad).toBe(false);
      expect(x.floor().requiresGrad).toBe(true);
    });
  });
});

// ---- grad modes, detach, requiresGrad ----

describe("grad modes", () => {
  withLeakCheck();

  it("noGrad: ops record nothing, and the mode is restored after it (also on throw)", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = torch.noGrad(() => x.mul(2).exp());
      expect(y.requiresGrad).toBe(false);
      expect(y.gradFn).toBeNull();
      expect(y.isLeaf).toBe(true);
      expect(torch.isGradEnabled()).toBe(true);
      expect(() =>
        torch.noGrad(() => {
          throw new Error("inside");
        }),
      ).toThrow("inside");
      expect(torch.isGradEnabled()).toBe(true);
      const r = x.mul(2);
      expect(r.gradFn).not.toBeNull();
      torch.autograd.releaseGraph(r);
    });
  });

  it("enableGrad records inside noGrad", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = torch.noGrad(() => torch.enableGrad(() => x.mul(2)));
      expect(y.requiresGrad).toBe(true);
      expect(y.gradFn).not.toBeNull();
      torch.autograd.releaseGraph(y);
      torch.noGrad(() => {
        expect(torch.isGradEnabled()).toBe(false);
        torch.enableGrad(() => expect(torch.isGradEnabled()).toBe(true));
        expect(torch.isGradEnabled()).toBe(false);
      });
    });
  });

  it("setGradEnabled switches recording globally", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      try {
        torch.setGradEnabled(false);
        expect(torch.isGradEnabled()).toBe(false);
        expect(x.mul(2).gradFn).toBeNull();
      } finally {
        torch.setGradEnabled(true);
      }
      const r = x.mul(2);
      expect(r.gradFn).not.toBeNull();
      torch.autograd.releaseGraph(r);
    });
  });

  it("noGrad with an async function restores the mode when the promise settles", async () => {
    const p = torch.noGrad(async () => {
      expect(torch.isGradEnabled()).toBe(false);
      await Promise.resolve();
      return 1;
    });
    await p;
    expect(torch.isGradEnabled()).toBe(true);
  });

  it("detach shares storage, is a leaf and cuts the gradient", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.mul(3);
      const d = y.detach();
      expect(d.storage).toBe(y.storage);
      expect(d.requiresGrad).toBe(false);
      expect(d.isLeaf).toBe(true);
      expect(d.gradFn).toBeNull();
      // x * 3 + detach(x * 3) * x: the detached part is a constant
      y.add(d.mul(x)).sum().backward();
      expect(list(x.grad)).toEqual([3 + 3, 3 + 6]);
    });
  });

  it("detach_ makes a non-leaf a leaf in place", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.mul(3);
      torch.autograd.releaseGraph(y);
      expect(y.detach_()).toBe(y);
      expect(y.isLeaf).toBe(true);
      expect(y.requiresGrad).toBe(false);
      expect(y.mul(2).gradFn).toBeNull();
    });
  });

  it("requiresGrad on int and bool tensors throws a DTypeError", () => {
    torch.tidy(() => {
      const i = torch.tensor([1, 2], { dtype: "int32" });
      expect(() => i.requiresGrad_()).toThrow(torch.DTypeError);
      expect(() => {
        i.requiresGrad = true;
      }).toThrow(/^requiresGrad_: only floating-point tensors can require gradients; got int32$/);
      expect(() => torch.tensor([true]).requiresGrad_()).toThrow(torch.DTypeError);
      expect(i.requiresGrad_(false).requiresGrad).toBe(false);
    });
  });

  it("requiresGrad_ on a leaf turns recording on and off", () => {
    torch.tidy(() => {
      const x = torch.tensor([1, 2], { dtype: "float64" });
      expect(x.mul(2).gradFn).toBeNull();
      x.requiresGrad_();
      expect(x.requiresGrad).toBe(true);
      const y = x.mul(2);
      expect(y.gradFn).not.toBeNull();
      torch.autograd.releaseGraph(y);
      x.requiresGrad = false;
      expect(x.mul(2).gradFn).toBeNull();
    });
  });
});

// ---- retainGrad and hooks ----

describe("retainGrad and hooks", () => {
  withLeakCheck();

  it("retainGrad keeps .grad on a non-leaf; without it the non-leaf has none", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.mul(3);
      const z = x.mul(4);
      y.retainGrad();
      expect(y.retainsGrad).toBe(true);
      expect(z.retainsGrad).toBe(false);
      y.mul(y).add(z).sum().backward();
      expect(list(y.grad)).toEqual([6, 12]); // 2y
      expect(z.grad).toBeNull();
      expect(list(x.grad)).toEqual([18 + 4, 36 + 4]);
      release(y);
    });
  });

  it("retainGrad on a leaf is a no-op", () => {
    torch.tidy(() => {
      const x = leaf([1]);
      x.retainGrad();
      x.mul(2).sum().backward();
      expect(list(x.grad)).toEqual([2]);
    });
  });

  it("a hook on a leaf sees the gradient and may replace it; the returned function removes it", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const seen: number[][] = [];
      const remove = x.registerHook((g) => {
        seen.push(g.tolistSync() as number[]);
        return g.mul(2);
      });
      x.mul(3).sum().backward();
      expect(seen).toEqual([[3, 3]]);
      expect(list(x.grad)).toEqual([6, 6]);
      remove();
      clearGrad(x);
      x.mul(3).sum().backward();
      expect(list(x.grad)).toEqual([3, 3]);
      expect(seen).toHaveLength(1);
    });
  });

  it("a hook on a non-leaf changes what flows to the leaves", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.mul(3);
      const remove = y.registerHook((g) => g.mul(10));
      y.retainGrad();
      y.sum().backward(undefined, { retainGraph: true });
      expect(list(x.grad)).toEqual([30, 30]);
      expect(list(y.grad)).toEqual([10, 10]); // retained after the hook, as in PyTorch
      remove();
      clearGrad(x);
      y.sum().backward();
      expect(list(x.grad)).toEqual([3, 3]);
      release(y);
    });
  });

  it("hooks that return nothing only observe, and run in registration order", () => {
    torch.tidy(() => {
      const x = leaf([1]);
      const order: string[] = [];
      x.registerHook(() => void order.push("a"));
      x.registerHook((g) => {
        order.push("b");
        return g.add(1);
      });
      x.registerHook((g) => void order.push(`c:${String(g.tolistSync())}`));
      x.mul(5).sum().backward();
      expect(order).toEqual(["a", "b", "c:6"]);
      expect(list(x.grad)).toEqual([6]);
    });
  });
});

// ---- autograd.grad and double backward ----

describe("autograd.grad", () => {
  withLeakCheck();

  it("returns the gradients instead of accumulating them", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const w = leaf([3, 4]);
      const [gx, gw] = torch.autograd.grad(x.mul(w).sum(), [x, w]);
      expect(list(gx)).toEqual([3, 4]);
      expect(list(gw)).toEqual([1, 2]);
      expect(x.grad).toBeNull();
      expect(w.grad).toBeNull();
      release(gx, gw);
    });
  });

  it("takes gradOutputs for non-scalar outputs", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const [g] = torch.autograd.grad([x.mul(x)], [x], {
        gradOutputs: [torch.tensor([1, 3], { dtype: "float64" })],
      });
      expect(list(g)).toEqual([2, 12]);
      release(g);
    });
  });

  it("allowUnused gives null for an input the output does not depend on; without it, an error", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const unused = leaf([5]);
      const y = x.sum();
      const [gx, gu] = torch.autograd.grad(y, [x, unused], {
        allowUnused: true,
        retainGraph: true,
      });
      expect(list(gx)).toEqual([1, 1]);
      expect(gu).toBeNull();
      release(gx);
      torch.autograd.releaseGraph(y);
      // without allowUnused it throws: see test/core/errors.test.ts ("autograd.grad for an unused input")
    });
  });

  it("can differentiate with respect to a non-leaf", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.mul(3);
      const [gy] = torch.autograd.grad(y.mul(y).sum(), y);
      expect(list(gy)).toEqual([6, 12]);
      release(gy);
    });
  });

  /** Gradients from createGraph: true, differentiated again. */
  function secondDerivative(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
    const [g] = torch.autograd.grad(f(x), x, { createGraph: true });
    expect(g!.requiresGrad, "a gradient made with createGraph must require grad").toBe(true);
    const [gg] = torch.autograd.grad(g!.sum(), x);
    return gg!;
  }

  // Regression test, fixed bug (tensor/tensor.ts share, used by ops/dispatch.ts record): the handle a node saves is a new
  // Tensor without the original's gradFn/requiresGrad, so a backward formula run with createGraph
  // does not connect to the graph: every gradient from autograd.grad(..., { createGraph: true }) has
  // requiresGrad false and double backward fails. Repro:
  //   x = tensor([1, 2, -0.5], { dtype: "float64", requiresGrad: true });
  //   [g] = autograd.grad(x.pow(3).sum(), x, { createGraph: true }); g.requiresGrad -> false
  //   autograd.grad(g.sum(), x) -> "autograd.grad: element 0 of tensors does not require grad ..."
  // Expected (PyTorch): d2/dx2 x^3 = 6x = [6, 12, -3].
  it("double backward: d2/dx2 x^3 = 6x", () => {
    torch.tidy(() => {
      const x = leaf([1, 2, -0.5]);
      expect(list(secondDerivative((t) => t.pow(3).sum(), x))).toEqual([6, 12, -3]);
    });
  });

  it("double backward: d2/dx2 x*x*x = 6x (saved inputs of mul)", () => {
    torch.tidy(() => {
      const x = leaf([1, 2, -0.5]);
      expectClose(list(secondDerivative((t) => t.mul(t).mul(t).sum(), x)), [6, 12, -3]);
    });
  });

  it("double backward: d2/dx2 sin x = -sin x", () => {
    torch.tidy(() => {
      const x = leaf([0.3, -1.2, 2]);
      expectClose(
        list(secondDerivative((t) => t.sin().sum(), x)),
        [0.3, -1.2, 2].map((v) => -Math.sin(v)),
      );
    });
  });

  it("double backward: d2/dx2 tanh x = -2 tanh x (1 - tanh^2 x)", () => {
    torch.tidy(() => {
      const x = leaf([0.3, -1.2, 2]);
      expectClose(
        list(secondDerivative((t) => t.tanh().sum(), x)),
        [0.3, -1.2, 2].map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)),
      );
    });
  });

  /** gradcheck of the first gradient (PyTorch's gradgradcheck). */
  function gradgradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], wrt = 0): boolean {
    return torch.autograd.gradcheck(
      (...xs) =>
        torch.enableGrad(() => torch.autograd.grad(f(...xs), xs[wrt]!, { createGraph: true })[0]!),
      inputs,
    );
  }

  it("double backward: Hessian of sum(softmax(x) * w) passes gradgradcheck", () => {
    torch.tidy(() => {
      const x = rnd([2, 4], -1, 1, 11);
      const w = rnd([2, 4], -1, 1, 12).requiresGrad_(false);
      expect(gradgradcheck((t) => t.softmax(-1).mul(w).sum(), [x])).toBe(true);
    });
  });

  it("double backward: matmul (d/dA of the gradient wrt A of sum(tanh(A @ B)))", () => {
    torch.tidy(() => {
      const a = rnd([2, 3], -1, 1, 13);
      const b = rnd([3, 2], -1, 1, 14);
      expect(gradgradcheck((x, y) => x.matmul(y).tanh().sum(), [a, b], 0)).toBe(true);
    });
  });

  it("createGraph on a graph with no saved tensors (linear ops) gives a constant gradient", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const out = x.mul(3).add(1).sum();
      const [g] = torch.autograd.grad(out, x, { createGraph: true });
      expect(list(g)).toEqual([3, 3]);
      // createGraph retains the graph by default
      release(g);
      torch.autograd.releaseGraph(out);
    });
  });
});

// ---- custom Functions ----

describe("autograd.Function", () => {
  withLeakCheck();

  class MyExp extends torch.autograd.Function {
    static override forward(ctx: Ctx, x: Tensor): Tensor {
      const y = x.exp();
      ctx.saveForBackward(y);
      return y;
    }
    static override backward(ctx: Ctx, g: Tensor | null): Tensor {
      return g!.mul(ctx.savedTensors[0]!);
    }
  }

  it("forward/backward/saveForBackward: a custom exp matches exp", () => {
    torch.tidy(() => {
      const x = leaf([0.5, -1, 2]);
      const y = MyExp.apply(x) as Tensor;
      expect(y.requiresGrad).toBe(true);
      expect(y.gradFn).not.toBeNull();
      y.mul(torch.tensor([1, 2, 3], { dtype: "float64" }))
        .sum()
        .backward();
      expectClose(list(x.grad), [1 * Math.exp(0.5), 2 * Math.exp(-1), 3 * Math.exp(2)]);
      expect(torch.autograd.gradcheck((t) => MyExp.apply(t) as Tensor, [rnd([3])])).toBe(true);
    });
  });

  it("forward runs without recording; non-tensor arguments get null gradients", () => {
    torch.tidy(() => {
      const seenModes: boolean[] = [];
      class Scale extends torch.autograd.Function {
        static override forward(ctx: Ctx, x: Tensor, k: unknown): Tensor {
          seenModes.push(torch.isGradEnabled());
          ctx.values.k = k;
          const y = x.mul(k as number);
          expect(y.gradFn).toBeNull();
          return y;
        }
        static override backward(ctx: Ctx, g: Tensor | null): (Tensor | null)[] {
          return [g!.mul(ctx.values.k as number), null];
        }
      }
      const x = leaf([1, 2]);
      (Scale.apply(x, 4) as Tensor).sum().backward();
      expect(seenModes).toEqual([false]);
      expect(list(x.grad)).toEqual([4, 4]);
    });
  });

  it("needsInputGrad tells which inputs need a gradient", () => {
    torch.tidy(() => {
      let needs: readonly boolean[] = [];
      class Mul2 extends torch.autograd.Function {
        static override forward(ctx: Ctx, a: Tensor, b: Tensor, _flag: unknown): Tensor {
          needs = ctx.needsInputGrad;
          ctx.saveForBackward(a, b);
          return a.mul(b);
        }
        static override backward(ctx: Ctx, g: Tensor | null): (Tensor | null)[] {
          const [a, b] = ctx.savedTensors as [Tensor, Tensor];
          return [
            ctx.needsInputGrad[0] ? g!.mul(b) : null,
            ctx.needsInputGrad[1] ? g!.mul(a) : null,
            null,
          ];
        }
      }
      const a = leaf([1, 2]);
      const b = torch.tensor([3, 4], { dtype: "float64" });
      (Mul2.apply(a, b, "flag") as Tensor).sum().backward();
      expect(needs).toEqual([true, false, false]);
      expect(list(a.grad)).toEqual([3, 4]);
    });
  });

  it("several outputs each get their gradient", () => {
    torch.tidy(() => {
      class SplitHalf extends torch.autograd.Function {
        static override forward(_ctx: Ctx, x: Tensor): Tensor[] {
          return [x.mul(2), x.mul(3)];
        }
        static override backward(_ctx: Ctx, ga: Tensor | null, gb: Tensor | null): Tensor {
          return ga!.mul(2).add(gb!.mul(3));
        }
      }
      const x = leaf([1, 2]);
      const [a, b] = SplitHalf.apply(x) as Tensor[];
      a!.sum().add(b!.mul(2).sum()).backward();
      expect(list(x.grad)).toEqual([2 + 6, 2 + 6]);
    });
  });

  class BadSquare extends torch.autograd.Function {
    static override forward(ctx: Ctx, x: Tensor): Tensor {
      ctx.saveForBackward(x);
      return x.mul(x);
    }
    // wrong on purpose: d/dx x^2 is 2x, not x
    static override backward(ctx: Ctx, g: Tensor | null): Tensor {
      return g!.mul(ctx.savedTensors[0]!);
    }
  }

  it("gradcheck returns false for a wrong backward with raiseException: false", () => {
    torch.tidy(() => {
      expect(
        torch.autograd.gradcheck((t) => BadSquare.apply(t) as Tensor, [rnd([3], 0.5, 1)], {
          raiseException: false,
        }),
      ).toBe(false);
    });
  });

  it("gradcheck throws an AutogradError naming the mismatch by default", () => {
    torch.tidy(() => {
      const x = rnd([3], 0.5, 1);
      expect(() => torch.autograd.gradcheck((t) => BadSquare.apply(t) as Tensor, [x])).toThrow(
        torch.AutogradError,
      );
      expect(() => torch.autograd.gradcheck((t) => BadSquare.apply(t) as Tensor, [x])).toThrow(
        /^gradcheck: Jacobian mismatch for input 0 \(shape \[3\]\) at input element 0, output element 0: analytical [-\d.e]+, numerical [-\d.e]+$/,
      );
    });
  });
});

// ---- in-place ops ----

describe("in-place ops and version counters", () => {
  withLeakCheck();

  it("add_ on a leaf that requires grad throws, but works under noGrad", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      expect(() => x.add_(1)).toThrow(torch.AutogradError);
      expect(() => x.mul_(2)).toThrow(
        /^mul_: a leaf tensor that requires grad is being used in an in-place operation/,
      );
      expect(x.version).toBe(0);
      torch.noGrad(() => x.add_(1));
      expect(list(x)).toEqual([2, 3]);
      expect(x.version).toBe(1);
      expect(x.isLeaf).toBe(true);
      expect(x.requiresGrad).toBe(true);
    });
  });

  it("modifying a tensor saved for backward makes backward throw (exp saves its output)", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.exp();
      y.mul_(2);
      let err: unknown = null;
      const s = y.sum();
      try {
        s.backward();
      } catch (e) {
        err = e;
      }
      torch.autograd.releaseGraph(s);
      expect(err).toBeInstanceOf(torch.AutogradError);
      expect((err as Error).message).toMatch(
        /^backward: one of the tensors needed for gradient computation \(input of exp, shape \[2\]\) has been modified by an in-place operation: it is at version 1, expected version 0$/,
      );
    });
  });

  it("modifying a saved input through a view is caught too (views share the version)", () => {
    torch.tidy(() => {
      const w = torch.tensor([1, 2, 3, 4], { dtype: "float64" });
      const x = leaf([1, 1, 1, 1]);
      const y = x.mul(w); // saves w
      w.view(2, 2).select(0, 1).zero_();
      const s = y.sum();
      expect(() => s.backward()).toThrow(/has been modified by an in-place operation/);
      torch.autograd.releaseGraph(s);
    });
  });

  it("in-place on a non-leaf that is not saved works and matches the out-of-place gradient", () => {
    torch.tidy(() => {
      const x = leaf([0.5, -1, 2]);
      const y = x.mul(3);
      y.add_(1);
      y.mul_(2);
      const out = y.mul(x).sum();
      out.backward();
      const gIn = list(x.grad);
      const x2 = leaf([0.5, -1, 2]);
      x2.mul(3).add(1).mul(2).mul(x2).sum().backward();
      expectClose(gIn, list(x2.grad));
      // d/dx (6x + 2) x = 12x + 2
      expectClose(
        gIn,
        [0.5, -1, 2].map((v) => 12 * v + 2),
      );
      expect(y.gradFn).not.toBeNull();
    });
  });

  it("in-place ops with tensor operands route the gradient to them", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const w = leaf([3, 4]);
      const y = x.mul(1);
      y.mul_(w);
      y.addcmul_(x, w, { value: 2 });
      y.sum().backward();
      // y = x w + 2 x w: dy/dx = 3w, dy/dw = 3x
      expect(list(x.grad)).toEqual([9, 12]);
      expect(list(w.grad)).toEqual([3, 6]);
    });
  });

  it("the version counter increments with every in-place op and is shared between views", () => {
    torch.tidy(() => {
      const x = torch.zeros([4], { dtype: "float64" });
      const v = x.view(2, 2);
      const s = v.select(1, 0);
      expect([x.version, v.version, s.version]).toEqual([0, 0, 0]);
      x.add_(1);
      expect([x.version, v.version, s.version]).toEqual([1, 1, 1]);
      s.mul_(5);
      expect([x.version, v.version, s.version]).toEqual([2, 2, 2]);
      v.fill_(2);
      v.zero_();
      v.copy_(torch.ones([2, 2], { dtype: "float64" }));
      expect(x.version).toBe(5);
      // an out-of-place op does not bump it; a new tensor starts at 0
      const y = x.add(1);
      expect(x.version).toBe(5);
      expect(y.version).toBe(0);
      // detach shares the counter too
      const d = x.detach();
      d.add_(1);
      expect(x.version).toBe(6);
    });
  });

  it("copy_ sends the gradient to the source (broadcast source summed)", () => {
    torch.tidy(() => {
      const src = leaf([1, 2, 3]);
      const dst = torch.zeros([2, 3], { dtype: "float64" });
      dst.copy_(src);
      expect(dst.requiresGrad).toBe(true);
      const w = torch.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: "float64" },
      );
      dst.mul(w).sum().backward();
      expect(list(src.grad)).toEqual([5, 7, 9]);
      expect(list(dst)).toEqual([
        [1, 2, 3],
        [1, 2, 3],
      ]);
    });
  });

  it("zero_/fill_ of a non-leaf cut it from the graph", () => {
    torch.tidy(() => {
      const x = leaf([1, 2]);
      const y = x.mul(2);
      torch.autograd.releaseGraph(y);
      y.zero_();
      expect(y.requiresGrad).toBe(false);
      expect(list(y)).toEqual([0, 0]);
    });
  });
});

// ---- gradients through views ----

describe("gradients through views", () => {
  withLeakCheck();

  const w34 = () =>
    torch.tensor(
      Float64Array.from({ length: 12 }, (_, i) => i + 1),
      { shape: [3, 4] },
    );
  const zeros34 = () => Array.from({ length: 3 }, () => new Array<number>(4).fill(0));

  it("index with slices and steps scatters the gradient back to the picked elements", () => {
    torch.tidy(() => {
      const x = rnd([3, 4]);
      const v = x.index("1:3", "::2"); // rows 1, 2; cols 0, 2
      v.mul(
        torch.tensor(
          [
            [10, 20],
            [30, 40],
          ],
          { dtype: "float64" },
        ),
      )
        .sum()
        .backward();
      const g = zeros34();
      g[1]![0] = 10;
      g[1]![2] = 20;
      g[2]![0] = 30;
      g[2]![2] = 40;
      expect(list(x.grad)).toEqual(g);
    });
  });

  it("index with an integer, None and ellipsis", () => {
    torch.tidy(() => {
      const x = rnd([3, 4]);
      x.index("...", -1, null)
        .mul(torch.tensor([[1], [2], [3]], { dtype: "float64" }))
        .sum()
        .backward();
      const g = zeros34();
      g[0]![3] = 1;
      g[1]![3] = 2;
      g[2]![3] = 3;
      expect(list(x.grad)).toEqual(g);
    });
  });

  it("narrow and select", () => {
    torch.tidy(() => {
      const x = rnd([3, 4]);
      x.narrow(1, 1, 2).sum().backward();
      expect(list(x.grad)).toEqual(Array.from({ length: 3 }, () => [0, 1, 1, 0]));
      clearGrad(x);
      x.select(0, -1)
        .mul(torch.tensor([1, 2, 3, 4], { dtype: "float64" }))
        .sum()
        .backward();
      expect(list(x.grad)).toEqual([
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [1, 2, 3, 4],
      ]);
    });
  });

  it("transpose, permute and view carry the gradient's layout back", () => {
    torch.tidy(() => {
      const x = rnd([3, 4]);
      const w = w34();
      x.t().mul(w.t()).sum().backward();
      expect(list(x.grad)).toEqual(list(w));
      clearGrad(x);
      x.view(2, 6).mul(w.view(2, 6)).sum().backward();
      expect(list(x.grad)).toEqual(list(w));
      clearGrad(x);
      x.view(3, 2, 2)
        .permute(2, 0, 1)
        .mul(w.view(3, 2, 2).permute(2, 0, 1))
        .sum()
        .backward();
      expect(list(x.grad)).toEqual(list(w));
    });
  });

  it("expand sums the gradient over the broadcast dims", () => {
    torch.tidy(() => {
      const x = leaf([[1], [2], [3]]);
      const w = w34();
      x.expand(3, 4).mul(w).sum().backward();
      expect(list(x.grad)).toEqual([[10], [26], [42]]);
      const y = leaf([1, 2, 3, 4]);
      y.expand(2, 3, 4).sum().backward();
      expect(list(y.grad)).toEqual([6, 6, 6, 6]);
    });
  });

  it("a chain of views and overlapping reads accumulate", () => {
    torch.tidy(() => {
      const x = rnd([3, 4]);
      const a = x.index(":", "0:3").t(); // [3(cols 0..2), 3(rows)]
      const b = x.index(":", "1:4").t(); // [3(cols 1..3), 3(rows)]
      a.add(b).sum().backward();
      expect(list(x.grad)).toEqual(Array.from({ length: 3 }, () => [1, 2, 2, 1]));
    });
  });
});

// ---- gradcheck beyond the op list ----

interface GradCase {
  name: string;
  fn: (...xs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
}

function gradcheckAll(title: string, cases: GradCase[]): void {
  describe(title, () => {
    withLeakCheck();
    for (const c of cases) {
      it(c.name, () => {
        torch.tidy(() => {
          expect(torch.autograd.gradcheck(c.fn, c.inputs())).toBe(true);
        });
      });
    }
  });
}

gradcheckAll("gradcheck: what the op list does not hold (every op's samples: gradcheck.test.ts)", [
  {
    name: "to(float64) (identity cast)",
    fn: (x) => x.to("float64").mul(2),
    inputs: () => [rnd([3])],
  },
  {
    name: "convTranspose2d",
    fn: (x, w) => torch.nn.functional.convTranspose2d(x, w),
    inputs: () => [rnd([1, 2, 3, 3]), rnd([2, 3, 2, 2], -1, 1, 2)],
  },
  {
    name: "convTranspose2d stride 2, padding 1, outputPadding 1, bias",
    fn: (x, w, b) =>
      torch.nn.functional.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
    inputs: () => [rnd([2, 1, 3, 3]), rnd([1, 2, 3, 3], -1, 1, 2), rnd([2], -1, 1, 3)],
  },
  {
    name: "convTranspose2d groups 2, dilation 2",
    fn: (x, w) => torch.nn.functional.convTranspose2d(x, w, null, { groups: 2, dilation: 2 }),
    inputs: () => [rnd([1, 4, 2, 2]), rnd([4, 1, 2, 2], -1, 1, 2)],
  },
]);

gradcheckAll("gradcheck: composites", [
  {
    name: "a small MLP",
    fn: (x, w1, w2) => x.matmul(w1).tanh().matmul(w2).softmax(-1),
    inputs: () => [rnd([2, 3]), rnd([3, 4], -1, 1, 2), rnd([4, 2], -1, 1, 3)],
  },
  {
    name: "layer norm written out",
    fn: (x) =>
      x.sub(x.mean(-1, true)).div(x.var(-1, { keepdim: true, unbiased: false }).add(1e-5).sqrt()),
    inputs: () => [rnd([2, 4])],
  },
  {
    name: "cross entropy written out",
    fn: (x) =>
      x
        .logSoftmax(1)
        .gather(1, torch.tensor([[1], [0]], { dtype: "int32" }))
        .neg()
        .mean(),
    inputs: () => [rnd([2, 3])],
  },
  {
    name: "in-place ops on a non-leaf",
    fn: (x) => {
      const y = x.mul(2);
      y.add_(1);
      y.mul_(x);
      return y;
    },
    inputs: () => [rnd([2, 3])],
  },
]);
