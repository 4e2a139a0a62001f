/**
 * The MNIST example's training step (examples/mnist-cnn/model.ts: forward, cross-entropy,
 * backward, Adam) at batch 64 on webgpu against the cpu backend, in one run; then TensorFlow.js's
 * WebGPU backend on the same adapter, when `@tensorflow/tfjs-backend-webgpu` is installed; then
 * the matmul GFLOP/s of `torch.matmul` on webgpu tensors at 256, 512 and 1024.
 *
 * Run: npx tsx bench/webgpu-mnist.ts [--batch N] [--steps N] [--no-tfjs]
 *
 * NOTE: on a machine without a GPU the adapter is Mesa's lavapipe, a software Vulkan driver that
 * runs the shaders on these CPU cores: its figures show that training works and what the
 * per-dispatch overhead costs, nothing about the speed of a GPU (the output says so).
 */
import "../scripts/wgsl-loader.js";

import { registerTfGradients } from "./tfjs.js";
import { machine, table, timeAsync } from "./util.js";

const torch = await import("../src/index.js");
const { findBackend } = await import("../src/backends/backend.js");
const { SimpleCNN } = await import("../examples/mnist-cnn/model.js");
type DeviceName = import("../src/index.js").DeviceName;
type WebGPUBackend = import("../src/backends/webgpu/index.js").WebGPUBackend;

function option(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const BATCH = option("batch", 64);
const STEPS = option("steps", 10);
const LR = 1e-3;

interface Row {
  name: string;
  ms: number;
  steps: number;
}

/**
 * Ours: the step as examples/mnist-cnn/train.ts writes it, closed by `await loss.item()` (which
 * waits for the GPU). Median of `steps` after 2 warm-up steps (which compile the pipelines).
 */
async function benchOurs(device: DeviceName, steps: number): Promise<Row & { liveDelta: number }> {
  torch.manualSeed(0);
  const model = new SimpleCNN().to(device);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: LR });
  const x = torch.randn([BATCH, 1, 28, 28], { device });
  const y = torch.randint(0, 10, [BATCH], { dtype: "int32", device });
  const step = async () => {
    const loss = torch.tidy(() => {
      optimizer.zeroGrad();
      const loss = torch.nn.functional.crossEntropy(model.forward(x), y);
      loss.backward();
      optimizer.step();
      return loss;
    });
    await loss.item();
    loss.dispose();
  };
  await step();
  const before = torch.memory().numTensors;
  const t = await timeAsync(step, { warmup: 2, runs: steps });
  const liveDelta = torch.memory().numTensors - before;
  optimizer.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  return { name: `webtorch ${device}`, ms: t.ms, steps: t.runs, liveDelta };
}

/** Dawn's GPU object for tfjs; module-level so it is never garbage-collected (NOTES-ENV.md). */
let tfGpu: GPU | null = null;

/**
 * TensorFlow.js's WebGPU backend on the same adapter, the same network in NHWC with tf.conv2d and
 * an Adam optimizer. Null (with the reason printed) when the package is missing or fails to start.
 */
async function benchTfjsWebGPU(steps: number): Promise<Row | null> {
  let tf: typeof import("@tensorflow/tfjs-core");
  try {
    // NOTE: tfjs-backend-webgpu looks for `navigator.gpu`; Node has no navigator. A second Dawn
    // instance of the same package picks the same (first) adapter as ours.
    // tfjs also uses the WebGPU globals (GPUBufferUsage, ...), which Dawn's package exports.
    const { create, globals } = await import("webgpu");
    for (const [k, v] of Object.entries(globals as Record<string, unknown>))
      if (!(k in globalThis)) Object.assign(globalThis, { [k]: v });
    tfGpu = create([]);
    Object.defineProperty(globalThis, "navigator", {
      value: { gpu: tfGpu },
      configurable: true,
    });
    tf = await import("@tensorflow/tfjs-core");
    const pkg = "@tensorflow/tfjs-backend-webgpu";
    await import(/* @vite-ignore */ pkg);
    await registerTfGradients();
    if (!(await tf.setBackend("webgpu"))) throw new Error("tf.setBackend('webgpu') failed");
    await tf.ready();
  } catch (e) {
    console.log(`tfjs-backend-webgpu: not run (${(e as Error).message.split("\n")[0]})`);
    return null;
  }
  const uniform = (shape: number[], fanIn: number) =>
    tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
  const w1 = uniform([3, 3, 1, 32], 9);
  const b1 = uniform([32], 9);
  const w2 = uniform([3, 3, 32, 64], 9 * 32);
  const b2 = uniform([64], 9 * 32);
  const w3 = uniform([3136, 128], 3136);
  const b3 = uniform([128], 3136);
  const w4 = uniform([128, 10], 128);
  const b4 = uniform([10], 128);
  const vars = [w1, b1, w2, b2, w3, b3, w4, b4];
  const x = tf.randomNormal([BATCH, 28, 28, 1]) as import("@tensorflow/tfjs-core").Tensor4D;
  const y = tf.cast(tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32"), 10), "float32");
  const optimizer = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  type T4 = import("@tensorflow/tfjs-core").Tensor4D;
  const block = (input: T4, w: T4, b: import("@tensorflow/tfjs-core").Tensor): T4 =>
    tf.maxPool(tf.relu(tf.add(tf.conv2d(input, w, 1, "same"), b)) as T4, 2, 2, "valid");
  const forward = () => {
    let h = block(x, w1 as T4, b1);
    h = block(h, w2 as T4, b2);
    const hidden = tf.relu(tf.add(tf.matMul(tf.reshape(h, [-1, 3136]), w3), b3));
    return tf.add(tf.matMul(hidden, w4), b4);
  };
  const step = async () => {
    const cost = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, forward()) as import("@tensorflow/tfjs-core").Scalar,
      true,
      vars,
    );
    await cost!.data();
    cost!.dispose();
  };
  const t = await timeAsync(step, { warmup: 2, runs: steps });
  optimizer.dispose();
  tf.dispose([...vars, x, y]);
  return { name: `tfjs-backend-webgpu ${tf.version_core}`, ms: t.ms, steps: t.runs };
}

/** GFLOP/s of `torch.matmul` on webgpu tensors: `reps` products, closed by one readback. */
async function matmulGflops(n: number): Promise<{ ms: number; gflops: number }> {
  const a = torch.randn([n, n], { device: "webgpu" });
  const b = torch.randn([n, n], { device: "webgpu" });
  const reps = n >= 1024 ? 2 : n >= 512 ? 4 : 8;
  const t = await timeAsync(
    async () => {
      const last = torch.tidy(() => {
        let c = torch.matmul(a, b);
        for (let i = 1; i < reps; i++) c = torch.matmul(a, b);
        return c.reshape([-1]).narrow(0, 0, 1).contiguous();
      });
      await last.data();
      last.dispose();
    },
    { warmup: 1, runs: n >= 1024 ? 3 : 5 },
  );
  a.dispose();
  b.dispose();
  const ms = t.ms / reps;
  return { ms, gflops: (2 * n ** 3) / (ms * 1e6) };
}

async function main(): Promise<void> {
  const device = await torch.init({ device: "auto" });
  if (device !== "webgpu") {
    console.log(
      "bench/webgpu-mnist: no WebGPU adapter here; nothing to compare (see NOTES-ENV.md)",
    );
    return;
  }
  const backend = findBackend("webgpu") as WebGPUBackend;
  const info = backend.adapter.info;
  const adapterName =
    [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(" / ") ||
    "unnamed adapter";
  const software =
    /llvmpipe|lavapipe|swiftshader|software/i.test(adapterName) || info.isFallbackAdapter === true;
  console.log(`MNIST CNN training step, batch ${BATCH}, Adam — ${machine()}`);
  console.log(`adapter: ${adapterName} (${backend.source})`);
  if (software)
    console.log(
      "NOTE: a software adapter (lavapipe runs the WGSL on these CPU cores): the webgpu figures\n" +
        "show correctness and per-dispatch overhead only, NOT the speed of a GPU.",
    );

  const rows: Row[] = [];
  for (const dev of ["cpu", "webgpu"] as const) {
    const r = await benchOurs(dev, STEPS);
    console.log(
      `${r.name}: ${r.ms.toFixed(1)} ms/step (median of ${r.steps}); live tensors changed by ${r.liveDelta}`,
    );
    rows.push(r);
  }
  if (!process.argv.includes("--no-tfjs")) {
    const tfRow = await benchTfjsWebGPU(STEPS).catch((e: unknown) => {
      console.log(`tfjs-backend-webgpu: failed (${(e as Error).message.split("\n")[0]})`);
      return null;
    });
    if (tfRow) rows.push(tfRow);
  }
  const cpuMs = rows[0]!.ms;
  console.log();
  table(
    ["implementation", "ms / step", "steps / s", "images / s", "steps timed", "vs cpu"],
    rows.map((r) => [
      r.name,
      r.ms,
      1000 / r.ms,
      (BATCH * 1000) / r.ms,
      String(r.steps),
      `${(r.ms / cpuMs).toFixed(2)}x`,
    ]),
  );

  console.log("\ntorch.matmul on webgpu (float32, square)");
  const mm: (string | number)[][] = [];
  for (const n of [256, 512, 1024]) {
    const r = await matmulGflops(n);
    mm.push([String(n), r.ms, r.gflops]);
  }
  table(["n", "ms", "GFLOP/s"], mm);
  if (software) console.log("(lavapipe: CPU-emulated GPU; not GPU speed)");
}

await main();
