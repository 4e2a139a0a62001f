import { readFileSync } from "node:fs";

import * as torch from "../../src/index.js";
import type {
  DeviceName,
  DType,
  IndexArg,
  Tensor,
  TensorOrScalar,
  TypedArray,
} from "../../src/index.js";

/**
 * The golden fixtures and the op table shared by every runner of them (`golden.test.ts` on the
 * CPU, `test/backends/webgpu.test.ts` on WebGPU): the fixture format, how a case's inputs are
 * decoded and laid out, and which webtorch call each golden op name maps to. Creation ops take
 * the device to create on (the CPU when none is given).
 */

// ---- the fixture format (see generate.py) ----

export type Encoded = number | boolean | "nan" | "inf" | "-inf";

export interface GoldenTensor {
  data: Encoded[];
  shape: number[];
  dtype?: DType;
}

export type Layout =
  | { transpose: [number, number] }
  | { permute: number[] }
  | { expand: number[] }
  | { slice: string };

export interface GoldenInput extends GoldenTensor {
  dtype: DType;
  requires_grad: boolean;
  layout: Layout | null;
}

export type Pair = number | [number, number];

/** The union of every option the fixtures use, in webtorch's (camelCase) names. */
export interface Kw {
  other?: number;
  self?: number;
  alpha?: number;
  roundingMode?: "trunc" | "floor";
  min?: number;
  max?: number;
  value?: number;
  weight?: number;
  dim?: number | number[] | null;
  keepdim?: boolean;
  correction?: number;
  p?: number;
  shape?: number[];
  sizes?: number[];
  dims?: number | number[];
  dim0?: number;
  dim1?: number;
  startDim?: number;
  endDim?: number;
  splitSizeOrSections?: number | number[];
  chunks?: number;
  start?: number;
  end?: number;
  length?: number;
  /** select's index, or index()'s arguments */
  index?: number | IndexArg[];
  diagonal?: number;
  numClasses?: number;
  stride?: Pair;
  padding?: Pair | "same" | "valid";
  dilation?: Pair;
  groups?: number;
  kernelSize?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number;
  args?: number[];
  steps?: number;
  dtype?: DType;
  data?: torch.NestedArray;
}

export interface GoldenCase {
  name: string;
  op: string;
  inputs: GoldenInput[];
  kwargs: Kw;
  outputs: GoldenTensor[];
  grad_outputs?: (GoldenTensor | null)[];
  grads?: (GoldenTensor | null)[];
}

export interface GoldenFile {
  torch_version: string;
  family: string;
  cases: GoldenCase[];
}

// ---- the op table: golden op name -> webtorch call ----

export type Ins = Tensor[];
export type OpResult = Tensor | Tensor[];

/** A binary op's operands: two tensors, or a tensor and a JS number (`other` or `self`). */
function operands(ins: Ins, kw: Kw): [TensorOrScalar, TensorOrScalar] {
  if (kw.self !== undefined) return [kw.self, ins[0]!];
  if (kw.other !== undefined) return [ins[0]!, kw.other];
  return [ins[0]!, ins[1]!];
}
const bin =
  (f: (a: TensorOrScalar, b: TensorOrScalar) => Tensor) =>
  (ins: Ins, kw: Kw): Tensor =>
    f(...operands(ins, kw));
const pair = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];
const alpha = (kw: Kw) => (kw.alpha === undefined ? undefined : { alpha: kw.alpha });
const dtypeOpt = (kw: Kw, device?: DeviceName) => ({
  ...(kw.dtype ? { dtype: kw.dtype } : {}),
  ...(device ? { device } : {}),
});
const poolOpts = ({ stride, padding, dilation, ceilMode, countIncludePad, divisorOverride }: Kw) =>
  ({ stride, padding, dilation, ceilMode, countIncludePad, divisorOverride }) as {
    stride?: Pair;
    padding?: Pair;
    dilation?: Pair;
    ceilMode?: boolean;
    countIncludePad?: boolean;
    divisorOverride?: number;
  };
const convOpts = ({ stride, padding, dilation, groups }: Kw) => ({
  stride,
  padding,
  dilation,
  groups,
});

export const OPS: Record<string, (ins: Ins, kw: Kw, device?: DeviceName) => OpResult> = {
  // ---- elementwise, unary ----
  neg: ([x]) => x!.neg(),
  abs: ([x]) => x!.abs(),
  exp: ([x]) => x!.exp(),
  exp2: ([x]) => x!.exp2(),
  log: ([x]) => x!.log(),
  log2: ([x]) => x!.log2(),
  log10: ([x]) => x!.log10(),
  log1p: ([x]) => x!.log1p(),
  expm1: ([x]) => x!.expm1(),
  sqrt: ([x]) => x!.sqrt(),
  rsqrt: ([x]) => x!.rsqrt(),
  square: ([x]) => x!.square(),
  reciprocal: ([x]) => x!.reciprocal(),
  sin: ([x]) => x!.sin(),
  cos: ([x]) => x!.cos(),
  tan: ([x]) => x!.tan(),
  asin: ([x]) => x!.asin(),
  acos: ([x]) => x!.acos(),
  atan: ([x]) => x!.atan(),
  sinh: ([x]) => x!.sinh(),
  cosh: ([x]) => x!.cosh(),
  tanh: ([x]) => x!.tanh(),
  sigmoid: ([x]) => x!.sigmoid(),
  relu: ([x]) => x!.relu(),
  erf: ([x]) => x!.erf(),
  sign: ([x]) => x!.sign(),
  floor: ([x]) => x!.floor(),
  ceil: ([x]) => x!.ceil(),
  round: ([x]) => x!.round(),
  trunc: ([x]) => x!.trunc(),
  logicalNot: ([x]) => x!.logicalNot(),
  isnan: ([x]) => x!.isnan(),
  isinf: ([x]) => x!.isinf(),
  isfinite: ([x]) => x!.isfinite(),
  // ---- elementwise, binary (tensor or JS-number operands) ----
  add: (ins, kw) => torch.add(...operands(ins, kw), alpha(kw)),
  sub: (ins, kw) => torch.sub(...operands(ins, kw), alpha(kw)),
  mul: bin(torch.mul),
  div: (ins, kw) =>
    torch.div(
      ...operands(ins, kw),
      kw.roundingMode ? { roundingMode: kw.roundingMode } : undefined,
    ),
  pow: bin(torch.pow),
  minimum: bin(torch.minimum),
  maximum: bin(torch.maximum),
  remainder: bin(torch.remainder),
  fmod: bin(torch.fmod),
  atan2: bin(torch.atan2),
  eq: bin(torch.eq),
  ne: bin(torch.ne),
  lt: bin(torch.lt),
  le: bin(torch.le),
  gt: bin(torch.gt),
  ge: bin(torch.ge),
  logicalAnd: bin(torch.logicalAnd),
  logicalOr: bin(torch.logicalOr),
  logicalXor: bin(torch.logicalXor),
  clamp: ([x, lo, hi], kw) => (lo ? x!.clamp(lo, hi) : x!.clamp(kw.min, kw.max)),
  addcmul: ([x, a, b], kw) => torch.addcmul(x!, a!, b!, { value: kw.value }),
  addcdiv: ([x, a, b], kw) => torch.addcdiv(x!, a!, b!, { value: kw.value }),
  lerp: ([x, end, w], kw) => x!.lerp(end!, w ?? kw.weight!),
  // ---- reductions ----
  sum: ([x], kw) => x!.sum(kw.dim, kw.keepdim),
  mean: ([x], kw) => x!.mean(kw.dim, kw.keepdim),
  prod: ([x], kw) => x!.prod(kw.dim as number | null | undefined, kw.keepdim),
  amax: ([x], kw) => x!.amax(kw.dim, kw.keepdim),
  amin: ([x], kw) => x!.amin(kw.dim, kw.keepdim),
  max: ([x], kw) => (kw.dim === undefined ? x!.max() : pair(x!.max(kw.dim as number, kw.keepdim))),
  min: ([x], kw) => (kw.dim === undefined ? x!.min() : pair(x!.min(kw.dim as number, kw.keepdim))),
  argmax: ([x], kw) => x!.argmax(kw.dim as number | null | undefined, kw.keepdim),
  argmin: ([x], kw) => x!.argmin(kw.dim as number | null | undefined, kw.keepdim),
  var: ([x], kw) => x!.var(kw.dim, { correction: kw.correction, keepdim: kw.keepdim }),
  std: ([x], kw) => x!.std(kw.dim, { correction: kw.correction, keepdim: kw.keepdim }),
  logsumexp: ([x], kw) => x!.logsumexp(kw.dim!, kw.keepdim),
  cumsum: ([x], kw) => x!.cumsum(kw.dim as number),
  cumprod: ([x], kw) => x!.cumprod(kw.dim as number),
  softmax: ([x], kw) => x!.softmax(kw.dim as number),
  logSoftmax: ([x], kw) => x!.logSoftmax(kw.dim as number),
  all: ([x], kw) => x!.all(kw.dim as number | null | undefined, kw.keepdim),
  any: ([x], kw) => x!.any(kw.dim as number | null | undefined, kw.keepdim),
  norm: ([x], kw) => x!.norm(kw.p, kw.dim, kw.keepdim),
  // ---- linear algebra ----
  matmul: ([a, b]) => torch.matmul(a!, b!),
  mm: ([a, b]) => torch.mm(a!, b!),
  bmm: ([a, b]) => torch.bmm(a!, b!),
  outer: ([a, b]) => torch.outer(a!, b!),
  dot: ([a, b]) => torch.dot(a!, b!),
  // ---- movement ----
  view: ([x], kw) => x!.view(kw.shape!),
  reshape: ([x], kw) => x!.reshape(kw.shape!),
  flatten: ([x], kw) => x!.flatten(kw.startDim, kw.endDim),
  unflatten: ([x], kw) => x!.unflatten(kw.dim as number, kw.sizes!),
  squeeze: ([x], kw) => x!.squeeze(kw.dim as number | undefined),
  unsqueeze: ([x], kw) => x!.unsqueeze(kw.dim as number),
  permute: ([x], kw) => x!.permute(kw.dims as number[]),
  transpose: ([x], kw) => x!.transpose(kw.dim0!, kw.dim1!),
  t: ([x]) => x!.t(),
  expand: ([x], kw) => x!.expand(kw.shape!),
  repeat: ([x], kw) => x!.repeat(kw.sizes!),
  cat: (ins, kw) => torch.cat(ins, kw.dim as number | undefined),
  stack: (ins, kw) => torch.stack(ins, kw.dim as number | undefined),
  split: ([x], kw) => x!.split(kw.splitSizeOrSections!, kw.dim as number | undefined),
  chunk: ([x], kw) => x!.chunk(kw.chunks!, kw.dim as number | undefined),
  unbind: ([x], kw) => x!.unbind(kw.dim as number | undefined),
  narrow: ([x], kw) => x!.narrow(kw.dim as number, kw.start!, kw.length!),
  select: ([x], kw) => x!.select(kw.dim as number, kw.index as number),
  index: ([x], kw) => x!.index(...(kw.index as IndexArg[])),
  flip: ([x], kw) => x!.flip(kw.dims!),
  contiguous: ([x]) => x!.contiguous(),
  clone: ([x]) => x!.clone(),
  // ---- indexing ----
  gather: ([x, idx], kw) => x!.gather(kw.dim as number, idx!),
  scatter: ([x, idx, src], kw) => x!.scatter(kw.dim as number, idx!, src ?? kw.value!),
  scatterAdd: ([x, idx, src], kw) => x!.scatterAdd(kw.dim as number, idx!, src!),
  indexSelect: ([x, idx], kw) => x!.indexSelect(kw.dim as number, idx!),
  maskedFill: ([x, mask], kw) => x!.maskedFill(mask!, kw.value!),
  tril: ([x], kw) => x!.tril(kw.diagonal),
  triu: ([x], kw) => x!.triu(kw.diagonal),
  oneHot: ([x], kw) => torch.oneHot(x!, kw.numClasses),
  where: ([cond, ...rest], kw) =>
    torch.where(cond!, kw.self ?? rest.shift()!, kw.other ?? rest.shift()!),
  // ---- convolution and pooling ----
  conv1d: ([x, w, b], kw) => torch.conv1d(x!, w!, b, convOpts(kw) as torch.Conv1dOptions),
  conv2d: ([x, w, b], kw) => torch.conv2d(x!, w!, b, convOpts(kw)),
  maxPool2d: ([x], kw) => torch.maxPool2d(x!, kw.kernelSize!, poolOpts(kw)),
  maxPool2dWithIndices: ([x], kw) =>
    pair(torch.maxPool2dWithIndices(x!, kw.kernelSize!, poolOpts(kw))),
  avgPool2d: ([x], kw) => torch.avgPool2d(x!, kw.kernelSize!, poolOpts(kw)),
  maxPool1d: ([x], kw) =>
    torch.maxPool1d(
      x!,
      kw.kernelSize as number,
      poolOpts(kw) as { stride?: number; padding?: number; dilation?: number; ceilMode?: boolean },
    ),
  avgPool1d: ([x], kw) =>
    torch.avgPool1d(
      x!,
      kw.kernelSize as number,
      poolOpts(kw) as { stride?: number; padding?: number; countIncludePad?: boolean },
    ),
  // ---- creation (values only) ----
  arange: (_, kw, device) =>
    torch.arange(kw.args![0]!, kw.args![1], kw.args![2], dtypeOpt(kw, device)),
  linspace: (_, kw, device) => torch.linspace(kw.start!, kw.end!, kw.steps!, dtypeOpt(kw, device)),
  eye: (_, kw, device) => torch.eye(kw.args![0]!, kw.args![1], dtypeOpt(kw, device)),
  full: (_, kw, device) => torch.full(kw.shape!, kw.value!, dtypeOpt(kw, device)),
  zeros: (_, kw, device) => torch.zeros(kw.shape!, dtypeOpt(kw, device)),
  ones: (_, kw, device) => torch.ones(kw.shape!, dtypeOpt(kw, device)),
  tensor: (_, kw, device) => torch.tensor(kw.data!, dtypeOpt(kw, device)),
  zerosLike: ([x]) => torch.zerosLike(x!),
  onesLike: ([x]) => torch.onesLike(x!),
  fullLike: ([x], kw) => torch.fullLike(x!, kw.value!),
};

// ---- known differences, as data (printed when the suite runs) ----

/**
 * Cases skipped, as data: case name -> reason. Each names the src/ bug (see the report) or the
 * PyTorch behaviour webtorch does not express; delete the entry when it is fixed.
 */
export const SKIP: Record<string, string> = {
  "cumprod/with_zero_grad":
    "src/ops/reduce.ts cumprod backward divides by x: NaN where x == 0 (PyTorch special-cases zeros)",
  "full/int_value":
    "not expressible: a JS number cannot say 7 (int64 in PyTorch) from 7.0; full() makes float32",
};

// ---- decoding and building ----

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

/** Kwargs with "nan"/"inf"/"-inf" strings decoded to numbers (slices like "1:4:2" are left). */
export function decodeKwargs(kw: Kw): Kw {
  const fix = (v: unknown): unknown =>
    v === "nan" || v === "inf" || v === "-inf" ? decode(v) : Array.isArray(v) ? v.map(fix) : v;
  return Object.fromEntries(Object.entries(kw).map(([k, v]) => [k, fix(v)])) as Kw;
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

export const FAMILIES = [
  "elementwise",
  "reduce",
  "linalg",
  "movement",
  "indexing",
  "conv",
  "creation",
] as const;

export function load(family: string): GoldenFile {
  return JSON.parse(
    readFileSync(new URL(`./${family}.json`, import.meta.url), "utf8"),
  ) as GoldenFile;
}

/**
 * Builds a case's inputs on `device` (the bases, then their layout views) and runs its op.
 * `own` registers every tensor made, for the caller to dispose.
 */
export function runForward(
  c: GoldenCase,
  own: <T extends Tensor>(t: T) => T,
  device?: DeviceName,
): { bases: Tensor[]; outs: Tensor[] } {
  const bases = c.inputs.map((i) =>
    own(
      torch.tensor(typedArray(i.dtype, i.data), {
        shape: i.shape,
        dtype: i.dtype,
        requiresGrad: i.requires_grad,
        ...(device ? { device } : {}),
      }),
    ),
  );
  const ins = bases.map((b, k) => own(applyLayout(b, c.inputs[k]!.layout)));
  const op = OPS[c.op];
  if (!op) throw new Error(`${c.name}: no entry for op "${c.op}" in OPS`);
  const result = op(ins, decodeKwargs(c.kwargs), device);
  const outs = (Array.isArray(result) ? result : [result]).map(own);
  return { bases, outs };
}
