/**
 * Worker threads for the WebAssembly kernels (the GEMM, and the elementwise kernels on the wasm
 * heap): `torch.setNumThreads` / `torch.getNumThreads`, and a pool of Node `worker_threads` that
 * share one `WebAssembly.Memory({ shared: true })` (the heap, wasm-heap.ts) with the main
 * thread. Each worker instantiates the same compiled module on that memory; a call writes the
 * export to run and its arguments into a small command block (an `Int32Array` on a
 * `SharedArrayBuffer`), bumps a generation counter and `Atomics.notify`s; each thread computes
 * its own shares (rows of C, in multiples of the micro-kernel's rows: kernels/wasm/gemm.ts; or
 * ranges of elements), and the main thread, after its own share, waits with `Atomics.wait` on a
 * completion counter. No `postMessage` on the hot path.
 *
 * - Workers are `unref`'d (a finished Node process exits), created lazily on the first product
 *   big enough to split, and kept for the next calls; `setNumThreads` drops them.
 * - A worker that throws reports it through the command block (its error text through a shared
 *   byte area, read synchronously): the call throws a `DeviceError` naming its op ("matmul"),
 *   and the pool stays. A worker that does not answer in time (dead, or stuck) makes the wait
 *   time out instead of hanging: the call throws, and the pool's workers are terminated (the
 *   memory, which holds tensors, stays); the next call builds a new pool. After
 *   {@link MAX_TIMEOUTS} time-outs the kernels stay on one thread, said once.
 * - The heap grows with `Memory.grow`: a shared memory's buffer is never detached, and the
 *   workers' instances see the growth with no message.
 *
 * Browsers: Web Workers (wasm-workers.ts) where the page is cross-origin isolated (else one
 * thread, said once). In a worker the main thread waits as in Node; a page's main thread may not
 * `Atomics.wait`, so it spins on the counter instead (it has computed its own share first, and
 * takes every share no worker has started). Workers start only after the page yields to its
 * event loop, so the first products after the pool is built run on the calling thread.
 *
 * @module
 */
import { DeviceError } from "../../core/errors.js";
import { getNumThreads, onNumThreadsChange } from "./num-threads.js";
import {
  ERROR_BYTES,
  SLOT,
  startWorker,
  threadsNote,
  waitChange,
  workerErrorText,
  type PoolWorker,
} from "./wasm-workers.js";

/** Pages a shared memory may grow to (1 GiB: several times the default budget of wasm.ts). */
export const SHARED_MAX_PAGES = 16384;
/** Time-outs after which the pool is given up for the process (the GEMM runs on one thread). */
export const MAX_TIMEOUTS = 2;

/**
 * Internals for tests and benchmarks: the wait's floor in ms (a call times out after the larger of
 * this and 50x the main thread's own share), a fault to inject into worker 1 on the next call
 * (`"throw"`, or `"exit"`: the worker ends without answering), counters, and the minimum
 * multiply-adds of a product split across threads.
 */
export const poolInternals = {
  timeoutMs: 10_000,
  fault: null as "throw" | "exit" | null,
  /** Whether this thread takes the shares that no worker has started yet (see runSplit). */
  steal: true,
  /** Shares this thread took from workers that had not started them. */
  stolen: 0,
  /** Shares computed by worker threads. */
  workerShares: 0,
  poolsBuilt: 0,
  /** Calls split across threads. */
  splitCalls: 0,
  timeouts: 0,
  /**
   * Measured (Node 20, x64, 2 cores shared with other jobs, load ~6; medians, gemmWasm with
   * packing): a split costs ~0.025 ms (16^3: 0.005 ms on one thread, 0.03 on two), so it can pay
   * only where one thread takes over ~0.06 ms, i.e. from about 2^20 multiply-adds at ~15-25
   * GFLOP/s. On that loaded machine two threads lost up to 256^3 and won from 512^3 (1.4x).
   */
  minMacs: 2 ** 20,
};

export { setNumThreads, getNumThreads } from "./num-threads.js";

const { GEN, DONE, ERR, FAULT, FN, QUIT, SHARES, ARGS, ROWS } = SLOT;
/** Shares per thread, at most: small enough that a preempted thread holds up little. */
const SHARES_PER_THREAD = 4;

/** A pool: the shared memory, the command block, and the workers (threads - 1). */
export interface Pool {
  readonly memory: WebAssembly.Memory;
  readonly threads: number;
  readonly control: Int32Array;
  /** The first failing worker's error text (wasm-workers.ts). */
  readonly errors: SharedArrayBuffer;
  readonly workers: PoolWorker[];
}

let pool: Pool | null = null;
let warned = false;

/**
 * The threads a product of `macs` multiply-adds over `Mp` rows (tiles of `mr`) would use: 1 when
 * threads are off, unavailable or given up, or the product is small.
 */
export function threadsFor(macs: number, Mp: number, mr: number): number {
  const n = getNumThreads();
  if (n < 2 || macs < poolInternals.minMacs || poolInternals.timeouts >= MAX_TIMEOUTS) return 1;
  return Math.max(1, Math.min(n, Math.floor(Mp / mr)));
}

/**
 * Says once, on the console, why this runtime runs the CPU kernels on one thread whatever
 * `setNumThreads` says (threadsNote); returns whether it does.
 */
export function sayWhyOneThread(): boolean {
  const note = threadsNote();
  if (note && !warned) console.info(`webtorch: the CPU backend runs on one thread: ${note}.`);
  if (note) warned = true;
  return note !== null;
}

/**
 * The pool of {@link getNumThreads} threads (workers: one fewer) on `memory` (the wasm heap,
 * wasm-heap.ts), built with `module` (compiled for a shared memory of {@link SHARED_MAX_PAGES});
 * null when this runtime has no worker threads.
 */
export function poolFor(module: WebAssembly.Module, memory: WebAssembly.Memory): Pool | null {
  const threads = getNumThreads();
  if (pool && (pool.threads !== threads || pool.memory !== memory)) dropPool();
  if (pool) return pool;
  if (sayWhyOneThread()) return null;
  try {
    const control = new Int32Array(
      new SharedArrayBuffer(4 * (ROWS + 3 * SHARES_PER_THREAD * threads)),
    );
    const errors = new SharedArrayBuffer(ERROR_BYTES);
    const workers: PoolWorker[] = [];
    for (let index = 1; index < threads; index++) {
      const w = startWorker({
        module,
        memory,
        control: control.buffer as SharedArrayBuffer,
        errors,
        index,
        threads,
      });
      if (!w) throw new Error("no worker");
      workers.push(w);
    }
    poolInternals.poolsBuilt++;
    pool = { memory, threads, control, errors, workers };
    return pool;
  } catch {
    return null;
  }
}

/** Ends the pool's workers (they leave their wait loop) and forgets it. */
export function dropPool(): void {
  if (!pool) return;
  const { control, workers } = pool;
  pool = null;
  Atomics.store(control, QUIT, 1);
  Atomics.add(control, GEN, 1);
  Atomics.notify(control, GEN);
  for (const w of workers) w.terminate();
}
// NOTE: `setNumThreads` (num-threads.ts) with a new number drops the workers; the next split
// builds a pool of the new size.
onNumThreadsChange(dropPool);

/** What a split call runs: the export, its six leading arguments, and how to cut its work. */
export interface SplitCall {
  /** The export's index in PARALLEL_EXPORTS (wasm-workers.ts). */
  readonly fn: number;
  readonly args: readonly [number, number, number, number, number, number];
  /** Units of work (rows of C, elements) and the multiple each share is cut to. */
  readonly total: number;
  readonly unit: number;
  /** The least units of a share where there are enough (64 rows of C; a few pages of elements). */
  readonly minShare: number;
  /** For errors: the op, the kernel, and the call's sizes. */
  readonly op: string;
  readonly kernel: string;
  readonly sizes: () => string;
}

/**
 * Runs a kernel export `fn(...args, start, end)` over [0, total), split across `threads` threads:
 * the units are cut into shares (multiples of `unit`, at least `minShare` where there are enough,
 * at most {@link SHARES_PER_THREAD} a thread); this thread computes the first (`own`), and
 * everyone then claims the others.
 *
 * NOTE: each share is claimed with a compare-and-swap on its slot (pending: 2 x generation,
 * taken: + 1), so whoever comes first computes it: a worker slow to wake (the cores are shared
 * with other processes) costs no wait, only its work moving to this thread, and a worker
 * preempted in the middle holds up one share. A worker that wakes after the call finds nothing
 * pending with its generation. Each row is computed whole by one call: the same bits whoever
 * computes it. With `poolInternals.steal` off (tests), this thread computes the first share only.
 *
 * @throws DeviceError naming `call.op` when a worker throws or does not answer in time.
 */
export function runSplit(
  p: Pool,
  threads: number,
  call: SplitCall,
  own: (start: number, end: number) => void,
): void {
  const c = p.control;
  const { total, unit, args } = call;
  const t = Math.min(threads, p.threads);
  const size = Math.max(
    Math.ceil(total / (SHARES_PER_THREAD * t)),
    Math.min(call.minShare, Math.ceil(total / t)),
  );
  const rows = Math.ceil(size / unit) * unit;
  const shares = Math.ceil(total / rows);
  c[FN] = call.fn;
  for (let i = 0; i < 6; i++) c[ARGS + i] = args[i]!;
  const gen = (Atomics.load(c, GEN) + 1) | 0;
  const tag = (gen * 2) | 0;
  for (let s = 0; s < shares; s++) {
    const r = ROWS + 3 * s;
    c[r] = s * rows;
    c[r + 1] = Math.min(total, (s + 1) * rows);
    Atomics.store(c, r + 2, s === 0 ? tag + 1 : tag); // share 0 is this thread's
  }
  Atomics.store(c, SHARES, shares);
  const fault = poolInternals.fault;
  poolInternals.fault = null;
  Atomics.store(c, FAULT, fault === "throw" ? 1 : fault === "exit" ? 2 : 0);
  poolInternals.splitCalls++;
  Atomics.store(c, DONE, 0);
  Atomics.store(c, ERR, 0);
  Atomics.store(c, SLOT.ERR_LEN, 0);
  Atomics.add(c, GEN, 1);
  Atomics.notify(c, GEN);
  const t0 = performance.now();
  own(0, Math.min(total, rows));
  const limit = Math.max(poolInternals.timeoutMs, 50 * (performance.now() - t0));
  let mine = 1;
  for (let s = 1; s < shares && poolInternals.steal; s++) {
    const slot = ROWS + 3 * s + 2;
    if (Atomics.compareExchange(c, slot, tag, tag + 1) === tag) {
      poolInternals.stolen++;
      mine++;
      own(s * rows, Math.min(total, (s + 1) * rows));
    }
  }
  const workers = shares - mine; // shares the workers took
  poolInternals.workerShares += workers;
  const deadline = t0 + limit;
  for (let done = Atomics.load(c, DONE); done < workers; done = Atomics.load(c, DONE)) {
    const left = deadline - performance.now();
    if (left <= 0 || !waitChange(c, DONE, done, left)) {
      if (Atomics.load(c, DONE) >= workers) break;
      dropPool();
      poolInternals.timeouts++;
      const more =
        poolInternals.timeouts >= MAX_TIMEOUTS ? "; from now on the CPU runs on one thread" : "";
      if (more && !warned) {
        warned = true;
        console.warn(`webtorch: the wasm kernels' worker threads did not answer${more}.`);
      }
      throw new DeviceError(
        call.op,
        `a worker thread of the wasm ${call.kernel} did not answer within ${Math.round(limit)} ` +
          `ms (${threads} threads, ${call.sizes()}); the pool was dropped${more}`,
      );
    }
  }
  const err = Atomics.load(c, ERR);
  if (err !== 0) {
    const msg = workerErrorText(c, p.errors);
    throw new DeviceError(
      call.op,
      `worker thread ${err} of the wasm ${call.kernel} failed (${threads} threads, ` +
        `${call.sizes()}): ${msg.split("\n")[0] || "unknown error"}`,
    );
  }
}
