import { DTypeError } from "./errors.js";

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

/** The dtype a typed array stores, for `tensor(typedArray)`. */
export function dtypeOfArray(a: ArrayLike<number>, op: string): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint8Array) return "bool";
  throw new DTypeError(
    op,
    `unsupported typed array ${a.constructor.name}; use Float32Array, Float64Array, Int32Array or Uint8Array`,
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
