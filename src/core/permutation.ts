import { takeCounters } from "./generator.js";
import { fillUniform } from "./philox.js";

/**
 * A random permutation of `0..n-1` by Fisher-Yates on Philox uniforms: the same permutation on
 * every device. With `seed`, the uniforms are stream `(seed, 0..n-1)` of a private generator and
 * the global one is untouched; without it, they come from the global generator (`manualSeed`),
 * so `torch.randperm(n)` and a shuffling `DataLoader` drawn at the same point agree.
 *
 * @example
 * permutation(5, 0); // Int32Array [ ...0..4 in a seeded order ]
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
