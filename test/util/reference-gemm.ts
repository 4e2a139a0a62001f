import type { Gemm } from "../../src/backends/cpu/gemm.js";

/**
 * The test oracle for `gemm` (`src/backends/cpu/gemm.ts`): a plain triple loop with the same contract.
 *
 * @example
 * gemmReference(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, expected, 0);
 */
export const gemmReference: Gemm = (
  M,
  N,
  K,
  a,
  aOff,
  aRs,
  aCs,
  b,
  bOff,
  bRs,
  bCs,
  out,
  outOff,
  accumulate = false,
) => {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[aOff + i * aRs + k * aCs] * b[bOff + k * bRs + j * bCs];
      const o = outOff + i * N + j;
      out[o] = accumulate ? out[o] + s : s;
    }
  }
};
