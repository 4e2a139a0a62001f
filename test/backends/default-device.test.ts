/**
 * The default device (PyTorch's `torch.set_default_device`): `init({ device })` and
 * `setDefaultDevice` make creation functions and new modules' parameters go there when no
 * `device` is given; `*Like` keep their input's device; a 0-d CPU tensor combines with tensors
 * on another device as a scalar. Every test restores the CPU default (other tests assume it).
 */
import { afterEach, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { describeBackends } from "../util/backends.js";
import { withLeakCheck } from "../util/leaks.js";

afterEach(() => torch.setDefaultDevice("cpu"));

describeBackends("default device", (device) => {
  withLeakCheck();

  it("init({ device }) makes it the default of every creation function", async () => {
    expect(await torch.init({ device })).toBe(device);
    expect(torch.getDefaultDevice()).toBe(device);
    const made = [
      torch.tensor([1, 2]),
      torch.zeros([2]),
      torch.ones(2, 3),
      torch.full([2], 7),
      torch.empty([2]),
      torch.arange(4),
      torch.linspace(0, 1, 5),
      torch.eye(3),
      torch.rand([2]),
      torch.randn([2]),
      torch.randint(0, 5, [3]),
      torch.randperm(4),
    ];
    for (const t of made) expect(t.device).toBe(device);
    expect(await made[5]!.tolist()).toEqual([0, 1, 2, 3]);
    // an explicit device wins; *Like keep their input's device
    const c = torch.zeros([2], { device: "cpu" });
    expect(c.device).toBe("cpu");
    const like = torch.onesLike(c);
    expect(like.device).toBe("cpu");
    for (const t of [...made, c, like]) t.dispose();
  });

  it("new modules' parameters follow the default device", async () => {
    torch.setDefaultDevice(device);
    torch.manualSeed(0);
    const model = new torch.nn.Linear(3, 2);
    for (const p of model.parameters()) expect(p.device).toBe(device);
    const x = torch.ones([4, 3]);
    const y = model.forward(x);
    expect(y.device).toBe(device);
    expect(y.shape).toEqual([4, 2]);
    const onCpu = new torch.nn.Linear(3, 2, { device: "cpu" });
    expect(onCpu.weight.device).toBe("cpu");
    for (const t of [x, y]) t.dispose();
    model.dispose();
    onCpu.dispose();
  });

  it("a 0-d CPU tensor combines with a tensor on any device as a scalar", async () => {
    const x = torch.tensor([1, 2, 3], { device, requiresGrad: true });
    const s = torch.tensor(2); // 0-d, CPU
    const y = x.mul(s);
    expect(y.device).toBe(device);
    expect(await y.tolist()).toEqual([2, 4, 6]);
    const loss = y.sum();
    loss.backward();
    expect(await x.grad!.tolist()).toEqual([2, 2, 2]);
    const cond = x.gt(1);
    const zero = torch.tensor(0);
    const w = torch.where(cond, x, zero);
    expect(w.device).toBe(device);
    expect(await w.tolist()).toEqual([0, 2, 3]);
    for (const t of [x, s, y, loss, cond, zero, w]) t.dispose();
  });

  // NOTE: "a device not initialised" is tested in test/core/messages.test.ts: here every device
  // is (test/util/backends.ts acquires webgpu and gpujs)
  it("setDefaultDevice(null) is the CPU; an unknown device is refused", () => {
    torch.setDefaultDevice(device);
    torch.setDefaultDevice(null);
    expect(torch.getDefaultDevice()).toBe("cpu");
    expect(() => torch.setDefaultDevice("cuda" as torch.DeviceName)).toThrow(
      /^setDefaultDevice: unknown device; got "cuda" \(expected "cpu", "webgpu" or "gpujs"\)/,
    );
    expect(torch.getDefaultDevice()).toBe("cpu");
  });
});
