/**
 * GPU buffers by size class. Allocating a GPUBuffer costs far more than reusing one, and a training
 * loop allocates the same sizes every step, so freed buffers wait in a free list per size class
 * for the next allocation of that class.
 */

/** GPUBufferUsage flags (spec constants; in Node the `GPUBufferUsage` global may not exist). */
export const USAGE = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;

/** GPUMapMode.READ */
export const MAP_READ = 0x1;

/** The smallest buffer handed out (bytes); also keeps 0-element storages bindable. */
const MIN_BYTES = 64;

/**
 * Bytes rounded up to the next size class: four classes per power of two (`2^k * {1, 1.25, 1.5,
 * 1.75}`), so at most 25% of a buffer is slack, and at least {@link MIN_BYTES}. Always a
 * multiple of 16.
 *
 * @example
 * sizeClass(100); // 112
 */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BYTES) return MIN_BYTES;
  const pow = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = pow / 4;
  return Math.ceil(bytes / step) * step;
}

/** A pooled buffer and its id (stable for the buffer's life, never reused; keys bind groups). */
export interface PooledBuffer {
  readonly buffer: GPUBuffer;
  readonly id: number;
}

let nextBufferId = 1;

/** A pool of buffers of one usage, reused by size class. */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #usage: number;
  readonly #label: string;
  readonly #free = new Map<number, PooledBuffer[]>();
  /** Bytes held in free lists; beyond `maxPooledBytes` freed buffers are destroyed instead. */
  #pooledBytes = 0;
  #maxPooledBytes: number;
  /** Buffers handed out and not yet released. */
  live = 0;
  /** Buffers ever created (reuse shows as acquisitions far above this). */
  created = 0;

  constructor(device: GPUDevice, usage: number, label: string, maxPooledBytes: number) {
    this.#device = device;
    this.#usage = usage;
    this.#label = label;
    this.#maxPooledBytes = maxPooledBytes;
  }

  /** A buffer of at least `bytes` bytes (its `size` is the size class). */
  acquire(bytes: number): PooledBuffer {
    const size = sizeClass(bytes);
    this.live++;
    const list = this.#free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.#pooledBytes -= size;
      return reused;
    }
    this.created++;
    const buffer = this.#device.createBuffer({ size, usage: this.#usage, label: this.#label });
    return { buffer, id: nextBufferId++ };
  }

  /** Returns `buffer` for reuse. The caller guarantees no unsubmitted command still uses it. */
  release(pooled: PooledBuffer): void {
    this.live--;
    const size = pooled.buffer.size;
    if (this.#pooledBytes + size > this.#maxPooledBytes) {
      pooled.buffer.destroy();
      return;
    }
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, (list = []));
    list.push(pooled);
    this.#pooledBytes += size;
  }

  /** Bytes waiting in free lists. */
  get pooledBytes(): number {
    return this.#pooledBytes;
  }

  /** Destroys every pooled (free) buffer. */
  trim(): void {
    for (const list of this.#free.values()) for (const b of list) b.buffer.destroy();
    this.#free.clear();
    this.#pooledBytes = 0;
  }
}
