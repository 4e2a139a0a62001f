import { BufferPool, MAP_READ, USAGE, type PooledBuffer } from "./buffers.js";
import { deviceLostError } from "./device.js";
import type { PipelineEntry } from "./pipelines.js";

/**
 * The command stream of the WebGPU backend: every dispatch, copy, write, read and CPU fallback goes
 * through here, in program order.
 *
 * ## Batching
 * Per-op CPU overhead dominates WebGPU training loops, so dispatches are recorded into one open
 * compute pass of one command encoder and submitted together: at a readback, when a batch reaches
 * {@link MAX_DISPATCHES_PER_BATCH}, or in a microtask once the JavaScript that enqueued them
 * yields (so the GPU starts while the program awaits something else).
 *
 * ## Ordering rules that batching must keep
 * - `queue.writeBuffer` runs at its call, i.e. before the commands of the batch still being
 *   recorded. A write to a buffer that batch uses therefore submits the batch first.
 * - A buffer freed while the unsubmitted batch uses it waits (`pendingFree`) until the batch is
 *   submitted before it returns to the pool; after that, any reuse is ordered after the batch.
 * - Uniforms of a batch are staged on the CPU and written with one `writeBuffer` just before the
 *   batch's submit, so one uniform buffer serves every batch.
 *
 * ## Bind groups
 * Creating a bind group costs more than recording a dispatch (~14 us in Dawn's Node binding), so
 * they are cached by layout and storage buffers: buffers come back from the pool, and the uniform
 * slot is a dynamic offset, so a training loop's steps hit the cache.
 *
 * ## Host steps (the CPU fallback)
 * A host step reads buffers back, computes on the CPU and writes results. While one is pending,
 * every later operation (dispatch, write, free, read, another host step) is deferred in a JS-side
 * queue and replayed, in order, when it completes; so a read always sees every op enqueued
 * before it, fallback or not.
 */

/** A storage's GPU buffer, and the batch that last recorded a command using it. */
export interface GpuHandle {
  readonly buffer: GPUBuffer;
  /** The pooled buffer (`pooled.buffer === buffer`), returned to the pool when freed. */
  readonly pooled: PooledBuffer;
  /** Bytes of the storage (elements * 4), at most `buffer.size`. */
  readonly bytes: number;
  lastUse: number;
}

/** Dispatches recorded before a batch is submitted on its own. */
export const MAX_DISPATCHES_PER_BATCH = 128;
/** Bytes of the uniform staging area of one batch (a batch submits early when it fills up). */
const UNIFORM_CAPACITY = 64 * 1024;
/** Cached bind groups kept at most (the cache is emptied when it grows past this). */
const MAX_BIND_GROUPS = 8192;

export interface QueueStats {
  dispatches: number;
  submits: number;
  writes: number;
  reads: number;
  hostSteps: number;
}

export class GpuQueue {
  readonly device: GPUDevice;
  readonly storagePool: BufferPool;
  readonly #staging: BufferPool;
  readonly #uniformBuffer: GPUBuffer;
  readonly #uniformStage = new Uint8Array(UNIFORM_CAPACITY);
  readonly #uniformAlign: number;
  #uniformUsed = 0;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  /** Id of the batch being recorded. */
  #batch = 1;
  #dispatches = 0;
  #pendingFree: PooledBuffer[] = [];
  readonly #bindGroups = new Map<string, GPUBindGroup>();
  #flushScheduled = false;
  /** Pending host steps; while > 0, operations go to `#deferred`. */
  #blocked = 0;
  #deferred: (() => void)[] = [];
  /** The first asynchronous error since the last read (reported by the next read). */
  #error: Error | null = null;
  #lost: string | null = null;
  readonly stats: QueueStats = { dispatches: 0, submits: 0, writes: 0, reads: 0, hostSteps: 0 };

  constructor(device: GPUDevice, maxPooledBytes: number) {
    this.device = device;
    this.storagePool = new BufferPool(
      device,
      USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST,
      "webtorch storage",
      maxPooledBytes,
    );
    this.#staging = new BufferPool(
      device,
      USAGE.MAP_READ | USAGE.COPY_DST,
      "webtorch readback",
      maxPooledBytes / 4,
    );
    this.#uniformAlign = device.limits.minUniformBufferOffsetAlignment;
    this.#uniformBuffer = device.createBuffer({
      size: UNIFORM_CAPACITY,
      usage: USAGE.UNIFORM | USAGE.COPY_DST,
      label: "webtorch uniforms",
    });
    device.onuncapturederror = (ev) => this.reportError(new Error(ev.error.message));
    void device.lost.then((info) => {
      this.#lost = info.message || info.reason || "unknown reason";
    });
  }

  /** The reason the device was lost, or null while it lives. */
  get lostReason(): string | null {
    return this.#lost;
  }

  /** Throws a DeviceError naming `op` if the device is lost. */
  checkLive(op: string): void {
    if (this.#lost !== null) throw deviceLostError(op, this.#lost);
  }

  /** Records an error to be thrown by the next read (the first one wins). */
  reportError(e: Error): void {
    if (this.#error) return;
    this.#error = e;
    console.error(`webtorch: webgpu: ${e.message}`);
  }

  /** Whether a host step is pending (new operations are being deferred). */
  get blocked(): boolean {
    return this.#blocked > 0;
  }

  // ---- recording ----

  #encoderNow(): GPUCommandEncoder {
    return (this.#encoder ??= this.device.createCommandEncoder({ label: "webtorch batch" }));
  }

  #passNow(): GPUComputePassEncoder {
    return (this.#pass ??= this.#encoderNow().beginComputePass());
  }

  #endPass(): void {
    if (this.#pass) {
      this.#pass.end();
      this.#pass = null;
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      if (this.#blocked === 0 && this.#lost === null) this.flush();
    });
  }

  /**
   * Records one dispatch of `entry` with `handles` bound at 0..n-1 and `uniforms` (if the
   * pipeline has a uniform binding) after them.
   */
  dispatch(
    entry: PipelineEntry,
    handles: readonly GpuHandle[],
    uniforms: ArrayBufferView | null,
    x: number,
    y = 1,
    z = 1,
  ): void {
    this.checkLive("webgpu");
    if (this.#blocked) {
      const u = uniforms && copyView(uniforms);
      this.#deferred.push(() => this.dispatch(entry, handles, u, x, y, z));
      return;
    }
    if (x === 0 || y === 0 || z === 0) return;
    let offset = 0;
    let size = 0;
    if (entry.uniform) {
      const bytes = uniforms ? uniforms.byteLength : 0;
      size = Math.max(16, Math.ceil(bytes / 16) * 16);
      if (this.#uniformUsed + size > UNIFORM_CAPACITY) this.flush();
      offset = this.#uniformUsed;
      if (uniforms)
        this.#uniformStage.set(
          new Uint8Array(uniforms.buffer, uniforms.byteOffset, uniforms.byteLength),
          offset,
        );
      this.#uniformUsed = offset + Math.ceil(size / this.#uniformAlign) * this.#uniformAlign;
    }
    let key = `${entry.layoutKey}:${size}`;
    for (let i = 0; i < handles.length; i++) {
      const h = handles[i]!;
      key += `,${h.pooled.id}`;
      h.lastUse = this.#batch;
    }
    let bindGroup = this.#bindGroups.get(key);
    if (!bindGroup) {
      const entries: GPUBindGroupEntry[] = handles.map((h, binding) => ({
        binding,
        resource: { buffer: h.buffer },
      }));
      if (entry.uniform)
        entries.push({
          binding: handles.length,
          resource: { buffer: this.#uniformBuffer, offset: 0, size },
        });
      bindGroup = this.device.createBindGroup({ layout: entry.layout, entries });
      if (this.#bindGroups.size >= MAX_BIND_GROUPS) this.#bindGroups.clear();
      this.#bindGroups.set(key, bindGroup);
    }
    const pass = this.#passNow();
    pass.setPipeline(entry.pipeline);
    if (entry.uniform) pass.setBindGroup(0, bindGroup, [offset]);
    else pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.stats.dispatches++;
    if (++this.#dispatches >= MAX_DISPATCHES_PER_BATCH) this.flush();
    else this.#scheduleFlush();
  }

  /** Records `buffer[offset, offset + bytes) = 0` (offset and bytes multiples of 4). */
  clear(h: GpuHandle, offset: number, bytes: number): void {
    this.checkLive("webgpu");
    if (this.#blocked) {
      this.#deferred.push(() => this.clear(h, offset, bytes));
      return;
    }
    if (bytes === 0) return;
    this.#endPass();
    this.#encoderNow().clearBuffer(h.buffer, offset, bytes);
    h.lastUse = this.#batch;
    this.#scheduleFlush();
  }

  /** Records a copy of `bytes` bytes between two buffers (offsets and bytes multiples of 4). */
  copy(src: GpuHandle, srcOffset: number, dst: GpuHandle, dstOffset: number, bytes: number): void {
    this.checkLive("webgpu");
    if (this.#blocked) {
      this.#deferred.push(() => this.copy(src, srcOffset, dst, dstOffset, bytes));
      return;
    }
    if (bytes === 0) return;
    this.#endPass();
    this.#encoderNow().copyBufferToBuffer(src.buffer, srcOffset, dst.buffer, dstOffset, bytes);
    src.lastUse = dst.lastUse = this.#batch;
    this.#scheduleFlush();
  }

  /** Replaces the start of `h`'s buffer with `data` (a byte length that is a multiple of 4). */
  write(h: GpuHandle, data: ArrayBufferView): void {
    this.checkLive("webgpu");
    if (this.#blocked) {
      const copy = copyView(data);
      this.#deferred.push(() => this.#writeNow(h, copy));
      return;
    }
    this.#writeNow(h, data);
  }

  #writeNow(h: GpuHandle, data: ArrayBufferView): void {
    if (this.#lost !== null || data.byteLength === 0) return;
    // NOTE: writeBuffer runs before the unsubmitted batch; submit it first if it uses this buffer.
    if (h.lastUse === this.#batch) this.flush();
    this.device.queue.writeBuffer(h.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    this.stats.writes++;
  }

  /** Gives `h`'s buffer back to the pool once no unsubmitted command uses it. */
  release(h: GpuHandle): void {
    if (this.#blocked) {
      this.#deferred.push(() => this.release(h));
      return;
    }
    if (this.#lost !== null) return;
    if (h.lastUse === this.#batch) this.#pendingFree.push(h.pooled);
    else this.storagePool.release(h.pooled);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (this.#blocked || this.#lost !== null) return;
    if (this.#encoder) {
      this.#endPass();
      if (this.#uniformUsed > 0)
        this.device.queue.writeBuffer(
          this.#uniformBuffer,
          0,
          this.#uniformStage,
          0,
          this.#uniformUsed,
        );
      this.device.queue.submit([this.#encoder.finish()]);
      this.stats.submits++;
      this.#encoder = null;
    }
    this.#batch++;
    this.#dispatches = 0;
    this.#uniformUsed = 0;
    for (const b of this.#pendingFree) this.storagePool.release(b);
    this.#pendingFree = [];
  }

  // ---- reading ----

  /** Copies the first `bytes` bytes of each handle to staging buffers, submits, maps them. */
  #readNow(handles: readonly GpuHandle[], bytes: readonly number[]): Promise<ArrayBuffer[]> {
    const staging = handles.map((h, i) => {
      const n = Math.max(4, bytes[i]!);
      const s = this.#staging.acquire(n);
      this.#endPass();
      if (bytes[i]! > 0) this.#encoderNow().copyBufferToBuffer(h.buffer, 0, s.buffer, 0, bytes[i]!);
      h.lastUse = this.#batch;
      return s;
    });
    this.flush();
    this.stats.reads += handles.length;
    return Promise.all(
      staging.map(async (pooled, i) => {
        const s = pooled.buffer;
        const n = bytes[i]!;
        try {
          if (n === 0) return new ArrayBuffer(0);
          await s.mapAsync(MAP_READ, 0, n);
          const out = s.getMappedRange(0, n).slice(0);
          s.unmap();
          return out;
        } catch (e) {
          if (this.#lost !== null) throw deviceLostError("webgpu", this.#lost);
          throw e;
        } finally {
          if (s.mapState === "unmapped" && this.#lost === null) this.#staging.release(pooled);
        }
      }),
    );
  }

  /**
   * The first `bytes[i]` bytes of each of `handles`, once every operation enqueued before this
   * call has run (one submit, one map each). Rejects with the first asynchronous error since the
   * previous read (a shader or fallback error), or a DeviceError if the device is lost.
   */
  async read(handles: readonly GpuHandle[], bytes: readonly number[]): Promise<ArrayBuffer[]> {
    const { data, error } = await this.readSettled(handles, bytes);
    if (error) throw error;
    return data;
  }

  /**
   * As `read`, but resolves with the first asynchronous error since the previous read (taken:
   * the next read will not see it) instead of rejecting with it; a lost device still rejects.
   */
  readSettled(
    handles: readonly GpuHandle[],
    bytes: readonly number[],
  ): Promise<{ data: ArrayBuffer[]; error: Error | null }> {
    if (this.#lost !== null) return Promise.reject(deviceLostError("webgpu", this.#lost));
    if (this.#blocked) {
      return new Promise((resolve, reject) => {
        this.#deferred.push(() => {
          this.readSettled(handles, bytes).then(resolve, reject);
        });
      });
    }
    return this.#readNow(handles, bytes).then((data) => ({ data, error: this.#takeError() }));
  }

  /** The first asynchronous error since the previous read, forgotten here. */
  #takeError(): Error | null {
    const err = this.#error;
    this.#error = null;
    return err;
  }

  /**
   * Resolves once every operation enqueued before this call has run; rejects as `read` does.
   * (`read` of nothing: a submit and a wait for it, with nothing to map.)
   */
  async sync(): Promise<void> {
    await this.read([], []);
    await this.device.queue.onSubmittedWorkDone();
    const err = this.#takeError();
    if (err) throw err;
  }

  // ---- host steps ----

  /**
   * Reads `handles` back, then runs `compute` on their bytes (it may call `writeFromHost`), with
   * every operation enqueued after this call deferred until `compute` has run.
   */
  hostStep(
    handles: readonly GpuHandle[],
    bytes: readonly number[],
    compute: (data: ArrayBuffer[]) => void,
  ): void {
    this.checkLive("webgpu");
    if (this.#blocked) {
      this.#deferred.push(() => this.hostStep(handles, bytes, compute));
      return;
    }
    this.stats.hostSteps++;
    const reading = this.#readNow(handles, bytes);
    this.#blocked++;
    reading
      .then(compute)
      .catch((e: unknown) => this.reportError(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        this.#blocked--;
        this.#replay();
      });
  }

  /** A write from inside a host step's `compute` (not deferred behind the step itself). */
  writeFromHost(h: GpuHandle, data: ArrayBufferView): void {
    this.#writeNow(h, data);
  }

  #replay(): void {
    while (this.#blocked === 0 && this.#deferred.length > 0) {
      const op = this.#deferred.shift()!;
      try {
        op();
      } catch (e) {
        this.reportError(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  /** Number of operations waiting behind a pending host step. */
  get deferredCount(): number {
    return this.#deferred.length;
  }
}

function copyView(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
}
