/**
 * What the character-level examples (char-lstm, tiny-gpt) share about text: loading the bundled
 * book, the character vocabulary, random training windows, and sampling the next character with a
 * temperature.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

/** The bundled text: Newton's _Opticks_ (public domain; see examples/data/README.md). */
export const DEFAULT_TEXT = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "data",
  "newton-opticks.txt",
);

/**
 * Reads a UTF-8 text file (the bundled book by default); with `limit`, only its first `limit`
 * characters (code points), for a quick run or a test.
 */
export async function loadText(path: string = DEFAULT_TEXT, limit?: number): Promise<string> {
  const text = await readFile(path, "utf8");
  return limit === undefined ? text : Array.from(text).slice(0, limit).join("");
}

/** The characters of a text, each with an index: the model's vocabulary. */
export class Vocabulary {
  /** The characters, sorted by code point; a character's index is its token id. */
  readonly chars: readonly string[];
  readonly #index: Map<string, number>;

  constructor(chars: Iterable<string>) {
    this.chars = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    this.#index = new Map(this.chars.map((c, i) => [c, i]));
  }

  /** The vocabulary of every character (code point) in `text`. */
  static fromText(text: string): Vocabulary {
    return new Vocabulary(Array.from(text));
  }

  get size(): number {
    return this.chars.length;
  }

  /** The ids of `text`'s characters; throws on a character outside the vocabulary. */
  encode(text: string): Int32Array {
    return Int32Array.from(Array.from(text), (c) => {
      const id = this.#index.get(c);
      if (id === undefined)
        throw new RangeError(`Vocabulary.encode: ${JSON.stringify(c)} is not in the vocabulary`);
      return id;
    });
  }

  /** The text of `ids`. */
  decode(ids: Iterable<number>): string {
    return Array.from(ids, (id) => this.chars[id] ?? "\uFFFD").join("");
  }
}

/**
 * The entropy (nats per character) of the text's character frequencies: the loss of the best model
 * that ignores context. A model that reads context must get below it.
 */
export function unigramEntropy(ids: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) counts.set(ids[i]!, (counts.get(ids[i]!) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) h -= (c / ids.length) * Math.log(c / ids.length);
  return h;
}

/** Splits the ids into a training part (the first `1 - valFraction`) and a validation part. */
export function splitIds(
  ids: Int32Array,
  valFraction = 0.1,
): { train: Int32Array; val: Int32Array } {
  const cut = Math.round(ids.length * (1 - valFraction));
  return { train: ids.subarray(0, cut), val: ids.subarray(cut) };
}

/**
 * A batch of windows of `ids` starting at `starts`: inputs `x` `[B, L]` and targets `y` `[B, L]`
 * (each input shifted by one character), int32, on `device`.
 */
export function windows(
  ids: Int32Array,
  starts: ArrayLike<number>,
  seqLen: number,
  device: torch.DeviceName,
): [Tensor, Tensor] {
  const b = starts.length;
  const x = new Int32Array(b * seqLen);
  const y = new Int32Array(b * seqLen);
  for (let i = 0; i < b; i++) {
    const s = starts[i]!;
    if (!(s >= 0 && s + seqLen + 1 <= ids.length))
      throw new RangeError(
        `windows: a window of ${seqLen + 1} at ${s} is outside ${ids.length} ids`,
      );
    x.set(ids.subarray(s, s + seqLen), i * seqLen);
    y.set(ids.subarray(s + 1, s + seqLen + 1), i * seqLen);
  }
  const opts = { dtype: "int32", device, shape: [b, seqLen] } as const;
  return [torch.tensor(x, opts), torch.tensor(y, opts)];
}

/**
 * `batch` windows at random places of `ids` (from the global generator, so `torch.manualSeed`
 * repeats them): `[x, y]`, both `[batch, seqLen]` int32, as {@link windows}.
 */
export function randomWindows(
  ids: Int32Array,
  batch: number,
  seqLen: number,
  device: torch.DeviceName,
): [Tensor, Tensor] {
  if (ids.length < seqLen + 1)
    throw new RangeError(
      `randomWindows: ${ids.length} ids are fewer than seqLen + 1 = ${seqLen + 1}`,
    );
  // NOTE: drawn on the CPU and read at once; the generator gives the same numbers on every device
  const starts = torch.randint(0, ids.length - seqLen, [batch], { device: "cpu" });
  const values = starts.dataSync();
  starts.dispose();
  return windows(ids, values, seqLen, device);
}

/**
 * Draws the index of the next character from `logits` `[V]`: from `softmax(logits / temperature)`,
 * with one uniform number from the global generator (so `torch.manualSeed` repeats a sample on
 * every device); temperature 0 takes the most likely one. Low temperatures play safe, high ones
 * take risks.
 */
export async function sampleIndex(logits: Tensor, temperature: number): Promise<number> {
  if (!(temperature >= 0))
    throw new RangeError(`sampleIndex: temperature must be >= 0; got ${temperature}`);
  const z = await logits.data();
  let best = 0;
  for (let i = 1; i < z.length; i++) if (z[i]! > z[best]!) best = i;
  if (temperature === 0) return best;
  // softmax in float64, shifted by the maximum so that exp never overflows
  const p = Array.from(z, (v) => Math.exp((Number(v) - Number(z[best])) / temperature));
  const total = p.reduce((s, v) => s + v, 0);
  const u = torch.rand([], { device: "cpu" });
  let r = u.dataSync()[0]! * total;
  u.dispose();
  let last = best;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! > 0) last = i;
    r -= p[i]!;
    if (r < 0) return i;
  }
  return last; // rounding left r at ~0 after the whole sum: the last character it could be
}

/**
 * A model that continues a text one character at a time. `next(ids)` reads the new characters
 * (the prompt first, then each sampled one) and returns the logits `[V]` of the one after them
 * (the caller disposes them); `dispose()` frees what it keeps between calls (an LSTM's state).
 */
export interface Continuation {
  next(ids: readonly number[]): Tensor;
  dispose(): void;
}

/**
 * Samples `length` characters after `prompt` (every character of which must be in the vocabulary),
 * without recording gradients. Returns the new characters only.
 */
export async function generate(
  continuation: Continuation,
  vocab: Vocabulary,
  prompt: string,
  length: number,
  temperature: number,
): Promise<string> {
  if (prompt.length === 0) throw new RangeError("generate: the prompt must not be empty");
  const out: number[] = [];
  let ids = [...vocab.encode(prompt)];
  try {
    for (let i = 0; i < length; i++) {
      const logits = torch.noGrad(() => continuation.next(ids));
      const id = await sampleIndex(logits, temperature).finally(() => logits.dispose());
      out.push(id);
      ids = [id];
    }
  } finally {
    continuation.dispose();
  }
  return vocab.decode(out);
}
