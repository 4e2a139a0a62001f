import source from "../../../kernels/webgpu/elementwise.wgsl";
import type { DType } from "../../core/dtype.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs, ScalarBinaryOp, ScalarUnaryOp } from "../../ops/prims.js";
import { contiguousStrides, isContiguous, type Storage, type View } from "../../core/layout.js";
import { coalesce } from "../cpu/strided.js";
import { MAX_RANK, fillTemplate, grid, gpuType, wgslSections } from "./host.js";
import type { GpuType, KernelHost, PipelineSpec } from "./host.js";

/**
 * The generic elementwise kernel (kernels/webgpu/elementwise.wgsl) and the primitives built on it:
 * unary, binary, where, fill and cat (a strided copy per input), plus copies of contiguous data
 * with `copyBufferToBuffer`.
 *
 * Dtypes: each shader computes in one type T: f32 when the output is float; otherwise the
 * output's type (int32 -> i32) or, for predicates (comparisons, isnan, logical ops: ops whose
 * dtype rule gives bool), the widest input type. Storage types are not compiled in: buffers are
 * bound as u32 words and a uniform type code converts each input to T as it is loaded and T (or
 * a predicate's bool) to the output's type as it is stored (bool stores x != 0 with NaN true;
 * float -> int32 truncates and wraps as JavaScript's ToInt32, NaN and Inf giving 0), so one
 * pipeline serves every dtype combination of an expression.
 */

const SECTIONS = wgslSections(source);
const section = (name: string): string => {
  const s = SECTIONS.get(name);
  if (s === undefined) throw new Error(`internal: elementwise.wgsl has no section ${name}`);
  return s;
};

/** The scalar expression of a kernel and what it yields. */
interface Expr {
  /** A WGSL expression of the loaded inputs (`x`, or `a` and `b`, or `c`, `a`, `b`). */
  readonly code: string;
  /** Whether the expression is a `bool` (a predicate) rather than a T. */
  readonly predicate: boolean;
}

/**
 * Words of elementwise.wgsl's Params: numel, rank, value, types, offsets (4), shape (8), strides
 * (8 x 4). NOTE: written word by word in `runElementwise` rather than through a named
 * `UniformStruct` (as the other kernels are): this is the hottest dispatch of a training step,
 * and named packing costs it about 0.4 us more per op.
 */
const WORDS = 48;

const predicateCache = new WeakMap<object, boolean>();

/** Whether an op's dtype rule makes a bool (comparisons, logical ops, isnan, ...). */
function isPredicate(op: ScalarUnaryOp | ScalarBinaryOp): boolean {
  let p = predicateCache.get(op);
  if (p === undefined) {
    // NOTE: the registry's defs carry their dtype rule; COPY has none (and is no predicate).
    const rule = (op as { dtype?: unknown }).dtype;
    p =
      typeof rule === "function" &&
      (rule as (d: DType, name: string) => DType)("float32", op.name) === "bool";
    predicateCache.set(op, p);
  }
  return p;
}

function wgslOf(op: ScalarUnaryOp | ScalarBinaryOp): string {
  if (op.wgsl === undefined)
    throw new Error(`internal: elementwise op ${op.name} has no wgsl expression`);
  return op.wgsl;
}

/** The conversions of the kernel's result (a T, or a predicate's bool) to each output type. */
function storeCodes(predicate: boolean, T: GpuType): Record<string, string> {
  if (predicate)
    return {
      TO_F32: "select(0.0, 1.0, v)",
      TO_I32: "select(0, 1, v)",
      TO_BOOL: "select(0u, 1u, v)",
    };
  return {
    TO_F32: T === "f32" ? "v" : "f32(v)",
    TO_I32: T === "f32" ? "f32ToI32(v)" : T === "i32" ? "v" : "i32(v)",
    // NOTE: bool outputs always store 0/1 (true + true is true), NaN counting as true
    TO_BOOL: "select(0u, 1u, truthyT(v))",
  };
}

/** The type code of a storage type in `params.types`. */
const TYPE_CODE: Record<GpuType, number> = { f32: 0, i32: 1, u32: 2 };

const COMPONENTS = ["y", "z", "w"] as const;

/**
 * The pipeline for one expression over `alias.length` inputs (`alias[j]`: input j is read
 * through the output's binding). Storage types are uniforms, so they are not part of the shader.
 */
function pipelineFor(
  expr: Expr,
  T: GpuType,
  alias: readonly boolean[],
  names: readonly string[],
): PipelineSpec {
  const bindings = [`@group(0) @binding(0) var<storage, read_write> out: array<u32>;`];
  const loads: string[] = [];
  let binding = 1;
  alias.forEach((aliased, j) => {
    let src = "out";
    if (!aliased) {
      src = `in${j + 1}`;
      bindings.push(`@group(0) @binding(${binding++}) var<storage, read> ${src}: array<u32>;`);
    }
    const at = `${src}[o.${COMPONENTS[j]}]`;
    const name = names[j]!;
    loads.push(name === "c" ? `  let c = ${at} != 0u;` : `  let ${name} = load(${at}, ${j + 1}u);`);
  });
  bindings.push(`@group(0) @binding(${binding}) var<uniform> params: Params;`);
  const code = [
    section("common"),
    section(T),
    fillTemplate(section("kernel"), {
      T,
      R: expr.predicate ? "bool" : "T",
      ...storeCodes(expr.predicate, T),
      BINDINGS: bindings.join("\n"),
      LOADS: loads.join("\n"),
      EXPR: expr.code,
    }),
  ].join("\n");
  const writes = [true, ...alias.filter((a) => !a).map(() => false)];
  return { code, entryPoint: "elementwise", writes, label: `elementwise ${expr.code}` };
}

/**
 * Runs `expr` over `ins` into `out` (all of out's shape, strided). `names` are the WGSL names of
 * the loaded inputs; `valueBits` fills `params.value` (the fill kernel's constant).
 */
function runElementwise(
  host: KernelHost,
  expr: Expr,
  T: GpuType,
  out: View,
  ins: readonly View[],
  names: readonly string[],
  valueBits = 0,
): void {
  const n = numel(out.shape);
  if (n === 0) return;
  const alias = ins.map((v) => v.storage === out.storage);
  const key = `elementwise:${expr.code}|${+expr.predicate}|${T}|${alias.map((a) => +a).join("")}`;
  const entry = host.pipeline(key, () => pipelineFor(expr, T, alias, names));
  const storages = [out.storage];
  let types = TYPE_CODE[gpuType(out.dtype)];
  for (let j = 0; j < ins.length; j++) {
    if (!alias[j]) storages.push(ins[j]!.storage);
    types |= TYPE_CODE[gpuType(ins[j]!.dtype)] << (2 * (j + 1));
  }

  const { shape, strides } = coalesce(out.shape, [out.strides, ...ins.map((v) => v.strides)]);
  const offsets = [out.offset, ...ins.map((v) => v.offset)];
  // NOTE: more than MAX_RANK dims that do not coalesce: one dispatch per index of the leading dims.
  const lead = Math.max(0, shape.length - MAX_RANK);
  const inner = shape.slice(lead);
  const innerStrides = strides.map((s) => s.slice(lead));
  let outer = 1;
  for (let d = 0; d < lead; d++) outer *= shape[d]!;
  const innerN = numel(inner);
  const [x, y] = grid(Math.ceil(innerN / 256));
  const idx = new Array<number>(lead).fill(0);
  for (let o = 0; o < outer; o++) {
    const u = new Uint32Array(WORDS);
    const i32 = new Int32Array(u.buffer);
    u[0] = innerN;
    u[1] = inner.length;
    u[2] = valueBits;
    u[3] = types;
    for (let k = 0; k < offsets.length; k++) {
      let off = offsets[k]!;
      for (let d = 0; d < lead; d++) off += idx[d]! * strides[k]![d]!;
      i32[4 + k] = off;
    }
    for (let d = 0; d < inner.length; d++) {
      u[8 + d] = inner[d]!;
      for (let k = 0; k < innerStrides.length; k++) i32[16 + k * 8 + d] = innerStrides[k]![d]!;
    }
    host.dispatch(entry, storages, u, x, y);
    for (let d = lead - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/** Whether a view covers `numel` consecutive elements from its offset (in row-major order). */
const isDense = (v: View): boolean => isContiguous(v.shape, v.strides);

const COPY_EXPR: Expr = { code: "x", predicate: false };

/** out = x converted to out's dtype (a strided copy, or one buffer copy when both are dense). */
function copyKernel(host: KernelHost, x: View, out: View): void {
  const n = numel(out.shape);
  if (n === 0) return;
  if (x.dtype === out.dtype && x.storage !== out.storage && isDense(x) && isDense(out)) {
    host.copy(x.storage, x.offset * 4, out.storage, out.offset * 4, n * 4);
    return;
  }
  const T = gpuType(out.dtype) === "f32" ? "f32" : gpuType(x.dtype);
  runElementwise(host, COPY_EXPR, T, out, [x], ["x"]);
}

/** The widest of the input types (f32 > i32 > u32), for predicates. */
function widest(types: readonly GpuType[]): GpuType {
  if (types.includes("f32")) return "f32";
  if (types.includes("i32")) return "i32";
  return "u32";
}

/** out = op(x), elementwise (a copy when op is the identity). */
export function unaryKernel(host: KernelHost, { op, x, out }: KernelArgs["unary"]): void {
  if (op.wgsl === "x") {
    copyKernel(host, x, out);
    return;
  }
  const predicate = isPredicate(op);
  const outT = gpuType(out.dtype);
  const T: GpuType = outT === "f32" ? "f32" : gpuType(x.dtype);
  runElementwise(host, { code: wgslOf(op), predicate }, T, out, [x], ["x"]);
}

/** out = op(a, b), elementwise. */
export function binaryKernel(host: KernelHost, { op, a, b, out }: KernelArgs["binary"]): void {
  const predicate = isPredicate(op);
  const outT = gpuType(out.dtype);
  const T: GpuType =
    outT === "f32" ? "f32" : outT === "i32" ? "i32" : widest([gpuType(a.dtype), gpuType(b.dtype)]);
  runElementwise(host, { code: wgslOf(op), predicate }, T, out, [a, b], ["a", "b"]);
}

const WHERE_EXPR: Expr = { code: "select(b, a, c)", predicate: false };

/** out = cond ? a : b, elementwise. */
export function whereKernel(host: KernelHost, { cond, a, b, out }: KernelArgs["where"]): void {
  runElementwise(host, WHERE_EXPR, gpuType(out.dtype), out, [cond, a, b], ["c", "a", "b"]);
}

const FILL_EXPR: Expr = { code: "bitcast<T>(params.value)", predicate: false };

/** The u32 bits of `value` stored as `dtype` on the GPU. */
function valueBits(value: number, dtype: DType): number {
  if (dtype === "bool") return value !== 0 ? 1 : 0; // NaN is true
  if (dtype === "int32") return (Number.isNaN(value) ? 0 : value | 0) >>> 0;
  const f = new Float32Array([value]);
  return new Uint32Array(f.buffer)[0]!;
}

/** Every element of out becomes `value` (a buffer clear when that is all zero bits). */
export function fillKernel(host: KernelHost, { value, out }: KernelArgs["fill"]): void {
  const n = numel(out.shape);
  if (n === 0) return;
  const bits = valueBits(value, out.dtype);
  if (bits === 0 && isDense(out)) {
    host.clear(out.storage, out.offset * 4, n * 4);
    return;
  }
  runElementwise(host, FILL_EXPR, gpuType(out.dtype), out, [], [], bits);
}

/** Concatenation along `dim`: one strided copy per input into its slice of out. */
export function catKernel(host: KernelHost, { xs, dim, out }: KernelArgs["cat"]): void {
  let start = 0;
  for (const x of xs) {
    const size = x.shape[dim]!;
    if (size > 0) {
      copyKernel(host, x, {
        storage: out.storage,
        dtype: out.dtype,
        shape: x.shape,
        strides: out.strides,
        offset: out.offset + start * out.strides[dim]!,
      });
    }
    start += size;
  }
}

/** A contiguous copy of x with its dims in `order` (for views whose dims do not fit MAX_RANK). */
export function permutedCopy(host: KernelHost, x: View, order: readonly number[]): Storage {
  const shape = order.map((d) => x.shape[d]!);
  const tmp = host.temp(x.dtype, numel(shape));
  // NOTE: the fields by name, not `...x`: x may be a Tensor, whose fields are getters
  copyKernel(
    host,
    {
      storage: x.storage,
      dtype: x.dtype,
      offset: x.offset,
      shape,
      strides: order.map((d) => x.strides[d]!),
    },
    { storage: tmp, dtype: x.dtype, shape, strides: contiguousStrides(shape), offset: 0 },
  );
  return tmp;
}
