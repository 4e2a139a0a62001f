/**
 * Disposed tensors: every use (an op's input, an in-place target, a conversion, `backward()` of a
 * disposed loss, a value given to `loadStateDict`) is a TensorError naming the op; and calls that
 * fail leak nothing.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { nn } from "../../src/index.js";
import { expectNoLeaks, withLeakCheck } from "../util/leaks.js";

const F = nn.functional;

function disposed(shape = [2, 3]): torch.Tensor {
  const t = torch.ones(shape);
  t.dispose();
  return t;
}

const USED = /was used after dispose\(\)$/;

describe("a disposed tensor", () => {
  withLeakCheck();

  const uses: [string, (live: torch.Tensor) => unknown][] = [
    ["add", (x) => torch.add(disposed(), x)],
    ["add", (x) => x.add(disposed())],
    ["add", () => torch.add(disposed(), 1, { alpha: 2 })],
    ["matmul", (x) => x.matmul(disposed([3, 2]))],
    ["sum", () => disposed().sum()],
    ["relu", () => F.relu(disposed())],
    ["reshape", () => disposed().reshape([6])],
    ["transpose", () => disposed().transpose(0, 1)],
    ["cat", (x) => torch.cat([x, disposed()])],
    ["add_", () => disposed().add_(1)],
    ["zero_", () => disposed().zero_()],
    ["copy_", (x) => x.copy_(disposed())],
    ["copy_", (x) => disposed().copy_(x)],
    ["clone", () => disposed().clone()],
    ["detach", () => disposed().detach()],
    ["toType", () => disposed().toType("float32")],
    ["float", () => disposed().float()],
    ["to", () => disposed().to("float64")],
    ["itemSync", () => disposed([]).itemSync()],
    ["dataSync", () => disposed().dataSync()],
    ["requiresGrad_", () => disposed().requiresGrad_()],
    ["Parameter", () => new nn.Parameter(disposed())],
    ["linear", (x) => F.linear(x, disposed([2, 3]))],
    ["mseLoss", (x) => F.mseLoss(x, disposed())],
    ["crossEntropy", (x) => F.crossEntropy(disposed(), x)],
  ];
  for (const [op, use] of uses) {
    it(`as ${op}'s argument is a TensorError naming ${op}, and leaks nothing`, () => {
      const x = torch.ones([2, 3]);
      expectNoLeaks(() => {
        expect(() => use(x)).toThrow(torch.TensorError);
        expect(() => use(x)).toThrow(
          new RegExp(`^${op}: a float32 tensor of shape .* ${USED.source}`),
        );
      });
      x.dispose();
    });
  }

  it("as a module's input is a TensorError naming the module", () => {
    const fc = new nn.Linear(3, 2);
    expectNoLeaks(() =>
      expect(() => fc.forward(disposed())).toThrow(
        /^Linear\(in=3, out=2\): a float32 tensor of shape \[2, 3\] was used after dispose\(\)$/,
      ),
    );
    fc.dispose();
  });

  it("item() rejects naming item", async () => {
    await expect(disposed([]).item()).rejects.toThrow(
      /^item: a float32 tensor of shape \[\] was used after dispose\(\)$/,
    );
  });

  it("backward() of a disposed loss throws naming backward, and leaks nothing", () => {
    const x = torch.ones([3], { requiresGrad: true });
    expectNoLeaks(() => {
      const y = x.mul(2);
      const loss = y.sum();
      loss.dispose();
      expect(() => loss.backward()).toThrow(
        /^backward: a float32 tensor of shape \[\] was used after dispose\(\)$/,
      );
      y.dispose();
    });
    expect(x.grad).toBeNull();
    x.dispose();
  });

  it("a disposed gradient given to backward() or autograd.grad throws naming the op", () => {
    const x = torch.ones([3], { requiresGrad: true });
    expectNoLeaks(() => {
      const y = x.mul(2);
      expect(() => y.backward(disposed([3]))).toThrow(/^backward: .*used after dispose\(\)$/);
      expect(() => torch.autograd.grad([y], [x], { gradOutputs: [disposed([3])] })).toThrow(
        /^autograd\.grad: .*used after dispose\(\)$/,
      );
      y.dispose();
    });
    x.dispose();
  });

  it("loadStateDict checks every value before it changes anything", async () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 2));
    const before = model.stateDict();
    const sd = torch.noGrad(() => {
      const out: Record<string, torch.Tensor> = {};
      for (const [k, v] of Object.entries(before)) out[k] = v.add(1);
      return out;
    });
    const keys = Object.keys(sd);
    sd[keys[keys.length - 1]!]!.dispose(); // the last value
    expect(() => model.loadStateDict(sd)).toThrow(
      new RegExp(
        `^Sequential\\.loadStateDict: a tensor of the state dict was used after dispose\\(\\); nothing was changed; got ${keys[keys.length - 1]!.replace(".", "\\.")}$`,
      ),
    );
    const after = model.stateDict();
    for (const k of keys) expect(await after[k]!.tolist()).toEqual(await before[k]!.tolist());
    for (const t of [...Object.values(before), ...Object.values(after), ...Object.values(sd)])
      t.dispose();
    model.dispose();
  });
});

describe("failed calls leak nothing", () => {
  withLeakCheck();

  it("zeros([3], { dtype: 'int32', requiresGrad: true })", () => {
    expectNoLeaks(() =>
      expect(() => torch.zeros([3], { dtype: "int32", requiresGrad: true })).toThrow(
        /^full: only floating-point tensors can require gradients; got int32$/,
      ),
    );
  });

  it("new nn.Linear(3, 2, { dtype: 'int32' })", () => {
    expectNoLeaks(() =>
      expect(() => new nn.Linear(3, 2, { dtype: "int32" })).toThrow(torch.DTypeError),
    );
  });

  it("new nn.Parameter of an int32 tensor names Parameter", () => {
    const t = torch.zeros([2], { dtype: "int32" });
    expectNoLeaks(() =>
      expect(() => new nn.Parameter(t)).toThrow(
        /^Parameter: only floating-point tensors can require gradients; got int32$/,
      ),
    );
    t.dispose();
  });

  it("torch.add(bad, 1, { alpha: 2 }) with a bad first argument", () => {
    const a = torch.ones([2, 3]);
    const b = torch.ones([4]);
    expectNoLeaks(() => {
      expect(() => torch.add(disposed(), 1, { alpha: 2 })).toThrow(torch.TensorError);
      expect(() => torch.add(a, b, { alpha: 2 })).toThrow(torch.ShapeError);
    });
    a.dispose();
    b.dispose();
  });
});
