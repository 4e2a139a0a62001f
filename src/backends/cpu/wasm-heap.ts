/**
 * The wasm heap: one shared `WebAssembly.Memory` that holds the CPU backend's large float32
 * storages, the GEMM's scratch, and that the worker pool's threads run on (wasm-pool.ts). A
 * tensor that lives here is an operand of the WebAssembly SIMD kernels as it is, by its address:
 * no copy in or out of wasm memory, and every thread of the pool sees it.
 *
 * - Where: Node, and cross-origin isolated pages (a shared memory needs `SharedArrayBuffer`).
 *   Elsewhere there is no heap, and storages are plain typed arrays copied into the kernels'
 *   own memory, as before (wasm.ts).
 * - What: float32 and int32 storages of at least {@link HEAP_MIN_BYTES} (smaller ones are many
 *   and cheap for V8), while the wasm kernels are switched on. Each is a `Float32Array` or
 *   `Int32Array` view of the memory, so every TypeScript kernel reads and writes it as any other
 *   array.
 * - Why shared even on one thread: growing a plain memory detaches its buffer, which would
 *   invalidate every tensor's view (and permanently slows V8's typed-array code, see wasm.ts);
 *   a shared memory's buffer is never detached, so views stay valid as it grows.
 * - Allocation: blocks aligned to {@link ALIGN} bytes; free blocks are kept sorted by address,
 *   merged with their neighbours, and taken best fit, so the same sizes every training step
 *   reuse the same blocks. Past the last block the heap grows (by half at least). When the
 *   memory cannot grow (its maximum, or the engine refuses), allocation answers null and the
 *   storage is a plain array: slower, never an error.
 * - Freeing: the CPU backend frees a storage's block when its last tensor is disposed; a block
 *   whose view is garbage-collected undisposed is freed by a `FinalizationRegistry`.
 *
 * @module
 */
import type { View } from "../../core/layout.js";
import { SHARED_MAX_PAGES } from "./wasm-pool.js";

/** Storages below this many bytes stay plain typed arrays. */
export const HEAP_MIN_BYTES = 16 * 1024;
/** Block alignment: a cache line, so two threads never write one line of two blocks. */
const ALIGN = 64;
const PAGE = 65536;

/** The memory; null where refused or unsupported, undefined before the first try. */
let memory: WebAssembly.Memory | null | undefined;
/** First byte past the highest block handed out (0 stays unused: no block has address 0). */
let top = ALIGN;
/** Free blocks below `top`, sorted by address, none adjacent to another. */
const freeAt: number[] = [];
const freeSize: number[] = [];
/** Live blocks: address -> bytes. */
const live = new Map<number, number>();
/** Heap views handed out as storages -> their block's address. */
const viewAddress = new WeakMap<Float32Array | Int32Array, number>();
/**
 * The heap's buffers: `memory.buffer` is a new `SharedArrayBuffer` object after each growth, and
 * every view made on one of them (a storage, or a kernel's subarray of it) is on the heap.
 */
const heapBuffers = new WeakSet<ArrayBufferLike>();
const finalizer =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<number>((at) => {
        heapInternals.finalized++;
        heapFree(at);
      })
    : null;

/** Counters for tests and `torch.memory()`-style reports. */
export const heapInternals = {
  /** Bytes in live blocks. */
  liveBytes: 0,
  /** Blocks freed by the finalizer (storages garbage-collected without dispose). */
  finalized: 0,
  /** Allocations refused (the memory could not grow): those storages are plain arrays. */
  refused: 0,
};

/**
 * The heap's memory, created on first use; null where this runtime has no shared memory (a page
 * without cross-origin isolation) or refuses one.
 */
export function heapMemory(): WebAssembly.Memory | null {
  if (memory !== undefined) return memory;
  memory = null;
  if (typeof SharedArrayBuffer !== "function") return null;
  try {
    memory = new WebAssembly.Memory({
      initial: 16,
      maximum: SHARED_MAX_PAGES,
      shared: true,
    } as WebAssembly.MemoryDescriptor);
  } catch {
    memory = null;
  }
  return memory;
}

/** A block of at least `bytes` (rounded up to {@link ALIGN}): its byte address, or 0 if refused. */
export function heapAlloc(bytes: number): number {
  const mem = heapMemory();
  if (!mem) return 0;
  const size = Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
  let best = -1;
  for (let i = 0; i < freeAt.length; i++) {
    const s = freeSize[i]!;
    if (s >= size && (best < 0 || s < freeSize[best]!)) {
      best = i;
      if (s === size) break;
    }
  }
  let at: number;
  if (best >= 0) {
    at = freeAt[best]!;
    if (freeSize[best] === size) {
      freeAt.splice(best, 1);
      freeSize.splice(best, 1);
    } else {
      freeAt[best] = at + size;
      freeSize[best] = freeSize[best]! - size;
    }
  } else {
    if (!ensureBytes(mem, top + size)) {
      heapInternals.refused++;
      return 0;
    }
    at = top;
    top += size;
  }
  live.set(at, size);
  heapInternals.liveBytes += size;
  return at;
}

/** Grows the memory to hold `end` bytes (by at least half); false where it cannot. */
function ensureBytes(mem: WebAssembly.Memory, end: number): boolean {
  const have = mem.buffer.byteLength / PAGE;
  const need = Math.ceil(end / PAGE);
  if (need <= have) return true;
  if (need > SHARED_MAX_PAGES) return false;
  try {
    mem.grow(Math.min(SHARED_MAX_PAGES, Math.max(need, Math.ceil(have * 1.5))) - have);
    return true;
  } catch {
    return false;
  }
}

/** Returns the block at `at` to the heap (merged with free neighbours; the top one shrinks `top`). */
export function heapFree(at: number): void {
  const size = live.get(at);
  if (size === undefined) return;
  live.delete(at);
  heapInternals.liveBytes -= size;
  // binary search: the first free block after `at`
  let lo = 0;
  let hi = freeAt.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (freeAt[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  let start = at;
  let end = at + size;
  let i = lo;
  if (i > 0 && freeAt[i - 1]! + freeSize[i - 1]! === start) {
    i--;
    start = freeAt[i]!;
    freeAt.splice(i, 1);
    freeSize.splice(i, 1);
  }
  if (i < freeAt.length && freeAt[i] === end) {
    end += freeSize[i]!;
    freeAt.splice(i, 1);
    freeSize.splice(i, 1);
  }
  if (end === top) top = start;
  else {
    freeAt.splice(i, 0, start);
    freeSize.splice(i, 0, end - start);
  }
}

/** The dtypes whose storages may live on the heap (4-byte elements the wasm kernels read). */
export type HeapDType = "float32" | "int32";

/**
 * A storage array of `dtype` and `size` elements on the heap (contents unspecified: the caller
 * zeroes it if it must), or null when it should be a plain array (small, no heap, or no room).
 */
export function heapArray(dtype: HeapDType, size: number): Float32Array | Int32Array | null {
  if (size * 4 < HEAP_MIN_BYTES) return null;
  const at = heapAlloc(size * 4);
  if (at === 0) return null;
  const buffer = memory!.buffer;
  heapBuffers.add(buffer);
  const view =
    dtype === "int32" ? new Int32Array(buffer, at, size) : new Float32Array(buffer, at, size);
  viewAddress.set(view, at);
  finalizer?.register(view, at, view);
  return view;
}

/** Frees the block of a storage array from {@link heapArray}; false for any other array. */
export function releaseHeapArray(data: unknown): boolean {
  const view = data as Float32Array | Int32Array;
  const at = viewAddress.get(view);
  if (at === undefined) return false;
  viewAddress.delete(view);
  finalizer?.unregister(view);
  heapFree(at);
  return true;
}

/**
 * The byte address of element 0 of a float32 or int32 array on the heap (a storage's, or a
 * subarray of one), or -1 for any other array.
 */
export function heapAddress(data: unknown): number {
  const onHeap =
    (data instanceof Float32Array || data instanceof Int32Array) && heapBuffers.has(data.buffer);
  return onHeap ? data.byteOffset : -1;
}

/**
 * The heap address of a float32 view's first element (its offset included), or -1 for another
 * dtype or a view whose storage is not on the heap.
 */
export function viewHeapAddress(v: View): number {
  if (v.dtype !== "float32") return -1;
  const at = heapAddress(v.storage.data);
  return at < 0 ? -1 : at + 4 * v.offset;
}

/**
 * A heap block a kernel keeps between calls (its arguments, a broadcast input's values, the
 * GEMM's packed operands), replaced by a larger one when a call needs more. A new block gets
 * room for `slack` times the request, within `maxRoom()`, and at least `minBytes`, so that slowly
 * growing sizes do not replace it every call; where that room is refused, just the request.
 */
export class ScratchBlock {
  #at = 0;
  #bytes = 0;

  constructor(
    private readonly minBytes = 0,
    private readonly slack = 1,
    private readonly maxRoom: () => number = () => Infinity,
  ) {}

  /** The block's address, with at least `bytes`; 0 when the heap cannot hold them. */
  reserve(bytes: number): number {
    if (this.#bytes >= bytes) return this.#at;
    if (this.#at !== 0) heapFree(this.#at);
    this.#at = 0;
    this.#bytes = 0;
    const room = Math.max(
      bytes,
      this.minBytes,
      Math.min(Math.ceil(bytes * this.slack), this.maxRoom()),
    );
    for (const n of room > bytes ? [room, bytes] : [bytes]) {
      const at = heapAlloc(n);
      if (at !== 0) {
        this.#at = at;
        this.#bytes = n;
        return at;
      }
    }
    return 0;
  }
}

/** @internal For tests: the free list and the top, to check merging. */
export function heapLayout(): { free: [number, number][]; top: number; live: number } {
  return { free: freeAt.map((a, i) => [a, freeSize[i]!]), top, live: live.size };
}
