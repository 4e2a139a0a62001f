/**
 * WebGPU against the CPU backend in one run: elementwise add of 1e6 floats, the per-op dispatch
 * overhead, and reductions (sum, amax, argmax, cumsum) over 1000x1000. GPU times are taken over a
 * chain of ops closed by one small readback (which waits for everything submitted before it).
 *
 * On a machine without a GPU the adapter is Mesa's lavapipe, a software Vulkan driver: its
 * numbers check that the path works, not how fast a GPU is (the output says so).
 *
 * Run: npx tsx bench/webgpu.ts
 */
import "../scripts/wgsl-loader.js";

import { machine, table, time, timeAsync } from "./util.js";

const torch = await import("../src/index.js");
const { findBackend } = await import("../src/backends/backend.js");
type Tensor = InstanceType<typeof torch.Tensor>;
type WebGPUBackend = import("../src/backends/webgpu/index.js").WebGPUBackend;

const device = await torch.init({ device: "auto" });
if (device !== "webgpu") {
  console.log("bench/webgpu: no WebGPU adapter here; nothing to compare (see NOTES-ENV.md)");
  process.exit(0);
}
const backend = findBackend("webgpu") as WebGPUBackend;
const info = backend.adapter.info;
const adapterName =
  [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(" / ") ||
  "unnamed adapter";
const software =
  /llvmpipe|lavapipe|swiftshader|software/i.test(adapterName) || info.isFallbackAdapter === true;

console.log(`webgpu vs cpu — ${machine()}`);
console.log(`adapter: ${adapterName} (${backend.source})`);
if (software)
  console.log(
    "NOTE: a software adapter (lavapipe runs WGSL on these CPU cores): these WebGPU numbers only\n" +
      "show that the path works; they say nothing about the speed of a real GPU.",
  );

/** Median ms per op of `op` on webgpu: `reps` ops enqueued, closed by one 1-element readback. */
async function gpuTime(op: () => Tensor, reps: number): Promise<number> {
  const sync = torch.zeros([1], { device: "webgpu" });
  const t = await timeAsync(
    async () => {
      for (let i = 0; i < reps; i++) op().dispose();
      await sync.data();
    },
    { warmup: 2, runs: 5 },
  );
  sync.dispose();
  return t.ms / reps;
}

function cpuTime(op: () => Tensor): number {
  return time(() => op().dispose(), { warmup: 2, runs: 7 }).ms;
}

const N = 1000;
torch.manualSeed(0);
const ac = torch.randn([N, N]);
const bc = torch.randn([N, N]);
const ag = await ac.toAsync("webgpu");
const bg = await bc.toAsync("webgpu");
const tinyC = torch.ones([1]);
const tinyG = torch.ones([1], { device: "webgpu" });

interface Case {
  name: string;
  cpu: () => Tensor;
  gpu: () => Tensor;
  /** Bytes moved per op, for GB/s. */
  bytes: number;
  reps: number;
}

const MB = N * N * 4;
const cases: Case[] = [
  { name: "add 1e6", cpu: () => ac.add(bc), gpu: () => ag.add(bg), bytes: 3 * MB, reps: 20 },
  {
    name: "add 1e6, transposed b",
    cpu: () => ac.add(bc.t()),
    gpu: () => ag.add(bg.t()),
    bytes: 3 * MB,
    reps: 20,
  },
  {
    name: "add 1 element (overhead)",
    cpu: () => tinyC.add(tinyC),
    gpu: () => tinyG.add(tinyG),
    bytes: 12,
    reps: 500,
  },
  { name: "sum 1e6 -> 1", cpu: () => ac.sum(), gpu: () => ag.sum(), bytes: MB, reps: 20 },
  { name: "sum dim 1 -> 1000", cpu: () => ac.sum(1), gpu: () => ag.sum(1), bytes: MB, reps: 20 },
  { name: "amax dim 0 -> 1000", cpu: () => ac.amax(0), gpu: () => ag.amax(0), bytes: MB, reps: 20 },
  { name: "argmax dim 1", cpu: () => ac.argmax(1), gpu: () => ag.argmax(1), bytes: MB, reps: 20 },
  {
    name: "cumsum dim 1",
    cpu: () => ac.cumsum(1),
    gpu: () => ag.cumsum(1),
    bytes: 2 * MB,
    reps: 10,
  },
];

const rows: (string | number)[][] = [];
for (const c of cases) {
  const cpu = cpuTime(c.cpu);
  const gpu = await gpuTime(c.gpu, c.reps);
  rows.push([
    c.name,
    cpu,
    gpu,
    (cpu / gpu).toFixed(2) + "x",
    c.bytes >= MB ? (c.bytes / gpu / 1e6).toFixed(2) : "-",
  ]);
}
table(["op (float32)", "cpu ms", "webgpu ms", "cpu/webgpu", "webgpu GB/s"], rows);
// The JavaScript cost of one op on webgpu (what a training loop pays per op on any GPU): the
// enqueue alone, without waiting for the GPU.
const enqueue = time(
  () => {
    for (let i = 0; i < 1000; i++) tinyG.add(tinyG).dispose();
  },
  { warmup: 2, runs: 7 },
);
await tinyG.data();
console.log(
  `enqueue cost per op (1-element add, JS side only): ${((enqueue.ms / 1000) * 1000).toFixed(1)} us on webgpu`,
);
const s = backend.stats();
console.log(
  `webgpu: ${s.dispatches} dispatches in ${s.submits} submits, ${s.pipelines} pipelines, ` +
    `${s.createdBuffers} buffers created for ${s.dispatches} dispatches (pooled)`,
);
for (const t of [ac, bc, ag, bg, tinyC, tinyG]) t.dispose();
