import { linearGradient, needsGrad, recordGradient } from "../autograd/gradient.js";
import type { DeviceName } from "../backends/backend.js";
import type { TypedArray } from "../core/dtype.js";
import { DeviceError } from "../core/errors.js";
import { backendFor, checkDeviceName, tensorFromArray } from "../ops/dispatch.js";
import type { Tensor } from "./tensor.js";

/**
 * Moving tensors between devices. The copy is differentiable: its gradient moves back.
 */

// the gradient of a move is the same move backwards
const TO_DEVICE = /* @__PURE__ */ linearGradient<{ from: DeviceName }>("to", (g, { from }) =>
  toDevice(g, from),
);

function moved(x: Tensor, device: DeviceName, data: TypedArray): Tensor {
  const out = tensorFromArray(backendFor(device, "to"), x.dtype, x.shape, data, "to");
  if (needsGrad(x)) recordGradient(TO_DEVICE, [x], [out], { from: x.device });
  return out;
}

/** `x.to(device)`: synchronous when the source can be read synchronously (the CPU). */
export function toDevice(x: Tensor, device: DeviceName): Tensor {
  checkDeviceName(device, "to");
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
  checkDeviceName(device, "toAsync");
  if (x.device === device) return x;
  return moved(x, device, await x.data());
}
