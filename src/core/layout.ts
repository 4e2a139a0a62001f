// NOTE: a type-only import, erased at runtime: a storage knows which backend owns it, but core/
// never loads backend code.
import type { Backend } from "../backends/backend.js";
import type { DType } from "./dtype.js";
import type { Shape } from "./shape.js";

/**
 * Where tensor elements live and how a tensor walks them: the `Storage` buffer, the strided `View`
 * onto it, and the stride helpers every layer shares. A view's element at index (i0, i1, ...) is
 * element `offset + i0 * strides[0] + i1 * strides[1] + ...` of its storage.
 */

/**
 * A flat buffer of `size` elements of one dtype on one backend. Tensors are views into storage;
 * several tensors (views) may share one storage, which is freed when the last of them is disposed.
 */
export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  /** Elements, not bytes. */
  readonly size: number;
  /** The backend's handle: a typed array on the CPU, a GPU buffer on WebGPU. */
  readonly data: unknown;
  /** How many live tensor handles point at this storage. */
  refs: number;
  /** Bumped by every in-place write; autograd compares it to detect a modified saved tensor. */
  version: number;
  freed: boolean;
}

/** What a kernel sees of a tensor: its storage and the strided window onto it. */
export interface View {
  readonly storage: Storage;
  readonly dtype: DType;
  readonly shape: Shape;
  /** In elements; may be 0 (broadcast) or negative (flip). */
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * Row-major (C-contiguous) strides of `shape`, in elements.
 *
 * @example contiguousStrides([2, 3, 4]) // [12, 4, 1]
 */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * Whether `strides` walk `shape` in row-major order with no gaps, i.e. whether the elements are
 * one dense block from the view's offset. Size-1 dims may have any stride (they are never
 * stepped), as in PyTorch's `is_contiguous`. The offset does not matter.
 *
 * @example isContiguous([2, 3], [3, 1]) // true
 * @example isContiguous([2, 3], [1, 2]) // false (a transpose)
 */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== s) return false;
    s *= shape[d]!;
  }
  return true;
}
