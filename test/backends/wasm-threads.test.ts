// The worker threads of the WebAssembly GEMM (src/backends/cpu/wasm-pool.ts): results equal the
// single-threaded kernel's bit for bit for several shapes, layouts and thread counts (the same
// summation order per element); the shared memory grows; setNumThreads validates; a failing or
// dead worker gives a DeviceError naming matmul and the next call works; the process exits.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { gemmWasm, wasmInternals } from "../../src/backends/cpu/wasm.js";
import { dropPool, poolInternals } from "../../src/backends/cpu/wasm-pool.js";
import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";
import { rng } from "../util/seeded.js";

function randArray(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/**
 * A product on gemmWasm split over `threads` (1: not split, the pool kept): row-major A (M x K)
 * and B, B transposed or not.
 */
function product(M: number, N: number, K: number, threads: number, bT = false): Float32Array {
  if (threads > 1) torch.setNumThreads(threads);
  poolInternals.minMacs = threads > 1 ? 0 : Infinity;
  const a = randArray(M * K, M * 7 + K);
  const b = randArray(N * K, N * 13 + K);
  const out = new Float32Array(M * N);
  const [bRs, bCs] = bT ? [1, K] : [N, 1];
  expect(gemmWasm(M, N, K, a, 0, K, 1, b, 0, bRs, bCs, out, 0)).toBe(true);
  return out;
}

const saved = { n: torch.getNumThreads(), minMacs: poolInternals.minMacs };
const savedBudget = wasmInternals.memoryBudget;
const savedTimeout = poolInternals.timeoutMs;

describe.runIf(torch.backends.wasm.isAvailable())("wasm GEMM worker threads", () => {
  beforeAll(() => {
    // NOTE: split every product, small ones included, so that the tests stay quick
    poolInternals.minMacs = 0;
  });
  afterEach(() => {
    poolInternals.minMacs = 0;
    poolInternals.steal = true;
    wasmInternals.memoryBudget = savedBudget;
    poolInternals.timeoutMs = savedTimeout;
    poolInternals.fault = null;
  });
  afterAll(() => {
    poolInternals.minMacs = saved.minMacs;
    torch.setNumThreads(saved.n);
  });

  it("equals one thread bit for bit on odd, skinny, transposed and MNIST shapes", () => {
    const shapes: [number, number, number, boolean][] = [
      [8, 8, 8, false],
      [37, 29, 301, false],
      [130, 77, 45, true],
      [64, 128, 3136, false], // MNIST fc1: x . W^T
      [128, 3136, 64, true], // and a gradient
      [200, 40, 520, true], // two depth panels and a short third
    ];
    const ones = shapes.map(([M, N, K, bT]) => product(M, N, K, 1, bT));
    // NOTE: without stealing, each worker computes its own share; with it, whoever comes first
    for (const [t, steal] of [
      [2, false],
      [3, false],
      [4, false],
      [2, true],
      [3, true],
    ] as const) {
      poolInternals.steal = steal;
      for (const [i, [M, N, K, bT]] of shapes.entries()) {
        const one = ones[i]!;
        const before = poolInternals.splitCalls;
        const many = product(M, N, K, t, bT);
        // (big operands' packing is split too)
        expect(poolInternals.splitCalls, `${M}x${N}x${K} on ${t}`).toBeGreaterThan(before);
        expect(
          Buffer.from(many.buffer).equals(Buffer.from(one.buffer)),
          `${M}x${N}x${K} on ${t}`,
        ).toBe(true);
      }
    }
  });

  it("splits the chunked path and grows the shared memory", () => {
    torch.setNumThreads(2);
    poolInternals.steal = false; // the worker computes on the grown memory
    const small = product(16, 16, 16, 2);
    expect(small.length).toBe(256);
    const memBefore = poolInternals.poolsBuilt;
    // a product that needs a bigger shared memory than the first one: the pool stays
    const big1 = product(300, 260, 700, 1);
    const big2 = product(300, 260, 700, 2);
    expect(poolInternals.poolsBuilt).toBe(memBefore);
    expect(Buffer.from(big2.buffer).equals(Buffer.from(big1.buffer))).toBe(true);
    // a small budget: rows in chunks, B packed in TypeScript, each chunk split
    wasmInternals.memoryBudget = 4 * (260 + 8) * 700 + 4 * 64 * (700 + 264);
    const before = poolInternals.splitCalls;
    const chunked = product(300, 260, 700, 2);
    expect(poolInternals.splitCalls - before).toBeGreaterThan(1);
    expect(Buffer.from(chunked.buffer).equals(Buffer.from(big1.buffer))).toBe(true);
  });

  describe("through torch", () => {
    withLeakCheck();
    it("runs linear on the threads, with the same bits", () => {
      const wasOn = torch.backends.wasm.enabled;
      torch.backends.wasm.enabled = true;
      try {
        const x = torch.randn([64, 300]);
        const w = torch.randn([50, 300]);
        poolInternals.minMacs = Infinity;
        const y1 = torch.nn.functional.linear(x, w);
        poolInternals.minMacs = 0;
        torch.setNumThreads(2);
        const before = poolInternals.splitCalls;
        const y2 = torch.nn.functional.linear(x, w);
        expect(poolInternals.splitCalls).toBeGreaterThan(before);
        expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
        for (const t of [x, w, y1, y2]) t.dispose();
      } finally {
        torch.backends.wasm.enabled = wasOn;
      }
    });
  });

  it("a worker that throws gives a DeviceError naming matmul; the next call works", () => {
    const one = product(96, 40, 50, 1);
    poolInternals.steal = false; // so that worker 1 does its share
    poolInternals.fault = "throw";
    expect(() => product(96, 40, 50, 2)).toThrow(torch.DeviceError);
    poolInternals.fault = "throw";
    expect(() => product(96, 40, 50, 2)).toThrow(
      /^matmul: worker thread 1 of the wasm GEMM failed \(2 threads, C 96 x 40, depth 50\): Error: injected fault$/,
    );
    const pools = poolInternals.poolsBuilt;
    const again = product(96, 40, 50, 2);
    expect(poolInternals.poolsBuilt).toBe(pools); // the pool stayed
    expect(Buffer.from(again.buffer).equals(Buffer.from(one.buffer))).toBe(true);
  });

  it("a worker that dies makes the wait time out with a DeviceError; the next call works", () => {
    const one = product(96, 40, 50, 1);
    poolInternals.steal = false; // so that worker 1 takes its share
    poolInternals.timeoutMs = 300;
    poolInternals.fault = "exit";
    const t0 = performance.now();
    expect(() => product(96, 40, 50, 2)).toThrow(
      /^matmul: a worker thread of the wasm GEMM did not answer within 300 ms \(2 threads, C 96 x 40, depth 50\); the pool was dropped$/,
    );
    expect(performance.now() - t0).toBeLessThan(5000);
    const pools = poolInternals.poolsBuilt;
    const again = product(96, 40, 50, 2);
    expect(poolInternals.poolsBuilt).toBe(pools + 1); // a new pool
    expect(Buffer.from(again.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    poolInternals.timeouts = 0;
  });

  it("lets a finished process exit (the workers are unref'd)", () => {
    const child = fileURLToPath(new URL("../util/wasm-threads-child.ts", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", child], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.signal, "killed: the process did not exit by itself").toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ splitCalls: 1, pools: 1 });
  });
});

describe("torch.setNumThreads / getNumThreads", () => {
  afterAll(() => torch.setNumThreads(saved.n));

  it("defaults to the number of cores and keeps what is set", () => {
    expect(saved.n).toBeGreaterThanOrEqual(1);
    torch.setNumThreads(3);
    expect(torch.getNumThreads()).toBe(3);
    torch.setNumThreads(1);
    expect(torch.getNumThreads()).toBe(1);
    dropPool();
  });

  it("refuses what is not a positive integer", () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity, "2" as unknown as number]) {
      expect(() => torch.setNumThreads(bad)).toThrow(torch.ValueError);
    }
    expect(() => torch.setNumThreads(0)).toThrow(
      /^setNumThreads: expected a positive integer; got 0$/,
    );
    expect(torch.getNumThreads()).toBe(1);
  });
});
