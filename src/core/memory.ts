import type { Storage } from "./layout.js";
import { bytesPerElement } from "./dtype.js";

/**
 * Explicit memory: JavaScript has no reference counting and GPU memory is invisible to its garbage
 * collector, so tensors are disposed (`dispose`, `tidy`, `using`), storages are reference counted
 * by the tensors that view them, and a FinalizationRegistry frees what was collected undisposed.
 */

/** What a scope tracks: anything disposable that can be marked to survive its scope. */
export interface Tracked {
  dispose(): void;
  /** Set by `keep`: the scope that made it will not dispose it. */
  kept: boolean;
  readonly isDisposed: boolean;
}

interface DeviceCounts {
  tensors: number;
  storages: number;
  bytes: number;
}

const counts = new Map<string, DeviceCounts>();
let collectedUndisposed = 0;

function countsFor(device: string): DeviceCounts {
  let c = counts.get(device);
  if (!c) counts.set(device, (c = { tensors: 0, storages: 0, bytes: 0 }));
  return c;
}

export function noteTensorCreated(device: string): void {
  countsFor(device).tensors++;
}

export function noteTensorDisposed(device: string): void {
  countsFor(device).tensors--;
}

/** Records a storage a backend allocated. */
export function noteStorageAllocated(storage: Storage): void {
  const c = countsFor(storage.backend.name);
  c.storages++;
  c.bytes += storage.size * bytesPerElement(storage.dtype);
}

/** Drops one tensor's hold on `storage`, freeing it when none is left. */
export function releaseStorage(storage: Storage): void {
  if (--storage.refs > 0 || storage.freed) return;
  storage.freed = true;
  const c = countsFor(storage.backend.name);
  c.storages--;
  c.bytes -= storage.size * bytesPerElement(storage.dtype);
  storage.backend.free(storage);
}

/**
 * The safety net: a tensor collected without `dispose()` releases its storage here. The held value
 * is the storage itself (never the tensor, which would keep it alive).
 */
export const finalizer = new FinalizationRegistry<{
  storage: Storage;
  device: string;
  node: { unref(): void } | null;
}>((held) => {
  collectedUndisposed++;
  noteTensorDisposed(held.device);
  releaseStorage(held.storage);
  held.node?.unref();
});

/** Live tensors and storage per device, as `torch.memory()` reports it. */
export interface MemoryInfo {
  /** Tensor handles not yet disposed, over all devices. */
  numTensors: number;
  /** Storages (buffers) still allocated, over all devices. */
  numStorages: number;
  numBytes: number;
  /** Tensors that were garbage-collected without `dispose()` (their storage was freed then). */
  numCollectedUndisposed: number;
  devices: Record<string, { numTensors: number; numStorages: number; numBytes: number }>;
}

/**
 * Live tensors, storages and bytes, in all and per device (`torch.memory()`; TF.js's
 * `tf.memory()`): a training loop written the plain way keeps these constant.
 *
 * @example
 * const before = torch.memory().numTensors;
 * torch.tidy(() => x.mul(2).sum());
 * torch.memory().numTensors === before; // true
 */
export function memoryInfo(): MemoryInfo {
  const info: MemoryInfo = {
    numTensors: 0,
    numStorages: 0,
    numBytes: 0,
    numCollectedUndisposed: collectedUndisposed,
    devices: {},
  };
  for (const [device, c] of counts) {
    info.numTensors += c.tensors;
    info.numStorages += c.storages;
    info.numBytes += c.bytes;
    info.devices[device] = { numTensors: c.tensors, numStorages: c.storages, numBytes: c.bytes };
  }
  return info;
}

// ---- scopes (tidy) ----

const scopes: Tracked[][] = [];

/** Registers a new tensor with the innermost `tidy` scope, if any. */
export function track(t: Tracked): void {
  const top = scopes[scopes.length - 1];
  if (top) top.push(t);
}

/** Marks `t` so that no enclosing `tidy` disposes it. Returns `t`. */
export function keep<T extends Tracked>(t: T): T {
  t.kept = true;
  return t;
}

function collectTracked(value: unknown, into: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 4) return;
  if (isTracked(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectTracked(v, into, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collectTracked(v, into, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collectTracked(v, into, depth + 1);
}

function isTracked(v: object): v is Tracked {
  return typeof (v as Tracked).dispose === "function" && "kept" in v;
}

function endScope(result: unknown): void {
  const scope = scopes.pop()!;
  const survivors = new Set<unknown>();
  collectTracked(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) parent?.push(t);
    else if (!t.kept && !t.isDisposed) t.dispose();
  }
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (found in the returned
 * value, arrays, Maps and plain objects) and those marked with `keep`. Works with async functions:
 * the scope ends when the promise settles.
 *
 * NOTE: scopes are a stack, not per async context: two async `tidy` calls that interleave their
 * awaits share the innermost scope. Await one before starting the next.
 *
 * @example
 * const loss = torch.tidy(() => F.crossEntropy(model.forward(x), y));
 */
export function tidy<T>(fn: () => T): T {
  scopes.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v: unknown) => {
        endScope(v);
        return v;
      },
      (e: unknown) => {
        endScope(undefined);
        throw e;
      },
    ) as T;
  }
  endScope(result);
  return result;
}
