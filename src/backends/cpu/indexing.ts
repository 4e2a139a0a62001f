import { ValueError } from "../../core/errors.js";
import { isContiguous, type View } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { elementOffsets } from "./strided.js";
import { elementwise } from "./elementwise.js";

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
    if (k < 0 || k >= size)
      throw new ValueError(
        op,
        `index ${k} is out of bounds for dimension ${dim} with size ${size}`,
      );
    out[i] = base[i]! + k * stride;
  }
  return out;
}

export function gatherKernel({ x, index, dim, out }: KernelArgs["gather"]): void {
  const src = x.storage.data as Arr;
  const dst = out.storage.data as Arr;
  const offs = indexedOffsets("gather", x, index, dim);
  for (let i = 0; i < offs.length; i++) dst[out.offset + i] = src[offs[i]!]!;
}

export function scatterKernel({ x, index, src, dim, reduce, out }: KernelArgs["scatter"]): void {
  copyView(out, x);
  const dst = out.storage.data as Arr;
  const s = src.storage.data as Arr;
  const offs = indexedOffsets(reduce === "add" ? "scatterAdd" : "scatter", out, index, dim);
  // src may be larger than index: the element of src at index's coordinates is used.
  const srcOffs = elementOffsets(index.shape, src.strides.slice(0, index.shape.length), src.offset);
  if (reduce === "add" && out.dtype === "bool") {
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
    dst.fill(v, out.offset, out.offset + numel(out.shape));
    return;
  }
  const offs = elementOffsets(out.shape, out.strides, out.offset);
  for (let i = 0; i < offs.length; i++) dst[offs[i]!] = v;
}
