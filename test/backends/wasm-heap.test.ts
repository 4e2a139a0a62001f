// The wasm heap (src/backends/cpu/wasm-heap.ts) and the kernels that run on it: the allocator
// merges, reuses and frees blocks; large float32 storages live on the heap and small or other
// dtypes do not; every SIMD elementwise op and broadcast mode (kernels/wasm/elementwise.ts) and
// the wasm im2col / col2im (kernels/wasm/im2col.ts) equal the TypeScript kernels bit for bit
// (NaN, ±Inf, -0, odd lengths, offsets, padding, strides, dilation, groups), on one thread and
// split over two; and nothing is left allocated.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { ewInternals } from "../../src/backends/cpu/wasm-elementwise.js";
import { im2colWasmInternals } from "../../src/backends/cpu/wasm-im2col.js";
import { maxPoolWasmInternals } from "../../src/backends/cpu/wasm-max-pool.js";
import { adamWasmInternals } from "../../src/backends/cpu/wasm-optim.js";
import {
  HEAP_MIN_BYTES,
  heapAddress,
  heapAlloc,
  heapFree,
  heapInternals,
  heapLayout,
} from "../../src/backends/cpu/wasm-heap.js";
import { wasmInternals } from "../../src/backends/cpu/wasm.js";
import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";
import { rng } from "../util/seeded.js";

const onHeap = (t: Tensor) => heapAddress(t.storage.data) >= 0;

/** Random floats with NaN, ±Inf, ±0 and values near zero mixed in. */
function values(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40];
  return Float32Array.from({ length: n }, (_, i) =>
    i % 37 === 5 ? special[i % special.length]! : (r() - 0.5) * 8,
  );
}

/** A tensor of {@link values} in `shape`. */
const tensorOf = (shape: number[], seed: number) =>
  torch.tidy(() =>
    torch
      .tensor(
        values(
          shape.reduce((p, d) => p * d, 1),
          seed,
        ),
      )
      .reshape(shape),
  );

/** Turns the wasm kernels off, or (`"heap"`) only the heap's: the GEMM stays, by copy. */
function switchOff(what: "wasm" | "heap", off: boolean): void {
  if (what === "wasm") torch.backends.wasm.enabled = !off;
  else wasmInternals.heap = !off;
}

/**
 * `f` run with the wasm kernels on, then off (`what`): both results' bits, and the wasm
 * elementwise calls it made.
 */
function bothWays(
  f: () => Tensor,
  what: "wasm" | "heap" = "wasm",
): [Uint32Array, Uint32Array, number] {
  const calls = ewInternals.calls;
  const on = torch.tidy(f);
  const used = ewInternals.calls - calls;
  switchOff(what, true);
  try {
    const off = torch.tidy(f);
    const bits = (t: Tensor) => new Uint32Array(Float32Array.from(t.dataSync()).buffer);
    const out: [Uint32Array, Uint32Array, number] = [bits(on), bits(off), used];
    on.dispose();
    off.dispose();
    return out;
  } finally {
    switchOff(what, false);
  }
}

/** NaN bits may differ (the payload); everything else must not. */
function expectSameBits(a: Uint32Array, b: Uint32Array): void {
  expect(a.length).toBe(b.length);
  const isNan = (u: number) => (u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0;
  let bad = -1;
  for (let i = 0; i < a.length && bad < 0; i++)
    if (a[i] !== b[i] && !(isNan(a[i]!) && isNan(b[i]!))) bad = i;
  expect(bad, `first differing element ${bad}`).toBe(-1);
}

/**
 * Registers hooks that split every call of a heap kernel over threads (`internals.minSplit` 0,
 * so that the tests' small tensors use the pool), restoring the thread count after each test.
 */
function splitEveryCall(internals: { minSplit: number }): void {
  const saved = { n: torch.getNumThreads(), minSplit: internals.minSplit };
  beforeAll(() => void (internals.minSplit = 0));
  afterEach(() => torch.setNumThreads(saved.n));
  afterAll(() => void (internals.minSplit = saved.minSplit));
}

describe.runIf(torch.backends.wasm.isAvailable())("wasm heap", () => {
  it("merges freed neighbours, reuses the best fit and gives the top back", () => {
    const before = heapLayout();
    const [a, b, c] = [heapAlloc(4096), heapAlloc(8192), heapAlloc(4096)];
    expect([a, b, c].every((p) => p > 0 && p % 64 === 0)).toBe(true);
    expect(b).toBe(a + 4096);
    heapFree(b);
    expect(heapAlloc(4096)).toBe(b); // the best fit: the front of b's block
    heapFree(b);
    heapFree(a); // merges with b's block
    expect(heapAlloc(12288)).toBe(a);
    heapFree(a);
    heapFree(c); // c was the top block: the top comes back down with the free blocks below it
    expect(heapLayout()).toEqual(before);
  });

  it("holds large float32 and int32 storages; small ones and other dtypes stay plain arrays", () => {
    const big = torch.ones([HEAP_MIN_BYTES / 4]);
    const ints = torch.ones([HEAP_MIN_BYTES / 4], { dtype: "int32" });
    const small = torch.ones([HEAP_MIN_BYTES / 4 - 1]);
    const others = [
      torch.ones([HEAP_MIN_BYTES], { dtype: "bool" }),
      torch.ones([8192], { dtype: "float64" }),
    ];
    expect(onHeap(big) && onHeap(ints)).toBe(true);
    expect(ints.storage.data).toBeInstanceOf(Int32Array);
    expect(onHeap(small) || others.some(onHeap)).toBe(false);
    const live = heapInternals.liveBytes;
    big.dispose();
    expect(heapInternals.liveBytes).toBe(live - HEAP_MIN_BYTES);
    for (const t of [ints, small, ...others]) t.dispose();
  });

  it("zeroes a reused block for ops that do not write every element", () => {
    const a = torch.full([8192], 7);
    const at = heapAddress(a.storage.data);
    a.dispose();
    const z = torch.zeros([8192]);
    expect(heapAddress(z.storage.data)).toBe(at);
    expect(z.dataSync().every((v) => v === 0)).toBe(true);
    z.dispose();
  });

  it("frees the blocks of tensors garbage-collected without dispose", () => {
    const child = fileURLToPath(new URL("../util/heap-gc-child.ts", import.meta.url));
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", child], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const { start, peak, after } = JSON.parse(r.stdout.trim()) as Record<string, number>;
    expect(peak).toBeGreaterThan(start + 2 ** 20); // 100 tensors of 1 MB were made, undisposed
    expect(after - start).toBeLessThan(4 * 2 ** 20); // ... and given back
  });

  it("keeps storages as plain arrays with the heap or the wasm kernels off", () => {
    wasmInternals.heap = false;
    const a = torch.ones([8192]);
    wasmInternals.heap = true;
    torch.backends.wasm.enabled = false;
    const b = torch.ones([8192]);
    torch.backends.wasm.enabled = true;
    expect(onHeap(a) || onHeap(b)).toBe(false);
    a.dispose();
    b.dispose();
  });
});

describe.runIf(torch.backends.wasm.isAvailable())("wasm elementwise kernels", () => {
  withLeakCheck();
  splitEveryCall(ewInternals);

  // 4 x 5 x 17 x 13 = 4420 floats (past HEAP_MIN_BYTES, and not a multiple of 4)
  const shape = [4, 5, 17, 13];
  const n = 4 * 5 * 17 * 13;
  const ops = ["add", "sub", "mul", "div"] as const;

  for (const threads of [1, 2]) {
    describe(`${threads} thread(s)`, () => {
      it.each(ops)("%s: dense, scalar, scalar first, per channel, one row repeated", (op) => {
        torch.setNumThreads(threads);
        const a = tensorOf(shape, 1);
        const b = tensorOf(shape, 2);
        const channel = tensorOf([5, 1, 1], 3);
        const row = tensorOf([17, 13], 4);
        const lastDim = tensorOf([13], 9);
        const pairs = tensorOf([13, 2], 10); // a column of it: a row of 13 at stride 2
        const cases: [string, () => Tensor, boolean][] = [
          ["dense", () => torch[op](a, b), true],
          ["scalar", () => torch[op](a, -1.75), true],
          ["scalar first", () => torch[op](torch.tensor(2.5), a), true],
          ["per channel", () => torch[op](a, channel), true],
          ["per channel first", () => torch[op](channel, a), op === "add" || op === "mul"],
          ["per row of 17 x 13 (two dims: not for wasm)", () => torch[op](a, row), false],
          ["one row repeated", () => torch[op](a, lastDim), true],
          ["one row repeated, first", () => torch[op](lastDim, a), op === "add" || op === "mul"],
          ["one strided row repeated", () => torch[op](a, pairs.select(1, 0)), true],
        ];
        for (const [name, f, wasm] of cases) {
          const [on, off, used] = bothWays(f);
          expect(used, `${op} ${name}: ran on wasm`).toBe(wasm ? 1 : 0);
          expectSameBits(on, off);
        }
        for (const t of [a, b, channel, row, lastDim, pairs]) t.dispose();
      });
    });
  }

  it("relu and relu's gradient equal the TypeScript kernels", () => {
    const x = torch.tensor(values(n, 5));
    const [on, off, used] = bothWays(() => torch.relu(x));
    expect(used).toBe(1);
    expectSameBits(on, off);
    const grads = bothWays(() => {
      const w = x.detach().requiresGrad_();
      torch.relu(w).backward(torch.tensor(values(n, 6)));
      return w.grad!.clone();
    });
    expectSameBits(grads[0], grads[1]);
    x.dispose();
  });

  it("reads a view at an offset, and leaves strided views to the TypeScript loop", () => {
    const a = tensorOf([2, n], 7);
    const b = tensorOf([2, n], 8);
    const [on, off, used] = bothWays(() => a.select(0, 1).add(b.select(0, 1)));
    expect(used).toBe(1);
    expectSameBits(on, off);
    const t = bothWays(() => a.t().mul(b.t()));
    expect(t[2]).toBe(0);
    expectSameBits(t[0], t[1]);
    a.dispose();
    b.dispose();
  });
});

describe.runIf(torch.backends.wasm.isAvailable())("wasm im2col and col2im", () => {
  withLeakCheck();
  splitEveryCall(im2colWasmInternals);

  // [x shape, w shape, options]: every input big enough for the heap
  const cases: [number[], number[], Parameters<typeof torch.nn.functional.conv2d>[3]][] = [
    [[3, 8, 20, 21], [16, 8, 3, 3], { padding: 1 }],
    [[2, 6, 23, 19], [4, 3, 5, 3], { stride: [2, 3], padding: [2, 1], groups: 2 }],
    [[2, 4, 30, 30], [5, 4, 3, 3], { dilation: 2, padding: 3, stride: 2 }],
    [[6, 1, 28, 28], [8, 1, 3, 3], { padding: 1 }],
  ];
  for (const threads of [1, 2])
    it.each(cases)(`${threads} thread(s): conv2d %j * %j %j and both gradients`, (xs, ws, opts) => {
      torch.setNumThreads(threads);
      const x0 = tensorOf(xs, 11);
      const w0 = tensorOf(ws, 12);
      const run = (which: 0 | 1 | 2) => () => {
        const x = x0.detach().requiresGrad_();
        const w = w0.detach().requiresGrad_();
        const y = torch.nn.functional.conv2d(x, w, null, opts);
        if (which === 0) return y.detach();
        y.backward(tensorOf(y.shape as number[], 13));
        return (which === 1 ? x.grad! : w.grad!).clone();
      };
      for (const which of [0, 1, 2] as const) {
        const calls = im2colWasmInternals.calls;
        // NOTE: the GEMM runs on wasm both ways (by copy without the heap): the same bits
        const [on, off] = bothWays(run(which), "heap");
        expect(im2colWasmInternals.calls, `pass ${which} ran on wasm`).toBeGreaterThan(calls);
        expectSameBits(on, off);
      }
      x0.dispose();
      w0.dispose();
    });
});

describe.runIf(torch.backends.wasm.isAvailable())("wasm 2x2 max pooling", () => {
  withLeakCheck();
  splitEveryCall(maxPoolWasmInternals);

  for (const threads of [1, 2])
    it(`${threads} thread(s): values, indices and the gradient, ties and NaN included`, () => {
      torch.setNumThreads(threads);
      // odd sizes (the last row and column are dropped); few distinct values, so ties are common
      const x0 = torch.tidy(() => tensorOf([4, 8, 37, 29], 21).mul(2).round().div(2));
      for (const which of ["values", "indices", "grad"] as const) {
        const calls = maxPoolWasmInternals.calls;
        const [on, off] = bothWays(() => {
          const x = x0.detach().requiresGrad_();
          const { values, indices } = torch.nn.functional.maxPool2dWithIndices(x, 2);
          if (which === "values") return values;
          if (which === "indices") return indices.float();
          values.backward(tensorOf(values.shape as number[], 22));
          return x.grad!.clone();
        });
        expect(maxPoolWasmInternals.calls, `${which} ran on wasm`).toBeGreaterThan(calls);
        expectSameBits(on, off);
      }
      x0.dispose();
    });
});

describe.runIf(torch.backends.wasm.isAvailable())("wasm Adam step", () => {
  withLeakCheck();
  splitEveryCall(adamWasmInternals);

  type Stepper = { step(): void; zeroGrad(): void; dispose(): void };
  const variants: [string, (p: Tensor[]) => Stepper][] = [
    ["Adam", (p) => new torch.optim.Adam(p, { lr: 0.01 })],
    [
      "Adam, L2 decay, maximize",
      (p) => new torch.optim.Adam(p, { lr: 0.01, weightDecay: 0.1, maximize: true }),
    ],
    ["AdamW", (p) => new torch.optim.AdamW(p, { lr: 0.01, weightDecay: 0.05 })],
    ["Adam, amsgrad", (p) => new torch.optim.Adam(p, { lr: 0.01, amsgrad: true })],
  ];
  for (const threads of [1, 2])
    it.each(variants)(`${threads} thread(s): %s equals the TypeScript step`, (_, make) => {
      torch.setNumThreads(threads);
      const n = 4099; // past HEAP_MIN_BYTES, and odd (the last element alone)
      const calls = adamWasmInternals.calls;
      const [on, off] = bothWays(() => {
        const w = torch.tensor(values(n, 31)).requiresGrad_();
        const opt = make([w]);
        for (let step = 0; step < 3; step++) {
          opt.zeroGrad();
          w.mul(torch.tensor(values(n, 32 + step)))
            .sum()
            .backward();
          opt.step();
        }
        opt.dispose();
        return w.detach();
      }, "heap");
      expect(adamWasmInternals.calls).toBeGreaterThan(calls);
      expectSameBits(on, off);
    });
});
