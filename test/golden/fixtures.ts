import { readFileSync } from "node:fs";

import * as torch from "../../src/index.js";
import type { DeviceName, DType, IndexArg, Tensor, TypedArray } from "../../src/index.js";
import type { Family, Kw, OpInfo } from "../op-info/op-info.js";
import {
  requiresGrad,
  type Encoded,
  type InputSpec,
  type Layout,
  type Sample,
} from "../op-info/sample.js";

/**
 * The golden fixtures (PyTorch's outputs and gradients for every sample of the op list, written by
 * `npm run golden`), and how a sample's inputs are built on a device. Shared by the runners:
 * `golden.test.ts` (every backend) and `test/autograd/gradcheck.test.ts`.
 */

export interface GoldenTensor {
  data: Encoded[];
  shape: number[];
  dtype?: DType;
}

/** One case: PyTorch's results for one sample (its inputs are the op list's). */
export interface GoldenCase {
  name: string;
  op: string;
  digest: string;
  outputs: GoldenTensor[];
  grad_outputs?: (GoldenTensor | null)[];
  /** Per input: null when it does not require grad, "none" where PyTorch's `.grad` is None. */
  grads?: (GoldenTensor | "none" | null)[];
}

export interface GoldenFile {
  torch_version: string;
  family: string;
  cases: GoldenCase[];
}

export function decode(v: Encoded): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}

export function typedArray(dtype: DType, values: readonly Encoded[]): TypedArray {
  const nums = values.map(decode);
  switch (dtype) {
    case "float32":
      return Float32Array.from(nums);
    case "float64":
      return Float64Array.from(nums);
    case "int32":
      return Int32Array.from(nums);
    case "bool":
      return Uint8Array.from(nums);
    default:
      return dtype satisfies never;
  }
}

/** `"::2, 1:"` (Python slice syntax) -> index() arguments. */
export function parseSliceLayout(text: string): IndexArg[] {
  return text.split(",").map((part) => {
    const p = part.trim();
    if (p === "None") return null;
    if (p === "..." || p.includes(":")) return p;
    return Number(p);
  });
}

export function applyLayout(t: Tensor, layout: Layout | null): Tensor {
  if (layout === null) return t;
  if ("transpose" in layout) return t.transpose(layout.transpose[0], layout.transpose[1]);
  if ("permute" in layout) return t.permute(layout.permute);
  if ("expand" in layout) return t.expand(layout.expand);
  return t.index(...parseSliceLayout(layout.slice));
}

/** A contiguous base tensor for input `i` on `device`. */
export function baseTensor(s: Sample, i: InputSpec, device?: DeviceName): Tensor {
  return torch.tensor(typedArray(i.dtype, i.data), {
    shape: i.shape,
    dtype: i.dtype,
    requiresGrad: requiresGrad(s, i),
    ...(device ? { device } : {}),
  });
}

/**
 * Builds a sample's inputs on `device` (the bases, then their layout views) and runs the op.
 * `own` registers every tensor made, for the caller to dispose.
 */
export function runForward(
  info: OpInfo,
  s: Sample,
  own: <T extends Tensor>(t: T) => T,
  device?: DeviceName,
): { bases: Tensor[]; outs: Tensor[] } {
  const bases = s.inputs.map((i) => own(baseTensor(s, i, device)));
  const ins = bases.map((b, k) => own(applyLayout(b, s.inputs[k]!.layout)));
  const result = info.call(ins, s.kwargs as Kw, device);
  const outs = (Array.isArray(result) ? result : [result]).map(own);
  return { bases, outs };
}

const files = new Map<Family, Map<string, GoldenCase> & { torchVersion?: string }>();

/** The golden cases of a family, by sample name (read once). */
export function goldens(family: Family): Map<string, GoldenCase> & { torchVersion?: string } {
  let cases = files.get(family);
  if (!cases) {
    const file = JSON.parse(
      readFileSync(new URL(`./${family}.json`, import.meta.url), "utf8"),
    ) as GoldenFile;
    cases = new Map(file.cases.map((c) => [c.name, c]));
    cases.torchVersion = file.torch_version;
    files.set(family, cases);
  }
  return cases;
}
