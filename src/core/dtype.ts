import { DTypeError, ValueError } from "./errors.js";

/** The element types. `float64` exists on the CPU only (gradcheck and references). */
export type DType = "float32" | "float64" | "int32" | "bool";

export type FloatDType = "float32" | "float64";

/** The typed array that holds each dtype's elements (bool is one byte, 0 or 1). */
export interface DTypeArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}
/** The typed array that holds a dtype's values: Float32Array, Float64Array, Int32Array, Uint8Array (bool). */
export type TypedArray = DTypeArrays[DType];

/** The typed arrays `tensor()` takes: the dtypes' own, and every integer typed array (int32). */
export type TensorArray =
  TypedArray | Int8Array | Int16Array | Uint16Array | Uint32Array | Uint8ClampedArray;

export const DTYPES: readonly DType[] = ["bool", "int32", "float32", "float64"];

const BYTES: Record<DType, number> = { bool: 1, int32: 4, float32: 4, float64: 8 };

export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === "float32" || dtype === "float64";
}

/** Allocates a zeroed typed array for `n` elements of `dtype`. */
export function allocArray<D extends DType>(dtype: D, n: number): DTypeArrays[D] {
  switch (dtype) {
    case "float32":
      return new Float32Array(n) as DTypeArrays[D];
    case "float64":
      return new Float64Array(n) as DTypeArrays[D];
    case "int32":
      return new Int32Array(n) as DTypeArrays[D];
    case "bool":
      return new Uint8Array(n) as DTypeArrays[D];
  }
  throw new Error(`internal: unknown dtype ${String(dtype)}`);
}

/**
 * The dtype a typed array gives `tensor(typedArray)`: Float32Array float32, Float64Array float64,
 * every integer typed array (Int8/16/32, Uint8/16/32, Uint8Clamped) int32 holding its values (a
 * Uint8Array is not bool).
 */
export function dtypeOfArray(a: ArrayLike<number>, op: string): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (
    a instanceof Int32Array ||
    a instanceof Int16Array ||
    a instanceof Int8Array ||
    a instanceof Uint32Array ||
    a instanceof Uint16Array ||
    a instanceof Uint8Array ||
    a instanceof Uint8ClampedArray
  )
    return "int32";
  throw new DTypeError(
    op,
    `unsupported typed array ${a.constructor.name}; use Float32Array, Float64Array or an integer typed array (Int8/16/32, Uint8/16/32, Uint8Clamped)`,
  );
}

/**
 * The dtype names accepted wherever a `dtype` option is: webtorch's own, and the names PyTorch
 * users type. `"int64"`/`"long"` mean int32 (64-bit integers are stored as int32; a value outside
 * int32 is an error, never a wrap-around).
 */
export type DTypeName = DType | "float" | "double" | "int" | "int64" | "long";

const DTYPE_NAMES: Readonly<Record<DTypeName, DType>> = {
  float32: "float32",
  float: "float32",
  float64: "float64",
  double: "float64",
  int32: "int32",
  int: "int32",
  int64: "int32",
  long: "int32",
  bool: "bool",
};

/** The supported names, for error messages. */
export const SUPPORTED_DTYPES =
  'float32 ("float"), float64 ("double"), int32 ("int", "int64", "long": 64-bit integers are stored as int32), bool';

/**
 * The dtype a name means (`"long"` -> int32, `"double"` -> float64, ...); a name webtorch does
 * not support (`"float16"`, `"bfloat16"`, `"uint8"`, `"complex64"`, ...) is a DTypeError listing
 * what is supported. `undefined` stays undefined (the op's default).
 */
export function normalizeDType(name: DTypeName, op: string): DType;
export function normalizeDType(name: DTypeName | undefined, op: string): DType | undefined;
export function normalizeDType(name: DTypeName | undefined, op: string): DType | undefined {
  if (name === undefined) return undefined;
  const key = typeof name === "string" ? name.replace(/^torch\./, "") : name;
  const d = Object.hasOwn(DTYPE_NAMES, key) ? DTYPE_NAMES[key as DTypeName] : undefined;
  if (d === undefined)
    throw new DTypeError(
      op,
      `unsupported dtype ${typeof name === "string" ? `"${name}"` : String(name)}; supported: ${SUPPORTED_DTYPES}`,
    );
  return d;
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/**
 * Checks that a number fits int32 exactly when it becomes one (creation or cast): NaN, ±Inf and
 * values outside [-2^31, 2^31 - 1] are a ValueError naming the op and the value, never a
 * wrap-around. Fractions truncate, as PyTorch's casts do.
 */
export function checkInt32(v: number, op: string): void {
  if (!(v >= INT32_MIN && v < INT32_MAX + 1)) throw int32RangeError(v, op);
}

/** The error for a value that does not fit int32 (NaN included). */
export function int32RangeError(v: number, op: string): ValueError {
  return new ValueError(
    op,
    `value ${v} does not fit int32 (64-bit integers are stored as int32; range [${INT32_MIN}, ${INT32_MAX}])`,
  );
}

/**
 * The error for a float (or bool) tensor where PyTorch takes class indices (its long tensors):
 * says what to write instead.
 */
export function indexDTypeError(op: string, what: string, got: DType): DTypeError {
  return new DTypeError(
    op,
    `${what} must be int32 (PyTorch's long); got ${got}. Write torch.tensor([0, 2, 1], { dtype: "int32" }) or convert with t.long()`,
  );
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * The result dtype of an op on two tensors, as PyTorch's `torch.result_type` for our dtypes:
 *
 *     bool  <  int32  <  float32  <  float64
 *
 * The larger of the two wins. (JS numbers are weak scalars: see {@link scalarResultType}.)
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The result dtype of `tensor <op> number`. A number does not widen a tensor of its own category:
 * `float64 + 1.5` stays float64, `int32 + 2` stays int32; it only lifts the category, as PyTorch
 * does: `int32 + 1.5` is float32 (the default float), `bool + 2` is int32.
 */
export function scalarResultType(t: DType, x: number | boolean): DType {
  if (typeof x === "boolean") return t;
  if (!Number.isInteger(x)) return isFloat(t) ? t : "float32";
  return t === "bool" ? "int32" : t;
}

/** Whether a `to` target names a dtype (a supported name or not: `"float16"` is refused by name). */
export function isDTypeName(target: string): target is DTypeName {
  return /^(torch\.)?(float|double|int|long|bool|half|bfloat|uint|complex|short|char|byte|cfloat|cdouble)/.test(
    target,
  );
}
