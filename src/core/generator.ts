/**
 * The global random generator: a seed and a counter. Every random op takes a block of counters, so
 * a value depends only on (seed, counter) and every backend computes the same numbers (see
 * `philox.ts`).
 */

/** PyTorch's default seed, so an unseeded program is as reproducible as in PyTorch. */
const DEFAULT_SEED = 67280421310721;

let seed = DEFAULT_SEED;
let counter = 0;

/** Seeds the global generator (PyTorch's `torch.manual_seed`). */
export function manualSeed(s: number): void {
  if (!Number.isSafeInteger(s) || s < 0)
    throw new RangeError(`manualSeed: seed must be a non-negative safe integer; got ${s}`);
  seed = s;
  counter = 0;
}

/** The seed the global generator was last seeded with (PyTorch's `torch.initial_seed`). */
export function initialSeed(): number {
  return seed;
}

/** Reserves `n` counters; returns the seed and the first counter. */
export function takeCounters(n: number): { seed: number; offset: number } {
  const offset = counter;
  // NOTE: blocks start on a multiple of 4 (one philox block) so no two calls share a block.
  counter += Math.ceil(n / 4) * 4;
  return { seed, offset };
}

/** The generator's state, for saving and restoring (`getRngState` / `setRngState`). */
export function getRngState(): { seed: number; counter: number } {
  return { seed, counter };
}

/**
 * Restores the generator's state from {@link getRngState} (PyTorch's `torch.set_rng_state`): the
 * random numbers that follow repeat those that followed the save.
 */
export function setRngState(state: { seed: number; counter: number }): void {
  seed = state.seed;
  counter = state.counter;
}
