/**
 * What the text examples share (examples/shared/text.ts): the vocabulary, the windows, the
 * unigram entropy, and sampling with a temperature (its distribution, its determinism under
 * `torch.manualSeed`, temperature 0).
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import {
  DEFAULT_TEXT,
  loadText,
  randomWindows,
  sampleIndex,
  splitIds,
  unigramEntropy,
  Vocabulary,
  windows,
} from "../../examples/shared/text.js";
import { expectNoLeaks, withLeakCheck } from "../util/leaks.js";

describe("examples/shared/text", () => {
  withLeakCheck();

  it("loads the bundled book, or its start", async () => {
    const start = await loadText(DEFAULT_TEXT, 100);
    expect(Array.from(start)).toHaveLength(100);
    expect(start).toMatch(/^Produced by Suzanne Lybarger/);
    expect(await loadText(DEFAULT_TEXT, 400)).toContain("OPTICKS");
    const all = await loadText();
    expect(all.length).toBeGreaterThan(500_000);
    expect(all.startsWith(start)).toBe(true);
  });

  it("maps characters to ids and back", () => {
    const v = Vocabulary.fromText("hello, world æ");
    expect(v.chars).toEqual([" ", ",", "d", "e", "h", "l", "o", "r", "w", "æ"]);
    expect(v.size).toBe(10);
    const ids = v.encode("world æ");
    expect(Array.from(ids)).toEqual([8, 6, 7, 5, 2, 0, 9]);
    expect(v.decode(ids)).toBe("world æ");
    expect(() => v.encode("hex")).toThrow(/"x" is not in the vocabulary/);
  });

  it("measures the unigram entropy in nats and splits off held-out text", () => {
    expect(unigramEntropy([0, 0, 1, 1])).toBeCloseTo(Math.log(2), 12);
    expect(unigramEntropy([3, 3, 3])).toBe(0);
    const { train, val } = splitIds(Int32Array.from({ length: 100 }, (_, i) => i));
    expect([train.length, val.length, train.at(-1), val[0]]).toEqual([90, 10, 89, 90]);
  });

  it("cuts windows and their next-character targets", () => {
    const ids = Int32Array.from({ length: 20 }, (_, i) => 100 + i);
    const [x, y] = windows(ids, [0, 15], 4, "cpu");
    expect(x.shape).toEqual([2, 4]);
    expect(x.dtype).toBe("int32");
    expect(x.tolistSync()).toEqual([
      [100, 101, 102, 103],
      [115, 116, 117, 118],
    ]);
    expect(y.tolistSync()).toEqual([
      [101, 102, 103, 104],
      [116, 117, 118, 119],
    ]);
    x.dispose();
    y.dispose();
    expect(() => windows(ids, [16], 4, "cpu")).toThrow(/outside 20 ids/);
  });

  it("draws random windows from the global generator: every start, reproducibly", () => {
    const ids = Int32Array.from({ length: 12 }, (_, i) => i);
    const firsts = (seed: number) => {
      torch.manualSeed(seed);
      const [x, y] = randomWindows(ids, 200, 3, "cpu");
      const rows = x.tolistSync() as number[][];
      const targets = y.tolistSync() as number[][];
      x.dispose();
      y.dispose();
      rows.forEach((r, i) => expect(targets[i]).toEqual(r.map((v) => v + 1)));
      return rows.map((r) => r[0]!);
    };
    const a = firsts(1);
    expect(firsts(1)).toEqual(a);
    expect(firsts(2)).not.toEqual(a);
    // starts 0..8 all occur (a window of 3 plus its target needs 4 ids)
    expect([...new Set(a)].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => randomWindows(ids, 1, 12, "cpu")).toThrow(/fewer than seqLen \+ 1/);
  });

  it("samples from softmax(logits / temperature), reproducibly; temperature 0 is argmax", async () => {
    const logits = torch.tensor([1, 0, 2, -1]);
    const draws = 4000;
    for (const temperature of [1, 0.5, 2]) {
      const p = [1, 0, 2, -1].map((z) => Math.exp(z / temperature));
      const total = p.reduce((a, b) => a + b);
      torch.manualSeed(3);
      const counts = [0, 0, 0, 0];
      for (let i = 0; i < draws; i++) counts[await sampleIndex(logits, temperature)]! += 1;
      counts.forEach((c, i) => {
        const q = p[i]! / total;
        // within 4.5 standard deviations of the binomial count
        const sd = Math.sqrt(draws * q * (1 - q));
        expect(Math.abs(c - draws * q), `T=${temperature} id ${i}: ${c}`).toBeLessThan(4.5 * sd);
      });
    }
    const seq = async (seed: number) => {
      torch.manualSeed(seed);
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push(await sampleIndex(logits, 1));
      return out;
    };
    expect(await seq(5)).toEqual(await seq(5));
    expect(await seq(6)).not.toEqual(await seq(5));
    expect(await sampleIndex(logits, 0)).toBe(2);
    expect(await sampleIndex(logits, 1e-6)).toBe(2);
    await expect(sampleIndex(logits, -1)).rejects.toThrow(/temperature must be >= 0/);
    logits.dispose();
  });

  it("leaves only the batch it returns (its random starts are freed)", () =>
    expectNoLeaks(() => {
      const ids = Int32Array.from({ length: 50 }, (_, i) => i % 7);
      const [x, y] = randomWindows(ids, 4, 8, "cpu");
      x.dispose();
      y.dispose();
    }));
});
