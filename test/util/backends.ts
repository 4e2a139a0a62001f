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
import { UNSUPPORTED as GPUJS_UNSUPPORTED } from "../../src/backends/gpujs/kernels.js";

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

async function probeGpujs(): Promise<string | null> {
  try {
    const before = torch.getDefaultDevice();
    await torch.init({ device: "gpujs" });
    await torch.init({ device: before });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Why gpu.js is unavailable here (the optional package missing), or null when it is. In Node it
 * runs in gpu.js's `webasm` mode (no GL); WEBTORCH_REQUIRE_WEBGPU=1 requires it too.
 */
export const gpujsUnavailable: string | null = await probeGpujs();

/** Why `device` cannot run here, or null. */
function unavailable(device: DeviceName): string | null {
  return device === "webgpu" ? webgpuUnavailable : device === "gpujs" ? gpujsUnavailable : null;
}

const reported = new Set<DeviceName>();

/** The devices tests run on: cpu always, webgpu when it is available or required. */
export function testDevices(): DeviceName[] {
  return webgpuUnavailable === null || REQUIRE_WEBGPU ? ["cpu", "webgpu"] : ["cpu"];
}

/**
 * Defines `fn`'s tests for one device: `name [device]`. For "webgpu" without an adapter (or
 * "gpujs" without the gpu.js package) the block is skipped with the reason printed, or fails when
 * WEBTORCH_REQUIRE_WEBGPU=1.
 */
export function describeBackend(
  name: string,
  device: DeviceName,
  fn: (device: DeviceName) => void,
): void {
  const title = `${name} [${device}]`;
  const reason = unavailable(device);
  if (reason === null) {
    describe(title, () => fn(device));
    return;
  }
  if (REQUIRE_WEBGPU) {
    describe(title, () => {
      it(`acquires ${device} (WEBTORCH_REQUIRE_WEBGPU=1)`, () => {
        throw new Error(`${device} is required but unavailable: ${reason}`);
      });
    });
    return;
  }
  if (!reported.has(device)) {
    reported.add(device);
    console.warn(`webtorch tests: skipping ${device}: ${reason}`);
  }
  describe.skip(`${title} (skipped: ${reason})`, () => fn(device));
}

/** Defines `fn`'s tests once per backend (cpu and webgpu), as `name [cpu]` and `name [webgpu]`. */
export function describeBackends(name: string, fn: (device: DeviceName) => void): void {
  for (const device of ["cpu", "webgpu", "gpujs"] as const) describeBackend(name, device, fn);
}

/**
 * Asserts that no op fell back to the CPU while the block's tests ran on a GPU device; on gpujs,
 * no primitive that it claims (those in its UNSUPPORTED list run on the CPU by design).
 */
export function withNoFallback(device: DeviceName): void {
  let before = 0;
  const claimed = (key: string) =>
    !(key.startsWith("gpujs:") && key.slice("gpujs:".length) in GPUJS_UNSUPPORTED);
  const fallbacks = () =>
    Object.entries(torch.backendStats().fallbacks)
      .filter(([k]) => claimed(k))
      .reduce((sum, [, n]) => sum + n, 0);
  beforeEach(() => {
    before = fallbacks();
  });
  afterEach(() => {
    if (device !== "cpu") expect(fallbacks() - before, "ops that fell back to the CPU").toBe(0);
  });
}
