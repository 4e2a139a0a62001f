/**
 * Philox4x32-10: the one counter-based random generator shared by every backend.
 *
 * Every random number webtorch draws (uniform, normal, dropout masks, init, shuffles) comes from
 * this file's mapping, so that `manualSeed(s)` gives the same numbers on the CPU, in WGSL and in
 * gpu.js. The generator is stateless: element `n` of a random stream is a pure function of
 * `(seed, n)`, so any backend can compute any element independently, in any order.
 *
 * ## The block function (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11;
 * Random123's `philox4x32_R(10, ...)`, as in curand and PyTorch)
 *
 * State: counter `c = (c0, c1, c2, c3)` and key `k = (k0, k1)`, all u32. One round:
 * ```
 * (hi0, lo0) = 0xD2511F53 * c0      // full 64-bit product, split into u32 halves
 * (hi1, lo1) = 0xCD9E8D57 * c2
 * c = (hi1 ^ c1 ^ k0,  lo1,  hi0 ^ c3 ^ k1,  lo0)
 * ```
 * Ten rounds; between two rounds (nine times) the key is bumped with the Weyl constants:
 * `k0 += 0x9E3779B9; k1 += 0xBB67AE85` (mod 2^32). The four output words are `c` after round 10.
 *
 * The 64-bit product needs no 64-bit integers: `lo = a * b` (wrapping u32 multiply; `Math.imul`
 * in JS) and `hi = mulhi(a, b)` from 16-bit halves (see {@link mulhi32}); every intermediate sum
 * there fits in a u32, so WGSL can copy it line for line.
 *
 * ## From a seed to the key
 *
 * The seed is a JS integer in `[0, 2^53)`: `k0 = seed mod 2^32` (low word),
 * `k1 = floor(seed / 2^32)` (the high 21 bits). See {@link seedToKey}.
 *
 * ## From an element to a counter and a word
 *
 * Element `i` of a fill at `offset` has the stream index `n = offset + i` (an integer below
 * 2^53). Each philox block yields four words, so
 * ```
 * block = floor(n / 4),  lane = n mod 4
 * c0 = block mod 2^32,   c1 = floor(block / 2^32),   c2 = 0,   c3 = 0   (c2, c3 reserved)
 * ```
 * In WGSL, with the offset passed as two u32 words `(offLo, offHi)` and `i: u32`:
 * ```
 * nLo = offLo + i;  nHi = offHi + select(0u, 1u, nLo < i);   // add with carry
 * c0 = (nLo >> 2u) | (nHi << 30u);  c1 = nHi >> 2u;  lane = nLo & 3u;
 * ```
 *
 * ## Uniform in [0, 1)
 *
 * `uniform(n) = (w[lane] >>> 8) * 2^-24`, where `w` is the philox output of `n`'s block
 * ({@link u32ToUniform}). It takes values `k * 2^-24`, `k` in `[0, 2^24)`, so it is exact in
 * float32 and float64 alike, the same on every backend, and at most `1 - 2^-24 < 1`.
 *
 * ## Standard normal (Box-Muller)
 *
 * Lanes pair up within a block: lanes 0 and 1 use words `(w0, w1)`, lanes 2 and 3 use
 * `(w2, w3)`. With `p = lane >> 1` (the pair's first word `a = w[2p]`, second `b = w[2p + 1]`):
 * ```
 * u1 = ((a >>> 8) + 1) * 2^-24      // in (0, 1]: the log argument is never 0
 * u2 = (b >>> 8) * 2^-24            // in [0, 1)
 * r = sqrt(-2 * ln(u1)),  theta = 2 * PI * u2
 * normal(n) = lane even ? r * cos(theta) : r * sin(theta)
 * ```
 * `|normal(n)| <= sqrt(48 ln 2) ~= 5.77`. The CPU computes this in float64 and rounds once to the
 * output dtype; a float32 GPU port agrees to a few ULPs (`log`, `cos`, `sin` differ), not bit for
 * bit, whereas uniforms agree exactly.
 *
 * @module
 */

/** First round multiplier (applied to counter word 0). */
const M0 = 0xd2511f53;
/** Second round multiplier (applied to counter word 2). */
const M1 = 0xcd9e8d57;
/** Weyl key increment for key word 0 (the golden ratio). */
const W0 = 0x9e3779b9;
/** Weyl key increment for key word 1 (sqrt(3) - 1). */
const W1 = 0xbb67ae85;

const TWO_POW_32 = 4294967296;
const TWO_POW_M24 = 1 / 16777216;
const TWO_PI = 2 * Math.PI;

/**
 * High 32 bits of the 64-bit product of two u32 values, using only 32-bit arithmetic.
 *
 * Splits both factors into 16-bit halves; every partial product is below 2^32 and every sum below
 * is proven to fit in a u32, so a WGSL port (`u32` only, wrapping) computes the same value.
 *
 * @example
 * mulhi32(0xffffffff, 0xffffffff); // 0xfffffffe
 */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const loLo = aLo * bLo; // < 2^32
  const hiLo = aHi * bLo; // < 2^32
  const loHi = aLo * bHi; // < 2^32
  const hiHi = aHi * bHi; // < 2^32
  // NOTE: (2^16 - 1) + (2^16 - 1) + (2^16 - 1)^2 = 2^32 - 1, so `cross` never overflows a u32.
  const cross = (loLo >>> 16) + (hiLo & 0xffff) + loHi;
  return (hiHi + (hiLo >>> 16) + (cross >>> 16)) >>> 0;
}

/**
 * Splits a seed (an integer in `[0, 2^53)`) into the philox key: `[seed mod 2^32, floor(seed /
 * 2^32)]`.
 *
 * @throws RangeError if the seed is not a non-negative safe integer.
 * @example
 * seedToKey(2 ** 32 + 5); // [5, 1]
 */
export function seedToKey(seed: number): [key0: number, key1: number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`philox: invalid seed ${seed} (must be an integer in [0, 2^53))`);
  }
  return [seed >>> 0, Math.floor(seed / TWO_POW_32)];
}

/**
 * Philox4x32-10: writes the four output words of counter `(c0, c1, c2, c3)` under key
 * `(key0, key1)` to `out[0..3]`. Inputs are taken modulo 2^32.
 *
 * @example
 * const w = new Uint32Array(4);
 * philox4x32(0, 0, 0, 0, 0, 0, w); // w = [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
 */
export function philox4x32(
  key0: number,
  key1: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  out: Uint32Array,
): void {
  let k0 = key0 >>> 0;
  let k1 = key1 >>> 0;
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi32(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ k0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ k1) >>> 0;
    x3 = lo0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/**
 * Maps a u32 word to a uniform float in `[0, 1)`: `(x >>> 8) * 2^-24`. The result is a multiple
 * of 2^-24, exact in float32, and at most `1 - 2^-24`.
 *
 * @example
 * u32ToUniform(0); // 0
 * u32ToUniform(0xffffffff); // 0.99999994039535522 (1 - 2^-24)
 */
export function u32ToUniform(x: number): number {
  return (x >>> 8) * TWO_POW_M24;
}

/** Checks `offset` and that the last stream index `offset + length - 1` stays below 2^53. */
function checkRange(op: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`${op}: invalid offset ${offset} (must be an integer in [0, 2^53))`);
  }
  if (length > 0 && !Number.isSafeInteger(offset + (length - 1))) {
    throw new RangeError(
      `${op}: counter overflow; got offset ${offset} and length ${length} (offset + length - 1 must be below 2^53)`,
    );
  }
}

/** Philox output of the block holding stream index `n`, written to `words`. */
function blockOf(k0: number, k1: number, block: number, words: Uint32Array): void {
  philox4x32(k0, k1, block >>> 0, Math.floor(block / TWO_POW_32), 0, 0, words);
}

/**
 * Fills `out[i]`, for `i` in `[0, out.length)`, with uniform floats in `[0, 1)` from stream index
 * `n = offset + i`: `(w[n mod 4] >>> 8) * 2^-24`, where `w` is the Philox4x32-10 output for
 * counter `(block mod 2^32, floor(block / 2^32), 0, 0)`, `block = floor(n / 4)`, under the key
 * {@link seedToKey}`(seed)` (see the module comment). Element `i` depends only on
 * `(seed, offset + i)`, never on `out.length`, so any backend can compute it independently. The
 * values are identical for a `Float32Array` and a `Float64Array`.
 *
 * out: any length. Consumes stream indices `[offset, offset + out.length)`.
 *
 * @throws RangeError for an invalid seed or offset, or if `offset + out.length - 1 >= 2^53`.
 * @example
 * const u = new Float32Array(3);
 * fillUniform(u, 42, 0); // u[2] equals the last value of fillUniform(new Float32Array(1), 42, 2)
 */
export function fillUniform(out: Float32Array | Float64Array, seed: number, offset: number): void {
  const [k0, k1] = seedToKey(seed);
  const len = out.length;
  checkRange("fillUniform", offset, len);
  const words = new Uint32Array(4);
  let i = 0;
  let block = Math.floor(offset / 4);
  let lane = offset - block * 4;
  while (i < len) {
    blockOf(k0, k1, block, words);
    for (; lane < 4 && i < len; lane++, i++) {
      out[i] = u32ToUniform(words[lane]!);
    }
    block++;
    lane = 0;
  }
}

/**
 * Fills `out[i]`, for `i` in `[0, out.length)`, with standard normal floats from stream index
 * `n = offset + i`, by Box-Muller on the two words of `n`'s lane pair in its philox block (lanes
 * 0 and 1 share words 0 and 1; lanes 2 and 3 share words 2 and 3): with `a`, `b` those words,
 * `r = sqrt(-2 ln(((a >>> 8) + 1) * 2^-24))`, `theta = 2 pi (b >>> 8) 2^-24`, and the value is
 * `r cos(theta)` for an even lane, `r sin(theta)` for an odd one (see the module comment). Element
 * `i` depends only on `(seed, offset + i)`. Values are computed in float64 and rounded once to the
 * output type, are always finite, and satisfy `|x| <= 5.77`.
 *
 * out: any length. Consumes stream indices `[offset, offset + out.length)`.
 *
 * @throws RangeError for an invalid seed or offset, or if `offset + out.length - 1 >= 2^53`.
 * @example
 * const z = new Float32Array(1000);
 * fillNormal(z, 0, 0); // mean ~ 0, variance ~ 1
 */
export function fillNormal(out: Float32Array | Float64Array, seed: number, offset: number): void {
  const [k0, k1] = seedToKey(seed);
  const len = out.length;
  checkRange("fillNormal", offset, len);
  const words = new Uint32Array(4);
  let i = 0;
  let block = Math.floor(offset / 4);
  let lane = offset - block * 4;
  while (i < len) {
    blockOf(k0, k1, block, words);
    for (; lane < 4 && i < len; lane++, i++) {
      const p = lane & 2; // index of the pair's first word
      const u1 = ((words[p]! >>> 8) + 1) * TWO_POW_M24; // (0, 1]
      const u2 = (words[p + 1]! >>> 8) * TWO_POW_M24; // [0, 1)
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = TWO_PI * u2;
      out[i] = (lane & 1) === 0 ? r * Math.cos(theta) : r * Math.sin(theta);
    }
    block++;
    lane = 0;
  }
}
