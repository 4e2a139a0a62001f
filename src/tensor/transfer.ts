import type { DeviceName } from "../backends/backend.js";
import { DeviceError } from "../core/errors.js";
import { backendFor, needsGrad, record, tensorFromArray } from "../ops/dispatch.js";
import type { Tensor } from "./tensor.js";

/**
 * Moving tensors between devices. The copy is differentiable: its gradient moves back.
 */

function moved(
  x: Tensor,
  device: DeviceName,
  data: ReturnType<NonNullable<Tensor["backend"]["readSync"]>>,
): Tensor {
  const out = tensorFromArray(backendFor(device, "to"), x.dtype, x.shape, data, "to");
  if (needsGrad(x)) {
    const from = x.device;
    record("to", [x], [out], ([g]) => [toDevice(g!, from)]);
  }
  return out;
}

/** `x.to(device)`: synchronous when the source can be read synchronously (the CPU). */
export function toDevice(x: Tensor, device: DeviceName): Tensor {
  if (x.device === device) return x;
  const src = x.backend;
  if (!src.readSync) {
    throw new DeviceError(
      "to",
      `moving a ${x.device} tensor to ${device} needs an asynchronous read; use await t.toAsync("${device}")`,
    );
  }
  return moved(x, device, x.dataSync());
}

/** `await x.toAsync(device)`: works from any device. */
export async function toDeviceAsync(x: Tensor, device: DeviceName): Promise<Tensor> {
  if (x.device === device) return x;
  return moved(x, device, await x.data());
}
