/**
 * Sequence-model training steps (issue 10), side by side in one run, as ratios to PyTorch:
 * - lstm: the seeds' SimpleLSTM, `nn.LSTM(100, 128, { numLayers: 2, batchFirst: true })` on
 *   batch 32 x 20 steps, zero initial states, the last step -> `nn.Linear(128, 10)`,
 *   cross-entropy, Adam;
 * - gru: the same with `nn.GRU`;
 * - transformer: a 2-layer `nn.TransformerEncoder` (dModel 128, 4 heads, feedforward 512,
 *   dropout 0, batchFirst) on batch 32 x 64, mean over the sequence -> Linear(128, 10),
 *   cross-entropy, Adam.
 *
 * Rows: webtorch on the CPU and on webgpu (on a machine without a GPU that is Mesa's lavapipe,
 * a software Vulkan on the same cores: labelled so); PyTorch 1.13 (bench/sequence.py in a child
 * `/usr/bin/python3`) on Debian's OpenBLAS with 2 threads, the reference, and for lstm/gru on the
 * reference BLAS it is packaged with (for information; bench/pytorch.ts); TensorFlow.js 4.22
 * `tf.layers.lstm` / `tf.layers.gru` (2 stacked, dense 10, softmax cross-entropy, Adam) on
 * tfjs-backend-cpu and tfjs-backend-wasm. TF.js has no Transformer layer. The targets of issue
 * 10: webtorch (CPU) within 3x of PyTorch, and at least 5x faster than TF.js layers.
 *
 * Run: `npm run bench:seq` [--quick] [--only lstm|gru|transformer] [--steps N]
 * (each row is the median ms per step of N timed steps (default 20; 3 with --quick) after
 * warm-up; TF.js takes at most 5 timed steps (1 with --quick): its CPU LSTM step is ~2 s).
 *
 * NOTE: loading tfjs-core detaches an ArrayBuffer, which slows our typed-array kernels for the
 * whole process (see bench/matmul-kernel.ts): every webtorch row is timed before tfjs is loaded.
 */
import "../scripts/wgsl-loader.js";

import { fileURLToPath } from "node:url";

import { blasName, openBlasDir, runPython } from "./pytorch.js";
import { loadTf, registerTfChainedOps } from "./tfjs.js";
import {
  flag,
  machine,
  numberOption,
  optionValues,
  ratio,
  table,
  time,
  timeAsync,
} from "./util.js";

const torch = await import("../src/index.js");
const { findBackend } = await import("../src/backends/backend.js");
const { nn } = torch;
type Tensor = import("../src/index.js").Tensor;
type DeviceName = import("../src/index.js").DeviceName;
type WebGPUBackend = import("../src/backends/webgpu/index.js").WebGPUBackend;
type Tf = typeof import("@tensorflow/tfjs-core");
type Tfl = typeof import("@tensorflow/tfjs-layers");

const MODELS = ["lstm", "gru", "transformer"] as const;
type Model = (typeof MODELS)[number];
const [BATCH, STEPS_IN, INPUT, HIDDEN, CLASSES] = [32, 20, 100, 128, 10];
const [SEQ, D_MODEL, HEADS, FF] = [64, 128, 4, 512];
const LR = 1e-3;
const TITLES: Record<Model, string> = {
  lstm: "SimpleLSTM train step: LSTM(100, 128, 2 layers), batch 32 x 20 steps, last step -> Linear(128, 10), cross-entropy, Adam",
  gru: "GRU train step: GRU(100, 128, 2 layers), batch 32 x 20 steps, last step -> Linear(128, 10), cross-entropy, Adam",
  transformer:
    "TransformerEncoder train step: 2 layers, dModel 128, 4 heads, feedforward 512, batch 32 x 64, mean -> Linear(128, 10), cross-entropy, Adam",
};

/** One row of a table: ms per step, or null with the reason in `note`. */
interface Row {
  name: string;
  ms: number | null;
  steps?: number;
  note?: string;
  /** A webgpu row on a software adapter: no target applies. */
  software?: boolean;
  /** Ours: what the sanity checks found (finite losses, constant live tensors, fallbacks). */
  check?: string;
  role: "ours-cpu" | "ours-gpu" | "pytorch" | "pytorch-ref" | "tfjs";
}

/** The seeds' SimpleLSTM (or the same with a GRU), written as a webtorch user writes it. */
class Recurrent extends nn.Module {
  rnn: InstanceType<typeof nn.LSTM> | InstanceType<typeof nn.GRU>;
  fc: InstanceType<typeof nn.Linear>;
  constructor(kind: "lstm" | "gru") {
    super();
    const Rnn = kind === "lstm" ? nn.LSTM : nn.GRU;
    this.rnn = new Rnn(INPUT, HIDDEN, { numLayers: 2, batchFirst: true });
    this.fc = new nn.Linear(HIDDEN, CLASSES);
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const h0 = torch.zeros([2, x.size(0), HIDDEN], { device: x.device });
      const [out] =
        this.rnn instanceof nn.LSTM
          ? this.rnn.forward(x, [h0, torch.zeros([2, x.size(0), HIDDEN], { device: x.device })])
          : this.rnn.forward(x, h0);
      return this.fc.forward(out.index(":", -1, ":"));
    });
  }
}

/** A 2-layer TransformerEncoder, mean over the sequence -> Linear. */
class Encoder extends nn.Module {
  encoder: InstanceType<typeof nn.TransformerEncoder>;
  fc: InstanceType<typeof nn.Linear>;
  constructor() {
    super();
    const layer = new nn.TransformerEncoderLayer(D_MODEL, HEADS, {
      dimFeedforward: FF,
      dropout: 0,
      batchFirst: true,
    });
    this.encoder = new nn.TransformerEncoder(layer, 2);
    layer.dispose(); // the encoder holds deep copies
    this.fc = new nn.Linear(D_MODEL, CLASSES);
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.fc.forward(this.encoder.forward(x).mean(1)));
  }
}

/**
 * Ours: forward, cross-entropy, backward, Adam, closed by `await loss.item()` (which waits for a
 * GPU). Checks that every loss is finite, that the live tensor count is the same after every
 * step once Adam has made its state (after the first), and that no op ran on the CPU in place of
 * the device (`torch.backendStats()`); a failed check sets the exit code.
 */
async function benchOurs(model: Model, device: DeviceName, steps: number, warmup: number) {
  torch.manualSeed(0);
  const net = (model === "transformer" ? new Encoder() : new Recurrent(model)).to(device);
  const optimizer = new torch.optim.Adam(net.parameters(), { lr: LR });
  const shape = model === "transformer" ? [BATCH, SEQ, D_MODEL] : [BATCH, STEPS_IN, INPUT];
  const x = torch.randn(shape, { device });
  const y = torch.randint(0, CLASSES, [BATCH], { dtype: "int32", device });
  const losses: number[] = [];
  const live: number[] = [];
  const fallbacksBefore = totalFallbacks();
  const step = async () => {
    const loss = torch.tidy(() => {
      optimizer.zeroGrad();
      const loss = nn.functional.crossEntropy(net.forward(x), y);
      loss.backward();
      optimizer.step();
      return loss;
    });
    losses.push(await loss.item());
    loss.dispose();
    live.push(torch.memory().numTensors);
  };
  const t = await timeAsync(step, { warmup, runs: steps });
  optimizer.dispose();
  net.dispose();
  x.dispose();
  y.dispose();
  const counts = [...new Set(live.slice(1))];
  const fallbacks = totalFallbacks() - fallbacksBefore;
  const ok = losses.every(Number.isFinite) && counts.length === 1 && fallbacks === 0;
  if (!ok) process.exitCode = 1;
  const check = [
    `losses ${losses.every(Number.isFinite) ? "finite" : "NOT FINITE"} (last ${losses.at(-1)!.toFixed(4)})`,
    counts.length === 1
      ? `live tensors ${counts[0]} after every step`
      : `live tensors NOT CONSTANT: ${live.join(", ")}`,
    fallbacks === 0 ? "no CPU fallback" : `${fallbacks} ops FELL BACK to the CPU`,
  ].join(", ");
  return { ms: t.ms, steps: t.runs, check };
}

function totalFallbacks(): number {
  return Object.values(torch.backendStats().fallbacks).reduce((a, b) => a + b, 0);
}

/** webgpu if `torch.init` gives it, with a label that says when it is a software adapter. */
async function webgpuLabel(): Promise<{ label: string; software: boolean } | { reason: string }> {
  try {
    await torch.init({ device: "webgpu" });
  } catch (e) {
    return { reason: (e as Error).message.split("\n")[0]! };
  }
  torch.setDefaultDevice("cpu");
  const info = (findBackend("webgpu") as WebGPUBackend).adapter.info;
  const name = [info.vendor, info.architecture, info.device, info.description]
    .filter((s) => s)
    .join(" / ");
  const kind = /llvmpipe|lavapipe/i.test(name)
    ? "lavapipe: software Vulkan"
    : /swiftshader/i.test(name)
      ? "SwiftShader"
      : /software/i.test(name) || info.isFallbackAdapter === true
        ? "a software adapter"
        : null;
  return {
    label: kind ? `webtorch webgpu (${kind} on these CPU cores)` : `webtorch webgpu (${name})`,
    software: kind !== null,
  };
}

interface PyResult {
  version: string;
  threads: number;
  blas: string[];
  results: Record<string, { ms: number; steps: number; loss: number | null }>;
}

/** PyTorch rows for `models`: on OpenBLAS (2 threads), and on the reference BLAS for lstm/gru. */
function benchPyTorch(models: Model[], steps: number, warmup: number): Record<Model, Row[]> {
  const rows = Object.fromEntries(models.map((m) => [m, [] as Row[]])) as Record<Model, Row[]>;
  const script = fileURLToPath(new URL("sequence.py", import.meta.url));
  const blas = openBlasDir();
  if ("reason" in blas)
    console.log(`OpenBLAS: not available (${blas.reason}); reference BLAS only`);
  const runs = [
    ...("dir" in blas ? [{ blasDir: blas.dir, models, role: "pytorch" as const }] : []),
    // the reference BLAS for information, or for every model when OpenBLAS could not be had
    {
      models: "dir" in blas ? models.filter((m) => m !== "transformer") : models,
      role: "pytorch-ref" as const,
    },
  ];
  for (const run of runs) {
    if (!run.models.length) continue;
    const cfg = { models: run.models, steps, warmup, threads: 2 };
    const { result, error } = runPython<PyResult>(script, [JSON.stringify(cfg)], {
      ...("blasDir" in run ? { blasDir: run.blasDir } : {}),
      threads: 2,
    });
    if (!result) {
      console.log(`PyTorch (${run.role}): failed: ${error}`);
      continue;
    }
    const lib = blasName(result.blas);
    console.log(`PyTorch ${result.version} loaded: ${result.blas.join(", ") || "no BLAS"}`);
    for (const m of run.models) {
      const r = result.results[m]!;
      rows[m].push({
        name: `PyTorch ${result.version}, ${lib}, ${result.threads} threads`,
        ms: r.ms,
        steps: r.steps,
        // NOTE: the table's reference is the row that really ran on OpenBLAS, whatever was asked
        role: lib.startsWith("OpenBLAS") ? "pytorch" : "pytorch-ref",
        ...(r.loss === null ? { note: "loss NOT FINITE" } : {}),
      });
    }
  }
  return rows;
}

/** TensorFlow.js core with its gradients, the cpu and wasm backends, and tfjs-layers. */
async function loadTfAndLayers(): Promise<{ tf: Tf; tfl: Tfl }> {
  const tf = await loadTf({ gradients: true });
  await registerTfChainedOps();
  return { tf, tfl: await import("@tensorflow/tfjs-layers") };
}

/**
 * The recurrent model in tfjs-layers: two stacked layers (the first returns sequences), dense 10,
 * softmax cross-entropy on the logits, Adam with PyTorch's epsilon. `recurrentActivation` is set to
 * sigmoid (Keras's default is hardSigmoid) to match PyTorch's gates. tfjs's GRU supports only
 * `resetAfter: false` (the reset gate before the recurrent matmul); PyTorch's applies it after:
 * the same matmuls, slightly different elementwise work. Weights start as PyTorch's, uniform in
 * ±1/sqrt(128) (Keras's orthogonal recurrent initializer is slow to build and warns).
 */
function benchTfLayers(tf: Tf, tfl: Tfl, model: "lstm" | "gru", steps: number) {
  const layer = model === "lstm" ? tfl.layers.lstm : tfl.layers.gru;
  const init = tfl.initializers.randomUniform({
    minval: -1 / Math.sqrt(HIDDEN),
    maxval: 1 / Math.sqrt(HIDDEN),
  });
  const common = {
    units: HIDDEN,
    recurrentActivation: "sigmoid" as const,
    kernelInitializer: init,
    recurrentInitializer: init,
    biasInitializer: init,
  };
  const net = tfl.sequential({
    layers: [
      layer({ ...common, returnSequences: true, inputShape: [STEPS_IN, INPUT] }),
      layer(common),
      tfl.layers.dense({ units: CLASSES }),
    ],
  });
  const x = tf.randomNormal([BATCH, STEPS_IN, INPUT]);
  const y = tf.cast(tf.oneHot(tf.randomUniform([BATCH], 0, CLASSES, "int32"), CLASSES), "float32");
  const optimizer = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  const vars = net.trainableWeights.map(
    (w) => w.read() as import("@tensorflow/tfjs-core").Variable,
  );
  let loss = NaN;
  const step = () =>
    tf.tidy(() => {
      const cost = optimizer.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(
            y,
            net.apply(x, { training: true }) as import("@tensorflow/tfjs-core").Tensor,
          ) as import("@tensorflow/tfjs-core").Scalar,
        true,
        vars,
      );
      loss = cost!.dataSync()[0]!;
    });
  const t = time(step, { warmup: 1, runs: steps });
  optimizer.dispose();
  net.dispose();
  tf.dispose([x, y]);
  return { ms: t.ms, steps: t.runs, finite: Number.isFinite(loss) };
}

/** The target column: webtorch CPU within 3x of PyTorch, and at least 5x faster than TF.js. */
function target(row: Row, reference: Row | undefined, oursCpu: Row | undefined): string {
  if (row.role === "pytorch") return "reference";
  if (row.role === "pytorch-ref") return "for information";
  if (row.ms === null) return "";
  if (row.role === "tfjs") {
    if (oursCpu?.ms == null) return "";
    const x = row.ms / oursCpu.ms;
    const how = x >= 1 ? `${x.toFixed(1)}x faster` : `${(1 / x).toFixed(1)}x slower`;
    return `webtorch cpu ${how} (>= 5x faster: ${x >= 5 ? "met" : "missed"})`;
  }
  if (row.software) return "none (software GPU)";
  if (reference?.ms == null) return "";
  return `<= 3x PyTorch: ${row.ms / reference.ms <= 3 ? "met" : "missed"}`;
}

function printTable(model: Model, rows: Row[]): void {
  const reference = rows.find((r) => r.role === "pytorch");
  const oursCpu = rows.find((r) => r.role === "ours-cpu");
  console.log(`\n${TITLES[model]}`);
  table(
    [
      "implementation",
      "ms / step",
      "steps timed",
      `vs ${reference ? "PyTorch OpenBLAS" : "-"}`,
      "target",
    ],
    rows.map((r) => [
      r.name,
      r.ms ?? r.note ?? "-",
      r.steps === undefined ? "" : String(r.steps),
      ratio(r.ms, reference?.ms),
      target(r, reference, oursCpu),
    ]),
  );
  for (const r of rows) if (r.check) console.log(`${r.name}: ${r.check}`);
}

async function main(): Promise<void> {
  const quick = flag("quick");
  const only = optionValues("only");
  const unknown = only.filter((m) => !(MODELS as readonly string[]).includes(m));
  if (unknown.length)
    throw new Error(`--only expects lstm, gru or transformer; got ${unknown.join(", ")}`);
  const models = MODELS.filter((m) => !only.length || only.includes(m));
  const steps = numberOption("steps", quick ? 3 : 20);
  const warmup = quick ? 1 : 3;
  const tfSteps = Math.min(steps, quick ? 1 : 5);
  console.log(`Sequence-model training steps — ${machine()}`);
  const rows = Object.fromEntries(models.map((m) => [m, [] as Row[]])) as Record<Model, Row[]>;

  // 1. Ours, CPU then webgpu, before tfjs is loaded.
  for (const m of models) {
    const r = await benchOurs(m, "cpu", steps, warmup);
    console.log(`${m}, webtorch cpu: ${r.ms.toFixed(1)} ms/step; ${r.check}`);
    rows[m].push({
      name: "webtorch cpu",
      ms: r.ms,
      steps: r.steps,
      role: "ours-cpu",
      check: r.check,
    });
  }
  const gpu = await webgpuLabel();
  if ("reason" in gpu) console.log(`webgpu: not run (${gpu.reason})`);
  for (const m of models) {
    if ("reason" in gpu) {
      rows[m].push({ name: "webtorch webgpu", ms: null, note: "no adapter", role: "ours-gpu" });
      continue;
    }
    const r = await benchOurs(m, "webgpu", steps, warmup);
    console.log(`${m}, ${gpu.label}: ${r.ms.toFixed(1)} ms/step; ${r.check}`);
    rows[m].push({
      name: gpu.label,
      ms: r.ms,
      steps: r.steps,
      role: "ours-gpu",
      software: gpu.software,
      check: r.check,
    });
  }

  // 2. PyTorch in child processes.
  const pt = benchPyTorch(models, steps, warmup);
  for (const m of models) rows[m].push(...pt[m]);

  // 3. TensorFlow.js layers.
  const recurrent = models.filter((m): m is "lstm" | "gru" => m !== "transformer");
  if (recurrent.length) {
    const { tf, tfl } = await loadTfAndLayers();
    for (const backend of ["wasm", "cpu"] as const) {
      await tf.setBackend(backend);
      await tf.ready();
      for (const m of recurrent) {
        const r = benchTfLayers(tf, tfl, m, tfSteps);
        const name = `TF.js ${tf.version_core} tf.layers.${m} (tfjs-backend-${backend})`;
        console.log(
          `${m}, ${name}: ${r.ms.toFixed(0)} ms/step; loss ${r.finite ? "finite" : "NOT FINITE"}`,
        );
        rows[m].push({ name, ms: r.ms, steps: r.steps, role: "tfjs" });
      }
    }
  }
  if (models.includes("transformer"))
    rows.transformer.push({
      name: "TF.js",
      ms: null,
      note: "no Transformer layer in TF.js",
      role: "tfjs",
    });

  for (const m of models) printTable(m, rows[m]);
}

await main();
