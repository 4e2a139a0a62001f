/**
 * The WebGPU backend's own guarantees: no CPU fallback for the primitives it implements, no leaked
 * storages or buffers, reads ordered after a CPU fallback in the middle of a chain, and the same
 * random numbers as the CPU. (Every op of the op list runs on webgpu against PyTorch's goldens in
 * test/golden/golden.test.ts, with the other backends.)
 *
 * Runs on any WebGPU adapter (Dawn on Mesa's lavapipe in CI); skipped with a printed reason
 * without one, unless WEBTORCH_REQUIRE_WEBGPU=1.
 */
import { expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DType, Tensor } from "../../src/index.js";
import { findBackend } from "../../src/backends/backend.js";
import { cpuBackend } from "../../src/backends/cpu/index.js";
import type { WebGPUBackend } from "../../src/backends/webgpu/index.js";
import { UNSUPPORTED } from "../../src/backends/webgpu/kernels.js";
import { fillNormal, fillUniform } from "../../src/core/philox.js";
import { BINARY, UNARY, binary, cast, unary } from "../../src/ops/elementwise.js";
import { emptyTensor, runKernel } from "../../src/ops/dispatch.js";
import type { KernelTable, Prim } from "../../src/ops/prims.js";
import { assertAllClose } from "../util/allclose.js";
import { describeBackend, describeBackends } from "../util/backends.js";
import { memorySnapshot, expectSameMemory } from "../util/leaks.js";
import { EXACT, WEBGPU_VS_CPU, type Tolerance } from "../util/tolerance.js";

const device = "webgpu";

/** WebGPU against the CPU backend: exact for integers and bools. */
function tolerance(dtype: DType): Tolerance {
  return dtype === "int32" || dtype === "bool" ? EXACT : WEBGPU_VS_CPU;
}

function backend(): WebGPUBackend {
  return findBackend("webgpu") as WebGPUBackend;
}

// ---- the same small program on every backend ----

describeBackends("basics", (dev) => {
  it("creates, computes, reduces and reads back", async () => {
    const x = torch.tensor(
      [
        [1, -2, 3],
        [4, 5, -6],
      ],
      { device: dev, dtype: "float32", requiresGrad: true },
    );
    expect(x.device).toBe(dev);
    const y = x.relu().mul(x.t().t()).sum(1);
    expect(await y.tolist()).toEqual([10, 41]);
    y.sum().backward();
    expect(await x.grad!.tolist()).toEqual([
      [2, 0, 6],
      [8, 10, 0],
    ]);
    expect(await x.amax().item()).toBe(5);
    const cpu = await y.toAsync("cpu");
    expect(cpu.dataSync()).toEqual(new Float32Array([10, 41]));
    for (const t of [x, y, cpu, x.grad!]) t.dispose();
  });

  it("counts its storages in torch.memory() by device", () => {
    const before = torch.memory().devices[dev]?.numStorages ?? 0;
    const t = torch.zeros([3], { device: dev });
    expect(torch.memory().devices[dev]!.numStorages).toBe(before + 1);
    t.dispose();
    expect(torch.memory().devices[dev]!.numStorages).toBe(before);
  });
});

// ---- elementwise conformance: webgpu against the CPU on special values ----

const FLOATS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  -2.5,
  2.5,
  3,
  -3,
  1e-4,
  -1e-4,
  0.9999,
  7.25,
  -100,
  100,
  1e30,
  -1e30,
  1e-40,
  NaN,
  Infinity,
  -Infinity,
];
// NOTE: no int32 whose square passes 2^53: the CPU computes in float64 before wrapping to int32,
// so it loses the low bits that webgpu's exact wrapping i32 arithmetic keeps.
const INTS = [0, 1, -1, 2, -2, 3, 7, -7, 100, -100, 12345, 46341, -2147483648];
const BOOLS = [0, 1];
const PAIR_FLOATS = [0, -0, 1, -1, 0.5, -2.5, 3, -3, 1e-4, 100, NaN, Infinity, -Infinity];
const PAIR_INTS = [0, 1, -1, 2, -3, 7, -100];

const valuesOf = (dtype: DType, pair = false): number[] =>
  dtype === "float32"
    ? pair
      ? PAIR_FLOATS
      : FLOATS
    : dtype === "int32"
      ? pair
        ? PAIR_INTS
        : INTS
      : BOOLS;

/**
 * Inputs where float32 arithmetic cannot match the CPU's float64-then-round result, per op:
 * trig functions of huge arguments need a range reduction WGSL does not promise.
 */
const HUGE_ARG_OPS = new Set(["sin", "cos", "tan"]);

/**
 * Pairs where float32 cannot match the CPU's float64 formula, per op: a remainder whose quotient
 * |a / b| is 1000 or more keeps only a few significant bits of its float32 quotient.
 */
const PAIR_FILTER: Record<string, (a: number, b: number) => boolean> = {
  remainder: (a, b) => !(Math.abs(a / b) >= 1000 && Number.isFinite(a / b)),
  fmod: (a, b) => !(Math.abs(a / b) >= 1000 && Number.isFinite(a / b)),
};

const INT_DIVISIONS = new Set(["remainder", "fmod", "divTrunc", "divFloor"]);

function cpuAndGpu(data: number[], dtype: DType): [Tensor, Tensor] {
  const c = torch.tensor(data, { dtype });
  return [c, torch.tensor(data, { dtype, device })];
}

async function expectSame(gpu: Tensor, cpu: Tensor, label: string): Promise<void> {
  expect(gpu.dtype, label).toBe(cpu.dtype);
  assertAllClose(await gpu.data(), cpu.dataSync(), tolerance(cpu.dtype), label, cpu.shape);
}

describeBackend("elementwise conformance", device, () => {
  for (const [name, def] of Object.entries(UNARY)) {
    it(`unary ${name}`, async () => {
      for (const dtype of ["float32", "int32", "bool"] as const) {
        try {
          def.dtype(dtype, name);
        } catch {
          continue; // the op refuses this dtype (on every backend)
        }
        const xs = valuesOf(dtype).filter((v) => !(HUGE_ARG_OPS.has(name) && Math.abs(v) > 1e4));
        const [c, g] = cpuAndGpu(xs, dtype);
        const [rc, rg] = [unary(def, c), unary(def, g)];
        await expectSame(rg, rc, `${name}(${dtype} [${xs.join(", ")}])`);
        for (const t of [c, g, rc, rg]) t.dispose();
      }
    });
  }

  for (const [name, def] of Object.entries(BINARY)) {
    it(`binary ${name}`, async () => {
      for (const dtype of ["float32", "int32", "bool"] as const) {
        try {
          def.dtype(dtype, name);
        } catch {
          continue;
        }
        const vs = valuesOf(dtype, true);
        const keep = PAIR_FILTER[name] ?? (() => true);
        // integer division by zero raises (PyTorch's ZeroDivisionError): no zero divisors there
        const intDivision = dtype !== "float32" && INT_DIVISIONS.has(name);
        const pairs = vs
          .flatMap((a) => vs.map((b) => [a, b] as const))
          .filter(([a, b]) => keep(a, b) && !(intDivision && b === 0));
        const as = pairs.map(([a]) => a);
        const bs = pairs.map(([, b]) => b);
        const [ac, ag] = cpuAndGpu(as, dtype);
        const [bc, bg] = cpuAndGpu(bs, dtype);
        const [rc, rg] = [binary(def, ac, bc), binary(def, ag, bg)];
        await expectSame(rg, rc, `${name} on ${dtype}`);
        for (const t of [ac, ag, bc, bg, rc, rg]) t.dispose();
      }
    });
  }

  it("mixed dtypes: int32 + float32, bool * int32, comparisons across types, where", async () => {
    const f = [1.5, -2, NaN, 0];
    const i = [1, -2, 3, 0];
    const b = [1, 0, 1, 0];
    const [fc, fg] = cpuAndGpu(f, "float32");
    const [ic, ig] = cpuAndGpu(i, "int32");
    const [bc, bg] = cpuAndGpu(b, "bool");
    const cases: [string, (x: Tensor, y: Tensor, z: Tensor) => Tensor][] = [
      ["i + f", (x, y) => y.add(x)],
      ["b * i", (_x, y, z) => z.mul(y)],
      ["f < i", (x, y) => x.lt(y)],
      ["b == i", (_x, y, z) => z.eq(y)],
      ["where(b, i, f)", (x, y, z) => torch.where(z, y, x)],
      ["where(b, f, 7)", (x, _y, z) => torch.where(z, x, 7)],
      // NaN cannot become int32 (an error on the CPU): cast where it is not NaN
      ["f -> int32", (x) => torch.tidy(() => cast(torch.where(x.isnan(), 0, x), "int32"))],
      ["f -> bool", (x) => cast(x, "bool")],
      ["b -> float32", (_x, _y, z) => cast(z, "float32")],
      ["i -> bool", (_x, y) => cast(y, "bool")],
    ];
    for (const [label, fn] of cases) {
      const rc = fn(fc, ic, bc);
      const rg = fn(fg, ig, bg);
      await expectSame(rg, rc, label);
      rc.dispose();
      rg.dispose();
    }
    for (const t of [fc, fg, ic, ig, bc, bg]) t.dispose();
  });

  it("float -> int32 truncates in range as the CPU; the CPU refuses NaN, Inf and values outside int32", async () => {
    const data = [16777216, -16777216, -2147483648, -2.7, 2.7, 0.5, -0.5];
    const [c, g] = cpuAndGpu(data, "float32");
    const [rc, rg] = [cast(c, "int32"), cast(g, "int32")];
    await expectSame(rg, rc, "cast");
    for (const t of [c, g, rc, rg]) t.dispose();
    for (const v of [3e9, -3e9, 1e20, NaN, Infinity]) {
      const x = torch.tensor([v]);
      expect(() => cast(x, "int32")).toThrow(/^to: value .* does not fit int32/);
      x.dispose();
    }
  });

  it("strided, broadcast, flipped and in-place views need no copy", async () => {
    const base = [...Array(24).keys()].map((v) => v * 0.5 - 3);
    const [c, g] = cpuAndGpu(base, "float32");
    const views = (t: Tensor) => {
      const v = t.view(2, 3, 4);
      return [
        v.transpose(0, 2),
        v.permute([2, 0, 1]).index(":", 1),
        v.flip([1]),
        v.index(":", "::2", "1:").add(v.index(1, "0:2", ":3")),
        v.index(0).unsqueeze(0).expand(5, 3, 4).mul(v.index(1, 2)),
        v.sum(1, true).expand(2, 3, 4).sub(v),
      ];
    };
    const vc = views(c);
    const vg = views(g);
    for (let k = 0; k < vc.length; k++) await expectSame(vg[k]!.contiguous(), vc[k]!, `view ${k}`);
    const ic = c.clone().view(4, 6);
    const ig = g.clone().view(4, 6);
    ic.index(":", "1::2").mul_(-1);
    ig.index(":", "1::2").mul_(-1);
    await expectSame(ig, ic, "in-place on a strided view");
    for (const t of [c, g, ic, ig, ...vc, ...vg]) t.dispose();
  });
});

// ---- the backend's own guarantees ----

describeBackend("backend", device, () => {
  it("ran no implemented primitive on the CPU (backendStats)", () => {
    const fallbacks = torch.backendStats().fallbacks;
    const implemented = Object.keys(backend().kernels) as Prim[];
    const used = implemented.filter((p) => fallbacks[`webgpu:${p}`] !== undefined);
    console.info(
      `webgpu fallbacks so far: ${JSON.stringify(fallbacks)}; stats ${JSON.stringify(backend().stats())}`,
    );
    expect(used, "primitives with a webgpu kernel that still fell back").toEqual([]);
  });

  it("has a kernel for every primitive, or lists it in UNSUPPORTED with a reason", () => {
    const prims = Object.keys(cpuBackend.kernels) as Prim[];
    const missing = prims.filter((p) => !backend().kernels[p] && !UNSUPPORTED[p]);
    expect(missing).toEqual([]);
  });

  it("reports its device, features and limits", () => {
    const be = backend();
    expect(be.supportsFloat64).toBe(false);
    expect(be.context.device.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(typeof be.features.shaderF16).toBe("boolean");
    expect(be.lost).toBe(false);
  });

  it("frees every storage and buffer it allocated (numStorages, numBytes, live buffers)", async () => {
    const be = backend();
    be.flush();
    const before = memorySnapshot();
    const buffersBefore = be.stats().liveBuffers;
    const live = await torch.tidy(async () => {
      torch.manualSeed(1);
      const w = torch.randn([8, 5], { device, requiresGrad: true });
      const x = torch.rand([4, 8], { device });
      const y = x.unsqueeze(2).mul(w).sum(1).relu().softmax(1);
      const loss = torch
        .cat([y, y.flip([0])], 0)
        .logsumexp(1)
        .cumsum(0)
        .sum();
      loss.backward();
      const g = await w.grad!.data();
      w.grad!.dispose();
      return g.length;
    });
    expect(live).toBe(40);
    be.flush();
    expectSameMemory(before, "webgpu workload");
    const after = memorySnapshot();
    // NOTE: an earlier test's undisposed tensor that the garbage collector finalised meanwhile
    // lowers the count on its own (see expectSameMemory)
    if (after.numCollectedUndisposed === before.numCollectedUndisposed)
      expect(after.numBytes).toBe(before.numBytes);
    else expect(after.numBytes).toBeLessThanOrEqual(before.numBytes);
    expect(be.stats().liveBuffers, "GPU buffers handed out and not returned").toBe(buffersBefore);
  });

  it("reuses pooled buffers instead of creating new ones", async () => {
    const be = backend();
    const step = () =>
      torch.tidy(async () => {
        const a = torch.ones([1000], { device });
        return a.mul(3).add(a).sum().item();
      });
    expect(await step()).toBe(4000);
    const created = be.stats().createdBuffers;
    for (let i = 0; i < 5; i++) expect(await step()).toBe(4000);
    expect(be.stats().createdBuffers).toBe(created);
  });

  it("keeps program order around a CPU fallback: later ops, writes and frees wait for it", async () => {
    const be = backend();
    const kernels = be.kernels as Partial<KernelTable>;
    const scan = kernels.scan;
    delete kernels.scan;
    const fallbacksBefore = torch.backendStats().fallbacks["webgpu:scan"] ?? 0;
    try {
      const before = memorySnapshot();
      const x = torch.tensor([1, 2, 3, 4, 5, 6], { device });
      const y = x.mul(2); // GPU
      const z = y.cumsum(0); // CPU fallback: reads y back asynchronously
      y.dispose(); // a free while the fallback is pending
      const w = z.add(1); // GPU, deferred behind the fallback
      const v = torch.tensor([10, 20, 30, 40, 50, 60], { device }); // a write, deferred too
      const wv = w.mul(v);
      const u = wv.cumsum(0); // a second fallback, chained behind the first
      expect(be.stats().deferred, "operations waiting behind the fallback").toBeGreaterThan(0);
      const t = u.sub(1);
      // z + 1 = [3, 7, 13, 21, 31, 43]; times v = [30, 140, 390, 840, 1550, 2580]; cumsum - 1
      expect(await t.tolist()).toEqual([29, 169, 559, 1399, 2949, 5529]);
      expect(await z.tolist()).toEqual([2, 6, 12, 20, 30, 42]);
      expect(torch.backendStats().fallbacks["webgpu:scan"]).toBe(fallbacksBefore + 2);
      for (const r of [x, z, w, v, wv, u, t]) r.dispose();
      be.flush();
      expectSameMemory(before, "fallback chain");
    } finally {
      kernels.scan = scan;
    }
  });

  it("reports an error of a CPU fallback at the next read, then carries on", async () => {
    const be = backend();
    const kernels = be.kernels as Partial<KernelTable>;
    const gather = kernels.gather;
    delete kernels.gather;
    try {
      const x = torch.tensor([1, 2, 3], { device });
      const idx = torch.tensor([0, 5], { dtype: "int32", device });
      const bad = x.gather(0, idx);
      await expect(bad.data()).rejects.toThrow(/gather: index 5 is out of bounds/);
      const ok = x.add(1);
      expect(await ok.tolist()).toEqual([2, 3, 4]);
      for (const t of [x, idx, bad, ok]) t.dispose();
    } finally {
      kernels.gather = gather;
    }
  });

  it("serves concurrent reads, each after everything enqueued before it", async () => {
    const a = torch.tensor([1, 2, 3], { device });
    const b = a.mul(10);
    const c = b.add(a);
    const [ra, rb, rc] = await Promise.all([a.tolist(), b.tolist(), c.tolist()]);
    expect([ra, rb, rc]).toEqual([
      [1, 2, 3],
      [10, 20, 30],
      [11, 22, 33],
    ]);
    for (const t of [a, b, c]) t.dispose();
  });

  it("throws DeviceError on synchronous reads and says to await", () => {
    const t = torch.ones([2], { device });
    expect(() => t.dataSync()).toThrow(/use await t.data\(\)/);
    t.dispose();
  });
});

// ---- random numbers: the same Philox stream as the CPU ----

describeBackend("random", device, () => {
  it("manualSeed gives bit-identical uniforms and float32-close normals on cpu and webgpu", async () => {
    for (const seed of [0, 42, 2 ** 40 + 7]) {
      torch.manualSeed(seed);
      const ug = torch.rand([1003], { device });
      const ng = torch.randn([37, 29], { device });
      torch.manualSeed(seed);
      const uc = torch.rand([1003]);
      const nc = torch.randn([37, 29]);
      expect(Array.from(await ug.data())).toEqual(Array.from(uc.dataSync()));
      assertAllClose(
        await ng.data(),
        nc.dataSync(),
        { rtol: 1e-5, atol: 1e-6 },
        `randn seed ${seed}`,
      );
      for (const t of [ug, ng, uc, nc]) t.dispose();
    }
  });

  it("follows the counter mapping at any offset, across the 2^32 carry", async () => {
    const be = backend();
    for (const [seed, offset] of [
      [7, 5],
      [2 ** 33 + 1, 2 ** 32 - 6],
    ] as const) {
      for (const dist of ["uniform", "normal"] as const) {
        const out = emptyTensor(be, "float32", [23], "test");
        runKernel(be, "random", { dist, seed, offset, out });
        const expected = new Float32Array(23);
        (dist === "uniform" ? fillUniform : fillNormal)(expected, seed, offset);
        const tol = dist === "uniform" ? EXACT : { rtol: 1e-5, atol: 1e-6 };
        assertAllClose(await out.data(), expected, tol, `${dist} seed ${seed} offset ${offset}`);
        out.dispose();
      }
    }
  });

  it("dropout masks agree across devices", async () => {
    torch.manualSeed(3);
    const xg = torch.ones([200], { device });
    const dg = torch.nn.functional.dropout(xg, { p: 0.3 });
    torch.manualSeed(3);
    const xc = torch.ones([200]);
    const dc = torch.nn.functional.dropout(xc, { p: 0.3 });
    expect(Array.from(await dg.data())).toEqual(Array.from(dc.dataSync()));
    for (const t of [xg, dg, xc, dc]) t.dispose();
  });
});

// ---- reductions and scans beyond the goldens' sizes (two-pass paths, long scans) ----

describeBackend("reductions at size", device, () => {
  it("sum, max, argmax, prod over long and strided axes (two passes)", async () => {
    torch.manualSeed(5);
    const c = torch.randn([3, 9000]);
    const g = await c.toAsync(device);
    const ops: [string, (t: Tensor) => Tensor | Tensor[]][] = [
      ["sum", (t) => t.sum(1)],
      ["sum all", (t) => t.sum()],
      ["mean 0", (t) => t.mean(0)],
      ["amax", (t) => t.amax(1)],
      ["argmax", (t) => t.argmax(1)],
      ["argmin strided", (t) => t.t().argmin(0)],
      ["prod", (t) => t.index(":", ":40").add(0.5).prod(1)],
      ["max all", (t) => t.max()],
      ["sum bool", (t) => t.gt(0).sum(1)],
      ["any", (t) => t.gt(4.5).any(1)],
      ["all", (t) => t.gt(-10).all()],
    ];
    for (const [label, fn] of ops) {
      const rc = fn(c) as Tensor;
      const rg = fn(g) as Tensor;
      // NOTE: float32 sums of 9000 terms: the CPU accumulates in float64, webgpu in float32
      // (Kahan per invocation, then a tree), so allow a little more than WEBGPU_VS_CPU.
      const tol = rc.dtype === "float32" ? { rtol: 1e-4, atol: 1e-4 } : EXACT;
      assertAllClose(await rg.data(), rc.dataSync(), tol, label, rc.shape);
      rc.dispose();
      rg.dispose();
    }
    c.dispose();
    g.dispose();
  });

  it("NaN wins max/min and their args (first NaN, first of ties), as on the CPU", async () => {
    const rows = [
      [1, NaN, 3, NaN],
      [2, 2, -1, -1],
      [-Infinity, -Infinity, -Infinity, -Infinity],
      [Infinity, 1, Infinity, -Infinity],
    ];
    // long rows too (the tree and two-pass paths), with the NaN and the ties far apart
    const long = [...Array(3).keys()].map((r) =>
      [...Array(5000).keys()].map((i) => (i === 4000 - r ? NaN : i % 7 === 3 ? 9 : -i)),
    );
    for (const data of [rows, long]) {
      const c = torch.tensor(data);
      const g = torch.tensor(data, { device });
      for (const [label, fn] of [
        ["amax", (t: Tensor) => t.amax(1)],
        ["amin", (t: Tensor) => t.amin(1)],
        ["argmax", (t: Tensor) => t.argmax(1)],
        ["argmin", (t: Tensor) => t.argmin(1)],
        ["argmax dim 0", (t: Tensor) => t.argmax(0)],
        ["sum", (t: Tensor) => t.sum(1)],
        ["nan_to_bool any", (t: Tensor) => t.isnan().any(1)],
      ] as const) {
        const rc = fn(c);
        const rg = fn(g);
        assertAllClose(await rg.data(), rc.dataSync(), tolerance(rc.dtype), label, rc.shape);
        rc.dispose();
        rg.dispose();
      }
      c.dispose();
      g.dispose();
    }
  });

  it("cumsum and cumprod along long and short axes", async () => {
    torch.manualSeed(6);
    const c = torch.rand([5, 1000]).add(0.5);
    const g = await c.toAsync(device);
    for (const [label, fn] of [
      ["cumsum long", (t: Tensor) => t.cumsum(1)],
      ["cumsum in rounds", (t: Tensor) => t.reshape([1, 5000]).cumsum(1)],
      ["cumsum short", (t: Tensor) => t.cumsum(0)],
      ["cumprod", (t: Tensor) => t.index(":", ":30").cumprod(1)],
      ["cumsum int", (t: Tensor) => t.mul(10).toType("int32").cumsum(1)],
      ["cumsum transposed", (t: Tensor) => t.t().cumsum(0)],
    ] as const) {
      const rc = fn(c);
      const rg = fn(g);
      const tol = rc.dtype === "float32" ? { rtol: 1e-4, atol: 1e-4 } : EXACT;
      assertAllClose(await rg.data(), rc.dataSync(), tol, label, rc.shape);
      rc.dispose();
      rg.dispose();
    }
    c.dispose();
    g.dispose();
  });
});
