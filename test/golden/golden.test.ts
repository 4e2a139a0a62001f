import { afterAll, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DType, Tensor } from "../../src/index.js";
import { assertAllClose } from "../util/allclose.js";
import { torchTolerance } from "../util/tolerance.js";
import {
  FAMILIES,
  load,
  SKIP,
  typedArray,
  type GoldenCase,
  type GoldenTensor,
  runForward,
} from "./ops-table.js";

/**
 * Goldens: webtorch against real PyTorch (HOUSE-STYLE section 9, layer 3). `generate.py` runs
 * Debian's torch and writes one JSON file per op family; this file rebuilds every case's inputs,
 * runs the op through `OPS` (ops-table.ts), and checks the outputs (dtype, shape, values), then runs
 * `backward(gradOutput)` and checks each input's `.grad`. Leaks are checked twice per case: a
 * forward pass whose graph is released must leave no tensor alive, and neither may the full run
 * once its inputs, outputs, grads and grad outputs are disposed.
 *
 * Known differences are data: `SKIP` (case -> reason) skips a case, and the skips are printed.
 * Regenerate the fixtures with `npm run golden`.
 */

/** The number of live tensors, counting those the garbage collector freed undisposed as live. */
function liveTensors(): number {
  const m = torch.memory();
  return m.numTensors + m.numCollectedUndisposed;
}

function check(
  actual: Tensor,
  expected: GoldenTensor,
  dtype: DType,
  op: string,
  label: string,
): void {
  expect(actual.dtype, `${label}: dtype`).toBe(dtype);
  expect([...actual.shape], `${label}: shape`).toEqual(expected.shape);
  assertAllClose(
    actual.dataSync(),
    typedArray(dtype, expected.data),
    torchTolerance(op, dtype),
    label,
    expected.shape,
  );
}

// ---- the runner ----

const forward = (c: GoldenCase, own: <T extends Tensor>(t: T) => T) => runForward(c, own);

/** Runs `fn` with a set of tensors to dispose afterwards; returns how many tensors stayed alive. */
function leaked(fn: (own: <T extends Tensor>(t: T) => T) => void): number {
  const before = liveTensors();
  const owned = new Set<Tensor>();
  try {
    fn((t) => (owned.add(t), t));
  } finally {
    for (const t of owned) t.dispose();
  }
  return liveTensors() - before;
}

function runCase(c: GoldenCase): void {
  // 1. forward only: with the graph released (no backward), every tensor the op made must be freed
  const forwardLeak = leaked((own) => {
    const { outs } = forward(c, own);
    for (const o of outs) torch.autograd.releaseGraph(o);
  });
  expect(forwardLeak, `${c.name}: tensors left alive by the forward pass`).toBe(0);

  // 2. forward, backward and the comparisons; afterwards nothing may stay alive
  const backwardLeak = leaked((own) => {
    const { bases, outs } = forward(c, own);
    expect(outs.length, `${c.name}: number of outputs`).toBe(c.outputs.length);
    outs.forEach((o, k) =>
      check(o, c.outputs[k]!, c.outputs[k]!.dtype!, c.op, `${c.name} output ${k}`),
    );
    if (!c.grad_outputs || !c.grads) return;
    const roots: Tensor[] = [];
    const gradOuts: Tensor[] = [];
    c.grad_outputs.forEach((g, k) => {
      if (!g) return;
      roots.push(outs[k]!);
      gradOuts.push(
        own(
          torch.tensor(typedArray(outs[k]!.dtype, g.data), {
            shape: g.shape,
            dtype: outs[k]!.dtype,
          }),
        ),
      );
    });
    torch.autograd.backward(roots, gradOuts);
    c.grads.forEach((g, k) => {
      if (!g) return;
      const base = bases[k]!;
      const label = `${c.name} grad of input ${k}`;
      // PyTorch's None gradient is recorded as zeros: accept a missing .grad for those
      if (!base.grad && g.data.every((v) => v === 0)) return;
      expect(base.grad, `${label}: missing .grad`).not.toBeNull();
      check(base.grad!, g, base.dtype, c.op, label);
    });
  });
  expect(
    backwardLeak,
    `${c.name}: tensors left alive by backward (inputs, outputs, grads and grad outputs disposed)`,
  ).toBe(0);
}

const skipped: string[] = [];

for (const family of FAMILIES) {
  const file = load(family);
  describe(`golden ${family} (torch ${file.torch_version})`, () => {
    for (const c of file.cases) {
      const reason = SKIP[c.name];
      if (reason !== undefined) {
        skipped.push(`${c.name}: ${reason}`);
        it.skip(`${c.name} (skipped: ${reason})`, () => runCase(c));
      } else {
        it(c.name, () => runCase(c));
      }
    }
  });
}

afterAll(() => {
  if (skipped.length)
    console.info(`golden: ${skipped.length} skipped cases\n  ${skipped.join("\n  ")}`);
});
