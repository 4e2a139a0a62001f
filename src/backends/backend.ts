import type { DType, TypedArray } from "../core/dtype.js";
import type { Storage } from "../core/layout.js";
import type { Kernel, KernelArgs, KernelTable, Prim } from "../ops/prims.js";

/** The devices a tensor can live on. */
export type DeviceName = "cpu" | "webgpu" | "gpujs";

/**
 * A compute backend: storage management plus one kernel per primitive. Every kernel writes into
 * output views that the frontend allocated, and returns at once; a GPU backend only enqueues, and
 * the one asynchronous step is `read`.
 */
export interface Backend {
  readonly name: DeviceName;
  /**
   * A new storage; its contents are unspecified until written (zeros on the CPU, unless
   * `overwritten`: the caller's kernel writes every element before anything reads one, so the
   * CPU skips zeroing a reused block).
   */
  alloc(dtype: DType, size: number, overwritten?: boolean): Storage;
  /** Releases the storage's memory; called once, when its last tensor is disposed. */
  free(storage: Storage): void;
  /** Replaces the whole contents of `storage` with `data` (same dtype and length). */
  write(storage: Storage, data: TypedArray): void;
  /** The whole contents, once every enqueued kernel that writes it has run. */
  read(storage: Storage): Promise<TypedArray>;
  /** Synchronous read, on backends where that is possible without blocking (the CPU). */
  readSync?(storage: Storage): TypedArray;
  /** The kernels it has; a missing one goes to `fallback` (see `runKernel` in `ops/dispatch.ts`). */
  readonly kernels: Partial<KernelTable>;
  /**
   * Runs a primitive this backend has no kernel for with the CPU's kernel, keeping its own order of
   * execution (a GPU backend reads the inputs back asynchronously, in its queue). `runKernel` counts
   * every such run in `torch.backendStats()` and warns once per primitive, then calls this. A
   * backend without it cannot run a primitive it has no kernel for: after the count and the
   * warning, `runKernel` throws a `DeviceError` naming the primitive.
   */
  fallback?<P extends Prim>(prim: P, args: KernelArgs[P], cpuKernel: Kernel<P>): void;
  /**
   * Resolves once everything enqueued has run; rejects with the first device-side error since the
   * last read (a failed value check, a kernel error). Backends that run synchronously omit it.
   */
  sync?(): Promise<void>;
  /** Float64 support; the frontend refuses float64 tensors on backends without it. */
  readonly supportsFloat64: boolean;
}

const backends = new Map<DeviceName, Backend>();

/** Makes a backend available under its name (done by `init` for GPU backends). */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

let defaultDevice: DeviceName = "cpu";

/**
 * The device creation functions and new modules use when no `device` is given (PyTorch's
 * `torch.get_default_device`): the CPU until `init` or `setDefaultDevice` changes it.
 */
export function getDefaultDevice(): DeviceName {
  return defaultDevice;
}

/** @internal Sets the default device, unchecked (`setDefaultDevice` checks). */
export function assignDefaultDevice(device: DeviceName): void {
  defaultDevice = device;
}

/** The backend for `device`, or undefined if it has not been initialised. */
export function findBackend(device: DeviceName): Backend | undefined {
  return backends.get(device);
}
