/**
 * The threads under the WebAssembly GEMM's pool (wasm-pool.ts), one way per platform:
 * - Node: `worker_threads`, each running the worker's code as an eval'd CommonJS script;
 * - browsers (a page or a worker): Web Workers from a `blob:` URL, given their data by one
 *   `postMessage`. Only where `SharedArrayBuffer` exists, i.e. a cross-origin isolated page (COOP
 *   `same-origin` + COEP `require-corp`); elsewhere there are no threads, and {@link threadsNote}
 *   says why, once.
 *
 * Either way, every thread runs the same loop (WORKER_LOOP) on the same shared memory and command
 * block; a worker's error text comes back through a shared byte area, so that the main thread
 * can read it synchronously in both.
 *
 * @module
 */

/** The command block: Int32 slots, shared with wasm-pool.ts. */
export const SLOT = {
  /** Generation: bumped once per call; workers wait on it. */
  GEN: 0,
  /** Shares done by workers in the current generation. */
  DONE: 1,
  /** The index (1..) of the first worker that threw, else 0. */
  ERR: 2,
  /** Test hook: 1 = throw, 2 = exit (worker 1 only). */
  FAULT: 3,
  QUIT: 4,
  /** Shares of the current call. */
  SHARES: 5,
  /** Bytes of the error text in the error area. */
  ERR_LEN: 6,
  /** The function to run: its index in {@link PARALLEL_EXPORTS}. */
  FN: 7,
  /** Its six leading arguments (the GEMM's: aPtr, bPtr, cPtr, Mp, Np, Kp). */
  ARGS: 8,
  /** start, end, claim of share s at ROWS + 3s (see runSplit) */
  ROWS: 16,
} as const;

/**
 * The exports a worker can run, by index: each takes six arguments, then the [start, end) of its
 * share, in the units of its kernel (kernels/wasm/): rows of C for the GEMM, lines for packing,
 * elements for the elementwise and Adam kernels, rows or channels for im2col, planes for pooling.
 */
export const PARALLEL_EXPORTS = [
  "gemm",
  "packA",
  "packB",
  "ewBinary",
  "ewUnary",
  "im2colGather",
  "im2colScatter",
  "regroupToRows",
  "regroupFromRows",
  "maxPool2x2",
  "adam",
] as const;

/**
 * How long a thread spins on the command block before it sleeps in `Atomics.wait`, in ms.
 * Measured (Node 20, 2 cores): a worker woken by `Atomics.notify` starts its share after
 * ~0.05-0.1 ms, as long as an elementwise op over 1e6 floats takes, so without the spin this
 * thread did most shares itself; a spin as short as this costs a core little between ops.
 */
export const SPIN_MS = 1;

/** Bytes of a worker's error text kept (its first line is what the error quotes). */
export const ERROR_BYTES = 1024;

/** What each thread receives. */
export interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** {@link ERROR_BYTES} bytes for the first failing worker's error text. */
  errors: SharedArrayBuffer;
  index: number;
  /** Threads of the pool, this one included. */
  threads: number;
}

/** A started thread. */
export interface PoolWorker {
  terminate(): void;
}

/**
 * The loop of every worker: `run(data, exit)` waits for a generation, claims shares and runs the
 * export the call names on them. A function written as source text (no bundler or file to
 * resolve), completed by each platform's prologue below.
 */
const WORKER_LOOP = `
function run(data, exit) {
  const { module, memory, control, errors, index, threads } = data;
  const c = new Int32Array(control);
  const ex = new WebAssembly.Instance(module, { env: { mem: memory } }).exports;
  const fns = ${JSON.stringify(PARALLEL_EXPORTS)}.map((name) => ex[name]);
  let gen = 0;
  for (;;) {
    // spin a little before sleeping: ops come in runs, and waking from Atomics.wait takes longer
    // than a small kernel's share
    for (let k = 0, t0 = performance.now(); Atomics.load(c, ${SLOT.GEN}) === gen; k++)
      if ((k & 255) === 0 && performance.now() - t0 > ${SPIN_MS}) break;
    Atomics.wait(c, ${SLOT.GEN}, gen);
    gen = Atomics.load(c, ${SLOT.GEN});
    if (Atomics.load(c, ${SLOT.QUIT}) !== 0) break;
    const tag = (gen * 2) | 0;
    const shares = Atomics.load(c, ${SLOT.SHARES});
    // NOTE: each thread starts at its own part of the shares (this thread's index of threads),
    // so that consecutive calls over the same elements give each thread the same ranges: an op
    // reading what the previous one wrote finds it in its own core's cache
    const home = Math.floor((index * shares) / threads);
    for (let j = 0; j < shares; j++) {
      const s = (home + j) % shares;
      const r = ${SLOT.ROWS} + 3 * s;
      if (Atomics.compareExchange(c, r + 2, tag, tag + 1) !== tag) continue;
      try {
        const fault = index === 1 ? Atomics.exchange(c, ${SLOT.FAULT}, 0) : 0;
        if (fault === 2) exit();
        if (fault === 1) throw new Error("injected fault");
        fns[c[${SLOT.FN}]](c[${SLOT.ARGS}], c[${SLOT.ARGS + 1}], c[${SLOT.ARGS + 2}], c[${SLOT.ARGS + 3}],
          c[${SLOT.ARGS + 4}], c[${SLOT.ARGS + 5}], c[r], c[r + 1]);
      } catch (e) {
        // the first failing worker leaves its text, then the DONE below publishes it
        if (Atomics.compareExchange(c, ${SLOT.ERR}, 0, index) === 0) {
          const text = new TextEncoder().encode(String((e && e.stack) || e));
          const n = Math.min(text.length, ${ERROR_BYTES});
          new Uint8Array(errors).set(text.subarray(0, n));
          Atomics.store(c, ${SLOT.ERR_LEN}, n);
        }
      }
      Atomics.add(c, ${SLOT.DONE}, 1);
      Atomics.notify(c, ${SLOT.DONE});
    }
  }
}
`;

const NODE_SOURCE = `${WORKER_LOOP}
const { workerData } = require("node:worker_threads");
run(workerData, () => process.exit(1));
`;

const BROWSER_SOURCE = `${WORKER_LOOP}
self.onmessage = (e) => run(e.data, () => { self.close(); throw new Error("exit"); });
`;

interface NodeWorkerThreads {
  Worker: new (
    code: string,
    opts: { eval: true; workerData: unknown },
  ) => { unref(): void; terminate(): Promise<number> };
}

/** Node's `worker_threads`, when this is Node with shared memory. */
function nodeWorkerThreads(): NodeWorkerThreads | null {
  const g = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const wt = g.process?.getBuiltinModule?.("node:worker_threads") as NodeWorkerThreads | undefined;
  return wt?.Worker && typeof SharedArrayBuffer === "function" ? wt : null;
}

type BrowserWorkerCtor = new (url: string) => {
  postMessage(data: unknown): void;
  terminate(): void;
};

interface BrowserGlobals {
  Worker?: BrowserWorkerCtor;
  crossOriginIsolated?: boolean;
  Blob?: new (parts: string[], opts: { type: string }) => unknown;
  URL?: { createObjectURL?(blob: unknown): string };
}

let blobUrl: string | undefined;

/** Starts a thread with `data`, or returns null where this runtime has none to give. */
export function startWorker(data: WorkerData): PoolWorker | null {
  const wt = nodeWorkerThreads();
  if (wt) {
    const w = new wt.Worker(NODE_SOURCE, { eval: true, workerData: data });
    w.unref(); // a finished process exits
    return { terminate: () => void w.terminate().catch(() => undefined) };
  }
  const g = globalThis as BrowserGlobals;
  if (!browserThreadsPossible() || !g.Worker || !g.Blob || !g.URL?.createObjectURL) return null;
  blobUrl ??= g.URL.createObjectURL(new g.Blob([BROWSER_SOURCE], { type: "text/javascript" }));
  const w = new g.Worker(blobUrl);
  w.postMessage(data);
  return { terminate: () => w.terminate() };
}

function browserThreadsPossible(): boolean {
  const g = globalThis as BrowserGlobals;
  return g.crossOriginIsolated === true && typeof SharedArrayBuffer === "function";
}

/**
 * Why this runtime runs the GEMM on one thread whatever `setNumThreads` says, or null when it can
 * have threads.
 */
export function threadsNote(): string | null {
  if (nodeWorkerThreads()) return null;
  const g = globalThis as BrowserGlobals;
  if (!g.Worker) return "this runtime has no Web Workers";
  if (!browserThreadsPossible())
    return (
      "this page is not cross-origin isolated, so it has no SharedArrayBuffer: serve it with " +
      "the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: " +
      "require-corp"
    );
  return null;
}

/** Whether this thread may block in `Atomics.wait` (a page's main thread may not). */
let mayWait: boolean | undefined;

/**
 * `Atomics.wait(c, slot, value, ms)`, or a spin on `Atomics.load` for up to `ms` where this thread
 * may not block (a browser page's main thread). Returns whether the value changed.
 */
export function waitChange(c: Int32Array, slot: number, value: number, ms: number): boolean {
  // a worker about to finish its share is answered sooner by a short spin than by a wake-up
  const spinEnd = performance.now() + Math.min(ms, SPIN_MS);
  for (let k = 1; Atomics.load(c, slot) === value; k++)
    if ((k & 255) === 0 && performance.now() >= spinEnd) break;
  if (Atomics.load(c, slot) !== value) return true;
  if (mayWait !== false) {
    try {
      const r = Atomics.wait(c, slot, value, ms);
      mayWait = true;
      return r !== "timed-out";
    } catch (e) {
      if (mayWait === true) throw e;
      mayWait = false; // TypeError: Atomics.wait cannot be called in this context
    }
  }
  const end = performance.now() + ms;
  while (Atomics.load(c, slot) === value) if (performance.now() >= end) return false;
  return true;
}

/** The error text the first failing worker left (a copy: decoders refuse shared memory). */
export function workerErrorText(c: Int32Array, errors: SharedArrayBuffer): string {
  const n = Atomics.load(c, SLOT.ERR_LEN);
  return new TextDecoder().decode(new Uint8Array(errors, 0, n).slice());
}
