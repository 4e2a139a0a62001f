import type { Storage } from "./layout.js";
import { bytesPerElement } from "./dtype.js";
import { platform } from "./platform/current.js";

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
  tensorsSinceTurn++;
}

export function noteTensorDisposed(device: string): void {
  countsFor(device).tensors--;
}

/** Records a storage a backend allocated. */
export function noteStorageAllocated(storage: Storage): void {
  const c = countsFor(storage.backend.name);
  c.storages++;
  const bytes = storage.size * bytesPerElement(storage.dtype);
  c.bytes += bytes;
  bytesSinceTurn += bytes;
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

// ---- giving the FinalizationRegistry a turn ----

/**
 * A FinalizationRegistry's callbacks run only in a turn of the event loop (a macrotask), never
 * between microtasks. A loop such as `for (...) { ...; await loss.item(); loss.dispose(); }` on the
 * CPU awaits only promises that are already resolved, so without help it never gives the loop a
 * turn and every tensor it dropped without `dispose()` (the forward's intermediates, held only by
 * the model's local variables) keeps its storage for good. So a read (`data()`, `item()`, ...)
 * waits for one macrotask when many tensors or bytes were made since the last turn of the loop.
 */
const TURN_AFTER_TENSORS = 2000;
const TURN_AFTER_BYTES = 64 * 1024 * 1024;
let tensorsSinceTurn = 0;
let bytesSinceTurn = 0;
let markerScheduled = false;

/** Runs `fn` in a later macrotask: setImmediate in Node, a MessageChannel message or a timeout. */
const macrotask: (fn: () => void) => void = (() => {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === "function") return (fn) => void g.setImmediate!(fn);
  if (typeof MessageChannel === "function") {
    const queue: (() => void)[] = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
    return (fn) => {
      queue.push(fn);
      channel.port2.postMessage(0);
    };
  }
  return (fn) => void setTimeout(fn, 0);
})();

function turned(): void {
  markerScheduled = false;
  tensorsSinceTurn = 0;
  bytesSinceTurn = 0;
}

/**
 * Called by the asynchronous reads: `undefined` when the event loop turned recently (nothing to
 * do), else a promise that resolves in the next macrotask, where the FinalizationRegistry frees
 * the storage of the tensors the garbage collector found dropped without `dispose()`.
 */
export function finalizationTurn(): Promise<void> | undefined {
  if (tensorsSinceTurn < TURN_AFTER_TENSORS && bytesSinceTurn < TURN_AFTER_BYTES) {
    // A marker notes whether the loop turns by itself before the next read.
    if (!markerScheduled) {
      markerScheduled = true;
      macrotask(turned);
    }
    return undefined;
  }
  tensorsSinceTurn = 0;
  bytesSinceTurn = 0;
  return new Promise((resolve) => macrotask(resolve));
}

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

/** One `tidy` call's scope: what was made in it, and the scope its survivors go to. */
interface Scope {
  readonly tracked: Tracked[];
  readonly parent: Scope | null;
  ended: boolean;
}

/** An `AsyncLocalStorage` (Node's `node:async_hooks`, also Deno and Bun); null in a browser. */
const asyncContext = platform.asyncContext<Scope>();
let useAsyncContext = asyncContext !== null;
/** The innermost scope of the synchronous code running now (a `tidy` frame on the stack). */
let syncTop: Scope | null = null;
/** Async scopes not yet settled that run in their own async context. */
let pendingInContext = 0;

/**
 * The scope a tensor made now belongs to: the running synchronous `tidy`, else the async `tidy`
 * whose continuation is running (its own async context), else none.
 */
function currentScope(): Scope | null {
  if (syncTop) return syncTop;
  if (pendingInContext > 0) return asyncContext!.getStore() ?? null;
  return null;
}

/**
 * Turns per-async-context scopes off (as in a browser, which has no AsyncLocalStorage) or back on.
 * Returns whether they were on.
 *
 * @internal for tests
 */
export function setAsyncScopes(on: boolean): boolean {
  const was = useAsyncContext;
  useAsyncContext = on && asyncContext !== null;
  return was;
}

/** Registers a new tensor with the innermost `tidy` scope, if any. */
export function track(t: Tracked): void {
  currentScope()?.tracked.push(t);
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

/** Disposes what `scope` made except `result`'s tensors, which go to the parent scope. */
function endScope(scope: Scope, result: unknown): void {
  scope.ended = true;
  const survivors = new Set<unknown>();
  collectTracked(result, survivors);
  const parent = scope.parent && !scope.parent.ended ? scope.parent : null;
  for (const t of scope.tracked) {
    if (survivors.has(t)) parent?.tracked.push(t);
    else if (!t.kept && !t.isDisposed) t.dispose();
  }
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (found in the returned
 * value, arrays, Maps and plain objects) and those marked with `keep`. Works with async functions:
 * the scope ends when the promise settles.
 *
 * Each async `tidy` has its own scope and disposes only tensors its own code made: where
 * AsyncLocalStorage exists (Node, Deno, Bun), the tensors made after an `await` belong to the
 * `tidy` whose code made them, so async `tidy` calls may interleave, and code outside them may
 * make tensors meanwhile. Without it (browsers; or a function that returns a promise without being
 * `async`), nothing tells whose code runs after an `await`, so an async `tidy` disposes what it
 * made before its first `await`, and leaves what it made after it to the caller (`dispose`, a
 * synchronous `tidy` inside, or at worst the FinalizationRegistry) rather than risk disposing
 * another call's tensors.
 *
 * @example
 * const loss = torch.tidy(() => F.crossEntropy(model.forward(x), y));
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = { tracked: [], parent: currentScope(), ended: false };
  const inContext = useAsyncContext && fn.constructor.name === "AsyncFunction";
  const prevSync = syncTop;
  syncTop = scope;
  let result: T;
  try {
    result = inContext ? asyncContext!.run(scope, fn) : fn();
  } catch (e) {
    syncTop = prevSync;
    endScope(scope, undefined);
    throw e;
  } finally {
    syncTop = prevSync;
  }
  if (!(result instanceof Promise)) {
    endScope(scope, result);
    return result;
  }
  if (inContext) pendingInContext++;
  return result.then(
    (v: unknown) => {
      if (inContext) pendingInContext--;
      endScope(scope, v);
      return v;
    },
    (e: unknown) => {
      if (inContext) pendingInContext--;
      endScope(scope, undefined);
      throw e;
    },
  ) as T;
}
