import { ValueError } from "../../core/errors.js";
import { isContiguous, type View } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { elementOffsets } from "./strided.js";
import { elementwise } from "./elementwise.js";
import { zeroHeapRange } from "./fast.js";

type Arr = { [i: number]: number; length: number };

const copy = (x: number) => x;

/** Copies the strided view `src` into the strided view `dst` of the same shape. */
export function copyView(dst: View, src: View): void {
  const to = dst.storage.data as Float32Array;
  const from = src.storage.data as Float32Array;
  // one block copy when both are dense and of one storage type (cat's pieces along dim 0)
  if (
    to.constructor === from.constructor &&
    isContiguous(dst.shape, dst.strides) &&
    isContiguous(src.shape, src.strides)
  ) {
    const n = numel(src.shape);
    to.set(from.subarray(src.offset, src.offset + n), dst.offset);
    return;
  }
  elementwise("copy", copy, dst, [src]);
}

/**
 * For every element of `index` (in row-major order): the offset into `target` of the element it
 * addresses, i.e. `index`'s own coordinates with coordinate `dim` replaced by the index value.
 * Checks every index value against `target.shape[dim]`.
 */
function indexedOffsets(op: string, target: View, index: View, dim: number): Int32Array {
  const idx = index.storage.data as Arr;
  const idxOffsets = elementOffsets(index.shape, index.strides, index.offset);
  // Offsets into target of index's coordinates with coordinate `dim` set to 0.
  const zeroDim = index.strides.map((_, d) => (d === dim ? 0 : target.strides[d]!));
  const base = elementOffsets(index.shape, zeroDim, target.offset);
  const size = target.shape[dim]!;
  const stride = target.strides[dim]!;
  const out = new Int32Array(idxOffsets.length);
  for (let i = 0; i < out.length; i++) {
    const k = idx[idxOffsets[i]!]!;
    // NOTE: as PyTorch's gather/scatter, negative indices are errors (not counted from the end)
    if (k < 0 || k >= size) throw outOfBounds(op, k, dim, size);
    out[i] = base[i]! + k * stride;
  }
  return out;
}

/**
 * The common layout of gather and scatter, as `[before, k, after]` around `dim`, when `index`,
 * `values` (gather's output or scatter's source) and `target` are contiguous, `values` has
 * `index`'s shape, and `target` differs from it only along `dim` (its size there is `size`).
 * Then the offsets need no tables: index element `(a, i, b)` addresses target element
 * `(a, index[a, i, b], b)`. The training-time cases (max-pool gradients, embedding and loss
 * gradients, `gather` in losses) all have it. Null otherwise.
 */
function denseLayout(target: View, index: View, values: View, dim: number): DenseLayout | null {
  const rank = index.shape.length;
  if (target.shape.length !== rank || values.shape.length !== rank) return null;
  for (let d = 0; d < rank; d++) {
    if (values.shape[d] !== index.shape[d]) return null;
    if (d !== dim && target.shape[d] !== index.shape[d]) return null;
  }
  for (const v of [target, index, values]) if (!isContiguous(v.shape, v.strides)) return null;
  let before = 1;
  let after = 1;
  for (let d = 0; d < dim; d++) before *= index.shape[d]!;
  for (let d = dim + 1; d < rank; d++) after *= index.shape[d]!;
  return { before, k: index.shape[dim]!, after, size: target.shape[dim]! };
}

function outOfBounds(op: string, k: number, dim: number, size: number): ValueError {
  return new ValueError(op, `index ${k} is out of bounds for dimension ${dim} with size ${size}`);
}

type DenseLayout = { before: number; k: number; after: number; size: number };

/**
 * gather, scatter or scatter-add over a {@link denseLayout}, index values checked: element i of
 * `index` and of `values` (gather's output, scatter's source) addresses target element
 * `(a, index[i], b)`. One loop, no offset tables: allocating two index-sized tables cost more
 * than the scatter-add of a max-pool gradient itself.
 */
function denseIndexed(
  mode: "gather" | "scatter" | "scatterAdd",
  layout: DenseLayout,
  target: View,
  index: View,
  values: View,
  dim: number,
): void {
  const { before, k, after, size } = layout;
  const idx = index.storage.data as Arr;
  const t = target.storage.data as Arr;
  const v = values.storage.data as Arr;
  const io = index.offset;
  const vo = values.offset;
  let i = 0;
  for (let a = 0; a < before; a++) {
    const plane = target.offset + a * size * after;
    for (let j = 0; j < k; j++) {
      for (let b = 0; b < after; b++, i++) {
        const at = idx[io + i]!;
        if (!(at >= 0 && at < size)) throw outOfBounds(mode, at, dim, size);
        const p = plane + at * after + b;
        if (mode === "gather") v[vo + i] = t[p]!;
        else if (mode === "scatterAdd") t[p] += v[vo + i]!;
        else t[p] = v[vo + i]!;
      }
    }
  }
}

export function gatherKernel({ x, index, dim, out }: KernelArgs["gather"]): void {
  const src = x.storage.data as Arr;
  const dst = out.storage.data as Arr;
  const dense = denseLayout(x, index, out, dim);
  if (dense) return denseIndexed("gather", dense, x, index, out, dim);
  const offs = indexedOffsets("gather", x, index, dim);
  for (let i = 0; i < offs.length; i++) dst[out.offset + i] = src[offs[i]!]!;
}

export function scatterKernel({ x, index, src, dim, reduce, out }: KernelArgs["scatter"]): void {
  copyView(out, x);
  const dst = out.storage.data as Arr;
  const s = src.storage.data as Arr;
  const op = reduce === "add" ? "scatterAdd" : "scatter";
  const isBool = out.dtype === "bool";
  const dense = isBool ? null : denseLayout(out, index, src, dim);
  if (dense) return denseIndexed(op, dense, out, index, src, dim);
  const offs = indexedOffsets(op, out, index, dim);
  // src may be larger than index: the element of src at index's coordinates is used.
  const srcOffs = elementOffsets(index.shape, src.strides.slice(0, index.shape.length), src.offset);
  if (reduce === "add" && isBool) {
    // adding booleans is a logical or, as PyTorch (a store of 2 would not be a bool)
    for (let i = 0; i < offs.length; i++) dst[offs[i]!] = dst[offs[i]!] || s[srcOffs[i]!] ? 1 : 0;
  } else if (reduce === "add")
    for (let i = 0; i < offs.length; i++) dst[offs[i]!] += s[srcOffs[i]!]!;
  else for (let i = 0; i < offs.length; i++) dst[offs[i]!] = s[srcOffs[i]!]!;
}

export function catKernel({ xs, dim, out }: KernelArgs["cat"]): void {
  let start = 0;
  for (const x of xs) {
    const size = x.shape[dim]!;
    if (size > 0) {
      const region: View = {
        ...out,
        shape: x.shape,
        offset: out.offset + start * out.strides[dim]!,
      };
      copyView(region, x);
    }
    start += size;
  }
}

export function fillKernel({ value, out }: KernelArgs["fill"]): void {
  const dst = out.storage.data as Float32Array;
  const v = out.dtype === "bool" ? (value ? 1 : 0) : value;
  if (isContiguous(out.shape, out.strides)) {
    const end = out.offset + numel(out.shape);
    // NOTE: zeros on the wasm heap by memory.fill (TypedArray.fill is slow on shared memory)
    if (v !== 0 || Object.is(v, -0) || !zeroHeapRange(dst, out.offset, end))
      dst.fill(v, out.offset, end);
    return;
  }
  const offs = elementOffsets(out.shape, out.strides, out.offset);
  for (let i = 0; i < offs.length; i++) dst[offs[i]!] = v;
}
