/**
 * Timing helpers for the benchmarks: warm up, then take the median of several timed runs.
 * Benchmarks inform; they never gate CI.
 */
import os from "node:os";

export interface Timing {
  /** Median milliseconds per call. */
  ms: number;
  runs: number;
}

/** Median time of `fn` over `runs` calls after `warmup` calls (or until `minMs` has passed). */
export function time(
  fn: () => void,
  options: { warmup?: number; runs?: number; minMs?: number } = {},
): Timing {
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 25;
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < runs || performance.now() - start < (options.minMs ?? 0)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
    if (samples.length >= 1000) break;
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, runs: samples.length };
}

export async function timeAsync(
  fn: () => Promise<void>,
  options: { warmup?: number; runs?: number } = {},
): Promise<Timing> {
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 10;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, runs };
}

/** One line naming the machine, printed above every table. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${os.cpus().length} cores, Node ${process.version}`;
}

/** Prints rows as an aligned text table. */
export function table(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  for (const [k, r] of cells.entries()) {
    console.log(r.map((c, i) => c.padStart(widths[i]!)).join("  "));
    if (k === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

function fmt(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
