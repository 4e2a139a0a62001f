/**
 * mulberry32: a tiny seeded generator of uniform [0, 1) numbers, so that every run of a test
 * sees the same cases (the kernel tests that make raw typed arrays, not tensors).
 *
 * @example
 * const rand = rng(1);
 * const a = Float32Array.from({ length: 6 }, () => rand() * 2 - 1);
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
