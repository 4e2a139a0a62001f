/**
 * The WebGPU matmul kernel (backends/webgpu/matmul.ts, kernels/webgpu/matmul.wgsl) in Node, through Dawn: GFLOP/s
 * of square float32 products at 256, 512 and 1024 (2048 and 4096 with `--large`), for two
 * layouts (a @ b contiguous, and a @ b^T as in `Linear`), with the automatic tile choice and
 * with each tile config forced. Each size is checked once against the CPU gemm.
 *
 * Run: npx tsx bench/webgpu-matmul.ts [--large]
 *
 * NOTE: on a machine without a GPU the adapter is Mesa's lavapipe (or SwiftShader), which runs
 * the shaders on the CPU: its numbers say the kernel runs and is correct, nothing about speed on
 * a GPU. The target on an NVIDIA H100 is >= 15 TFLOP/s at 4096 (not measured here yet).
 */
import "../scripts/wgsl-loader.js";
import { machine, table } from "./util.js";

const { initWebGPU } = await import("../src/backends/webgpu/index.js");
const { webgpuKernels } = await import("../src/backends/webgpu/kernels.js");
const { gemm } = await import("../src/backends/cpu/gemm.js");
type View = import("../src/core/layout.js").View;
type Storage = import("../src/core/layout.js").Storage;

const LARGE = process.argv.includes("--large");
const SIZES = LARGE ? ([256, 512, 1024, 2048, 4096] as const) : ([256, 512, 1024] as const);
const LAYOUTS = ["a @ b", "a @ b^T"] as const;
const TILES = ["auto", "small", "big"] as const;
/** Aim for about this much GPU time per measurement. */
const TARGET_MS = 400;

const init = await initWebGPU();
if ("reason" in init) {
  console.log(`webgpu-matmul: no WebGPU adapter: ${init.reason}`);
  process.exit(0);
}
const backend = init;
const info = backend.adapter.info;
const adapterName = [info.vendor, info.architecture, info.device, info.description]
  .filter((s) => s)
  .join(" / ");
const software =
  /llvmpipe|lavapipe|swiftshader|mesa/i.test(adapterName) || !!info.isFallbackAdapter;

function randomData(n: number): Float32Array {
  const a = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

function upload(data: Float32Array): Storage {
  const s = backend.alloc("float32", data.length);
  s.refs = 1;
  backend.write(s, data);
  return s;
}

function view(storage: Storage, shape: number[], strides: number[]): View {
  return { storage, dtype: "float32", shape, strides, offset: 0 };
}

/** Max |gpu - cpu| / max |cpu| of one product, against the CPU gemm (float64 accumulation). */
async function check(
  n: number,
  transposedB: boolean,
  aData: Float32Array,
  bData: Float32Array,
  out: Storage,
) {
  const gpu = (await backend.read(out)) as Float32Array;
  const cpu = new Float32Array(n * n);
  const [bRs, bCs] = transposedB ? [1, n] : [n, 1];
  gemm(n, n, n, aData, 0, n, 1, bData, 0, bRs, bCs, cpu, 0);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < cpu.length; i++) {
    err = Math.max(err, Math.abs(gpu[i]! - cpu[i]!));
    scale = Math.max(scale, Math.abs(cpu[i]!));
  }
  return err / scale;
}

const rows: (string | number)[][] = [];
for (const n of SIZES) {
  const aData = randomData(n * n);
  const bData = randomData(n * n).map((v) => -v);
  const a = upload(aData);
  const b = upload(bData);
  const out = backend.alloc("float32", n * n);
  out.refs = 1;
  for (const layout of LAYOUTS) {
    const transposedB = layout === "a @ b^T";
    // b^T: the stored matrix read with swapped strides (no copy), as Linear's weight
    const args = {
      a: view(a, [n, n], [n, 1]),
      b: view(b, [n, n], transposedB ? [1, n] : [n, 1]),
      out: view(out, [n, n], [n, 1]),
    };
    for (const tile of TILES) {
      const kernels = webgpuKernels(backend.context, tile === "auto" ? {} : { matmulTile: tile });
      const matmul = kernels.matmul!;
      // warm-up (pipeline compile) and correctness
      matmul(args);
      const relErr = await check(n, transposedB, aData, bData, out);
      // estimate, then repeat to about TARGET_MS
      let t0 = performance.now();
      matmul(args);
      await backend.read(out);
      const once = performance.now() - t0;
      const reps = Math.max(1, Math.min(200, Math.round(TARGET_MS / Math.max(once, 0.01))));
      t0 = performance.now();
      for (let r = 0; r < reps; r++) matmul(args);
      await backend.read(out);
      const ms = (performance.now() - t0) / reps;
      const gflops = (2 * n * n * n) / (ms * 1e6);
      rows.push([`${n}`, layout, tile, ms, gflops, relErr.toExponential(1), `${reps}`]);
    }
  }
  for (const s of [a, b, out]) backend.free(s);
}

console.log(`webgpu matmul, float32 — ${machine()}`);
console.log(`adapter: ${adapterName || "(no info)"} via ${backend.source}`);
if (software)
  console.log(
    "NOTE: a software adapter (CPU emulation): these numbers show correctness only, not GPU speed.",
  );
table(["n", "layout", "tile", "ms", "GFLOP/s", "rel err vs cpu", "reps"], rows);
