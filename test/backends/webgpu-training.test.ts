/**
 * Training the MNIST example's network (examples/mnist-cnn/model.ts) on webgpu, end to end:
 * - many Adam steps written the plain way (one `torch.tidy` per step) leak nothing: the live
 *   tensor count and the webgpu device's storages and bytes stay where they were after step 2
 *   (when Adam's state exists), and no primitive fell back to the CPU;
 * - a few steps on cpu and on webgpu from the same weights and batches give the same losses and
 *   parameters;
 * - one epoch on 256 bundled MNIST digits lowers the loss.
 *
 * Runs on any WebGPU adapter (Dawn on Mesa's lavapipe in CI); skipped with a printed reason
 * without one, unless WEBTORCH_REQUIRE_WEBGPU=1 (test/util/backends.ts).
 */
import { expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName } from "../../src/index.js";
import { SimpleCNN } from "../../examples/mnist-cnn/model.js";
import { assertAllClose } from "../util/allclose.js";
import { describeBackend } from "../util/backends.js";
import { trainStep } from "../util/mnist-step.js";
import type { Tolerance } from "../util/tolerance.js";

const device = "webgpu";

/**
 * Leak test length: the 200 steps the issue asks for, at batch 2. On lavapipe (2 cores) one step
 * takes ~160 ms at batch 2 (200 steps measured 32.5 s) and ~360 ms at batch 8 (200 steps measured
 * 72 s); every counter is checked after every step from step 2 on.
 */
const LEAK_STEPS = 200;
const LEAK_BATCH = 2;

/**
 * cpu vs webgpu after a few Adam steps: the WEBGPU_VS_CPU tolerance of single ops (rtol 1e-4,
 * atol 1e-5). Adam normalises each gradient element, so summation-order differences in tiny
 * gradients could move a weight by up to lr per step; the random batches keep gradients large
 * enough that this stays inside the tolerance.
 */
const TRAIN_TOL: Tolerance = { rtol: 1e-4, atol: 1e-5 };
const EQUAL_STEPS = 5;

function webgpuCounters(): { numTensors: number; numStorages: number; numBytes: number } {
  const m = torch.memory();
  const d = m.devices.webgpu;
  return { numTensors: m.numTensors, numStorages: d?.numStorages ?? 0, numBytes: d?.numBytes ?? 0 };
}

function webgpuFallbacks(): Record<string, number> {
  return Object.fromEntries(
    Object.entries(torch.backendStats().fallbacks).filter(([k]) => k.startsWith("webgpu:")),
  );
}

describeBackend("MNIST CNN training", device, () => {
  it(`runs ${LEAK_STEPS} Adam steps without leaking tensors, storages or bytes`, async () => {
    torch.manualSeed(0);
    const model = new SimpleCNN().to(device);
    const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
    let afterStep2: ReturnType<typeof webgpuCounters> | null = null;
    const drift: string[] = [];
    const losses: number[] = [];
    const start = performance.now();
    for (let step = 1; step <= LEAK_STEPS; step++) {
      const x = torch.randn([LEAK_BATCH, 1, 28, 28], { device });
      const y = torch.randint(0, 10, [LEAK_BATCH], { dtype: "int32", device });
      losses.push(await trainStep(model, optimizer, x, y, device));
      x.dispose();
      y.dispose();
      const now = webgpuCounters();
      if (step === 2) afterStep2 = now;
      else if (step > 2 && JSON.stringify(now) !== JSON.stringify(afterStep2))
        drift.push(`step ${step}: ${JSON.stringify(now)}`);
    }
    const ms = performance.now() - start;
    console.info(
      `webgpu leak test: ${LEAK_STEPS} steps at batch ${LEAK_BATCH} in ${(ms / 1000).toFixed(1)} s (${(ms / LEAK_STEPS).toFixed(1)} ms/step); counters after step 2 ${JSON.stringify(afterStep2)}`,
    );
    expect(drift.slice(0, 5), `counters after step 2 were ${JSON.stringify(afterStep2)}`).toEqual(
      [],
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(webgpuFallbacks()).toEqual({});
    optimizer.dispose();
    model.dispose();
  }, 90_000);

  it(`gives the cpu's losses and parameters over ${EQUAL_STEPS} steps`, async () => {
    const make = (dev: DeviceName) => {
      torch.manualSeed(0);
      const model = new SimpleCNN().to(dev);
      return { model, optimizer: new torch.optim.Adam(model.parameters(), { lr: 1e-3 }) };
    };
    const cpu = make("cpu");
    const gpu = make(device);
    torch.manualSeed(1);
    const cpuLosses: number[] = [];
    const gpuLosses: number[] = [];
    // NOTE: the cpu side runs the TypeScript GEMM (float64 accumulation), the exact reference.
    // The wasm GEMM sums in float32 as WebGPU does, in another order, and Adam's normalisation
    // turns that into fc1.weight differences of ~2e-5 in a few elements after 5 steps.
    const wasmWas = torch.backends.wasm.enabled;
    torch.backends.wasm.enabled = false;
    try {
      for (let step = 0; step < EQUAL_STEPS; step++) {
        const x = torch.randn([4, 1, 28, 28]);
        const y = torch.randint(0, 10, [4], { dtype: "int32" });
        cpuLosses.push(await trainStep(cpu.model, cpu.optimizer, x, y, "cpu"));
        gpuLosses.push(await trainStep(gpu.model, gpu.optimizer, x, y, device));
        x.dispose();
        y.dispose();
      }
    } finally {
      torch.backends.wasm.enabled = wasmWas;
    }
    assertAllClose(Float32Array.from(gpuLosses), Float32Array.from(cpuLosses), TRAIN_TOL, "losses");
    const cpuState = cpu.model.stateDict();
    const gpuState = gpu.model.stateDict();
    for (const [name, p] of Object.entries(cpuState)) {
      const g = gpuState[name]!;
      expect(g.device).toBe(device);
      assertAllClose(await g.data(), await p.data(), TRAIN_TOL, name);
    }
    for (const { model, optimizer } of [cpu, gpu]) {
      optimizer.dispose();
      model.dispose();
    }
  });

  it("lowers the loss over one epoch on 256 MNIST digits", async () => {
    const mnist = await torch.datasets.MNIST.load({ train: true });
    // NOTE: a fixed spread of 256 digits over the whole set (which is ordered by class)
    const indices = Array.from({ length: 256 }, (_, i) => (i * 7919) % mnist.length);
    const subset = new torch.data.Subset(mnist, indices);
    const normalize = torch.transforms.normalize([0.1307], [0.3081]);
    torch.manualSeed(0);
    // NOTE: batch 8 (32 steps, ~14 s on lavapipe); batch 16 costs ~1.6 s a step there
    const loader = new torch.data.DataLoader(subset, { batchSize: 8, shuffle: true, seed: 0 });
    const model = new SimpleCNN().to(device);
    const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
    const losses: number[] = [];
    for (const [x, y] of loader) {
      // the loader frees each batch when the loop moves on
      losses.push(await trainStep(model, optimizer, x, y, device, normalize));
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const first = mean(losses.slice(0, 4));
    const last = mean(losses.slice(-4));
    console.info(
      `webgpu MNIST epoch: ${losses.length} steps, loss ${first.toFixed(3)} (first 4) -> ${last.toFixed(3)} (last 4)`,
    );
    expect(losses).toHaveLength(32);
    expect(last).toBeLessThan(first * 0.8);
    optimizer.dispose();
    model.dispose();
  }, 60_000);
});
