/**
 * `torch.setNumThreads` / `torch.getNumThreads`: how many threads the WebAssembly GEMM may use.
 * The setting lives here, apart from the worker pool (wasm-pool.ts), so that it works before the
 * pool's module is loaded (in a browser build it comes later, by dynamic import: fast.ts).
 *
 * @module
 */
import { ValueError } from "../../core/errors.js";

let numThreads: number | undefined;
/** Called when the number changes (wasm-pool.ts drops its workers then), once it is loaded. */
let onChange: (() => void) | null = null;

function defaultThreads(): number {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
    navigator?: { hardwareConcurrency?: number };
  };
  const os = g.process?.getBuiltinModule?.("node:os") as
    { availableParallelism?: () => number; cpus: () => unknown[] } | undefined;
  const n = os
    ? (os.availableParallelism?.() ?? os.cpus().length)
    : (g.navigator?.hardwareConcurrency ?? 1);
  return Math.max(1, Math.floor(n) || 1);
}

/**
 * `torch.set_num_threads`: the number of threads the CPU backend's WebAssembly GEMM (matmul,
 * linear, convolutions) uses; 1 means no worker threads. Only products of at least ~2^20
 * multiply-adds are split; results are the same, bit for bit, whatever the number.
 *
 * @param n - a positive integer.
 * @throws ValueError when `n` is not a positive integer.
 * @example
 * torch.setNumThreads(2);
 */
export function setNumThreads(n: number): void {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1)
    throw new ValueError("setNumThreads", `expected a positive integer; got ${String(n)}`);
  if (n !== getNumThreads()) onChange?.();
  numThreads = n;
}

/**
 * `torch.get_num_threads`: the number of threads of the CPU backend's GEMM; by default the
 * number of cores (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in
 * browsers, where the GEMM nevertheless runs on one thread for now).
 */
export function getNumThreads(): number {
  numThreads ??= defaultThreads();
  return numThreads;
}

/** Registers what to do when the number changes (the worker pool: drop its workers). */
export function onNumThreadsChange(f: () => void): void {
  onChange = f;
}
