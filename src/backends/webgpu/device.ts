import { DeviceError } from "../../core/errors.js";
import { platform } from "../../core/platform/current.js";

/**
 * Acquiring a WebGPU adapter and device: `navigator.gpu` in a browser (or Deno), Dawn's Node
 * binding (the optional npm package `webgpu`, imported lazily by the Node platform) in Node.
 */

/** Optional features webgpu uses where the adapter has them; none is required. */
export interface DeviceFeatures {
  readonly shaderF16: boolean;
  readonly subgroups: boolean;
  readonly timestampQuery: boolean;
}

export interface AcquiredDevice {
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly features: DeviceFeatures;
  /** Where the GPU object came from: "navigator.gpu" or "webgpu (Dawn)". */
  readonly source: string;
}

/**
 * NOTE: Dawn's Node binding aborts, segfaults or hangs at random if the object `create()` returns
 * is garbage-collected while an adapter or device lives (NOTES-ENV.md). This module-level
 * reference keeps it for the life of the process; it is never cleared.
 */
let dawnGPU: GPU | undefined;

/** Limits raised from WebGPU's defaults to the adapter's maximum, when the adapter allows more. */
const RAISED_LIMITS = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
] as const;

/** The `GPU` entry point, or a reason why there is none. */
async function findGPU(): Promise<{ gpu: GPU; source: string } | { reason: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, source: "navigator.gpu" };
  // NOTE: Dawn only in the Node build; the browser build's platform answers with a reason that
  // speaks of the browser (chrome://gpu, --enable-unsafe-webgpu).
  if (!dawnGPU) {
    const found = await platform.dawnGPU();
    if ("reason" in found) return found;
    dawnGPU = found;
  }
  return { gpu: dawnGPU, source: "webgpu (Dawn)" };
}

/**
 * Requests an adapter and a device with the optional features present and the larger limits the
 * adapter offers. Resolves to the device, or to `{ reason }` when there is no usable adapter.
 */
export async function acquireDevice(): Promise<AcquiredDevice | { reason: string }> {
  const found = await findGPU();
  if ("reason" in found) return found;
  let adapter: GPUAdapter | null;
  try {
    adapter = await found.gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    return { reason: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) {
    return {
      reason: `${found.source} found no adapter (${platform.webgpuHint})`,
    };
  }
  const has = (f: string) => adapter.features.has(f);
  const requiredFeatures = (["shader-f16", "subgroups", "timestamp-query"] as const).filter(has);
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const v = adapter.limits[name];
    if (typeof v === "number") requiredLimits[name] = v;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredFeatures: requiredFeatures as GPUFeatureName[],
      requiredLimits,
      label: "webtorch",
    });
  } catch (e) {
    return { reason: `requestDevice failed: ${(e as Error).message}` };
  }
  return {
    adapter,
    device,
    source: found.source,
    features: {
      shaderF16: device.features.has("shader-f16"),
      subgroups: device.features.has("subgroups"),
      timestampQuery: device.features.has("timestamp-query"),
    },
  };
}

/** The error every WebGPU operation throws once the device is lost. */
export function deviceLostError(op: string, reason: string): DeviceError {
  return new DeviceError(
    op,
    `the WebGPU device was lost (${reason}); its tensors are gone: call await torch.init({ device: "webgpu" }) again and recreate them`,
  );
}
