import type { TypedArray } from "../../core/dtype.js";
import type { View } from "../../core/layout.js";

/**
 * Strided-iteration helpers of the CPU kernels. A view's element at index (i0, i1, ...) lives at
 * `offset + i0 * strides[0] + i1 * strides[1] + ...` of its storage.
 */

/**
 * Merges adjacent dimensions that every operand walks contiguously (stride[d] == stride[d+1] *
 * shape[d+1]) and drops size-1 dimensions, so that a contiguous tensor becomes one flat loop.
 */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
    } else {
      outShape.push(size);
      for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** The storage offset of every element of a strided view, in row-major order of `shape`. */
export function elementOffsets(
  shape: readonly number[],
  strides: readonly number[],
  base: number,
): Int32Array {
  const {
    shape: cs,
    strides: [st],
  } = coalesce(shape, [strides]);
  let n = 1;
  for (const d of cs) n *= d;
  const out = new Int32Array(n);
  const nd = cs.length;
  if (nd === 0) {
    if (n === 1) out[0] = base;
    return out;
  }
  const inner = cs[nd - 1]!;
  const innerStride = st![nd - 1]!;
  const idx = new Int32Array(nd);
  let p = base;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = p + j * innerStride;
    for (let d = nd - 2; d >= 0; d--) {
      p += st![d]!;
      if (++idx[d]! < cs[d]!) break;
      idx[d] = 0;
      p -= st![d]! * cs[d]!;
    }
  }
  return out;
}

/**
 * The elements of a contiguous view as their own typed array (a subarray: no copy), for kernels
 * that index from 0: a view with an offset (e.g. `x.narrow(0, 1, 2)`) must start there.
 *
 * @example
 * const x = contiguousElements<Float32Array>(view); // x[0] is the view's first element
 */
export function contiguousElements<T extends TypedArray>(v: View): T {
  let n = 1;
  for (const d of v.shape) n *= d;
  return (v.storage.data as T).subarray(v.offset, v.offset + n) as T;
}
