import type { DeviceName } from "../backends/backend.js";
import {
  allocArray,
  checkInt32,
  dtypeOfArray,
  isFloat,
  normalizeDType,
  type DType,
  type DTypeName,
  type TensorArray,
  type TypedArray,
} from "../core/dtype.js";
import { DTypeError, ShapeError, TensorError, ValueError } from "../core/errors.js";
import { describeValue } from "../core/options.js";
import { takeCounters } from "../core/generator.js";
import { permutation } from "../core/permutation.js";
import { checkShape, fmtShape, numel, type Shape } from "../core/shape.js";
import { backendFor, backendOf, emptyTensor, runKernel, tensorFromArray } from "../ops/dispatch.js";
import { add, cast, floor, mul } from "../ops/elementwise.js";
import type { NestedArray, Tensor } from "./tensor.js";
// NOTE: loads the Tensor class, which registers itself with the ops that make tensors
import "./tensor.js";

/**
 * Creation functions: from data, constants, ranges and the global random generator. Each takes a
 * trailing options object with PyTorch's keyword names: `{ dtype, device, requiresGrad }`.
 */

/** PyTorch's keyword arguments of the creation functions. */
export interface CreationOptions {
  /** The dtype: webtorch's names or PyTorch's (`"long"`/`"int64"` are int32, `"double"` float64). */
  dtype?: DTypeName;
  device?: DeviceName;
  requiresGrad?: boolean;
}

/** Checks `requiresGrad` against the dtype before anything is allocated. */
function checkGrad(dtype: DType, options: CreationOptions | undefined, op: string): void {
  if (options?.requiresGrad && !isFloat(dtype))
    throw new DTypeError(op, `only floating-point tensors can require gradients; got ${dtype}`);
}

function finish(t: Tensor, options: CreationOptions | undefined, op: string): Tensor {
  try {
    checkGrad(t.dtype, options, op);
    if (options?.requiresGrad) t.requiresGrad_(true);
  } catch (e) {
    t.dispose(); // a failed call leaks nothing
    throw e;
  }
  return t;
}

/** A tensor of `data` on the options' device; `requiresGrad` is checked before allocating. */
function fromData(
  data: TypedArray,
  dtype: DType,
  shape: Shape,
  options: CreationOptions,
  op: string,
): Tensor {
  const backend = backendFor(options.device, op);
  checkGrad(dtype, options, op);
  return finish(tensorFromArray(backend, dtype, shape, data, op), options, op);
}

function shapeOf(data: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return shape;
}

function flattenInto(
  data: NestedArray,
  shape: readonly number[],
  depth: number,
  out: number[],
  op: string,
): void {
  if (depth === shape.length) {
    if (Array.isArray(data))
      throw new ShapeError(
        op,
        `nested arrays have inconsistent depth (expected shape ${fmtShape(shape)})`,
      );
    out.push(typeof data === "boolean" ? (data ? 1 : 0) : data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new ShapeError(
      op,
      `expected a sequence of length ${shape[depth]} at dim ${depth} (shape ${fmtShape(shape)}); got ${Array.isArray(data) ? `length ${data.length}` : String(data)}`,
    );
  }
  for (const v of data) flattenInto(v, shape, depth + 1, out, op);
}

/**
 * The dtype of nested JS values: all booleans -> bool, else float32. JS has one number type
 * (`1.0 === 1`), so numbers make float32 as in TF.js and jax-js, not PyTorch's int64.
 */
function inferDtype(data: NestedArray): DType {
  let any = false;
  let sawNumber = false;
  const visit = (v: NestedArray): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    any = true;
    if (typeof v !== "boolean") sawNumber = true;
  };
  visit(data);
  return any && !sawNumber ? "bool" : "float32";
}

/** Checks every value that becomes int32 fits it (no wrap-around, no NaN). */
function checkInt32Values(dtype: DType, values: ArrayLike<number>, op: string): void {
  if (dtype !== "int32") return;
  for (let i = 0; i < values.length; i++) checkInt32(values[i]!, op);
}

/**
 * A tensor of `data` (`torch.tensor`): nested arrays, a number or a typed array (1-D unless
 * `shape` is given). Its dtype follows the data unless given: JS numbers make float32 (as in
 * TF.js and jax-js: `1.0 === 1` in JS), all booleans bool; a typed array keeps its kind
 * (Float32Array float32, Float64Array float64, integer typed arrays int32). Values outside int32
 * (or NaN) given `dtype: "int32"` are an error.
 * Shapes: from the nesting, e.g. `[[1, 2], [3, 4]]` -> `(2, 2)`; a number -> `()`.
 *
 * @example
 * torch.tensor([[1, 2], [3, 4]], { requiresGrad: true }); // float32
 * torch.tensor([0, 2, 1], { dtype: "int32" }); // class labels (PyTorch's long)
 * torch.tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
 */
export function tensor(
  data: NestedArray | TensorArray,
  options: CreationOptions & { shape?: readonly number[] } = {},
): Tensor {
  checkTensorData(data);
  const backend = backendFor(options.device, "tensor");
  if (ArrayBuffer.isView(data)) {
    const src = data;
    const dtype = normalizeDType(options.dtype, "tensor") ?? dtypeOfArray(src, "tensor");
    checkGrad(dtype, options, "tensor");
    const shape = options.shape ?? [src.length];
    checkShape(shape, "tensor");
    if (numel(shape) !== src.length)
      throw new ShapeError(
        "tensor",
        `shape ${fmtShape(shape)} needs ${numel(shape)} elements; the array has ${src.length}`,
      );
    if (!(src instanceof Int32Array)) checkInt32Values(dtype, src, "tensor");
    const arr = allocArray(dtype, src.length);
    if (dtype === "bool") for (let i = 0; i < src.length; i++) arr[i] = src[i] !== 0 ? 1 : 0;
    else arr.set(src);
    return finish(tensorFromArray(backend, dtype, shape, arr, "tensor"), options, "tensor");
  }
  const shape = shapeOf(data, "tensor");
  const flat: number[] = [];
  flattenInto(data, shape, 0, flat, "tensor");
  const dtype = normalizeDType(options.dtype, "tensor") ?? inferDtype(data);
  checkGrad(dtype, options, "tensor");
  checkInt32Values(dtype, flat, "tensor");
  if (options.shape) {
    checkShape(options.shape, "tensor");
    if (numel(options.shape) !== flat.length)
      throw new ShapeError(
        "tensor",
        `shape ${fmtShape(options.shape)} needs ${numel(options.shape)} elements; the data has ${flat.length}`,
      );
  }
  const arr = allocArray(dtype, flat.length);
  // NOTE: NaN is nonzero, hence true
  for (let i = 0; i < flat.length; i++)
    arr[i] = dtype === "bool" ? (flat[i] !== 0 ? 1 : 0) : flat[i]!;
  return finish(
    tensorFromArray(backend, dtype, options.shape ?? shape, arr, "tensor"),
    options,
    "tensor",
  );
}

/** `torch.tensor`'s data is a number, a boolean, a (nested) array or a typed array. */
function checkTensorData(data: unknown): void {
  const t = typeof data;
  if (t === "number" || t === "boolean" || Array.isArray(data) || ArrayBuffer.isView(data)) return;
  throw new TensorError(
    "tensor",
    `data must be a number, a boolean, a nested array or a typed array; got ${describeValue(data)}`,
  );
}

/**
 * PyTorch's optional positional numbers before a trailing options object, where JS has no
 * keywords: `eye(3, { dtype })` is `eye(3, undefined, { dtype })`, `arange(5, opts)` is
 * `arange(5, undefined, undefined, opts)`.
 */
function positional(
  args: readonly (number | CreationOptions | undefined)[],
  options: CreationOptions,
): [(number | undefined)[], CreationOptions] {
  const i = args.findIndex((a) => typeof a === "object");
  if (i < 0) return [args as (number | undefined)[], options];
  return [args.slice(0, i) as number[], args[i] as CreationOptions];
}

function sizeArgs(
  args: readonly (number | readonly number[] | CreationOptions | undefined)[],
  op: string,
): {
  shape: number[];
  options: CreationOptions;
} {
  const last = args[args.length - 1];
  const hasOptions = typeof last === "object" && last !== null && !Array.isArray(last);
  const options = (hasOptions ? last : {}) as CreationOptions;
  const dims = (hasOptions ? args.slice(0, -1) : args) as (number | readonly number[])[];
  const shape =
    dims.length === 1 && typeof dims[0] !== "number" ? [...dims[0]!] : (dims as number[]);
  checkShape(shape, op);
  return { shape, options };
}

/** A fill value is a number or a boolean (PyTorch's scalar). */
function checkFillValue(op: string, value: unknown): void {
  if (typeof value !== "number" && typeof value !== "boolean")
    throw new ValueError(
      op,
      `fill value must be a number or a boolean; got ${describeValue(value)}`,
    );
}

/**
 * A tensor of `shape` filled with `value` (`torch.full`); float32 by default, bool for a
 * boolean value.
 *
 * @example
 * torch.full([2, 2], 7); // [[7, 7], [7, 7]]
 */
export function full(
  shape: readonly number[],
  value: number | boolean,
  options: CreationOptions = {},
): Tensor {
  checkShape(shape, "full");
  checkFillValue("full", value);
  const backend = backendFor(options.device, "full");
  const dtype =
    normalizeDType(options.dtype, "full") ?? (typeof value === "boolean" ? "bool" : "float32");
  checkGrad(dtype, options, "full");
  if (dtype === "int32") checkInt32(+value, "full");
  const t = emptyTensor(backend, dtype, shape, "full");
  runKernel(backend, "fill", { value: +value, out: t });
  return finish(t, options, "full");
}

type SizeArgs = (number | readonly number[] | CreationOptions | undefined)[];

/**
 * Zeros of the given shape (`torch.zeros`): `zeros(2, 3)`, `zeros([2, 3])` or
 * `zeros([2, 3], { dtype })`; float32 by default.
 *
 * @example
 * torch.zeros([2, 3], { dtype: "int32" });
 */
export function zeros(...args: SizeArgs): Tensor {
  const { shape, options } = sizeArgs(args, "zeros");
  return full(shape, 0, options);
}
/**
 * Ones of the given shape (`torch.ones`), sizes as for `zeros`.
 *
 * @example
 * torch.ones(3); // [1, 1, 1]
 */
export function ones(...args: SizeArgs): Tensor {
  const { shape, options } = sizeArgs(args, "ones");
  return full(shape, 1, options);
}
/**
 * A tensor of the given shape (`torch.empty`). Uninitialised in PyTorch; zeros here (storage is
 * zeroed on the CPU anyway).
 */
export function empty(...args: SizeArgs): Tensor {
  const { shape, options } = sizeArgs(args, "empty");
  return full(shape, 0, options);
}

/** `make` with t's shape, and t's dtype and device unless `options` say otherwise. */
function like(
  op: string,
  t: Tensor,
  options: CreationOptions,
  make: (shape: readonly number[], options: CreationOptions) => Tensor,
): Tensor {
  backendOf(op, t);
  return make(t.shape, {
    dtype: options.dtype ?? t.dtype,
    device: options.device ?? t.device,
    requiresGrad: options.requiresGrad ?? false,
  });
}
/** Zeros with t's shape, dtype and device unless given (`torch.zeros_like`). */
export const zerosLike = (t: Tensor, options: CreationOptions = {}) =>
  like("zerosLike", t, options, (shape, o) => full(shape, 0, o));
/** Ones with t's shape, dtype and device unless given (`torch.ones_like`). */
export const onesLike = (t: Tensor, options: CreationOptions = {}) =>
  like("onesLike", t, options, (shape, o) => full(shape, 1, o));
/** A tensor with t's shape, dtype and device unless given (`torch.empty_like`); zeros here. */
export const emptyLike = (t: Tensor, options: CreationOptions = {}) =>
  like("emptyLike", t, options, (shape, o) => full(shape, 0, o));
/** `value` everywhere, with t's shape, dtype and device unless given (`torch.full_like`). */
export const fullLike = (t: Tensor, value: number, options: CreationOptions = {}) => {
  checkFillValue("fullLike", value);
  return like("fullLike", t, options, (shape, o) => full(shape, value, o));
};
/** Uniform [0, 1) values with t's shape, dtype and device unless given (`torch.rand_like`). */
export const randLike = (t: Tensor, options: CreationOptions = {}) =>
  like("randLike", t, options, (shape, o) => rand(shape, o));
/** Standard normal values with t's shape, dtype and device unless given (`torch.randn_like`). */
export const randnLike = (t: Tensor, options: CreationOptions = {}) =>
  like("randnLike", t, options, (shape, o) => randn(shape, o));

/**
 * Values from `start` up to `end` (exclusive) by `step` (`torch.arange`): `arange(5)`,
 * `arange(1, 5)`, `arange(0, 1, 0.25)`. Integer arguments give int32 (PyTorch's int64), else
 * float32. Shapes: `(ceil((end - start) / step))`.
 *
 * @example
 * torch.arange(1, 4); // [1, 2, 3]
 */
export function arange(
  start: number,
  end?: number | CreationOptions,
  step?: number | CreationOptions,
  options: CreationOptions = {},
): Tensor {
  const [[, b, c], opts] = positional([start, end, step], options);
  const [lo, hi] = b === undefined ? [0, start] : [start, b];
  const st = c ?? 1;
  if (![lo, hi, st].every((v) => typeof v === "number" && !Number.isNaN(v)))
    throw new ValueError(
      "arange",
      `start, end and step must be numbers; got start ${lo}, end ${hi}, step ${st}`,
    );
  if (st === 0 || !Number.isFinite(st))
    throw new ValueError("arange", `step must be non-zero and finite; got ${st}`);
  if ((hi - lo) / st < 0)
    throw new ValueError(
      "arange",
      `upper bound and step sign are inconsistent: start ${lo}, end ${hi}, step ${st}`,
    );
  const n = Math.max(0, Math.ceil((hi - lo) / st));
  checkShape([n], "arange");
  const dtype =
    normalizeDType(opts.dtype, "arange") ??
    ([lo, hi, st].every(Number.isInteger) ? "int32" : "float32");
  if (dtype === "int32" && n > 0) {
    checkInt32(lo, "arange");
    checkInt32(lo + (n - 1) * st, "arange");
  }
  const data = allocArray(dtype, n);
  for (let i = 0; i < n; i++) data[i] = lo + i * st;
  return fromData(data, dtype, [n], opts, "arange");
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included (`torch.linspace`); the
 * last value is exactly `end`, as PyTorch's. Shapes: `(steps)`.
 *
 * @example
 * torch.linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(
  start: number,
  end: number,
  steps: number,
  options: CreationOptions = {},
): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ValueError(
      "linspace",
      `number of steps must be a non-negative integer; got ${steps}`,
    );
  const dtype = normalizeDType(options.dtype, "linspace") ?? "float32";
  const data = allocArray(dtype, steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // NOTE: PyTorch fills the second half backwards from `end`, so the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++)
    data[i] = i < half || steps === 1 ? start + step * i : end - step * (steps - 1 - i);
  return fromData(data, dtype, [steps], options, "linspace");
}

/**
 * The n x m identity matrix (`torch.eye`); m defaults to n. Shapes: `(n, m)`.
 *
 * @example
 * torch.eye(2); // [[1, 0], [0, 1]]
 */
export function eye(
  n: number,
  m?: number | CreationOptions,
  options: CreationOptions = {},
): Tensor {
  const [[, m2], opts] = positional([n, m], options);
  const cols = m2 ?? n;
  checkShape([n, cols], "eye");
  const dtype = normalizeDType(opts.dtype, "eye") ?? "float32";
  const data = allocArray(dtype, n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) data[i * cols + i] = 1;
  return fromData(data, dtype, [n, cols], opts, "eye");
}

function randomTensor(
  dist: "uniform" | "normal",
  shape: Shape,
  options: CreationOptions,
  op: string,
): Tensor {
  checkShape(shape, op);
  const dtype = normalizeDType(options.dtype, op) ?? "float32";
  if (!isFloat(dtype)) throw new DTypeError(op, `expected a floating-point dtype; got ${dtype}`);
  const backend = backendFor(options.device, op);
  const t = emptyTensor(backend, dtype, shape, op);
  runKernel(backend, "random", { dist, ...takeCounters(numel(shape)), out: t });
  return t;
}

/**
 * Uniform values in [0, 1) from the global generator (`torch.rand`); sizes as for `zeros`.
 * The same numbers on every device for one `manualSeed`.
 *
 * @example
 * torch.manualSeed(0);
 * torch.rand(2, 3);
 */
export function rand(...args: SizeArgs): Tensor {
  const { shape, options } = sizeArgs(args, "rand");
  return finish(randomTensor("uniform", shape, options, "rand"), options, "rand");
}

/**
 * Standard normal values from the global generator (`torch.randn`); sizes as for `zeros`.
 *
 * @example
 * torch.randn([64, 10], { requiresGrad: true });
 */
export function randn(...args: SizeArgs): Tensor {
  const { shape, options } = sizeArgs(args, "randn");
  return finish(randomTensor("normal", shape, options, "randn"), options, "randn");
}

/**
 * Integers uniform in [low, high) (`torch.randint`), as int32 unless a dtype is given:
 * `randint(10, [3])` (low 0) or `randint(2, 10, [3])`.
 */
export function randint(
  low: number,
  high: number | readonly number[],
  shape?: readonly number[] | CreationOptions,
  options: CreationOptions = {},
): Tensor {
  let lo = low;
  let hi: number;
  let sh: readonly number[];
  if (typeof high !== "number") {
    [lo, hi, sh] = [0, low, high];
    if (shape && !Array.isArray(shape)) options = shape as CreationOptions;
  } else {
    hi = high;
    sh = (shape as readonly number[] | undefined) ?? [];
  }
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo)
    throw new ValueError("randint", `expected integers low < high; got low ${lo}, high ${hi}`);
  const dtype = normalizeDType(options.dtype, "randint") ?? "int32";
  if (dtype === "int32") {
    checkInt32(lo, "randint");
    checkInt32(hi - 1, "randint");
  }
  const u = randomTensor("uniform", sh, { device: options.device }, "randint");
  const scaled = mul(u, hi - lo);
  const f = floor(scaled);
  const shifted = add(f, lo);
  const out = cast(shifted, dtype);
  for (const t of [u, scaled, f, shifted]) t.dispose();
  return out;
}

/**
 * A random permutation of 0..n-1 (`torch.randperm`), int32 unless a dtype is given, from the
 * global generator. Shapes: `(n)`.
 *
 * @example
 * torch.randperm(4); // e.g. [2, 0, 3, 1]
 */
export function randperm(n: number, options: CreationOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new ValueError("randperm", `n must be a non-negative integer; got ${n}`);
  const perm = permutation(n);
  const dtype = normalizeDType(options.dtype, "randperm") ?? "int32";
  const data = allocArray(dtype, n);
  data.set(perm);
  return tensorFromArray(backendFor(options.device, "randperm"), dtype, [n], data, "randperm");
}
