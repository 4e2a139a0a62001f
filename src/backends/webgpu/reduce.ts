import reduceSource from "../../../kernels/webgpu/reduce.wgsl";
import type { DType } from "../../core/dtype.js";
import type { Storage } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs, ReduceOp } from "../../ops/prims.js";
import { coalesce } from "../cpu/strided.js";
import { permutedCopy } from "./elementwise.js";
import { MAX_RANK, fillTemplate, grid, gpuType, wgslSections } from "./host.js";
import type { GpuType, KernelHost } from "./host.js";
import { UniformStruct } from "./uniforms.js";

/**
 * Reductions (kernels/webgpu/reduce.wgsl).
 *
 * A reduction picks, by the sizes and layout involved:
 * - `reduceSerial` (one invocation per output, in order) when each output reduces few elements,
 *   or when it reduces an outer axis (neighbouring invocations then read neighbouring elements);
 * - `reduceTree` otherwise: 32 to 256 lanes per output (about 16 elements each; several outputs
 *   share a workgroup when they are short), in-order Kahan sums per lane, then a tree in
 *   workgroup memory;
 * - and for long reductions, two passes: workgroups over chunks of {@link CHUNK} elements write
 *   partial results (values, and indices for argmax/argmin) to temporaries that a second
 *   `reduceTree` dispatch reduces.
 */

const REDUCE = wgslSections(reduceSource);

/** Elements one workgroup of the first pass reduces (16 per invocation). */
const CHUNK = 256 * 16;

/** The uniform struct of reduce.wgsl (its header documents each field). */
const REDUCE_PARAMS = new UniformStruct("ReduceParams", {
  numOut: "u32",
  n: "u32",
  chunk: "u32",
  numChunks: "u32",
  keptRank: "u32",
  redRank: "u32",
  offset: "i32",
  lanes: "u32",
  keptShape: "array<vec4<u32>, 2>",
  keptStrides: "array<vec4<i32>, 2>",
  redShape: "array<vec4<u32>, 2>",
  redStrides: "array<vec4<i32>, 2>",
});

function dtypeOfGpu(t: GpuType): DType {
  return t === "f32" ? "float32" : t === "i32" ? "int32" : "bool";
}

/** The section of reduce.wgsl with identity/fold/combine for `op` on accumulator type `A`. */
function opSection(op: ReduceOp, A: GpuType): string {
  switch (op) {
    case "sum":
      return A === "f32" ? "sum-f32" : "sum-int";
    case "prod":
      return "prod";
    case "max":
    case "argmax":
      return "max";
    case "min":
    case "argmin":
      return "min";
    default:
      return op satisfies never;
  }
}

interface ReduceShape {
  numOut: number;
  n: number;
  offset: number;
  kept: { shape: number[]; strides: number[] };
  red: { shape: number[]; strides: number[] };
}

function reduceUniforms(
  s: ReduceShape,
  chunk: number,
  numChunks: number,
  lanes: number,
): Uint32Array {
  return REDUCE_PARAMS.pack({
    numOut: s.numOut,
    n: s.n,
    chunk,
    numChunks,
    keptRank: s.kept.shape.length,
    redRank: s.red.shape.length,
    offset: s.offset,
    lanes,
    keptShape: s.kept.shape,
    keptStrides: s.kept.strides,
    redShape: s.red.shape,
    redStrides: s.red.strides,
  });
}

interface ReduceDispatch {
  entry: "reduceTree" | "reduceSerial";
  op: ReduceOp;
  A: GpuType;
  x: Storage;
  xIdx: Storage | null;
  outV: Storage | null;
  outI: Storage | null;
  shape: ReduceShape;
  chunk: number;
  numChunks: number;
}

function dispatchReduce(host: KernelHost, d: ReduceDispatch): void {
  const IN = gpuType(d.x.dtype);
  const key = `reduce:${d.entry}|${d.op}|${IN}|${d.A}|${+!!d.xIdx}${+!!d.outV}${+!!d.outI}`;
  const entry = host.pipeline(key, () => {
    const bindings: string[] = [];
    const writes: boolean[] = [];
    const bind = (name: string, type: string, write: boolean) => {
      bindings.push(
        `@group(0) @binding(${writes.length}) var<storage, ${write ? "read_write" : "read"}> ${name}: array<${type}>;`,
      );
      writes.push(write);
    };
    bind("x", IN, false);
    if (d.xIdx) bind("xIdx", "i32", false);
    if (d.outV) bind("out", d.A, true);
    if (d.outI) bind("outIdx", "i32", true);
    bindings.push(`@group(0) @binding(${writes.length}) var<uniform> params: ReduceParams;`);
    const write = [d.outV ? "out[g] = r.v;" : "", d.outI ? "outIdx[g] = r.i;" : ""].join(" ");
    const code = [
      REDUCE_PARAMS.wgsl,
      REDUCE.get(`type-${d.A}`)!,
      REDUCE.get(opSection(d.op, d.A))!,
      fillTemplate(REDUCE.get("kernel")!, {
        A: d.A,
        BINDINGS: bindings.join("\n"),
        LOAD_INDEX: d.xIdx ? "xIdx[k]" : "i32(j)",
        WRITE: write,
      }),
    ].join("\n");
    return { code, entryPoint: d.entry, writes, label: `${d.entry} ${d.op} ${IN}` };
  });
  const storages = [d.x, d.xIdx, d.outV, d.outI].filter((s): s is Storage => s !== null);
  // NOTE: lanes per output: about 16 elements each (coalesced runs of 32+ lanes), up to 256
  const perOutput = Math.min(d.chunk, d.shape.n);
  const lanes = Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(Math.ceil(perOutput / 16)))));
  const u = reduceUniforms(d.shape, d.chunk, d.numChunks, lanes);
  const groups =
    d.entry === "reduceTree"
      ? Math.ceil((d.shape.numOut * d.numChunks) / (256 / lanes))
      : Math.ceil(d.shape.numOut / 256);
  const [gx, gy] = grid(groups);
  host.dispatch(entry, storages, u, gx, gy);
}

/** Reduces `axes` of x into the contiguous out (see the module comment for the strategies). */
export function reduceKernel(host: KernelHost, { op, x, axes, out }: KernelArgs["reduce"]): void {
  const keptDims = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const pick = (dims: readonly number[]) => ({
    shape: dims.map((d) => x.shape[d]!),
    strides: dims.map((d) => x.strides[d]!),
  });
  const k0 = pick(keptDims);
  const r0 = pick(axes);
  const kc = coalesce(k0.shape, [k0.strides]);
  const rc = coalesce(r0.shape, [r0.strides]);
  const numOut = numel(k0.shape);
  const n = numel(r0.shape);
  if (numOut === 0) return;
  let src = x.storage;
  let tmpInput: Storage | null = null;
  let shape: ReduceShape = {
    numOut,
    n,
    offset: x.offset,
    kept: { shape: kc.shape, strides: kc.strides[0]! },
    red: { shape: rc.shape, strides: rc.strides[0]! },
  };
  if (kc.shape.length > MAX_RANK || rc.shape.length > MAX_RANK) {
    tmpInput = src = permutedCopy(host, x, [...keptDims, ...axes]);
    shape = {
      numOut,
      n,
      offset: 0,
      kept: { shape: [numOut], strides: [n] },
      red: { shape: [n], strides: [1] },
    };
  }
  const isArg = op === "argmax" || op === "argmin";
  const xT = gpuType(x.dtype);
  const A: GpuType = op === "sum" || op === "prod" ? (xT === "f32" ? "f32" : "i32") : xT;
  const outV = isArg ? null : out.storage;
  const outI = isArg ? out.storage : null;
  if (out.offset !== 0) throw new Error("internal: reduce output must start at offset 0");

  // NOTE: when neighbouring outputs are neighbours in memory (a reduction over an outer axis),
  // one invocation per output reads coalesced rows; when the reduced axis is innermost, a
  // workgroup per output reads it coalesced instead.
  const keptInner = shape.kept.strides[shape.kept.strides.length - 1];
  const redInner = shape.red.strides[shape.red.strides.length - 1];
  const outerAxis = keptInner === 1 && redInner !== 1 && numOut >= 256 && n <= 65536;
  const serial = n <= 32 || (n <= 256 && numOut >= 1024) || outerAxis;
  const numChunks = serial ? 1 : Math.ceil(n / CHUNK);
  // NOTE: an object literal, not a spread of shared fields: V8 makes `{ ...a, b }` ~100x slower.
  const firstPass = (
    entry: ReduceDispatch["entry"],
    outV: Storage | null,
    outI: Storage | null,
    chunk: number,
  ): ReduceDispatch => ({ entry, op, A, x: src, xIdx: null, outV, outI, shape, chunk, numChunks });
  if (numChunks === 1) {
    dispatchReduce(host, firstPass(serial ? "reduceSerial" : "reduceTree", outV, outI, n));
  } else {
    const partV = host.temp(dtypeOfGpu(A), numOut * numChunks);
    const partI = isArg ? host.temp("int32", numOut * numChunks) : null;
    dispatchReduce(host, firstPass("reduceTree", partV, partI, CHUNK));
    // NOTE: a sum's second pass adds partial sums; a prod's multiplies them; max/min compare.
    dispatchReduce(host, {
      entry: "reduceTree",
      op,
      A,
      x: partV,
      xIdx: partI,
      outV,
      outI,
      shape: {
        numOut,
        n: numChunks,
        offset: 0,
        kept: { shape: [numOut], strides: [numChunks] },
        red: { shape: [numChunks], strides: [1] },
      },
      chunk: numChunks,
      numChunks: 1,
    });
    host.releaseTemp(partV);
    if (partI) host.releaseTemp(partI);
  }
  if (tmpInput) host.releaseTemp(tmpInput);
}
