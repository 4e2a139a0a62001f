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

export { permutation } from "../core/permutation.js";

/** `n` uniforms in [0, 1) from the global generator (one block of counters). */
export function globalUniforms(n: number): Float64Array {
  const u = new Float64Array(n);
  const c = takeCounters(n);
  fillUniform(u, c.seed, c.offset);
  return u;
}
