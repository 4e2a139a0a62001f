/**
 * One Adam step over 1M float32 parameters (10 tensors of 100k), three ways, in the same run:
 * - a hand-written Float32Array loop doing the same update (the baseline a user could write);
 * - `optim.Adam` with the fused `optimStep` primitive (the default);
 * - `optim.Adam` with `fused: false`: the composite of elementwise ops, for reference.
 * Also checks that a warm fused step allocates nothing (live tensors and storages unchanged).
 *
 * Run: npx tsx bench/adam.ts
 */
import * as torch from "../src/index.js";
import { machine, table, time } from "./util.js";

const TENSORS = 10;
const SIZE = 100_000;
const LR = 1e-3;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

interface Bare {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** The baseline: PyTorch's Adam update as one loop per tensor, bias corrections hoisted. */
function bareAdamStep(ts: Bare[], step: number): void {
  const bc1 = 1 - BETA1 ** step;
  const bc2Sqrt = Math.sqrt(1 - BETA2 ** step);
  const stepSize = LR / bc1;
  for (const { p, g, m, v } of ts) {
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = BETA1 * m[i]! + (1 - BETA1) * gi;
      const vi = BETA2 * v[i]! + (1 - BETA2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + EPS);
    }
  }
}

function makeParams(): torch.nn.Parameter[] {
  torch.manualSeed(0);
  return Array.from({ length: TENSORS }, () => {
    const raw = torch.randn([SIZE]);
    const p = new torch.nn.Parameter(raw);
    raw.dispose();
    p.grad = torch.keep(torch.randn([SIZE]).mul_(0.01));
    return p;
  });
}

export function benchAdam(): void {
  console.log(`\nAdam step, ${TENSORS} x ${SIZE} float32 parameters — ${machine()}`);

  const bare: Bare[] = makeParams().map((p) => {
    const out = {
      p: p.dataSync().slice() as Float32Array,
      g: p.grad!.dataSync().slice() as Float32Array,
      m: new Float32Array(SIZE),
      v: new Float32Array(SIZE),
    };
    p.dispose();
    return out;
  });
  let bareStep = 0;
  const bareT = time(() => bareAdamStep(bare, ++bareStep), { warmup: 5, runs: 40 });

  const fusedParams = makeParams();
  const fused = new torch.optim.Adam(fusedParams, { lr: LR });
  fused.step();
  const before = torch.memory();
  const fusedT = time(() => fused.step(), { warmup: 5, runs: 40 });
  const after = torch.memory();

  const compParams = makeParams();
  const composite = new torch.optim.Adam(compParams, { lr: LR, fused: false });
  const compT = time(() => composite.step(), { warmup: 2, runs: 10 });

  table(
    ["path", "ms / step", "ratio to bare loop"],
    [
      ["bare Float32Array loop", bareT.ms, 1],
      ["optim.Adam (fused optimStep)", fusedT.ms, fusedT.ms / bareT.ms],
      ["optim.Adam (composite, fused: false)", compT.ms, compT.ms / bareT.ms],
    ],
  );
  const alloc = after.numStorages - before.numStorages + (after.numTensors - before.numTensors);
  console.log(
    `fused steps changed live tensors/storages by ${alloc} (expected 0); bytes ${before.numBytes} -> ${after.numBytes}`,
  );

  fused.dispose();
  composite.dispose();
  for (const p of [...fusedParams, ...compParams]) p.dispose();
}

benchAdam();
