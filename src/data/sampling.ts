import { ValueError } from "../core/errors.js";
import { takeCounters } from "../core/generator.js";
import { fillUniform } from "../core/philox.js";

/**
 * Random permutations for shuffling and splitting, drawn from the same Philox stream as every
 * other random number (see `core/philox.ts`).
 */

/** Checks that `seed` is a valid generator seed: a non-negative safe integer. */
export function checkSeed(seed: number, op: string): void {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new ValueError(op, `invalid seed ${seed} (must be a non-negative safe integer)`);
}

/**
 * A random permutation of `0..n-1` by Fisher-Yates on Philox uniforms. With `seed`, the uniforms
 * are stream `(seed, 0..n-1)` of a private generator and the global one is untouched; without it,
 * they come from the global generator (`manualSeed`), and the result equals `torch.randperm(n)`
 * drawn at the same point.
 */
export function permutation(n: number, seed?: number): Int32Array {
  const u = new Float64Array(n);
  if (seed === undefined) {
    const c = takeCounters(n);
    fillUniform(u, c.seed, c.offset);
  } else {
    fillUniform(u, seed, 0);
  }
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  return perm;
}

/** `n` uniforms in [0, 1) from the global generator (one block of counters). */
export function globalUniforms(n: number): Float64Array {
  const u = new Float64Array(n);
  const c = takeCounters(n);
  fillUniform(u, c.seed, c.offset);
  return u;
}
