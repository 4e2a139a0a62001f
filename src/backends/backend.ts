import type { DType, TypedArray } from "../core/dtype.js";
import type { Shape } from "../core/shape.js";
import type { Kernel, KernelArgs, KernelTable, Prim } from "../ops/prims.js";

/** The devices a tensor can live on. */
export type DeviceName = "cpu" | "webgpu" | "gpujs";

/**
 * A flat buffer of `size` elements of one dtype on one backend. Tensors are views into storage;
 * several tensors (views) may share one storage, which is freed when the last of them is disposed.
 */
export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  /** Elements, not bytes. */
  readonly size: number;
  /** The backend's handle: a typed array on the CPU, a GPU buffer on WebGPU. */
  readonly data: unknown;
  /** How many live tensor handles point at this storage. */
  refs: number;
  /** Bumped by every in-place write; autograd compares it to detect a modified saved tensor. */
  version: number;
  freed: boolean;
}

/** What a kernel sees of a tensor: its storage and the strided window onto it. */
export interface View {
  readonly storage: Storage;
  readonly dtype: DType;
  readonly shape: Shape;
  /** In elements; may be 0 (broadcast) or negative (flip). */
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * A compute backend: storage management plus one kernel per primitive. Every kernel writes into
 * output views that the frontend allocated, and returns at once; a GPU backend only enqueues, and
 * the one asynchronous step is `read`.
 */
export interface Backend {
  readonly name: DeviceName;
  /** A new storage; its contents are unspecified until written (zeros on the CPU). */
  alloc(dtype: DType, size: number): Storage;
  /** Releases the storage's memory; called once, when its last tensor is disposed. */
  free(storage: Storage): void;
  /** Replaces the whole contents of `storage` with `data` (same dtype and length). */
  write(storage: Storage, data: TypedArray): void;
  /** The whole contents, once every enqueued kernel that writes it has run. */
  read(storage: Storage): Promise<TypedArray>;
  /** Synchronous read, on backends where that is possible without blocking (the CPU). */
  readSync?(storage: Storage): TypedArray;
  /** The kernels it has; a missing one runs on the CPU (see `ops/dispatch.ts`). */
  readonly kernels: Partial<KernelTable>;
  /**
   * Runs a primitive this backend has no kernel for with the CPU's kernel, keeping its own order of
   * execution (a GPU backend reads the inputs back asynchronously, in its queue). Without it the
   * frontend copies through `readSync`/`write`.
   */
  fallback?<P extends Prim>(prim: P, args: KernelArgs[P], cpuKernel: Kernel<P>): void;
  /** Float64 support; the frontend refuses float64 tensors on backends without it. */
  readonly supportsFloat64: boolean;
}

const backends = new Map<DeviceName, Backend>();

/** Makes a backend available under its name (done by `init` for GPU backends). */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** The backend for `device`, or undefined if it has not been initialised. */
export function findBackend(device: DeviceName): Backend | undefined {
  return backends.get(device);
}

export function registeredDevices(): DeviceName[] {
  return [...backends.keys()];
}
