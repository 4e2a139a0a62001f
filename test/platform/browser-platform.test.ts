/**
 * The browser build's platform module (src/core/platform/browser.ts), swapped in for the Node one
 * as the browser build does (tsup.config.ts): file paths, IDX folders and Dawn are refused with
 * errors that speak of the browser, and async `tidy` still runs without AsyncLocalStorage.
 */
import { describe, expect, it, vi } from "vitest";

vi.mock("../../src/core/platform/node.js", () => import("../../src/core/platform/browser.js"));

const torch = await import("../../src/index.js");
const { platform } = await import("../../src/core/platform/current.js");
const { acquireDevice } = await import("../../src/backends/webgpu/device.js");

describe("the browser platform", () => {
  it("is the one in use here", () => {
    expect(platform.name).toBe("browser");
  });

  it("torch.save(path) and torch.load(path) name saveBytes/loadBytes", async () => {
    const t = torch.ones([2]);
    const err = await torch.save({ t }, "/tmp/x.safetensors").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(torch.NotImplementedError);
    expect((err as Error).message).toMatch(/^save: .*browser.*torch\.saveBytes/);
    const err2 = await torch.load("/tmp/x.safetensors").catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(torch.NotImplementedError);
    expect((err2 as Error).message).toMatch(/^load: .*torch\.loadBytes/);
    // the in-memory pair still works
    const back = torch.loadBytes(await torch.saveBytes({ t }));
    expect(Array.from(await back.t!.data())).toEqual([1, 1]);
    t.dispose();
    back.t!.dispose();
  });

  it("MNIST.load({ root }) says to fetch the files", async () => {
    const err = await torch.datasets.MNIST.load({ root: "/tmp/mnist" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(torch.NotImplementedError);
    expect((err as Error).message).toMatch(/browser.*fromIdxAsync/);
  });

  it("MNIST.load() names MNIST.fromBundled, not npm install", async () => {
    const err = await torch.datasets.MNIST.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(torch.NotImplementedError);
    expect((err as Error).message).toMatch(/^MNIST\.load: in a browser.*MNIST\.fromBundled/);
    expect((err as Error).message).not.toMatch(/npm install/);
  });

  it("without navigator.gpu, WebGPU's reason names chrome://gpu, not lavapipe", async () => {
    const found = await acquireDevice();
    expect("reason" in found).toBe(true);
    const { reason } = found as { reason: string };
    expect(reason).toMatch(/chrome:\/\/gpu/);
    expect(reason).toMatch(/--enable-unsafe-webgpu/);
    expect(reason).not.toMatch(/lavapipe|Dawn/);
  });

  it("async tidy still frees what it made (one global scope stack)", async () => {
    const before = torch.memory().numTensors;
    const kept = await torch.tidy(async () => {
      const a = torch.ones([3]);
      await Promise.resolve();
      return a.mul(2);
    });
    expect(torch.memory().numTensors).toBe(before + 1);
    kept.dispose();
  });
});
