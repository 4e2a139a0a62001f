/**
 * Acquiring WebGPU through `torch.init` and losing the device: after a loss every operation on
 * webgpu throws a DeviceError that says what happened, reads reject with it, disposal still
 * works, and `init` acquires a fresh device. (Its own file: a lost device must not leak into the
 * other webgpu tests.)
 */
import { expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { findBackend } from "../../src/backends/backend.js";
import type { WebGPUBackend } from "../../src/backends/webgpu/index.js";
import { describeBackend } from "../util/backends.js";

const device = "webgpu";

describeBackend("device", device, () => {
  it('init({ device: "auto" }) picks webgpu on a hardware adapter, the CPU on a software one', async () => {
    expect(await torch.init({ device: "webgpu" })).toBe("webgpu");
    const info = (findBackend("webgpu") as WebGPUBackend).adapter.info;
    const software = info.architecture === "software" || /llvmpipe|swiftshader/i.test(info.device);
    expect(await torch.init({ device: "auto" })).toBe(software ? "cpu" : "webgpu");
    expect(torch.getDefaultDevice()).toBe(software ? "cpu" : "webgpu");
    expect(await torch.init({ device: "cpu" })).toBe("cpu");
    expect(torch.getDefaultDevice()).toBe("cpu");
  });

  it("GPU tensors refuse synchronous reads with a message naming the awaited form", async () => {
    await torch.init({ device: "webgpu" });
    const t = torch.tensor([1, 2], { dtype: "int32", device });
    expect(() => t.dataSync()).toThrow(
      /dataSync: cannot read a webgpu tensor synchronously; use await t.data\(\)/,
    );
    // itemSync and tolistSync name themselves (not dataSync) and their awaited form
    const one = torch.tensor(3, { device });
    expect(() => one.itemSync()).toThrow(
      /^itemSync: cannot read a webgpu tensor synchronously; use await t\.item\(\)$/,
    );
    expect(() => t.tolistSync()).toThrow(
      /^tolistSync: cannot read a webgpu tensor synchronously; use await t\.tolist\(\)$/,
    );
    expect(await one.item()).toBe(3);
    one.dispose();
    expect(() => torch.oneHot(t)).toThrow(
      /oneHot: cannot infer numClasses from a webgpu tensor without a synchronous read; pass numClasses/,
    );
    const hot = torch.oneHot(t, 3);
    expect(await hot.tolist()).toEqual([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    t.dispose();
    hot.dispose();
  });

  it("init returns the same backend while its device lives", async () => {
    await torch.init({ device: "webgpu" });
    const a = findBackend("webgpu");
    await torch.init({ device: "webgpu" });
    expect(findBackend("webgpu")).toBe(a);
  });

  it("a lost device gives a clear DeviceError on the next op, and init recovers", async () => {
    await torch.init({ device: "webgpu" });
    const backend = findBackend("webgpu") as WebGPUBackend;
    const old = torch.tensor([1, 2, 3], { device });
    const pending = old.mul(2);
    backend.context.device.destroy();
    await backend.context.device.lost;
    expect(backend.lost).toBe(true);

    expect(() => torch.ones([2], { device })).toThrow(torch.DeviceError);
    expect(() => torch.ones([2], { device })).toThrow(
      /the WebGPU device was lost .*call await torch.init\(\{ device: "webgpu" \}\) again/,
    );
    expect(() => old.add(1)).toThrow(/device was lost/);
    await expect(pending.data()).rejects.toThrow(/device was lost/);
    // disposing what lived on the lost device is harmless
    old.dispose();
    pending.dispose();

    await torch.init({ device: "webgpu" });
    const fresh = findBackend("webgpu") as WebGPUBackend;
    expect(fresh).not.toBe(backend);
    expect(fresh.lost).toBe(false);
    const t = torch.tensor([1, 2, 3], { device });
    const u = t.mul(2);
    expect(await u.tolist()).toEqual([2, 4, 6]);
    t.dispose();
    u.dispose();
  });
});
