import { afterAll, describe, expect, it } from "vitest";

import { findBackend } from "../../src/backends/backend.js";
import * as torch from "../../src/index.js";
import type { DType, Tensor } from "../../src/index.js";
import { OP_LIST, samplesOf } from "../op-info/index.js";
import { BACKENDS, type Kw, type OpInfo, type TestBackend } from "../op-info/op-info.js";
import { sampleDigest, type Sample } from "../op-info/sample.js";
import { assertAllClose } from "../util/allclose.js";
import { describeBackend } from "../util/backends.js";
import {
  EXACT,
  GPUJS_VS_TORCH,
  torchTolerance,
  WEBGPU_VS_CPU,
  type Tolerance,
} from "../util/tolerance.js";
import {
  applyLayout,
  baseTensor,
  goldens,
  runForward,
  typedArray,
  type GoldenCase,
  type GoldenTensor,
} from "./fixtures.js";

/**
 * Goldens: every op of the op list (test/op-info) against real PyTorch, on every backend of
 * `BACKENDS` (HOUSE-STYLE section 9, layers 2, 3 and 6). For each sample: the outputs (dtype,
 * shape, values), then `backward(gradOutput)` and each input's `.grad`, then the op's in-place
 * variant where it has one. Leaks are checked twice per sample: a forward pass whose graph is
 * released must leave no tensor alive, and neither may the full run once everything is disposed.
 *
 * Skips are data on the op (`skip: { webgpu: { sample: reason } }`) and are printed; float64
 * samples are skipped on backends without float64. A missing or stale fixture (its digest differs
 * from the sample's) fails: regenerate with `npm run golden`.
 */

/** The number of live tensors, counting those the garbage collector freed undisposed as live. */
function liveTensors(): number {
  const m = torch.memory();
  return m.numTensors + m.numCollectedUndisposed;
}

function tolerance(info: OpInfo, device: TestBackend, dtype: DType): Tolerance {
  if (dtype === "int32" || dtype === "bool") return EXACT;
  const own = info.tol?.[device];
  if (own) return own;
  if (device === "gpujs") return GPUJS_VS_TORCH;
  return device === "cpu" ? torchTolerance(info.name, dtype, info.innerProducts) : WEBGPU_VS_CPU;
}

/**
 * Why a sample cannot run on gpujs, which holds every dtype as float32: an int32 value beyond
 * 2^24 (not exact in float32), read from the sample's inputs and options.
 */
function gpujsLimit(s: Sample, c: GoldenCase | undefined): string | undefined {
  const big = (v: number) => Math.abs(v) > 2 ** 24;
  const intData = [
    ...s.inputs.filter((i) => i.dtype === "int32").map((i) => i.data),
    ...(c?.outputs ?? []).filter((o) => o.dtype === "int32").map((o) => o.data),
  ];
  if (intData.some((d) => d.some((v) => typeof v === "number" && big(v))))
    return "int32 beyond 2^24 (gpujs holds int32 as float32)";
  if (gpujsInGlsl() && hasIeeeSpecials(s, c))
    return "NaN or ±Inf in its inputs or results, or -0 in its inputs (gpujs on WebGL: GLSL has no IEEE specials)";
  return undefined;
}

/** Whether the gpujs backend runs as GLSL shaders (WebGL), not as webasm/cpu JavaScript. */
function gpujsInGlsl(): boolean {
  const mode = (findBackend("gpujs") as { mode?: string } | undefined)?.mode;
  return mode?.startsWith("webgl") ?? false;
}

/**
 * NaN or ±Inf anywhere in the sample's inputs, arguments or PyTorch's results, or -0 in its inputs
 * (a -0 result compares equal to 0 anyway).
 */
function hasIeeeSpecials(s: Sample, c: GoldenCase | undefined): boolean {
  const special =
    (negZero: boolean) =>
    (v: unknown): boolean =>
      typeof v === "number"
        ? !Number.isFinite(v) || (negZero && Object.is(v, -0))
        : typeof v === "string"
          ? v === "nan" || v === "inf" || v === "-inf"
          : Array.isArray(v)
            ? v.some(special(negZero))
            : typeof v === "object" && v !== null
              ? Object.values(v).some(special(negZero))
              : false;
  const results = [...(c?.outputs ?? []), ...(c?.grads ?? []), ...(c?.grad_outputs ?? [])];
  return (
    s.inputs.some((i) => special(true)(i.data)) ||
    special(true)(s.kwargs) ||
    results.some((r) => typeof r === "object" && r !== null && special(false)(r.data))
  );
}

function usesFloat64(s: Sample): boolean {
  return s.inputs.some((i) => i.dtype === "float64") || s.kwargs.dtype === "float64";
}

async function check(
  actual: Tensor,
  expected: GoldenTensor,
  dtype: DType,
  tol: Tolerance,
  label: string,
): Promise<void> {
  expect(actual.dtype, `${label}: dtype`).toBe(dtype);
  expect([...actual.shape], `${label}: shape`).toEqual(expected.shape);
  assertAllClose(await actual.data(), typedArray(dtype, expected.data), tol, label, expected.shape);
}

/** Runs `fn` with a set of tensors to dispose afterwards; returns how many tensors stayed alive. */
async function leaked(
  fn: (own: <T extends Tensor>(t: T) => T) => Promise<void> | void,
): Promise<number> {
  const before = liveTensors();
  const owned = new Set<Tensor>();
  try {
    await fn((t) => (owned.add(t), t));
  } finally {
    for (const t of owned) t.dispose();
  }
  return liveTensors() - before;
}

async function runSample(
  info: OpInfo,
  s: Sample,
  c: GoldenCase,
  device: TestBackend,
): Promise<void> {
  const tol = (dtype: DType) => tolerance(info, device, dtype);
  const storagesBefore = torch.memory().devices[device]?.numStorages ?? 0;

  // 1. forward only: with the graph released (no backward), every tensor the op made is freed
  const forwardLeak = await leaked((own) => {
    const { outs } = runForward(info, s, own, device);
    for (const o of outs) torch.autograd.releaseGraph(o);
  });
  expect(forwardLeak, `${s.name}: tensors left alive by the forward pass`).toBe(0);

  // 2. forward, backward and the comparisons; afterwards nothing may stay alive
  const backwardLeak = await leaked(async (own) => {
    const { bases, outs } = runForward(info, s, own, device);
    expect(outs.length, `${s.name}: number of outputs`).toBe(c.outputs.length);
    for (let k = 0; k < outs.length; k++) {
      const dtype = c.outputs[k]!.dtype!;
      await check(outs[k]!, c.outputs[k]!, dtype, tol(dtype), `${s.name} output ${k}`);
    }
    if (!c.grad_outputs || !c.grads) return;
    const roots: Tensor[] = [];
    const gradOuts: Tensor[] = [];
    c.grad_outputs.forEach((g, k) => {
      if (!g) return;
      roots.push(outs[k]!);
      const dtype = outs[k]!.dtype;
      gradOuts.push(
        own(torch.tensor(typedArray(dtype, g.data), { shape: g.shape, dtype, device })),
      );
    });
    torch.autograd.backward(roots, gradOuts);
    for (let k = 0; k < c.grads.length; k++) {
      const g = c.grads[k];
      const base = bases[k]!;
      const label = `${s.name} grad of input ${k}`;
      if (g === null || g === undefined) continue;
      if (g === "none") {
        // PyTorch's .grad is None: no gradient flowed; webtorch may leave none or zeros
        if (base.grad)
          expect(
            (await base.grad.data()).every((v) => v === 0),
            label,
          ).toBe(true);
        continue;
      }
      expect(base.grad, `${label}: missing .grad (PyTorch has one)`).not.toBeNull();
      await check(base.grad!, g, base.dtype, tol(base.dtype), label);
    }
  });
  expect(backwardLeak, `${s.name}: tensors left alive by backward`).toBe(0);
  expect(torch.memory().devices[device]?.numStorages ?? 0, `${s.name}: storages left`).toBe(
    storagesBefore,
  );
}

/**
 * The in-place variant on a contiguous clone of input 0, where PyTorch's result could be written
 * into it: the variant takes the sample's arguments, input 0 is the tensor operand, and the result
 * has input 0's dtype and (laid-out) shape; other samples are left to the out-of-place check.
 */
async function runInplace(info: OpInfo, s: Sample, c: GoldenCase, device: TestBackend) {
  const leak = await leaked(async (own) => {
    const ins = s.inputs.map((i, k) => {
      const base = own(baseTensor({ ...s, grad: false }, i, device));
      return own(applyLayout(base, s.inputs[k]!.layout));
    });
    const out = c.outputs[0]!;
    const x = ins[0];
    if (!x || out.dtype !== x.dtype || JSON.stringify(out.shape) !== JSON.stringify(x.shape))
      return;
    const target = own(x.clone());
    const result = info.inplace!.call([target, ...ins.slice(1)], s.kwargs as Kw);
    expect(result, `${info.inplace!.method} returns its target`).toBe(target);
    await check(target, out, x.dtype, tolerance(info, device, x.dtype), `${s.name} in place`);
  });
  expect(leak, `${s.name}: tensors left alive by ${info.inplace!.method}`).toBe(0);
}

const skipped: string[] = [];

for (const device of BACKENDS) {
  describeBackend("golden", device, () => {
    for (const info of OP_LIST) {
      const cases = goldens(info.family);
      describe(`${info.family}/${info.name} (torch ${cases.torchVersion})`, () => {
        for (const s of samplesOf(info)) {
          const c = cases.get(s.name);
          const reason =
            info.skip?.[device]?.[s.name] ??
            info.skip?.[device]?.["*"] ??
            (device !== "cpu" && usesFloat64(s) ? `float64 is CPU-only` : undefined) ??
            (device === "gpujs" ? gpujsLimit(s, c) : undefined);
          const run = async () => {
            expect(c, `${s.name}: no golden case; run npm run golden`).toBeDefined();
            expect(c!.digest, `${s.name}: the golden fixture is stale; run npm run golden`).toBe(
              sampleDigest(s),
            );
            await runSample(info, s, c!, device);
            const inplace = info.inplace;
            if (inplace && (inplace.applies?.(s) ?? true) && s.kwargs.self === undefined)
              await runInplace(info, s, c!, device);
          };
          if (reason !== undefined) {
            skipped.push(`[${device}] ${s.name}: ${reason}`);
            it.skip(`${s.name} (skipped: ${reason})`, run);
          } else {
            it(s.name, run);
          }
        }
      });
    }
  });
}

afterAll(() => {
  const shown = skipped.filter((s) => !s.endsWith("float64 is CPU-only"));
  if (shown.length)
    console.info(`golden: ${shown.length} skipped samples\n  ${shown.join("\n  ")}`);
});
