import type { FloatArray } from "../../src/backends/cpu/gemm.js";

/**
 * The test oracle for `gemm` (`src/backends/cpu/gemm.ts`): a plain triple loop with the same contract.
 *
 * @example
 * gemmReference(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, expected, 0);
 */
export function gemmReference(
  M: number,
  N: number,
  K: number,
  a: FloatArray,
  aOff: number,
  aRs: number,
  aCs: number,
  b: FloatArray,
  bOff: number,
  bRs: number,
  bCs: number,
  out: FloatArray,
  outOff: number,
  accumulate = false,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[aOff + i * aRs + k * aCs] * b[bOff + k * bRs + j * bCs];
      const o = outOff + i * N + j;
      out[o] = accumulate ? out[o] + s : s;
    }
  }
}
