/**
 * Running one block of tests on every backend (HOUSE-STYLE section 9): `describeBackends(name, fn)`
 * defines `fn`'s tests once per device, as `name [cpu]` and `name [webgpu]`.
 *
 * WebGPU is acquired once, when this module loads (top-level await): in Node through Dawn (the
 * `webgpu` package) on whatever Vulkan driver exists, lavapipe on a machine without a GPU. Without
 * an adapter the webgpu blocks are skipped with the reason printed, unless the environment sets
 * `WEBTORCH_REQUIRE_WEBGPU=1` (CI does), which turns the skip into a failing test.
 *
 * @example
 * describeBackends("add", (device) => {
 *   it("adds", async () => {
 *     const a = torch.tensor([1, 2], { device });
 *     expect(await a.add(1).tolist()).toEqual([2, 3]);
 *   });
 * });
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName } from "../../src/index.js";

// NOTE: Dawn's Vulkan backend wants a runtime dir; CI sets it, a bare shell may not.
process.env.XDG_RUNTIME_DIR ??= "/tmp";

/** Whether a failure to acquire WebGPU must fail the suite instead of skipping it. */
export const REQUIRE_WEBGPU = process.env.WEBTORCH_REQUIRE_WEBGPU === "1";

async function probeWebGPU(): Promise<string | null> {
  try {
    const before = torch.getDefaultDevice();
    await torch.init({ device: "webgpu" });
    // NOTE: probing must not change the default device the rest of a test file sees.
    await torch.init({ device: before });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Why WebGPU is unavailable here, or null when it is. */
export const webgpuUnavailable: string | null = await probeWebGPU();

let reported = false;

/** The devices tests run on: cpu always, webgpu when it is available or required. */
export function testDevices(): DeviceName[] {
  return webgpuUnavailable === null || REQUIRE_WEBGPU ? ["cpu", "webgpu"] : ["cpu"];
}

/**
 * Defines `fn`'s tests for one device: `name [device]`. For "webgpu" without an adapter the
 * block is skipped with the reason printed, or fails when WEBTORCH_REQUIRE_WEBGPU=1.
 */
export function describeBackend(
  name: string,
  device: DeviceName,
  fn: (device: DeviceName) => void,
): void {
  const title = `${name} [${device}]`;
  if (device !== "webgpu" || webgpuUnavailable === null) {
    describe(title, () => fn(device));
    return;
  }
  if (REQUIRE_WEBGPU) {
    describe(title, () => {
      it("acquires a WebGPU adapter (WEBTORCH_REQUIRE_WEBGPU=1)", () => {
        throw new Error(`WebGPU is required but unavailable: ${webgpuUnavailable}`);
      });
    });
    return;
  }
  if (!reported) {
    reported = true;
    console.warn(`webtorch tests: skipping webgpu: ${webgpuUnavailable}`);
  }
  describe.skip(`${title} (skipped: ${webgpuUnavailable})`, () => fn(device));
}

/** Defines `fn`'s tests once per backend (cpu and webgpu), as `name [cpu]` and `name [webgpu]`. */
export function describeBackends(name: string, fn: (device: DeviceName) => void): void {
  for (const device of ["cpu", "webgpu"] as const) describeBackend(name, device, fn);
}

/** Asserts that no op fell back to the CPU while the block's tests ran on a GPU device. */
export function withNoFallback(device: DeviceName): void {
  let before = 0;
  const fallbacks = () =>
    Object.values(torch.backendStats().fallbacks).reduce((sum, n) => sum + n, 0);
  beforeEach(() => {
    before = fallbacks();
  });
  afterEach(() => {
    if (device !== "cpu") expect(fallbacks() - before, "ops that fell back to the CPU").toBe(0);
  });
}
