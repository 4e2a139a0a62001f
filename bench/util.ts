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

/**
 * Median time of `fn` over `runs` calls (or until `minMs` has passed), after `warmup` calls and at
 * least `warmupMs` of them.
 */
export function time(
  fn: () => void,
  options: { warmup?: number; warmupMs?: number; runs?: number; minMs?: number } = {},
): Timing {
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 25;
  const warmEnd = performance.now() + (options.warmupMs ?? 0);
  for (let i = 0; i < warmup || performance.now() < warmEnd; i++) fn();
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

/** Whether `--name` is on the command line. */
export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** The value after `--name` on the command line (every occurrence, commas split), or `[]`. */
export function optionValues(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === `--${name}` && process.argv[i + 1] !== undefined)
      out.push(...process.argv[i + 1]!.split(","));
  });
  return out;
}

/** The number after `--name` on the command line, or `dflt`; throws on a non-number. */
export function numberOption(name: string, dflt: number): number {
  const [v] = optionValues(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} expects a positive number, got ${v}`);
  return n;
}

/** `a / b` as "2.31x", or "-" when either is missing. */
export function ratio(a: number | null | undefined, b: number | null | undefined): string {
  return a != null && b != null && b > 0 ? `${(a / b).toFixed(2)}x` : "-";
}
