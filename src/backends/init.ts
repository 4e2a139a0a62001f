import { DeviceError } from "../core/errors.js";
import { findBackend, registerBackend, type DeviceName } from "./backend.js";
import { cpuBackend } from "./cpu/index.js";
import type { WebGPUBackend } from "./webgpu/index.js";

registerBackend(cpuBackend);

/** What `torch.init({ device })` takes: a device, or "auto" (webgpu on a hardware adapter, else cpu). */
export type DeviceRequest = DeviceName | "auto";

let defaultDevice: DeviceName = "cpu";
let webgpuPending: Promise<WebGPUBackend | { reason: string }> | null = null;

/**
 * Acquires WebGPU once (again after a device loss): Dawn's Node binding (the optional `webgpu`
 * package, imported lazily) in Node, `navigator.gpu` in a browser. Resolves to the backend,
 * registered as "webgpu", or to the reason there is none.
 */
async function acquireWebGPU(): Promise<WebGPUBackend | { reason: string }> {
  const existing = findBackend("webgpu") as WebGPUBackend | undefined;
  if (existing && !existing.lost) return existing;
  webgpuPending ??= (async () => {
    try {
      const { initWebGPU } = await import("./webgpu/index.js");
      const result = await initWebGPU();
      if (!("reason" in result)) registerBackend(result);
      return result;
    } finally {
      webgpuPending = null;
    }
  })();
  return webgpuPending;
}

/**
 * A software rasterizer (Mesa's lavapipe, SwiftShader): it runs on the CPU, slower than
 * webtorch's own CPU kernels, so "auto" does not pick it (ask for "webgpu" to use it anyway).
 */
function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return (
    info.isFallbackAdapter === true ||
    info.architecture === "software" ||
    /llvmpipe|lavapipe|swiftshader/i.test(`${info.device} ${info.description}`)
  );
}

/**
 * Acquires a device and makes it the default; returns its name. `"auto"` picks webgpu when a
 * hardware adapter exists, else the CPU (gpu.js is not available yet).
 *
 * @example
 * const device = await torch.init({ device: "auto" }); // "webgpu" or "cpu"
 */
export async function init(options: { device?: DeviceRequest } = {}): Promise<DeviceName> {
  const want = options.device ?? "auto";
  if (want === "cpu") {
    defaultDevice = "cpu";
    return defaultDevice;
  }
  if (want === "auto" || want === "webgpu") {
    const result = await acquireWebGPU();
    if (!("reason" in result) && !(want === "auto" && isSoftwareAdapter(result.adapter))) {
      defaultDevice = "webgpu";
      return defaultDevice;
    }
    if (want === "auto") {
      defaultDevice = "cpu";
      return defaultDevice;
    }
    throw new DeviceError(
      "init",
      `WebGPU is not available: ${"reason" in result ? result.reason : "unknown"}`,
    );
  }
  if (!["cpu", "webgpu", "gpujs"].includes(want))
    throw new DeviceError(
      "init",
      `${JSON.stringify(want)} is not a webtorch device; the devices are "cpu", "webgpu" and "gpujs" (or "auto"); for a GPU use "webgpu"`,
    );
  if (findBackend(want)) {
    defaultDevice = want;
    return want;
  }
  throw new DeviceError(
    "init",
    `device "${want}" is not available in this build yet; use "webgpu", "cpu" or "auto"`,
  );
}

/** The device `init` chose. */
export function getDefaultDevice(): DeviceName {
  return defaultDevice;
}
