import { DeviceError } from "../core/errors.js";
import { findBackend, registerBackend, type DeviceName } from "./backend.js";
import { cpuBackend } from "./cpu/index.js";

registerBackend(cpuBackend);

export type DeviceRequest = DeviceName | "auto";

let defaultDevice: DeviceName = "cpu";

/**
 * Acquires a device and makes it the default for new tensors' examples; returns its name.
 * `"auto"` picks webgpu, then gpujs, then cpu, whichever is available.
 *
 * @example
 * const device = await torch.init({ device: "auto" });
 */
export function init(options: { device?: DeviceRequest } = {}): Promise<DeviceName> {
  const want = options.device ?? "auto";
  if (want === "auto" || want === "cpu") {
    // NOTE: only the CPU backend exists so far; "auto" falls back to it (WebGPU: TODO(#5)).
    defaultDevice = "cpu";
    return Promise.resolve(defaultDevice);
  }
  if (findBackend(want)) {
    defaultDevice = want;
    return Promise.resolve(want);
  }
  return Promise.reject(
    new DeviceError(
      "init",
      `device "${want}" is not available in this build yet; use "cpu" or "auto"`,
    ),
  );
}

/** The device `init` chose. */
export function getDefaultDevice(): DeviceName {
  return defaultDevice;
}
