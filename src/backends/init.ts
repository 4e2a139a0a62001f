import { DeviceError } from "../core/errors.js";
import {
  assignDefaultDevice,
  findBackend,
  getDefaultDevice,
  registerBackend,
  type DeviceName,
} from "./backend.js";
import { platform } from "../core/platform/current.js";
import { fastKernelsLoaded } from "./cpu/fast.js";
import { cpuBackend } from "./cpu/index.js";
import type { WebGPUBackend } from "./webgpu/index.js";

registerBackend(cpuBackend);

/**
 * What `torch.init({ device })` takes: a device, or "auto" (webgpu on a hardware adapter, then
 * gpujs on a hardware WebGL2 in a browser, else cpu).
 */
export type DeviceRequest = DeviceName | "auto";

/** What `torch.init` takes. */
export interface InitOptions {
  /** The device to acquire and make the default (default "auto"). */
  device?: DeviceRequest;
  /**
   * The `gpu.js` module, for "gpujs" (and "auto") in a browser: `await import("gpu.js")`. Not
   * needed in Node (webtorch imports it by name) nor where gpu.js's browser script has set the
   * global `GPU`. NOTE: webtorch does not import gpu.js in a browser itself, so that an app's
   * bundler never processes it (1.1 MB) unless the app asks for it.
   */
  gpujs?: unknown;
}

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

/** Acquires gpu.js (see `gpujs/acquire.ts`, loaded only now). */
async function acquireGpujs(given: unknown): Promise<{ reason: string } | object> {
  const { acquireGpujs } = await import("./gpujs/acquire.js");
  return acquireGpujs(given);
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
 * Acquires a device and makes it the default; returns its name. `"auto"` picks webgpu on a
 * hardware adapter, then gpujs on a hardware WebGL2 (in a browser, with gpu.js given or loaded;
 * never in Node, where gpu.js has no GL), then the CPU: software rasterizers (lavapipe,
 * SwiftShader) are slower than the CPU backend, so auto does not pick them (ask for "webgpu" or
 * "gpujs" by name to use them anyway). It also waits for the CPU
 * backend's fast kernels (WebAssembly GEMM), which a browser bundle loads after the page.
 *
 * @example
 * const device = await torch.init({ device: "auto" }); // "webgpu", "gpujs" or "cpu"
 * // in a browser, offering gpu.js:
 * await torch.init({ device: "auto", gpujs: await import("gpu.js") });
 */
export async function init(options: InitOptions = {}): Promise<DeviceName> {
  const want = options.device ?? "auto";
  // NOTE: the CPU's fast kernels come by dynamic import in a browser bundle (cpu/fast.ts)
  await fastKernelsLoaded;
  if (want === "cpu") {
    assignDefaultDevice("cpu");
    return "cpu";
  }
  if (want === "auto") {
    const result = await acquireWebGPU();
    const webgpu =
      "reason" in result ? "none" : isSoftwareAdapter(result.adapter) ? "software" : "hardware";
    // NOTE: loaded only for "auto"; WebGL2 is probed only where it could be picked (a browser
    // without hardware WebGPU)
    const { chooseAutoDevice, probeWebGL2 } = await import("./auto.js");
    const webgl2 = webgpu !== "hardware" && platform.name === "browser" ? probeWebGL2() : "none";
    let device = chooseAutoDevice({ platform: platform.name, webgpu, webgl2 });
    if (device === "gpujs" && "reason" in (await acquireGpujs(options.gpujs))) device = "cpu";
    assignDefaultDevice(device);
    return device;
  }
  if (want === "webgpu") {
    const result = await acquireWebGPU();
    if ("reason" in result)
      throw new DeviceError("init", `WebGPU is not available: ${result.reason}`);
    assignDefaultDevice("webgpu");
    return "webgpu";
  }
  if (want === "gpujs") {
    const result = await acquireGpujs(options.gpujs);
    if ("reason" in result)
      throw new DeviceError("init", `gpu.js is not available: ${result.reason}`);
    assignDefaultDevice("gpujs");
    return "gpujs";
  }
  throw new DeviceError(
    "init",
    `${JSON.stringify(want)} is not a webtorch device; the devices are "cpu", "webgpu" and "gpujs" (or "auto"); for a GPU use "webgpu"`,
  );
}

export { getDefaultDevice };

const DEVICES: readonly DeviceName[] = ["cpu", "webgpu", "gpujs"];

function checkKnownDevice(op: string, d: string, given: unknown): void {
  if (!DEVICES.includes(d as DeviceName))
    throw new DeviceError(
      op,
      `unknown device; got ${JSON.stringify(given)} (expected "cpu", "webgpu" or "gpujs")`,
    );
}

/**
 * Makes `device` the default (PyTorch's `torch.set_default_device`): creation functions
 * (`tensor`, `zeros`, `rand`, `arange`, ...) and the parameters of new modules go there when no
 * `device` is given; `*Like` functions keep their input's device. The device must be initialised
 * (`await torch.init({ device })`, which also makes it the default). `null` is the CPU.
 *
 * @example
 * await torch.init({ device: "webgpu" }); // now the default
 * torch.setDefaultDevice("cpu"); // back to the CPU
 */
export function setDefaultDevice(device: DeviceName | null): void {
  const d = device ?? "cpu";
  checkKnownDevice("setDefaultDevice", d, device);
  const b = findBackend(d);
  if (!b || (b as { lost?: boolean }).lost === true)
    throw new DeviceError(
      "setDefaultDevice",
      `device "${d}" is not initialised; call await torch.init({ device: "${d}" }) first`,
    );
  assignDefaultDevice(d);
}

/**
 * Waits until everything enqueued on `device` (every initialised device if none is given) has
 * run, as `torch.cuda.synchronize()`, and throws the first device-side error since the last read:
 * a failed check such as an index out of range on a GPU, which cannot throw where the op was
 * called (see `ops/value-checks.ts`). On the CPU, where ops run at once, it resolves at once.
 *
 * @example
 * const y = torch.indexSelect(x, 0, idx); // on webgpu: enqueued, nothing checked yet
 * await torch.sync();                    // throws "indexSelect: index 9 is out of range ..."
 */
export async function sync(device?: DeviceName): Promise<void> {
  if (device !== undefined) checkKnownDevice("sync", device, device);
  for (const d of device === undefined ? DEVICES : [device]) await findBackend(d)?.sync?.();
}
