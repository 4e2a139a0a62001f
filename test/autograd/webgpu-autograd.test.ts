/**
 * The autograd features FEATURES.md marks ✅ on webgpu, run on every backend (cpu and webgpu):
 * tensor hooks (`registerHook`, `retainGrad`), `torch.autograd.grad` with `createGraph` (double
 * backward), a custom `torch.autograd.Function`, and `torch.randperm`. Each test reads its results
 * back with the awaited forms, so it runs unchanged on a GPU device, and checks that no primitive
 * fell back to the CPU (`torch.backendStats()`) and that nothing leaked.
 *
 * WebGPU runs on any adapter (Dawn on Mesa's lavapipe in CI); the webgpu blocks are skipped with
 * a printed reason without one, unless WEBTORCH_REQUIRE_WEBGPU=1 (test/util/backends.ts).
 */
import { expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import { describeBackends, withNoFallback } from "../util/backends.js";
import { withLeakCheck } from "../util/leaks.js";

type Ctx = InstanceType<typeof torch.autograd.FunctionCtx>;

/** float32 closeness: these are a handful of float32 ops, so a few ulps of 1 at most. */
const TOL = 1e-5;

function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) =>
    expect(Math.abs(a - expected[i]!), `${a} vs ${expected[i]}`).toBeLessThanOrEqual(
      TOL * (1 + Math.abs(expected[i]!)),
    ),
  );
}

/** The values of a 1-D tensor, read back with the awaited form (the only one a GPU allows). */
async function values(t: Tensor | null | undefined): Promise<number[]> {
  expect(t, "expected a tensor").toBeTruthy();
  return Array.from(await t!.data());
}

/** A float32 leaf on `device` that requires grad. */
function leaf(data: number[], device: DeviceName): Tensor {
  return torch.tensor(data, { dtype: "float32", device, requiresGrad: true });
}

describeBackends("tensor hooks", (device) => {
  withLeakCheck();
  withNoFallback(device);

  it("a hook on a leaf may replace its gradient; the returned function removes it", async () => {
    await torch.tidy(async () => {
      const x = leaf([1, 2], device);
      let calls = 0;
      const remove = x.registerHook((g) => {
        calls++;
        expect(g.device).toBe(device);
        return g.mul(2);
      });
      x.mul(3).sum().backward();
      expect(calls).toBe(1);
      expect(x.grad!.device).toBe(device);
      expect(await values(x.grad)).toEqual([6, 6]);
      remove();
      x.grad!.dispose();
      x.grad = null;
      x.mul(3).sum().backward();
      expect(await values(x.grad)).toEqual([3, 3]);
      expect(calls).toBe(1);
    });
  });

  it("a hook on a non-leaf changes what reaches the leaves; retainGrad keeps its gradient", async () => {
    await torch.tidy(async () => {
      const x = leaf([1, 2], device);
      const y = x.mul(3);
      y.registerHook((g) => g.mul(10));
      y.retainGrad();
      y.sum().backward();
      expect(await values(x.grad)).toEqual([30, 30]);
      expect(await values(y.grad)).toEqual([10, 10]); // retained after the hook, as in PyTorch
      y.grad!.dispose(); // retainGrad's gradient is kept from tidy
    });
  });
});

describeBackends("autograd.grad with createGraph (double backward)", (device) => {
  withLeakCheck();
  withNoFallback(device);

  it("d2/dx2 of sum(x^3) is 6x, and the first gradient requires grad", async () => {
    await torch.tidy(async () => {
      const x = leaf([0.5, -1, 2], device);
      const [g] = torch.autograd.grad(x.pow(3).sum(), x, { createGraph: true });
      expect(g!.requiresGrad).toBe(true);
      expect(g!.device).toBe(device);
      expectClose(await values(g), [0.75, 3, 12]);
      const [gg] = torch.autograd.grad(g!.sum(), x);
      expectClose(await values(gg), [3, -6, 12]);
      g!.dispose();
      gg!.dispose();
    });
  });

  it("double backward through exp, mul and a reduction (d2/dx2 of sum(x exp(x)) = (x + 2) exp(x))", async () => {
    await torch.tidy(async () => {
      const xs = [0.25, -0.5, 1];
      const x = leaf(xs, device);
      const [g] = torch.autograd.grad(x.mul(x.exp()).sum(), x, { createGraph: true });
      expectClose(
        await values(g),
        xs.map((v) => (v + 1) * Math.exp(v)),
      );
      g!.sum().backward();
      expectClose(
        await values(x.grad),
        xs.map((v) => (v + 2) * Math.exp(v)),
      );
      g!.dispose();
    });
  });
});

describeBackends("autograd.Function", (device) => {
  withLeakCheck();
  withNoFallback(device);

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

  it("forward/backward/saveForBackward: a custom exp matches exp", async () => {
    await torch.tidy(async () => {
      const xs = [0.5, -1, 2];
      const x = leaf(xs, device);
      const y = MyExp.apply(x) as Tensor;
      expect(y.requiresGrad).toBe(true);
      expect(y.device).toBe(device);
      y.mul(torch.tensor([1, 2, 3], { device }))
        .sum()
        .backward();
      expectClose(await values(y), xs.map(Math.exp));
      expectClose(
        await values(x.grad),
        xs.map((v, i) => (i + 1) * Math.exp(v)),
      );
    });
  });

  it("a non-tensor argument gets a null gradient; the tensor one flows on", async () => {
    class Scale extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor, k: unknown): Tensor {
        ctx.values.k = k;
        return x.mul(k as number);
      }
      static override backward(ctx: Ctx, g: Tensor | null): (Tensor | null)[] {
        return [g!.mul(ctx.values.k as number), null];
      }
    }
    await torch.tidy(async () => {
      const x = leaf([1, 2], device);
      (Scale.apply(x, 4) as Tensor).square().sum().backward();
      expect(await values(x.grad)).toEqual([32, 64]); // d/dx (4x)^2 = 32x
    });
  });
});

describeBackends("randperm", (device) => {
  withLeakCheck();
  withNoFallback(device);

  it("is a permutation of 0..n-1 on the device, equal to the CPU's after the same seed", async () => {
    torch.manualSeed(7);
    const p = torch.randperm(50, { device });
    torch.manualSeed(7);
    const ref = torch.randperm(50);
    expect(p.device).toBe(device);
    expect(p.dtype).toBe("int32");
    expect(p.shape).toEqual([50]);
    const got = await values(p);
    expect(got).toEqual(await values(ref));
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    p.dispose();
    ref.dispose();
  });

  it("indexes a tensor on the device (a shuffle of rows)", async () => {
    await torch.tidy(async () => {
      torch.manualSeed(3);
      const perm = torch.randperm(4, { device });
      const rows = torch.arange(8, { device }).reshape([4, 2]);
      const shuffled = rows.indexSelect(0, perm);
      const order = await values(perm);
      expect(await values(shuffled.reshape([-1]))).toEqual(
        order.flatMap((r) => [2 * r, 2 * r + 1]),
      );
    });
  });
});
