/**
 * The raw CPU kernels against TensorFlow.js, in one run:
 * - gemm (float32, single thread) at 128, 512 and 1024, and at training shapes, against
 *   tfjs-backend-cpu (pure JS) and tfjs-backend-wasm (SIMD);
 * - conv2d forward / grad input / grad weight at the MNIST CNN's shapes (batch 64), with
 *   TensorFlow.js's forward conv for context.
 *
 * Run: `npx tsx bench/matmul-kernel.ts` (about a minute; tfjs-cpu at 1024 is the slow part).
 */
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { gemm } from "../src/backends/cpu/gemm.js";
import {
  conv2dForward,
  conv2dGeometry,
  conv2dGradInput,
  conv2dGradWeight,
} from "../src/backends/cpu/conv.js";

const SQUARE_SIZES = [128, 512, 1024] as const;
/** [label, M, N, K, A transposed, B transposed]: matmuls of an MLP/CNN training step. */
const TRAINING_SHAPES = [
  ["fc1 fwd x@W^T", 64, 128, 3136, false, true],
  ["fc1 dW g^T@x", 128, 3136, 64, true, false],
  ["fc1 dX g@W", 64, 3136, 128, false, false],
  ["fc2 fwd x@W^T", 64, 10, 128, false, true],
  ["im2col 12544x288x64", 12544, 64, 288, false, false],
] as const;
/** [label, x shape NCHW, w shape OIHW], stride 1, padding 1. */
const CONV_SHAPES = [
  ["conv1 1->32 28x28", [64, 1, 28, 28], [32, 1, 3, 3]],
  ["conv2 32->64 14x14", [64, 32, 14, 14], [64, 32, 3, 3]],
] as const;

/** Best-of wall time in ms: warm up, then repeat until `budgetMs` is spent (at least `minReps`). */
function timeIt(fn: () => void, budgetMs = 600, minReps = 3): number {
  fn();
  let best = Infinity;
  let spent = 0;
  for (let rep = 0; rep < minReps || spent < budgetMs; rep++) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    best = Math.min(best, dt);
    spent += dt;
    if (rep >= 50) break;
  }
  return best;
}

function randomF32(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

const gflops = (flops: number, ms: number) => flops / ms / 1e6;
const fmt = (x: number, width = 9, digits = 2) => x.toFixed(digits).padStart(width);

/** Times tf.matMul (including the read back of the result) on the current tfjs backend. */
function timeTfMatmul(M: number, N: number, K: number, transA: boolean, transB: boolean) {
  const a = tf.randomUniform(transA ? [K, M] : [M, K], -1, 1);
  const b = tf.randomUniform(transB ? [N, K] : [K, N], -1, 1);
  const slow = tf.getBackend() === "cpu" && M * N * K > 1e8;
  const ms = timeIt(
    () => tf.tidy(() => tf.matMul(a, b, transA, transB).dataSync()),
    slow ? 0 : 600,
    slow ? 2 : 3,
  );
  tf.dispose([a, b]);
  return ms;
}

function timeOursMatmul(M: number, N: number, K: number, transA: boolean, transB: boolean) {
  const a = randomF32(M * K);
  const b = randomF32(K * N);
  const c = new Float32Array(M * N);
  const [aRs, aCs] = transA ? [1, M] : [K, 1];
  const [bRs, bCs] = transB ? [1, K] : [N, 1];
  return timeIt(() => gemm(M, N, K, a, 0, aRs, aCs, b, 0, bRs, bCs, c, 0));
}

interface MatmulRow {
  label: string;
  flops: number;
  ours: number;
  cpu: number;
  wasm: number;
}

async function benchMatmuls(): Promise<MatmulRow[]> {
  const shapes: [string, number, number, number, boolean, boolean][] = [
    ...SQUARE_SIZES.map((n): [string, number, number, number, boolean, boolean] => [`${n}x${n}x${n}`, n, n, n, false, false]), // prettier-ignore
    ...TRAINING_SHAPES.map((s): [string, number, number, number, boolean, boolean] => [...s]),
  ];
  const rows: MatmulRow[] = shapes.map(([label, M, N, K, tA, tB]) => ({
    label,
    flops: 2 * M * N * K,
    ours: timeOursMatmul(M, N, K, tA, tB),
    cpu: NaN,
    wasm: NaN,
  }));
  for (const backend of ["cpu", "wasm"] as const) {
    await tf.setBackend(backend);
    shapes.forEach(([, M, N, K, tA, tB], i) => {
      rows[i]![backend] = timeTfMatmul(M, N, K, tA, tB);
    });
  }
  return rows;
}

function printMatmuls(rows: MatmulRow[]): void {
  console.log("\ngemm, float32, single thread (GFLOP/s; tfjs timings include reading the result)");
  console.log(
    `${"shape (MxNxK)".padEnd(22)}${"ours".padStart(9)}${"tfjs-cpu".padStart(10)}${"tfjs-wasm".padStart(11)}` +
      `${"ours/cpu".padStart(10)}${"ours/wasm".padStart(11)}${"ours ms".padStart(10)}`,
  );
  for (const r of rows) {
    const [o, c, w] = [gflops(r.flops, r.ours), gflops(r.flops, r.cpu), gflops(r.flops, r.wasm)];
    console.log(
      `${r.label.padEnd(22)}${fmt(o)}${fmt(c, 10)}${fmt(w, 11)}${fmt(o / c, 9)}x${fmt(o / w, 10)}x${fmt(r.ours, 10, 1)}`,
    );
  }
}

async function benchConvs(): Promise<void> {
  console.log("\nconv2d, float32, batch 64, 3x3, stride 1, padding 1 (ms, best of several)");
  console.log(
    `${"layer".padEnd(22)}${"fwd".padStart(8)}${"gradIn".padStart(8)}${"gradW".padStart(8)}` +
      `${"total".padStart(8)}${"GFLOP/s".padStart(9)}${"tfjs-cpu fwd".padStart(14)}${"tfjs-wasm fwd".padStart(15)}`,
  );
  let stepTotal = 0;
  for (const [label, xs, ws] of CONV_SHAPES) {
    const g = conv2dGeometry(xs, ws, [1, 1], [1, 1], [1, 1], 1);
    const x = randomF32(xs.reduce((p, v) => p * v, 1));
    const w = randomF32(ws.reduce((p, v) => p * v, 1));
    const gradOut = randomF32(g.n * g.cOut * g.outH * g.outW);
    const y = new Float32Array(gradOut.length);
    const gx = new Float32Array(x.length);
    const gw = new Float32Array(w.length);
    const fwd = timeIt(() => conv2dForward(g, x, w, y));
    const gin = timeIt(() => conv2dGradInput(g, gradOut, w, gx));
    const gwt = timeIt(() => conv2dGradWeight(g, x, gradOut, gw));
    const total = fwd + gin + gwt;
    stepTotal += total;
    // direct-convolution FLOPs (2 per multiply-add) of the three passes
    const flops = 3 * 2 * gradOut.length * ws[1] * ws[2] * ws[3];
    const tfMs: Record<string, number> = {};
    for (const backend of ["cpu", "wasm"] as const) {
      await tf.setBackend(backend);
      // NOTE: TensorFlow.js's CPU and WASM conv kernels take NHWC; the FLOPs are the same.
      const tx = tf.randomUniform([xs[0], xs[2], xs[3], xs[1]], -1, 1) as tf.Tensor4D;
      const tw = tf.randomUniform([ws[2], ws[3], ws[1], ws[0]], -1, 1) as tf.Tensor4D;
      tfMs[backend] = timeIt(() => tf.tidy(() => tf.conv2d(tx, tw, 1, "same").dataSync()));
      tf.dispose([tx, tw]);
    }
    console.log(
      `${label.padEnd(22)}${fmt(fwd, 8, 1)}${fmt(gin, 8, 1)}${fmt(gwt, 8, 1)}${fmt(total, 8, 1)}` +
        `${fmt(gflops(flops, total), 9)}${fmt(tfMs.cpu!, 14, 1)}${fmt(tfMs.wasm!, 15, 1)}`,
    );
  }
  console.log(`${"both layers".padEnd(22)}${"".padStart(24)}${fmt(stepTotal, 8, 1)}`);
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  // NOTE: in Node the wasm backend needs a file-system directory (with a trailing slash) holding
  // its .wasm binaries; the default is a URL relative to the page, which Node cannot fetch.
  setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"))}/`); // prettier-ignore
  await tf.setBackend("wasm");
  const simd = tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  const machine = `${cpus()[0]?.model ?? "unknown CPU"} x${cpus().length}, Node ${process.version}`;
  console.log(`machine: ${machine}; tfjs ${tf.version_core}, wasm simd ${await simd}, threads ${await threads}`); // prettier-ignore
  printMatmuls(await benchMatmuls());
  await benchConvs();
}

await main();
