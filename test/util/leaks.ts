/**
 * Leak checks for tests (TF.js's `expectNoLeaks` / `tf.memory()` pattern): a test that disposes
 * what it makes must leave `torch.memory().numTensors` and `numStorages` where it found them.
 *
 * @example
 * it("frees its temporaries", () => expectNoLeaks(() => { const t = torch.ones([2]); t.dispose(); }));
 *
 * describe("ops", () => {
 *   withLeakCheck(); // every test in this block is checked
 *   it(...);
 * });
 */
import { afterEach, beforeEach, expect } from "vitest";

import * as torch from "../../src/index.js";

/** The counters a leak check compares. */
export interface MemorySnapshot {
  numTensors: number;
  numStorages: number;
  numBytes: number;
  /** Tensors the FinalizationRegistry collected undisposed (they leave numTensors on their own). */
  numCollectedUndisposed: number;
}

export function memorySnapshot(): MemorySnapshot {
  const m = torch.memory();
  return {
    numTensors: m.numTensors,
    numStorages: m.numStorages,
    numBytes: m.numBytes,
    numCollectedUndisposed: m.numCollectedUndisposed,
  };
}

/**
 * Asserts that nothing was left allocated since `before`. A tensor of an earlier test that the
 * garbage collector finalised meanwhile lowers the counts by itself; such a drop is not a leak, so
 * the check allows it (a rise always fails).
 */
export function expectSameMemory(before: MemorySnapshot, label = "leak check"): void {
  const after = memorySnapshot();
  const collected = after.numCollectedUndisposed - before.numCollectedUndisposed;
  const detail = `${label}: tensors ${before.numTensors} -> ${after.numTensors}, storages ${before.numStorages} -> ${after.numStorages}, bytes ${before.numBytes} -> ${after.numBytes}`;
  if (collected === 0) {
    expect(after.numTensors, detail).toBe(before.numTensors);
    expect(after.numStorages, detail).toBe(before.numStorages);
  } else {
    expect(after.numTensors, detail).toBeLessThanOrEqual(before.numTensors);
    expect(after.numStorages, detail).toBeLessThanOrEqual(before.numStorages);
  }
}

/**
 * Runs `fn` (sync or async) and asserts that it left no tensor or storage behind. Returns what `fn`
 * returns (a promise for an async `fn`).
 */
export function expectNoLeaks<T>(fn: () => Promise<T>): Promise<T>;
export function expectNoLeaks<T>(fn: () => T): T;
export function expectNoLeaks<T>(fn: () => T | Promise<T>): T | Promise<T> {
  const before = memorySnapshot();
  const result = fn();
  if (result instanceof Promise) {
    return result.then((v) => {
      expectSameMemory(before, "expectNoLeaks");
      return v;
    });
  }
  expectSameMemory(before, "expectNoLeaks");
  return result;
}

/**
 * A leak check split in two for hooks: `start()` in `beforeEach`, `check()` in `afterEach`.
 *
 * @example
 * const leaks = leakChecker();
 * beforeEach(leaks.start);
 * afterEach(leaks.check);
 */
export function leakChecker(): { start: () => void; check: () => void } {
  let before: MemorySnapshot | null = null;
  return {
    start: () => {
      before = memorySnapshot();
    },
    check: () => {
      if (!before) throw new Error("leakChecker: check() without start()");
      const b = before;
      before = null;
      expectSameMemory(b, "afterEach leak check");
    },
  };
}

/**
 * Installs the leak check on every test of the enclosing `describe` (or file): a `beforeEach`
 * snapshot and an `afterEach` comparison. Tests must dispose what they make (`tidy` helps).
 */
export function withLeakCheck(): void {
  const leaks = leakChecker();
  beforeEach(leaks.start);
  afterEach(leaks.check);
}
