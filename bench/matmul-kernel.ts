/**
 * The raw CPU kernels against TensorFlow.js, in one run:
 * - gemm (float32, single thread) at 128, 512 and 1024, and at training shapes: our WebAssembly
 *   SIMD kernel (packing and copy out included, and the kernel alone; on one thread and split
 *   over 2 worker threads, every product split whatever its size), our TypeScript kernel,
 *   tfjs-backend-cpu (pure JS) and tfjs-backend-wasm (XNNPACK, SIMD, single thread in Node), as
 *   GFLOP/s, ratios, and a share of one core's wasm SIMD peak, measured by a loop of the kernel's
 *   arithmetic alone (the formula 4 lanes x ~3 vector ops a cycle x the reported clock is printed
 *   too; VMs report the nominal clock, so it comes out below what the core reaches);
 * - conv2d forward / grad input / grad weight at the MNIST CNN's shapes (batch 64), with
 *   TensorFlow.js's forward conv for context.
 *
 * Run: `npx tsx bench/matmul-kernel.ts` (about a minute; tfjs-cpu at 1024 is the slow part).
 *
 * NOTE: our kernels are timed before TensorFlow.js is loaded. Loading tfjs-core detaches an
 * ArrayBuffer, which permanently invalidates V8's "array buffer detaching" protector for the
 * whole process; from then on every typed-array access in optimized code re-checks for
 * detachment and our kernels run ~20% slower. The last table shows that effect.
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { ModuleBuilder } from "../kernels/wasm/assembler.js";
import { gemmTs } from "../src/backends/cpu/gemm.js";
import { wasm } from "../src/backends/cpu/fast.js";
import { gemmWasm, wasmInternals } from "../src/backends/cpu/wasm.js";
import { poolInternals, setNumThreads } from "../src/backends/cpu/wasm-pool.js";
import { conv2dPass } from "../src/backends/cpu/conv.js";
import { conv2dGeometry } from "../src/core/conv-geometry.js";
import { loadTf } from "./tfjs.js";

type Tf = typeof import("@tensorflow/tfjs-core");
type Tensor4D = import("@tensorflow/tfjs-core").Tensor4D;
type Shape4 = [number, number, number, number];
/** [label, M, N, K, A transposed, B transposed] */
type MatmulShape = readonly [string, number, number, number, boolean, boolean];

const SQUARE_SIZES = [128, 512, 1024] as const;
const MATMUL_SHAPES: readonly MatmulShape[] = [
  ...SQUARE_SIZES.map((n): MatmulShape => [`${n}x${n}x${n}`, n, n, n, false, false]),
  // matmuls of the MNIST CNN's training step (batch 64) and a whole-batch im2col
  ["fc1 fwd x@W^T", 64, 128, 3136, false, true],
  ["fc1 dW g^T@x", 128, 3136, 64, true, false],
  ["fc1 dX g@W", 64, 3136, 128, false, false],
  ["fc2 fwd x@W^T", 64, 10, 128, false, true],
  ["im2col 12544x64x288", 12544, 64, 288, false, false],
];
/** [label, x shape NCHW, w shape OIHW], stride 1, padding 1. */
const CONV_SHAPES: readonly (readonly [string, Shape4, Shape4])[] = [
  ["conv1 1->32 28x28", [64, 1, 28, 28], [32, 1, 3, 3]],
  ["conv2 32->64 14x14", [64, 32, 14, 14], [64, 32, 3, 3]],
];

/**
 * Median wall time in ms: warm up, then repeat until `budgetMs` is spent (at least `minReps`).
 * NOTE: medians, not minima: on a shared machine the best run flatters whoever got lucky.
 */
function timeIt(fn: () => void, budgetMs = 600, minReps = 5): number {
  fn();
  const times: number[] = [];
  let spent = 0;
  for (let rep = 0; (rep < minReps || spent < budgetMs) && rep < 50; rep++) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
  }
  times.sort((x, y) => x - y);
  return times[times.length >> 1]!;
}

function randomF32(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

const numel = (shape: readonly number[]) => shape.reduce((p, v) => p * v, 1);
const gflops = (flops: number, ms: number) => flops / ms / 1e6;
const fmt = (x: number, digits = 2) => x.toFixed(digits);

interface OursMatmul {
  /** the TypeScript gemm */
  ts: number;
  /** the wasm gemm: packing, kernel and copy out */
  wasm: number;
  /** the wasm kernel alone, on operands already packed */
  kernel: number;
  /** the wasm gemm and the kernel alone, split over 2 threads */
  wasm2: number;
  kernel2: number;
}

function timeOursMatmul([, M, N, K, transA, transB]: MatmulShape): OursMatmul {
  const a = randomF32(M * K);
  const b = randomF32(K * N);
  const c = new Float32Array(M * N);
  const [aRs, aCs] = transA ? [1, M] : [K, 1];
  const [bRs, bCs] = transB ? [1, K] : [N, 1];
  const slow = M * N * K > 1e8; // the TypeScript kernel at 1024^3 takes ~0.3 s a run
  const runWasm = () => void gemmWasm(M, N, K, a, 0, aRs, aCs, b, 0, bRs, bCs, c, 0);
  setNumThreads(1);
  const one = { wasm: timeIt(runWasm), kernel: timeIt(wasmInternals.rerunLastKernel) };
  setNumThreads(2);
  const minMacs = poolInternals.minMacs;
  poolInternals.minMacs = 0;
  const two = { wasm2: timeIt(runWasm), kernel2: timeIt(wasmInternals.rerunLastKernel) };
  poolInternals.minMacs = minMacs;
  setNumThreads(1);
  return {
    ts: timeIt(() => gemmTs(M, N, K, a, 0, aRs, aCs, b, 0, bRs, bCs, c, 0), slow ? 0 : 600),
    ...one,
    ...two,
  };
}

/**
 * Times our forward, grad-input and grad-weight kernels (wasm GEMM on or off, as
 * `wasm.enabled` says); returns [fwd, gradIn, gradW] in ms.
 */
function timeOursConv(xs: Shape4, ws: Shape4): [number, number, number] {
  // stride 1 and padding 1 keep the 3x3 convolutions' planes the same size
  const ys = [xs[0], ws[0], xs[2], xs[3]];
  const attrs = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } as const;
  const g = conv2dGeometry(xs, ws, ys, attrs);
  const x = randomF32(numel(xs));
  const w = randomF32(numel(ws));
  const gradOut = randomF32(g.n * g.cOut * g.outH * g.outW);
  const y = new Float32Array(gradOut.length);
  const gx = new Float32Array(x.length);
  const gw = new Float32Array(w.length);
  return [
    timeIt(() => conv2dPass("forward", g, x, w, y)),
    timeIt(() => conv2dPass("gradInput", g, gradOut, w, gx)),
    timeIt(() => conv2dPass("gradWeight", g, x, gradOut, gw)),
  ];
}

/**
 * Times tf.matMul (including the read back of the result) on the current tfjs backend.
 * NOTE: the tidy callbacks return nothing: returning the read-back array makes tf.tidy walk
 * every element looking for tensors, which costs more than a 1024^3 matmul on the wasm backend.
 */
function timeTfMatmul(tf: Tf, [, M, N, K, transA, transB]: MatmulShape): number {
  const a = tf.randomUniform(transA ? [K, M] : [M, K], -1, 1);
  const b = tf.randomUniform(transB ? [N, K] : [K, N], -1, 1);
  const slow = tf.getBackend() === "cpu" && M * N * K > 1e8;
  const run = () => tf.tidy(() => void tf.matMul(a, b, transA, transB).dataSync());
  const ms = slow ? timeIt(run, 0, 2) : timeIt(run);
  tf.dispose([a, b]);
  return ms;
}

/** Times TensorFlow.js's forward conv2d (NHWC, its native layout; same FLOPs as NCHW). */
function timeTfConv(tf: Tf, xs: Shape4, ws: Shape4): number {
  const x = tf.randomUniform([xs[0], xs[2], xs[3], xs[1]], -1, 1) as Tensor4D;
  const w = tf.randomUniform([ws[2], ws[3], ws[1], ws[0]], -1, 1) as Tensor4D;
  const ms = timeIt(() => tf.tidy(() => void tf.conv2d(x, w, 1, "same").dataSync()));
  tf.dispose([x, w]);
  return ms;
}

/** Prints a table: the first column left-aligned, the others right-aligned. */
function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)) + 2);
  const line = (cells: string[]) =>
    cells.map((s, j) => (j === 0 ? s.padEnd(widths[j]!) : s.padStart(widths[j]!))).join("");
  console.log(`\n${title}`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

/**
 * The measured ceiling: a wasm loop of the micro-kernel's arithmetic alone (8 v128 accumulators,
 * `acc += a * b` as f32x4.mul + f32x4.add, no memory traffic); returns GFLOP/s on one core.
 */
function measuredPeak(): number {
  const ACC = 8;
  const bytes = new ModuleBuilder()
    .func("peak", ["i32"], [], (f) => {
      const acc = Array.from({ length: ACC }, () => f.local("v128"));
      const a = f.local("v128");
      const b = f.local("v128");
      f.v128ConstF32([1, 1, 1, 1]).localSet(a).v128ConstF32([1e-9, 1e-9, 1e-9, 1e-9]).localSet(b);
      f.block().loop();
      for (const c of acc) f.localGet(c).localGet(a).localGet(b).f32x4Mul().f32x4Add().localSet(c);
      f.localGet(0).i32Const(-1).i32Add().localTee(0).brIf(0);
      f.end().end();
      // keep the accumulators live: store their sum at address 0
      f.i32Const(0).localGet(acc[0]!);
      for (const c of acc.slice(1)) f.localGet(c).f32x4Add();
      f.v128Store();
    })
    .emit();
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { mem: memory },
  });
  const peak = exports.peak as (n: number) => void;
  const iters = 2e7;
  const ms = timeIt(() => peak(iters), 300);
  return gflops(iters * ACC * 4 * 2, ms);
}

/** The clock from /proc/cpuinfo, where os.cpus() reports 0 (some VMs); 0 when unknown. */
function cpuinfoMhz(): number {
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    return Math.round(Number(/cpu MHz\s*:\s*([\d.]+)/.exec(text)?.[1] ?? 0));
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const machine = `${cpus()[0]?.model ?? "unknown CPU"} x${cpus().length}, Node ${process.version}`;
  const mhz = cpus()[0]?.speed || cpuinfoMhz();
  // one core: 4 f32 lanes x ~3 vector ops a cycle (2 mul/add ports + 1) x the clock
  const ceiling = (4 * 3 * mhz) / 1000;
  const peak = measuredPeak();
  console.log(
    `machine: ${machine}; clock ${mhz} MHz (as reported: the nominal one), one core's wasm SIMD ` +
      `ceiling by the formula ~${fmt(ceiling, 1)} GFLOP/s, measured (mul + add, no loads) ` +
      `${fmt(peak, 1)} GFLOP/s`,
  );
  console.log(
    `wasm: available ${wasm.isAvailable()}, relaxed-SIMD FMA ${wasm.usesRelaxedSimd()}; ` +
      `times are medians (a shared machine: read the ratios, not the absolute numbers)`,
  );

  // 1. Ours, in a process where no ArrayBuffer has been detached yet; one thread but where said.
  const oursMatmul = MATMUL_SHAPES.map(timeOursMatmul);
  setNumThreads(1);
  wasm.enabled = true;
  const oursConv = CONV_SHAPES.map(([, xs, ws]) => timeOursConv(xs, ws));
  wasm.enabled = false;
  const oursConvTs = CONV_SHAPES.map(([, xs, ws]) => timeOursConv(xs, ws));
  wasm.enabled = true;

  // 2. TensorFlow.js.
  const tf = await loadTf();
  const tfMatmul: Record<"cpu" | "wasm", number[]> = { cpu: [], wasm: [] };
  const tfConv: Record<"cpu" | "wasm", number[]> = { cpu: [], wasm: [] };
  for (const backend of ["cpu", "wasm"] as const) {
    await tf.setBackend(backend);
    tfMatmul[backend] = MATMUL_SHAPES.map((s) => timeTfMatmul(tf, s));
    tfConv[backend] = CONV_SHAPES.map(([, xs, ws]) => timeTfConv(tf, xs, ws));
  }
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  console.log(`tfjs ${tf.version_core}; wasm backend: simd ${simd}, threads ${threads}`);

  printTable(
    "gemm, float32, one thread but the 2T columns (GFLOP/s; tfjs timings include reading the " +
      "result back; 'of peak': wasm against one core's measured peak; 2T: split over 2 threads)",
    [
      "shape (MxNxK)",
      "wasm",
      "kernel",
      "pack+copy",
      "ts",
      "tfjs-cpu",
      "tfjs-wasm",
      "wasm/ts",
      "wasm/tfjs-wasm",
      "of peak",
      "wasm ms",
      "wasm 2T",
      "kernel 2T",
      "2T/1T",
    ],
    MATMUL_SHAPES.map(([label, M, N, K], i) => {
      const flops = 2 * M * N * K;
      const o = oursMatmul[i]!;
      const [w, kern, t] = [o.wasm, o.kernel, o.ts].map((ms) => gflops(flops, ms));
      const tw = gflops(flops, tfMatmul.wasm[i]!);
      const packShare = `${fmt((100 * (o.wasm - o.kernel)) / o.wasm, 0)}%`;
      return [
        label,
        fmt(w!),
        fmt(kern!),
        packShare,
        fmt(t!),
        fmt(gflops(flops, tfMatmul.cpu[i]!)),
        fmt(tw),
        `${fmt(w! / t!)}x`,
        `${fmt(w! / tw)}x`,
        `${fmt((100 * w!) / peak, 0)}%`,
        fmt(o.wasm, 1),
        fmt(gflops(flops, o.wasm2)),
        fmt(gflops(flops, o.kernel2)),
        `${fmt(o.wasm / o.wasm2)}x`,
      ];
    }),
  );

  const convRows = CONV_SHAPES.map(([label, xs, ws], i) => {
    const [fwd, gin, gwt] = oursConv[i]!;
    const total = fwd + gin + gwt;
    const totalTs = oursConvTs[i]!.reduce((a, b) => a + b, 0);
    // direct-convolution FLOPs (2 per multiply-add) of the three passes; padding 1 keeps H x W
    const flops = 3 * 2 * (numel(xs) / ws[1]) * ws[0] * ws[1] * ws[2] * ws[3];
    const tfCols = [fmt(tfConv.cpu[i]!, 1), fmt(tfConv.wasm[i]!, 1)];
    const ours = [fwd, gin, gwt, total, totalTs].map((t) => fmt(t, 1));
    return { total, cells: [label, ...ours, fmt(gflops(flops, total)), ...tfCols] };
  });
  const stepTotal = convRows.reduce((s, r) => s + r.total, 0);
  printTable(
    "conv2d, float32, batch 64, 3x3, stride 1, padding 1 (ms, medians; wasm on: im2col + " +
      "the wasm GEMM; off: Winograd or im2col on the TypeScript GEMM)",
    [
      "layer",
      "fwd",
      "gradIn",
      "gradW",
      "total",
      "total wasm off",
      "GFLOP/s",
      "tfjs-cpu fwd",
      "tfjs-wasm fwd",
    ],
    [
      ...convRows.map((r) => r.cells),
      ["both layers", "", "", "", fmt(stepTotal, 1), "", "", "", ""],
    ],
  );

  // 3. Ours again, now that tfjs has detached an ArrayBuffer in this process.
  const gemmBefore = gflops(2 * 1024 ** 3, oursMatmul[2]!.ts);
  const gemmAfter = gflops(2 * 1024 ** 3, timeOursMatmul(MATMUL_SHAPES[2]!).ts);
  wasm.enabled = false;
  const convBefore = oursConvTs[1]!.reduce((s, t) => s + t, 0);
  const convAfter = timeOursConv(CONV_SHAPES[1]![1], CONV_SHAPES[1]![2]).reduce((s, t) => s + t, 0);
  console.log(
    `\nour TypeScript kernels after tfjs was loaded (V8's detaching protector invalidated): ` +
      `gemm 1024 ${fmt(gemmAfter)} GFLOP/s (was ${fmt(gemmBefore)}), ` +
      `conv2 ${fmt(convAfter, 1)} ms (was ${fmt(convBefore, 1)})`,
  );
}

await main();
