/**
 * The recurrent-module fixture (`test/golden/nn_rnn.json`, made by gen_nn_rnn.py): its types, the
 * decoding of its tensors on a device, and the comparison of a result with PyTorch's, shared by
 * the rnn tests.
 */
import { readFileSync } from "node:fs";

import { expect } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import { assertAllClose } from "../util/allclose.js";
import { CPU_VS_TORCH_MATMUL, EXACT, type Tolerance } from "../util/tolerance.js";

export interface RT {
  data: number[];
  shape: number[];
  dtype: "float32" | "int32";
}

export interface RnnCase {
  name: string;
  module: { type: string; args: number[]; kwargs: Record<string, unknown> };
  mode: "train" | "eval";
  repr: string;
  state_dict: Record<string, RT>;
  input: RT;
  packed: { lengths: number[]; enforce_sorted: boolean } | null;
  h0: RT | null;
  c0: RT | null;
  output: RT;
  hn: RT;
  cn: RT | null;
  grad_output: RT;
  grad_hn: RT;
  grad_cn: RT | null;
  grads: { input: RT; h0: RT | null; c0: RT | null };
  param_grads: Record<string, RT>;
}

export type CellCase = Omit<RnnCase, "mode" | "packed" | "hn" | "grad_hn">;

export interface PackingCase {
  name: string;
  sequences: RT[];
  batch_first: boolean;
  padded?: RT;
  lengths?: number[];
  data: RT;
  batch_sizes: RT;
  sorted_indices: RT | null;
  unsorted_indices: RT | null;
  repadded?: RT;
  repadded_lengths?: RT;
}

export interface SimpleLstmCase {
  sizes: { inputSize: number; hiddenSize: number; numLayers: number; numClasses: number };
  repr: string;
  state_dict: Record<string, RT>;
  input: RT;
  target: RT;
  logits: RT;
  loss: number;
  param_grads: Record<string, RT>;
}

export interface RnnFixture {
  torch_version: string;
  cases: RnnCase[];
  cells: CellCase[];
  simple_lstm: SimpleLstmCase;
  packing: PackingCase[];
}

export const fixture = JSON.parse(
  readFileSync(new URL("../golden/nn_rnn.json", import.meta.url), "utf8"),
) as RnnFixture;

/** A fixture tensor on `device`. */
export function decode(t: RT, device: DeviceName = "cpu", requiresGrad = false): Tensor {
  const data = t.dtype === "int32" ? Int32Array.from(t.data) : Float32Array.from(t.data);
  return torch.tensor(data, { shape: t.shape, dtype: t.dtype, device, requiresGrad });
}

/**
 * Against PyTorch: the recurrences chain a few matmuls (summation order shows) and
 * sigmoid/tanh; WebGPU adds its own float32 differences to the CPU's (WEBGPU_VS_CPU).
 */
export function tolFor(device: DeviceName): Tolerance {
  return device === "cpu" ? CPU_VS_TORCH_MATMUL : { rtol: 3e-4, atol: 3e-5 };
}

/** Reads `actual` back (awaited, so it works on a GPU) and compares it with the fixture. */
export async function expectClose(
  actual: Tensor | null | undefined,
  expected: RT,
  tol: Tolerance,
  label: string,
): Promise<void> {
  expect(actual, `${label}: missing`).toBeTruthy();
  expect([...actual!.shape], `${label}: shape`).toEqual(expected.shape);
  expect(actual!.dtype, `${label}: dtype`).toBe(expected.dtype);
  assertAllClose(
    Array.from(await actual!.data()),
    // the fixture's decimals are float32 values' shortest forms: compare float32 with float32
    expected.data.map((v) => Math.fround(v)),
    expected.dtype === "int32" ? EXACT : tol,
    label,
    expected.shape,
  );
}
