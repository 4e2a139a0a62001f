/**
 * The nn golden fixtures (`test/golden/nn_conv_loss.json`, made by gen_nn_conv_loss.py): their
 * types and the decoding of their tensors, shared by the conv/pool and loss tests.
 */
import { readFileSync } from "node:fs";

import * as torch from "../../src/index.js";
import type { DType, Tensor } from "../../src/index.js";

export type Encoded = number | boolean | "nan" | "inf" | "-inf";

/** A tensor as the fixtures store it: flat row-major data, NaN/±Inf as strings. */
export interface GT {
  data: Encoded[];
  shape: number[];
  dtype: DType;
}

export interface GoldenModuleCase {
  name: string;
  module: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  repr: string;
  state: Record<string, GT>;
  inputs: (GT & { requires_grad: boolean })[];
  forward_kwargs: Record<string, unknown>;
  outputs: GT[];
  grad_output: GT | null;
  input_grads: (GT | null)[];
  param_grads: Record<string, GT>;
  grads: boolean;
}

export interface GoldenNnFile {
  torch_version: string;
  modules: GoldenModuleCase[];
}

export function loadNnGolden(): GoldenNnFile {
  return JSON.parse(
    readFileSync(new URL("../golden/nn_conv_loss.json", import.meta.url), "utf8"),
  ) as GoldenNnFile;
}

export const num = (v: Encoded): number =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);

/** A fixture tensor as a webtorch tensor (float32, int32 or bool). */
export function decode(t: GT, requiresGrad = false): Tensor {
  const vals = t.data.map(num);
  const data =
    t.dtype === "int32"
      ? Int32Array.from(vals)
      : t.dtype === "bool"
        ? Uint8Array.from(vals)
        : Float32Array.from(vals);
  return torch.tensor(data, { shape: t.shape, dtype: t.dtype, requiresGrad });
}

/** Constructor options with their tensors (`{ tensor: GT }`) decoded; the rest as they are. */
export function decodeKwargs(kw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(kw).map(([k, v]) => [
      k,
      typeof v === "object" && v !== null && "tensor" in v
        ? decode((v as { tensor: GT }).tensor)
        : v,
    ]),
  );
}
