import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { emptyArrayPool, pooledArrayBytes } from "../../src/backends/cpu/storage-pool.js";
import { wasmInternals } from "../../src/backends/cpu/wasm.js";

describe("CPU storage pool", () => {
  // NOTE: with the wasm heap on, large float32 storages live there instead (wasm-heap.test.ts)
  beforeAll(() => (wasmInternals.heap = false));
  afterAll(() => (wasmInternals.heap = true));
  afterEach(() => emptyArrayPool(256 * 1024 * 1024));

  it("reuses a freed storage's array, zeroed, for the next storage of its dtype and length", () => {
    emptyArrayPool();
    const a = torch.full([64, 128], 7);
    const arrayOfA = a.storage.data;
    a.dispose();
    expect(pooledArrayBytes()).toBe(64 * 128 * 4);
    const b = torch.zeros([128, 64]);
    expect(b.storage.data).toBe(arrayOfA);
    expect(pooledArrayBytes()).toBe(0);
    expect(Array.from(b.dataSync()).every((v) => v === 0)).toBe(true);
    b.dispose();
  });

  it("keeps dtypes and lengths apart", () => {
    emptyArrayPool();
    const a = torch.ones([8192]);
    const arrayOfA = a.storage.data;
    a.dispose();
    const i = torch.ones([8192], { dtype: "int32" });
    const longer = torch.ones([8193]);
    expect(i.storage.data).not.toBe(arrayOfA);
    expect(longer.storage.data).not.toBe(arrayOfA);
    expect(i.storage.data).toBeInstanceOf(Int32Array);
    i.dispose();
    longer.dispose();
  });

  it("never changes values a reader already holds", async () => {
    const a = torch.arange(0, 8192, { dtype: "float32" });
    const held = await a.data();
    const heldSync = a.dataSync();
    a.dispose();
    const b = torch.full([8192], -1);
    expect(held[100]).toBe(100);
    expect(heldSync[8191]).toBe(8191);
    b.dispose();
  });

  it("stays within its cap, and a cap of 0 turns it off", () => {
    emptyArrayPool(0);
    const a = torch.ones([64, 128]);
    a.dispose();
    expect(pooledArrayBytes()).toBe(0);
    emptyArrayPool(40_000);
    const b = torch.ones([64, 128]); // 32 KiB: kept
    const c = torch.ones([64, 129]); // would pass the cap: dropped
    b.dispose();
    c.dispose();
    expect(pooledArrayBytes()).toBe(64 * 128 * 4);
  });

  it("leaves small arrays to the garbage collector", () => {
    emptyArrayPool();
    torch.ones([16]).dispose();
    expect(pooledArrayBytes()).toBe(0);
  });
});
