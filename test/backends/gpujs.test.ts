/**
 * The gpu.js backend ("gpujs"), in Node (gpu.js's `webasm` mode: no GL here): its kernel table
 * and expression tables are complete (a kernel or a reason for every primitive), its fallback
 * counts are the documented ones, the MNIST example's network trains on it as on the CPU without
 * leaking, every optimizer kind's fused step matches the CPU's, in-place writes through views land
 * in place, and "auto"'s choice follows issue 12's order. The op list's goldens run on gpujs in
 * test/golden/golden.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName } from "../../src/index.js";
import { chooseAutoDevice, isSoftwareRenderer } from "../../src/backends/auto.js";
import { UNSUPPORTED } from "../../src/backends/gpujs/kernels.js";
import { BINARY_EXPR, UNARY_EXPR } from "../../src/backends/gpujs/scalar-table.js";
import { BINARY } from "../../src/ops/elementwise/binary-table.js";
import { UNARY } from "../../src/ops/elementwise/unary-table.js";
import type { Prim } from "../../src/ops/prims.js";
import { SimpleCNN } from "../../examples/mnist-cnn/model.js";
import { assertAllClose } from "../util/allclose.js";
import { describeBackend } from "../util/backends.js";
import { withLeakCheck } from "../util/leaks.js";
import { trainStep } from "../util/mnist-step.js";
import { GPUJS_VS_CPU } from "../util/tolerance.js";

const device = "gpujs";

/** The fallbacks of gpujs counted since `before` (a snapshot of `backendStats().fallbacks`). */
function gpujsFallbacksSince(before: Record<string, number>): Record<string, number> {
  const now = torch.backendStats().fallbacks;
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(now))
    if (k.startsWith("gpujs:") && n - (before[k] ?? 0) > 0) out[k] = n - (before[k] ?? 0);
  return out;
}

describe("auto's choice (issue 12's order, with injected probes)", () => {
  it("takes webgpu on hardware, then gpujs on hardware WebGL2 in a browser, then cpu", () => {
    const pick = (
      platform: "node" | "browser",
      webgpu: "hardware" | "software" | "none",
      webgl2: "hardware" | "software" | "none",
    ) => chooseAutoDevice({ platform, webgpu, webgl2 });
    expect(pick("browser", "hardware", "hardware")).toBe("webgpu");
    expect(pick("browser", "software", "hardware")).toBe("gpujs");
    expect(pick("browser", "none", "hardware")).toBe("gpujs");
    expect(pick("browser", "software", "software")).toBe("cpu");
    expect(pick("browser", "none", "none")).toBe("cpu");
    // Node: gpu.js has no GL there, whatever a probe says
    expect(pick("node", "none", "hardware")).toBe("cpu");
    expect(pick("node", "software", "none")).toBe("cpu");
    expect(pick("node", "hardware", "none")).toBe("webgpu");
  });

  it("recognises software WebGL renderers", () => {
    expect(
      isSoftwareRenderer(
        "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)",
      ),
    ).toBe(true);
    expect(isSoftwareRenderer("llvmpipe (LLVM 15.0.6, 256 bits)")).toBe(true);
    expect(
      isSoftwareRenderer("ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)"),
    ).toBe(false);
    expect(isSoftwareRenderer("Apple M1")).toBe(false);
  });

  it("never picks gpujs in Node", async () => {
    const before = torch.getDefaultDevice();
    expect(await torch.init({ device: "auto" })).not.toBe("gpujs");
    await torch.init({ device: before });
  });
});

describeBackend("gpujs backend", device, () => {
  let before: DeviceName;
  beforeAll(() => {
    before = torch.getDefaultDevice();
  });
  afterAll(async () => {
    await torch.init({ device: before });
  });

  it("has a kernel for every primitive, or lists it in UNSUPPORTED with a reason", () => {
    const backend = torch.zeros([1], { device }).storage.backend;
    const prims = Object.keys(torch.zeros([1]).storage.backend.kernels) as Prim[];
    const missing = prims.filter((p) => !backend.kernels[p] && !UNSUPPORTED[p]);
    expect(missing).toEqual([]);
    for (const p of Object.keys(UNSUPPORTED) as Prim[]) expect(backend.kernels[p]).toBeUndefined();
  });

  it("has an expression for every unary and binary primitive", () => {
    const unary = Object.values(UNARY).map((d) => d.name);
    const binary = Object.values(BINARY).map((d) => d.name);
    expect(unary.filter((n) => UNARY_EXPR[n] === undefined)).toEqual([]);
    expect(binary.filter((n) => BINARY_EXPR[n] === undefined)).toEqual([]);
  });

  it("refuses float64 and synchronous reads, naming gpujs", () => {
    expect(() => torch.zeros([2], { dtype: "float64", device })).toThrow(
      /float64 is not supported on gpujs; use float32/,
    );
    const t = torch.ones([2], { device });
    expect(() => t.dataSync()).toThrow(torch.DeviceError);
    t.dispose();
  });

  describe("views", () => {
    withLeakCheck();
    it("writes in place through strided, flipped and offset views", async () => {
      // NOTE: tidy frees the intermediates of the chained calls below
      await torch.tidy(async () => {
        const x = torch.arange(12, { device }).float().reshape(3, 4);
        x.t().index("1:3", ":").mul_(10); // columns 1 and 2, through a transpose
        x.flip(0).index(0).add_(0.5); // the last row, through a negative stride
        const cpu = torch.arange(12).float().reshape(3, 4);
        cpu.t().index("1:3", ":").mul_(10);
        cpu.flip(0).index(0).add_(0.5);
        expect(await x.tolist()).toEqual(await cpu.tolist());
      });
    });

    it("holds int32 and bool exactly (int32 up to 2^24)", async () => {
      await torch.tidy(async () => {
        const big = 2 ** 24;
        const i = torch.tensor(Int32Array.from([big, -big, 7, -7]), { device });
        expect([...(await i.remainder(3).data())]).toEqual([1, 2, 1, 2]);
        expect([...(await i.data())]).toEqual([big, -big, 7, -7]);
        const b = i.gt(0);
        expect(b.dtype).toBe("bool");
        expect([...(await b.data())]).toEqual([1, 0, 1, 0]);
      });
    });
  });

  describe("optimizers' fused step", () => {
    withLeakCheck();
    type Stepper = { zeroGrad(): void; step(): void; dispose(): void };
    const kinds: [string, (ps: torch.nn.Parameter[]) => Stepper][] = [
      [
        "SGD nesterov",
        (ps) =>
          new torch.optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      ],
      [
        "Adam amsgrad",
        (ps) => new torch.optim.Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.1 }),
      ],
      ["AdamW maximize", (ps) => new torch.optim.AdamW(ps, { lr: 0.01, maximize: true })],
      [
        "Adagrad",
        (ps) => new torch.optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.01, weightDecay: 0.1 }),
      ],
      [
        "RMSprop centered",
        (ps) => new torch.optim.RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5 }),
      ],
    ];
    for (const [name, make] of kinds) {
      it(`${name} matches the cpu over 3 steps`, async () => {
        const stats = { ...torch.backendStats().fallbacks };
        // NOTE: tidy frees the intermediates
        const run = (dev: DeviceName) =>
          torch.tidy(async () => {
            torch.manualSeed(3);
            const w = new torch.nn.Parameter(torch.randn([3, 5]).to(dev));
            const opt = make([w]);
            for (let s = 0; s < 3; s++) {
              opt.zeroGrad();
              w.mul(w).sum().backward();
              opt.step();
            }
            const out = await w.data();
            // NOTE: parameters, their gradients and optimizer state outlive tidy scopes
            opt.dispose();
            w.grad?.dispose();
            w.dispose();
            return out;
          });
        assertAllClose(await run(device), await run("cpu"), GPUJS_VS_CPU, name);
        expect(gpujsFallbacksSince(stats)).toEqual({});
      });
    }
  });

  describe("training the MNIST example's network", () => {
    it("gives the cpu's losses and parameters, leaks nothing, and falls back only for check", async () => {
      const make = (dev: DeviceName) => {
        torch.manualSeed(0);
        const model = new SimpleCNN().to(dev);
        return { model, optimizer: new torch.optim.Adam(model.parameters(), { lr: 1e-3 }) };
      };
      const cpu = make("cpu");
      const gpu = make(device);
      const stats = { ...torch.backendStats().fallbacks };
      const cpuLosses: number[] = [];
      const gpuLosses: number[] = [];
      const counters: string[] = [];
      const steps = 4;
      torch.manualSeed(1);
      for (let step = 0; step < steps; step++) {
        const x = torch.randn([2, 1, 28, 28]);
        const y = torch.randint(0, 10, [2], { dtype: "int32" });
        cpuLosses.push(await trainStep(cpu.model, cpu.optimizer, x, y, "cpu"));
        gpuLosses.push(await trainStep(gpu.model, gpu.optimizer, x, y, device));
        x.dispose();
        y.dispose();
        const m = torch.memory();
        counters.push(JSON.stringify([m.numTensors, m.devices.gpujs?.numStorages]));
      }
      // from step 2 on (Adam's state exists), the live tensors and gpujs storages stay put
      expect(new Set(counters.slice(1)).size, counters.join(" ")).toBe(1);
      // NOTE: crossEntropy checks its targets with the `check` primitive, which reads them on
      // the host (one per step); everything else of the step runs in gpujs kernels
      expect(gpujsFallbacksSince(stats)).toEqual({ "gpujs:check": steps });
      // the gpujs side sums in float32, the cpu side (wasm or TypeScript GEMM) otherwise: Adam
      // normalises each gradient element, so a few small weights may move by ~lr more
      const tol = { rtol: 1e-3, atol: 2e-4 };
      assertAllClose(Float32Array.from(gpuLosses), Float32Array.from(cpuLosses), tol, "losses");
      const cpuState = cpu.model.stateDict();
      const gpuState = gpu.model.stateDict();
      for (const [name, p] of Object.entries(cpuState))
        assertAllClose(await gpuState[name]!.data(), await p.data(), tol, name);
      for (const { model, optimizer } of [cpu, gpu]) {
        optimizer.dispose();
        model.dispose();
      }
    }, 60_000);
  });
});
