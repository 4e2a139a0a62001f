/**
 * Run by test/backends/wasm-gemm.test.ts in a child Node with engine flags: with
 * `--experimental-wasm-relaxed-simd` (Node 20 validates relaxed SIMD only behind that flag;
 * browsers do by default) the GEMM must pick `f32x4.relaxed_madd`; with `--jitless` (no
 * WebAssembly at all) it must fall back to the TypeScript kernel, silently. Either way a float32
 * product must agree with a float64 triple loop. Prints one JSON line: { available, relaxed,
 * calls, worst } (wasm GEMM calls made; worst error over its bound).
 */
import { gemm } from "../../src/backends/cpu/gemm.js";
import { wasmInternals } from "../../src/backends/cpu/wasm.js";
import * as torch from "../../src/index.js";

const [M, N, K] = [37, 45, 300];
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const a = Float32Array.from({ length: M * K }, rand);
const b = Float32Array.from({ length: K * N }, rand);
const c = new Float32Array(M * N);
gemm(M, N, K, a, 0, K, 1, b, 0, 1, K, c, 0); // B transposed
let worst = 0;
for (let i = 0; i < M; i++) {
  for (let j = 0; j < N; j++) {
    let s = 0;
    let abs = 0;
    for (let k = 0; k < K; k++) {
      s += a[i * K + k]! * b[j * K + k]!;
      abs += Math.abs(a[i * K + k]! * b[j * K + k]!);
    }
    worst = Math.max(worst, Math.abs(c[i * N + j]! - s) / (4 * 2 ** -23 * Math.sqrt(K + 1) * abs));
  }
}
const { wasm } = torch.backends;
const calls = wasmInternals.gemmCalls;
console.log(
  JSON.stringify({ available: wasm.isAvailable(), relaxed: wasm.usesRelaxedSimd(), calls, worst }),
);
