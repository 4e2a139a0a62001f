/**
 * Device-side asserts (CUDA's), the host half: a GPU kernel cannot throw, so the `check` kernel
 * (checks.ts) records the first value that breaks its rule in a 16-byte record on the device:
 * the check's site number, the value's index and its bits. Each check enqueued registers its
 * error under a new site number; a read made while checks are pending also reads the record, in
 * the same submit, and throws the error of the site it names (every check enqueued before the
 * read has then run). The record is then cleared and the sites forgotten, so later work goes on.
 *
 * A failed check does not stop the kernels after it (they read what the failing op wrote: zeros
 * for a gather out of range), as on CUDA, where the error also surfaces at the next
 * synchronisation.
 *
 * @module
 */
import type { DType } from "../../core/dtype.js";
import type { ViolationReport } from "../../ops/prims.js";
import type { GpuHandle, GpuQueue } from "./queue.js";

/** Bytes of the record: site, index, value bits, padding. */
const RECORD_BYTES = 16;

interface Site {
  readonly dtype: DType;
  readonly report: ViolationReport;
}

export class DeviceAsserts {
  readonly #queue: GpuQueue;
  /** The record, on the device (zeros: no violation). */
  readonly record: GpuHandle;
  readonly #sites = new Map<number, Site>();
  #nextSite = 1;

  constructor(queue: GpuQueue, record: GpuHandle) {
    this.#queue = queue;
    this.record = record;
    queue.write(record, new Uint32Array(RECORD_BYTES / 4));
  }

  /** Registers a check's error; returns the site number its kernel records on a violation. */
  site(dtype: DType, report: ViolationReport): number {
    const site = this.#nextSite++;
    // NOTE: site numbers are u32 in the record; wrap long before that (the map is empty then,
    // since every read clears it, unless 2^31 checks ran with no read between them)
    if (this.#nextSite > 0x7fffffff) this.#nextSite = 1;
    this.#sites.set(site, { dtype, report });
    return site;
  }

  /** `queue.read`, throwing the first failed check enqueued before it. */
  async read(handles: readonly GpuHandle[], bytes: readonly number[]): Promise<ArrayBuffer[]> {
    if (this.#sites.size === 0) return this.#queue.read(handles, bytes);
    const pending = [...this.#sites.keys()];
    const { data, error } = await this.#queue.readSettled(
      [...handles, this.record],
      [...bytes, RECORD_BYTES],
    );
    const [site, index, bits] = new Uint32Array(data.pop()!);
    const failed = this.#sites.get(site!);
    for (const s of pending) this.#sites.delete(s);
    if (site !== 0) {
      this.#queue.write(this.record, new Uint32Array(RECORD_BYTES / 4));
      // NOTE: a failed check wins over a fallback's error, which is dropped: the check ran
      // first, and what it caught is usually what made the later kernel fail
      if (!failed) throw new Error(`internal: webgpu: a check recorded unknown site ${site}`);
      throw failed.report(decode(failed.dtype, bits!), index!);
    }
    if (error) throw error;
    return data;
  }

  /** Waits for everything enqueued, then throws the first failed check or asynchronous error. */
  async sync(): Promise<void> {
    if (this.#sites.size > 0) await this.read([], []);
    await this.#queue.sync();
  }
}

/** A value from its 32 bits on the GPU (float32 as f32, int32 as i32, bool as u32). */
function decode(dtype: DType, bits: number): number {
  const word = new Uint32Array([bits]);
  if (dtype === "float32") return new Float32Array(word.buffer)[0]!;
  if (dtype === "int32") return new Int32Array(word.buffer)[0]!;
  return bits;
}
