// The WebAssembly SIMD GEMM (kernels/wasm/, hosted by src/backends/cpu/wasm.ts): the assembler's
// encodings, then the kernel against a float64 triple loop and against the TypeScript gemm on odd,
// skinny, empty, transposed, strided and chunked products and the MNIST training shapes; then the
// switch (WEBTORCH_WASM, torch.backends.wasm.enabled) and the tensor-level paths that reach it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";

import { FuncBuilder, ModuleBuilder, sleb, uleb } from "../../kernels/wasm/assembler.js";
import { gemmModule } from "../../kernels/wasm/gemm.js";
import { gemm, gemmTs, type Gemm } from "../../src/backends/cpu/gemm.js";
import { im2colInternals } from "../../src/backends/cpu/im2col.js";
import { gemmWasm, wasmInternals } from "../../src/backends/cpu/wasm.js";
import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";
import { rng } from "../util/seeded.js";

const EPS32 = 2 ** -23;

describe("wasm assembler", () => {
  it("encodes LEB128 as the spec's examples", () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it("emits a module that validates and whose functions run", () => {
    const bytes = new ModuleBuilder()
      .func("add", ["f32", "f32"], ["f32"], (f) => void f.localGet(0).localGet(1).f32Add())
      .func("sum4", ["i32"], ["i32"], (f: FuncBuilder) => {
        // 1 + 2 + ... + n with a loop and a local, to exercise blocks, branches and locals
        const acc = f.local("i32");
        f.block().loop();
        f.localGet(0).i32Eqz().brIf(1);
        f.localGet(acc).localGet(0).i32Add().localSet(acc);
        f.localGet(0).i32Const(-1).i32Add().localSet(0);
        f.br(0).end().end();
        f.localGet(acc);
      })
      .emit();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const mem = new WebAssembly.Memory({ initial: 1 });
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } });
    expect((exports.add as (a: number, b: number) => number)(1.5, 2.25)).toBe(3.75);
    expect((exports.sum4 as (n: number) => number)(100)).toBe(5050);
  });

  it("generates a GEMM module that validates, and refuses a bad configuration", () => {
    const cfg = { mr: 4, nr: 8, ku: 1, kc: 256, mc: 64, relaxed: false };
    expect(WebAssembly.validate(gemmModule(cfg))).toBe(true);
    expect(WebAssembly.validate(gemmModule({ ...cfg, mr: 8, nr: 12, ku: 4, mc: 96 }))).toBe(true);
    expect(() => gemmModule({ ...cfg, nr: 6 })).toThrow(/bad gemm kernel config/);
  });
});

/** [M, N, K] */
const SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [7, 13, 33],
  [13, 7, 65],
  [33, 65, 129],
  [129, 33, 7],
  [65, 129, 13],
  [4, 8, 300], // exactly one tile, more than one depth panel
  [1000, 5, 3], // tall
  [3, 1000, 7], // wide
  [2, 3, 2000], // deep
  [5, 9, 0], // empty sum
];

interface Operand {
  data: Float32Array;
  off: number;
  rs: number;
  cs: number;
}

/**
 * A rows x cols operand laid out as `layout` says: row-major, column-major (a transposed view),
 * strided (a slice with row padding and every other column), or flipped (negative strides).
 */
function operand(rows: number, cols: number, layout: string, rand: () => number): Operand {
  const fill = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
  switch (layout) {
    case "row":
      return { data: fill(rows * cols + 3), off: 3, rs: cols, cs: 1 };
    case "col":
      return { data: fill(rows * cols + 1), off: 1, rs: 1, cs: rows };
    case "strided":
      return { data: fill(rows * (2 * cols + 5)), off: 2, rs: 2 * cols + 5, cs: 2 };
    case "flipped":
      return { data: fill(rows * cols), off: rows * cols - 1, rs: -cols, cs: -1 };
    default:
      throw new Error(layout);
  }
}

/**
 * Checks `kernel` against a float64 triple loop: each element within a float32 summation bound,
 * c * eps32 * sqrt(K + 1) * sum_k |a_ik b_kj| (plus the rounding of the accumulated start value).
 */
function check(
  kernel: Gemm,
  M: number,
  N: number,
  K: number,
  A: Operand,
  B: Operand,
  acc: boolean,
) {
  const start = Float32Array.from({ length: M * N + 2 }, (_, i) => (i % 7) - 3);
  const out = start.slice();
  kernel(M, N, K, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, out, 2, acc);
  let worst = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const p = A.data[A.off + i * A.rs + k * A.cs]! * B.data[B.off + k * B.rs + j * B.cs]!;
        s += p;
        abs += Math.abs(p);
      }
      const o = 2 + i * N + j;
      const expected = acc ? start[o]! + s : s;
      const bound = 4 * EPS32 * (Math.sqrt(K + 1) * abs + Math.abs(expected)) + 1e-30;
      worst = Math.max(worst, Math.abs(out[o]! - expected) / bound);
    }
  }
  expect(worst).toBeLessThanOrEqual(1);
  // the two elements before `outOff` are untouched
  expect([out[0], out[1]]).toEqual([start[0], start[1]]);
  return out;
}

describe("wasm gemm", () => {
  let saved: boolean;
  beforeEach(() => {
    saved = torch.backends.wasm.enabled;
    torch.backends.wasm.enabled = true;
  });
  afterEach(() => {
    torch.backends.wasm.enabled = saved;
    wasmInternals.memoryBudget = 256 * 2 ** 20;
  });

  it("is available in Node (WebAssembly SIMD128)", () => {
    expect(torch.backends.wasm.isAvailable()).toBe(true);
  });

  it("matches a float64 reference on odd, skinny and empty shapes, every layout of A and B", () => {
    const rand = rng(11);
    const wasmOnly: Gemm = (...args) => expect(gemmWasm(...args)).toBe(true);
    for (const [M, N, K] of SHAPES) {
      for (const la of ["row", "col", "strided", "flipped"]) {
        for (const lb of ["row", "col", "strided", "flipped"]) {
          const A = operand(M, K, la, rand);
          const B = operand(K, N, lb, rand);
          for (const acc of [false, true]) {
            const viaWasm = check(wasmOnly, M, N, K, A, B, acc);
            const viaTs = check(gemmTs, M, N, K, A, B, acc);
            const viaGemm = check(gemm, M, N, K, A, B, acc);
            // NOTE: gemm is one of the two (by size), so it agrees with one of them exactly
            const same = (x: Float32Array) => x.every((v, i) => Object.is(v, viaGemm[i]));
            expect(same(viaWasm) || same(viaTs)).toBe(true);
          }
        }
      }
    }
  });

  it("runs the MNIST training products (x @ W^T and both gradients) on wasm", () => {
    const rand = rng(12);
    const before = wasmInternals.gemmCalls;
    // fc1 forward: x (64 x 3136) @ W^T, W stored (128 x 3136)
    check(
      gemm,
      64,
      128,
      3136,
      operand(64, 3136, "row", rand),
      operand(3136, 128, "col", rand),
      false,
    );
    // fc1 grad weight: g^T (128 x 64) @ x (64 x 3136)
    check(
      gemm,
      128,
      3136,
      64,
      operand(128, 64, "col", rand),
      operand(64, 3136, "row", rand),
      false,
    );
    // fc1 grad input: g (64 x 128) @ W (128 x 3136)
    check(
      gemm,
      64,
      3136,
      128,
      operand(64, 128, "row", rand),
      operand(128, 3136, "row", rand),
      false,
    );
    expect(wasmInternals.gemmCalls - before).toBe(3);
  });

  it("cuts products bigger than its memory budget into row chunks", () => {
    const rand = rng(13);
    wasmInternals.memoryBudget = 64 * 1024; // B (300 x 40) takes 48 KB: a few rows per chunk
    const wasmOnly: Gemm = (...args) => expect(gemmWasm(...args)).toBe(true);
    for (const acc of [false, true])
      check(
        wasmOnly,
        61,
        37,
        300,
        operand(61, 300, "row", rand),
        operand(300, 37, "col", rand),
        acc,
      );
  });

  it("replaces its own memory (no heap) by a larger one without detaching the old buffer", () => {
    wasmInternals.heap = false;
    onTestFinished(() => void (wasmInternals.heap = true));
    const rand = rng(14);
    check(gemm, 16, 16, 16, operand(16, 16, "row", rand), operand(16, 16, "row", rand), false);
    const first = wasmInternals.memory()!;
    const buffer = first.buffer;
    const big = Math.ceil(Math.sqrt(first.buffer.byteLength / 4)) + 8;
    check(gemm, big, big, 8, operand(big, 8, "row", rand), operand(8, big, "row", rand), false);
    expect(wasmInternals.memory()).not.toBe(first);
    expect(buffer.byteLength).toBeGreaterThan(0); // a detached buffer has length 0
  });

  it("leaves float64 work, tiny products and matrix-vector products to the TypeScript gemm", () => {
    const before = wasmInternals.gemmCalls;
    const a64 = new Float64Array(64 * 64).fill(0.5);
    const c64 = new Float64Array(64 * 64);
    gemm(64, 64, 64, a64, 0, 64, 1, a64, 0, 64, 1, c64, 0);
    expect(c64[0]).toBe(16);
    const a32 = new Float32Array(64 * 64).fill(0.5);
    const c32 = new Float32Array(64 * 64);
    gemm(4, 4, 4, a32, 0, 4, 1, a32, 0, 4, 1, c32, 0);
    gemm(1, 64, 64, a32, 0, 64, 1, a32, 0, 64, 1, c32, 0);
    gemm(64, 1, 64, a32, 0, 64, 1, a32, 0, 1, 64, c32, 0);
    expect(wasmInternals.gemmCalls).toBe(before);
    gemm(64, 64, 64, a32, 0, 64, 1, a32, 0, 64, 1, c32, 0);
    expect(wasmInternals.gemmCalls).toBe(before + 1);
  });

  it("is off with torch.backends.wasm.enabled = false, and refuses a non-boolean", () => {
    torch.backends.wasm.enabled = false;
    const before = wasmInternals.gemmCalls;
    const a = new Float32Array(64 * 64).fill(0.25);
    const c = new Float32Array(64 * 64);
    gemm(64, 64, 64, a, 0, 64, 1, a, 0, 64, 1, c, 0);
    expect(c[0]).toBe(4);
    expect(wasmInternals.gemmCalls).toBe(before);
    expect(() => {
      (torch.backends.wasm as { enabled: unknown }).enabled = "no";
    }).toThrow(torch.ValueError);
  });

  it("uses relaxed-SIMD FMA where the engine validates it, and falls back without wasm", () => {
    const child = fileURLToPath(new URL("../util/wasm-relaxed-child.ts", import.meta.url));
    interface ChildResult {
      available: boolean;
      relaxed: boolean;
      calls: number;
      worst: number;
    }
    const run = (flags: string[]): ChildResult => {
      const r = spawnSync(process.execPath, [...flags, "--import", "tsx", child], {
        encoding: "utf8",
        env: { ...process.env, WEBTORCH_WASM: "1" },
      });
      expect(r.status, r.stderr).toBe(0);
      // silent, warnings included (but V8's own note that --jitless turns wasm off)
      expect(r.stderr.replace(/^Warning: disabling flag --expose_wasm.*\n?/m, "")).toBe("");
      return JSON.parse(r.stdout.trim().split("\n").pop()!) as ChildResult;
    };
    // NOTE: Node 20 has relaxed SIMD behind a flag only; browsers have it by default
    const relaxed = run(["--experimental-wasm-relaxed-simd"]);
    expect(relaxed).toMatchObject({ available: true, relaxed: true, calls: 1 });
    expect(relaxed.worst).toBeLessThanOrEqual(1);
    // --jitless: no WebAssembly object at all
    const none = run(["--jitless"]);
    expect(none).toMatchObject({ available: false, relaxed: false, calls: 0 });
    expect(none.worst).toBeLessThanOrEqual(1);
  });

  it("starts as WEBTORCH_WASM says", () => {
    // this file runs under `npm test` and `npm run test:nowasm` (WEBTORCH_WASM=0)
    const off = ["0", "false", "off", "no"].includes(process.env.WEBTORCH_WASM ?? "");
    expect(saved).toBe(!off);
  });
});

describe("wasm gemm through tensors (cpu)", () => {
  withLeakCheck();
  let saved: boolean;
  beforeEach(() => {
    saved = torch.backends.wasm.enabled;
    torch.backends.wasm.enabled = true;
  });
  afterEach(() => {
    torch.backends.wasm.enabled = saved;
  });

  /** max |x - y| / (1 + |y|) over all elements, x float32 on wasm, y float64 on TypeScript. */
  function relErr(x: torch.Tensor, y: torch.Tensor): number {
    const a = x.dataSync();
    const b = y.dataSync();
    let worst = 0;
    for (let i = 0; i < b.length; i++)
      worst = Math.max(worst, Math.abs(Number(a[i]) - Number(b[i])) / (1 + Math.abs(Number(b[i]))));
    return worst;
  }

  it("batched and non-contiguous matmul agree with float64", () => {
    torch.manualSeed(5);
    torch.tidy(() => {
      const before = wasmInternals.gemmCalls;
      const a = torch.randn([3, 41, 37]);
      const b = torch.randn([3, 29, 41]).transpose(1, 2); // (3, 41, 29), not contiguous
      const c = a.narrow(2, 3, 30).matmul(b.narrow(1, 5, 30)); // strided slices
      const c64 = a
        .double()
        .narrow(2, 3, 30)
        .matmul(b.double().narrow(1, 5, 30));
      expect(c.shape).toEqual([3, 41, 29]);
      expect(relErr(c, c64)).toBeLessThan(1e-5);
      expect(wasmInternals.gemmCalls - before).toBe(3);
    });
  });

  it("conv2d by im2col (5x5, stride 2) reaches it and agrees with float64", () => {
    torch.manualSeed(6);
    torch.tidy(() => {
      const before = wasmInternals.gemmCalls;
      const x = torch.randn([2, 3, 17, 17]);
      const w = torch.randn([8, 3, 5, 5]);
      const y = torch.conv2d(x, w, null, { stride: 2, padding: 1 });
      const y64 = torch.conv2d(x.double(), w.double(), null, { stride: 2, padding: 1 });
      expect(relErr(y, y64)).toBeLessThan(1e-5);
      expect(wasmInternals.gemmCalls - before).toBe(1); // one gemm for the batch
    });
  });

  it("conv2d by im2col in chunks of images (groups, all three passes) agrees with float64", () => {
    const saved = im2colInternals.maxChunkElements;
    // room for 2 images of (2 channels x 3 x 3) x (9 x 9) column elements: chunks of 2 and 1
    im2colInternals.maxChunkElements = 2 * 18 * 81;
    torch.manualSeed(7);
    try {
      torch.tidy(() => {
        const x = torch.randn([3, 4, 9, 9], { requiresGrad: true });
        const w = torch.randn([6, 2, 3, 3], { requiresGrad: true });
        const x64 = x.detach().double().requiresGrad_();
        const w64 = w.detach().double().requiresGrad_();
        const opts = { padding: 1, groups: 2 };
        const y = torch.conv2d(x, w, null, opts);
        const y64 = torch.conv2d(x64, w64, null, opts);
        const g = torch.randn(y.shape);
        y.backward(g);
        y64.backward(g.double());
        expect(relErr(y, y64)).toBeLessThan(1e-5);
        expect(relErr(x.grad!, x64.grad!)).toBeLessThan(1e-5);
        expect(relErr(w.grad!, w64.grad!)).toBeLessThan(1e-5);
      });
    } finally {
      im2colInternals.maxChunkElements = saved;
    }
  });
});
