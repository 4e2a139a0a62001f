import { allocArray, type DType, type TypedArray } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";

/**
 * The safetensors dtypes: the names the format defines, their sizes, which of them webtorch reads
 * and writes as which of its dtypes, and decoding one tensor's little-endian bytes.
 */

/** Every dtype name the safetensors format defines. */
export type StDType =
  | "BOOL"
  | "F4"
  | "F6_E2M3"
  | "F6_E3M2"
  | "U8"
  | "I8"
  | "F8_E5M2"
  | "F8_E4M3"
  | "F8_E8M0"
  | "I16"
  | "U16"
  | "F16"
  | "BF16"
  | "I32"
  | "U32"
  | "F32"
  | "C64"
  | "F64"
  | "I64"
  | "U64";

/** Element size in bits of every safetensors dtype (F4/F6 are packed below a byte). */
export const ST_BITS: Record<StDType, number> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

/** The file dtypes webtorch reads. */
export type ReadDType = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "BOOL";

/** What each file dtype that webtorch reads becomes (I64 and F16/BF16 are converted). */
export const READ_AS: Record<ReadDType, DType> = {
  F64: "float64",
  F32: "float32",
  F16: "float32",
  BF16: "float32",
  I64: "int32",
  I32: "int32",
  BOOL: "bool",
};

export const WRITE_AS: Record<DType, StDType> = {
  float64: "F64",
  float32: "F32",
  int32: "I32",
  bool: "BOOL",
};

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A copy of `bytes` in a fresh, aligned buffer of its own. */
function copyOut(bytes: Uint8Array): ArrayBuffer {
  // NOTE: not bytes.slice(): on a Node Buffer, slice is a view of the same (pooled) memory.
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out.buffer;
}

/**
 * The elements of one tensor, as the typed array of the dtype it becomes. Throws (creating
 * nothing) if an I64 value does not fit in int32.
 */
export function decode(name: string, dtype: ReadDType, raw: Uint8Array, op: string): TypedArray {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = raw.byteLength / (ST_BITS[dtype] / 8);
  switch (dtype) {
    case "F32":
      if (LITTLE_ENDIAN) return new Float32Array(copyOut(raw));
      return Float32Array.from({ length: count }, (_, i) => dv.getFloat32(i * 4, true));
    case "F64":
      if (LITTLE_ENDIAN) return new Float64Array(copyOut(raw));
      return Float64Array.from({ length: count }, (_, i) => dv.getFloat64(i * 8, true));
    case "I32":
      if (LITTLE_ENDIAN) return new Int32Array(copyOut(raw));
      return Int32Array.from({ length: count }, (_, i) => dv.getInt32(i * 4, true));
    case "BOOL": {
      const out = allocArray("bool", count);
      for (let i = 0; i < count; i++) out[i] = raw[i] ? 1 : 0;
      return out;
    }
    case "I64": {
      const out = allocArray("int32", count);
      for (let i = 0; i < count; i++) {
        const lo = dv.getInt32(i * 8, true);
        const hi = dv.getInt32(i * 8 + 4, true);
        // In int32 range exactly when the high word is the sign extension of the low word.
        if (hi !== lo >> 31) {
          throw new ValueError(
            op,
            `tensor "${name}": I64 value ${dv.getBigInt64(i * 8, true)} (element ${i}) is out of int32 range; webtorch's integer dtype is int32`,
          );
        }
        out[i] = lo;
      }
      return out;
    }
    case "F16": {
      const out = allocArray("float32", count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
      return out;
    }
    case "BF16": {
      // bfloat16 is the upper half of a float32: widen the bits.
      const out = allocArray("float32", count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = dv.getUint16(i * 2, true) << 16;
      return out;
    }
  }
  return dtype satisfies never;
}

export function isReadable(d: StDType): d is ReadDType {
  return Object.hasOwn(READ_AS, d);
}

/** IEEE 754 binary16 bits -> number (exact: every half is a float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
