import type { Backend, DeviceName } from "../backends/backend.js";
import { findBackend, getDefaultDevice } from "../backends/backend.js";
import type { DType, TypedArray } from "../core/dtype.js";
import { DeviceError, DTypeError, TensorError, ValueError } from "../core/errors.js";
import { contiguousStrides, type Storage, type View } from "../core/layout.js";
import { noteStorageAllocated, tidy } from "../core/memory.js";
import { checkTensorArg } from "../core/options.js";
import { fmtShape, MAX_NUMEL, numel, type Shape } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Kernel, KernelArgs, Prim } from "./prims.js";

/**
 * The frontend's machinery shared by every op: device checks, output allocation and running a
 * kernel (or its CPU fallback). Recording on the autograd tape is `autograd/gradient.ts`.
 *
 * NOTE: the frontend never imports a concrete backend: the CPU backend registers itself as "cpu"
 * (`backends/init.ts`, loaded first by `src/index.ts`), and is looked up here once.
 *
 * NOTE: nor does any op import the `Tensor` class at run time (only its type): `tensor/tensor.ts`
 * registers it here (`registerTensorClass`). So the ops load completely before the class, which
 * installs its methods from them (`tensor/methods/`) as soon as it is defined.
 */

type TensorClass = new (
  storage: Storage,
  shape: Shape,
  strides: readonly number[],
  offset: number,
) => Tensor;

let tensorClass: TensorClass | undefined;

/** @internal Called once by `tensor/tensor.ts`. */
export function registerTensorClass(c: TensorClass): void {
  tensorClass = c;
}

/** A tensor over `storage` (a view: it shares the storage and takes one reference on it). */
export function newTensor(
  storage: Storage,
  shape: Shape,
  strides: readonly number[],
  offset: number,
): Tensor {
  if (!tensorClass) throw new Error("internal: the Tensor class is not loaded (import webtorch)");
  return new tensorClass(storage, shape, strides, offset);
}

let cpu: Backend | undefined;

/** The registered CPU backend: the default device, and every op's fallback. */
export function cpuBackend(): Backend {
  if (cpu) return cpu;
  cpu = findBackend("cpu");
  if (!cpu)
    throw new DeviceError(
      "cpu",
      "no CPU backend is registered; import webtorch (src/index.ts), which registers it",
    );
  return cpu;
}

/**
 * The backend all `tensors` live on; throws naming `op` if one is disposed or they are on
 * different devices.
 */
export function backendOf(op: string, ...tensors: Tensor[]): Backend {
  return backendOfAll(op, tensors);
}

/** `backendOf` over an array of tensors. */
export function backendOfAll(op: string, tensors: readonly Tensor[]): Backend {
  let backend: Backend | undefined;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!;
    checkTensorArg(op, t);
    if (t.isDisposed) throw disposedError(op, t);
    const b = t.storage.backend;
    if (backend && b !== backend) {
      throw new DeviceError(
        op,
        `expected all tensors on the same device, got ${backend.name} and ${b.name}; move them with .to(device)`,
      );
    }
    backend = b;
  }
  return backend ?? cpuBackend();
}

/** The error for a disposed tensor given to `op`. */
export function disposedError(op: string, t: Tensor): TensorError {
  return new TensorError(
    op,
    `a ${t.dtype} tensor of shape ${fmtShape(t.shape)} was used after dispose()`,
  );
}

/**
 * The backend of `device` (the default device, `torch.setDefaultDevice`, if none); throws naming
 * `op` if it is not initialised.
 */
export function backendFor(device: DeviceName | undefined, op: string): Backend {
  device ??= getDefaultDevice();
  if (device === "cpu") return cpuBackend();
  checkDeviceName(device, op);
  const b = findBackend(device);
  if (!b)
    throw new DeviceError(
      op,
      `device "${device}" is not initialised; call await torch.init({ device: "${device}" }) first`,
    );
  return b;
}

/** The devices webtorch knows. */
const DEVICE_NAMES: readonly string[] = ["cpu", "webgpu", "gpujs"];

/**
 * Throws a `DeviceError` naming `op` if `device` is not one of webtorch's device names (a PyTorch
 * name such as "cuda" or "mps" gets a pointer to "webgpu").
 */
export function checkDeviceName(device: unknown, op: string): asserts device is DeviceName {
  if (typeof device === "string" && DEVICE_NAMES.includes(device)) return;
  const shown = typeof device === "string" ? JSON.stringify(device) : String(device);
  const hint =
    typeof device === "string" && /^(cuda|mps|xpu|hip|vulkan|opengl|opencl)(:\d+)?$/i.test(device)
      ? `; for a GPU use "webgpu" (await torch.init({ device: "webgpu" }), then .to("webgpu"))`
      : "";
  throw new DeviceError(
    op,
    `${shown} is not a webtorch device; the devices are "cpu", "webgpu" and "gpujs"${hint}`,
  );
}

/** A new storage on `backend`, counted by `torch.memory()` (`overwritten`: see Backend.alloc). */
function allocStorage(
  backend: Backend,
  dtype: DType,
  size: number,
  op: string,
  overwritten = false,
): Storage {
  if (!Number.isInteger(size) || size < 0 || size > MAX_NUMEL)
    throw new ValueError(
      op,
      `invalid number of elements ${size} (must be an integer in [0, 2^31 - 1])`,
    );
  if (dtype === "float64" && !backend.supportsFloat64)
    throw new DTypeError(op, `float64 is not supported on ${backend.name}; use float32`);
  const s = backend.alloc(dtype, size, overwritten);
  noteStorageAllocated(s);
  return s;
}

/**
 * A new contiguous tensor (contents unspecified until a kernel writes it; zeros on the CPU unless
 * `overwritten`, where the op's kernel writes every element).
 */
export function emptyTensor(
  backend: Backend,
  dtype: DType,
  shape: Shape,
  op: string,
  overwritten = false,
): Tensor {
  return newTensor(
    allocStorage(backend, dtype, numel(shape), op, overwritten),
    shape,
    contiguousStrides(shape),
    0,
  );
}

/** A tensor holding `data` (copied), on `backend`. */
export function tensorFromArray(
  backend: Backend,
  dtype: DType,
  shape: Shape,
  data: TypedArray,
  op: string,
): Tensor {
  const t = emptyTensor(backend, dtype, shape, op);
  backend.write(t.storage, data);
  return t;
}

/** A view object over a tensor's storage with another shape/strides (no Tensor, no autograd). */
export function rawView(
  t: View,
  shape: Shape,
  strides: readonly number[],
  offset = t.offset,
): View {
  return { storage: t.storage, dtype: t.dtype, shape, strides, offset };
}

const fallbackCounts = new Map<string, number>();
const warned = new Set<string>();

/** Runs primitive `prim` on `backend`, or on the CPU when the backend has no kernel for it. */
export function runKernel<P extends Prim>(backend: Backend, prim: P, args: KernelArgs[P]): void {
  const kernel = backend.kernels[prim] as Kernel<P> | undefined;
  if (kernel) {
    kernel(args);
    return;
  }
  const key = `${backend.name}:${prim}`;
  fallbackCounts.set(key, (fallbackCounts.get(key) ?? 0) + 1);
  if (!warned.has(key)) {
    warned.add(key);
    console.warn(
      `webtorch: ${backend.name} has no kernel for ${prim}; running it on the CPU (counted in torch.backendStats())`,
    );
  }
  const cpuKernel = cpuBackend().kernels[prim] as Kernel<P>;
  if (backend.fallback) {
    backend.fallback(prim, args, cpuKernel);
    return;
  }
  throw new DeviceError(
    prim,
    `${backend.name} has neither a kernel nor a CPU fallback for ${prim}`,
  );
}

/**
 * How often each backend ran a primitive on the CPU for want of a kernel, as
 * `{ fallbacks: { "webgpu:conv2d": 3 } }` (`torch.backendStats`); empty when every op ran where
 * its tensors live.
 *
 * @example
 * torch.backendStats().fallbacks; // {}
 */
export function backendStats(): { fallbacks: Record<string, number> } {
  return { fallbacks: Object.fromEntries(fallbackCounts) };
}

/**
 * Runs a composite op: first checks its inputs (so errors name `op`, not an inner primitive):
 * each of `inputs` must be a live Tensor, each of `optional` a live Tensor or null/undefined (an
 * optional input not given, such as a bias). Then runs `fn` in a `tidy` scope, so its
 * intermediates are freed when it returns and everything it made is freed if it throws.
 */
export function composite<T>(
  op: string,
  inputs: readonly Tensor[],
  fn: () => T,
  optional: readonly (Tensor | null | undefined)[] = [],
): T {
  backendOfAll(op, [...inputs, ...optional.filter((t): t is Tensor => t != null)]);
  return tidy(fn);
}
