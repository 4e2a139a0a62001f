/**
 * Elementwise add over 1e6 floats, with and without broadcasting, against a bare Float32Array
 * loop that also allocates its output (what an out-of-place op must do); then relu(a + b) over
 * 1e6 floats side by side with TensorFlow.js 4.22's cpu and wasm backends (issue 11's target:
 * at least as fast as tfjs-backend-wasm). Ours is timed before tfjs loads (see
 * bench/mnist-train-step.ts: loading tfjs-core slows typed-array code for the whole process).
 * Run: npx tsx bench/elementwise.ts
 */
import * as torch from "../src/index.js";
import { loadTf } from "./tfjs.js";
import { machine, table, time } from "./util.js";

const ROWS = 1000;
const COLS = 1000;

/** The baseline: what a hand-written JS add does, allocating its output. */
function bareAdd(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

function bareAddRow(a: Float32Array, row: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0, o = 0; r < rows; r++)
    for (let c = 0; c < cols; c++, o++) out[o] = a[o]! + row[c]!;
  return out;
}

export function benchElementwise(): void {
  console.log(`\nelementwise add, ${ROWS}x${COLS} float32 — ${machine()}`);
  const a = torch.randn([ROWS, COLS]);
  const b = torch.randn([ROWS, COLS]);
  const row = torch.randn([COLS]);
  const ad = a.dataSync() as Float32Array;
  const bd = b.dataSync() as Float32Array;
  const rd = row.dataSync() as Float32Array;

  const bareSame = time(() => void bareAdd(ad, bd));
  const bareBroadcast = time(() => void bareAddRow(ad, rd, ROWS, COLS));
  const ours = time(() => a.add(b).dispose());
  const oursBroadcast = time(() => a.add(row).dispose());
  const oursScalar = time(() => a.add(1.5).dispose());
  table(
    ["case", "bare loop ms", "webtorch ms", "ratio (webtorch / bare)"],
    [
      ["[1000,1000] + [1000,1000]", bareSame.ms, ours.ms, (ours.ms / bareSame.ms).toFixed(2)],
      [
        "[1000,1000] + [1000] (broadcast)",
        bareBroadcast.ms,
        oursBroadcast.ms,
        (oursBroadcast.ms / bareBroadcast.ms).toFixed(2),
      ],
      [
        "[1000,1000] + 1.5 (scalar)",
        bareSame.ms,
        oursScalar.ms,
        (oursScalar.ms / bareSame.ms).toFixed(2),
      ],
    ],
  );
  for (const t of [a, b, row]) t.dispose();
}

/** 10,000 adds of [4]-shaped tensors with autograd recording, the shape of a training loop. */
export function benchDispatch(): void {
  console.log(`\ndispatch overhead: 10,000 small ops — ${machine()}`);
  const N = 10_000;
  const w = torch.randn([4], { requiresGrad: true });
  const x0 = torch.randn([4]);
  const withGrad = time(
    () =>
      torch.tidy(() => {
        let x = x0;
        for (let i = 0; i < N; i++) x = x.add(w);
        return undefined;
      }),
    { warmup: 3, runs: 10 },
  );
  const noGrad = time(
    () =>
      torch.tidy(() =>
        torch.noGrad(() => {
          let x = x0;
          for (let i = 0; i < N; i++) x = x.add(w);
          return undefined;
        }),
      ),
    { warmup: 3, runs: 10 },
  );
  table(
    ["case", "total ms", "µs per op"],
    [
      ["add [4] + [4], autograd on", withGrad.ms, (withGrad.ms * 1000) / N],
      ["add [4] + [4], noGrad", noGrad.ms, (noGrad.ms * 1000) / N],
    ],
  );
  w.dispose();
  x0.dispose();
}

/**
 * Each side's first runs warm up its code (V8 tiers wasm up after it has run), its memory (first
 * touches of new pages) and its threads (a worker takes ~50 ms to start): the medians are of the
 * runs after a second of these.
 */
const STEADY = { warmup: 30, warmupMs: 1000, runs: 100 };

/** relu(a + b) over 1e6 floats: ours, then tfjs-cpu and tfjs-wasm (1 thread in Node). */
export async function benchReluAdd(): Promise<void> {
  console.log(`\nrelu(a + b), ${ROWS}x${COLS} float32 — ${machine()}`);
  const a = torch.randn([ROWS, COLS]);
  const b = torch.randn([ROWS, COLS]);
  const ours = time(() => torch.tidy(() => void a.add(b).relu()), STEADY);
  const [ad, bd] = [a.dataSync() as Float32Array, b.dataSync() as Float32Array];
  a.dispose();
  b.dispose();
  const tf = await loadTf();
  const rows: (string | number)[][] = [["webtorch (CPU)", ours.ms, "1.00"]];
  for (const backend of ["cpu", "wasm"] as const) {
    await tf.setBackend(backend);
    const ta = tf.tensor2d(ad, [ROWS, COLS]);
    const tb = tf.tensor2d(bd, [ROWS, COLS]);
    // NOTE: both tfjs backends run each op eagerly and synchronously, as ours does: no read back
    const t = time(() => tf.tidy(() => void tf.relu(tf.add(ta, tb))), STEADY);
    rows.push([`tfjs-${backend} 4.22`, t.ms, (t.ms / ours.ms).toFixed(2)]);
    ta.dispose();
    tb.dispose();
  }
  table(["", "ms", "ratio (them / webtorch)"], rows);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchElementwise();
  benchDispatch();
  await benchReluAdd();
}
