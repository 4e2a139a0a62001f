import { contiguousStrides } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import { coalesce, elementOffsets } from "./strided.js";

type Arr = { [i: number]: number; length: number };

/** Offsets of the reduced block (relative to an output element's base), and of each base. */
function splitOffsets(
  op: KernelArgs["reduce"]["op"],
  x: KernelArgs["reduce"]["x"],
  axes: readonly number[],
) {
  const kept: number[] = [];
  for (let d = 0; d < x.shape.length; d++) if (!axes.includes(d)) kept.push(d);
  const outer = elementOffsets(
    kept.map((d) => x.shape[d]!),
    kept.map((d) => x.strides[d]!),
    x.offset,
  );
  const rShape = axes.map((d) => x.shape[d]!);
  const rStrides = axes.map((d) => x.strides[d]!);
  const c = coalesce(rShape, [rStrides]);
  let n = 1;
  for (const d of rShape) n *= d;
  // One strided run covers the block when it coalesces to a single dimension.
  const single =
    c.shape.length <= 1 ? { n, stride: c.shape.length === 0 ? 0 : c.strides[0]![0]! } : null;
  // A sum over two strided runs (a bias gradient's over N and H*W of NCHW): nested loops, no table.
  const double =
    op === "sum" && c.shape.length === 2
      ? {
          rows: c.shape[0]!,
          rowStride: c.strides[0]![0]!,
          n: c.shape[1]!,
          stride: c.strides[0]![1]!,
        }
      : null;
  const inner = single || double ? null : elementOffsets(rShape, rStrides, 0);
  return { outer, n, single, double, inner };
}

/** Reduces `axes` of x into the contiguous out. Sums accumulate in doubles. */
export function reduceKernel({ op, x, axes, out }: KernelArgs["reduce"]): void {
  const src = x.storage.data as Arr;
  const dst = out.storage.data as Arr;
  const { outer, n, single, double, inner } = splitOffsets(op, x, axes);
  const base0 = out.offset;
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o]!;
    let acc: number;
    let arg = 0;
    const at = single
      ? (j: number) => src[base + j * single.stride]!
      : (j: number) => src[base + inner![j]!]!;
    switch (op) {
      case "sum":
        acc = 0;
        if (single) for (let j = 0, p = base; j < n; j++, p += single.stride) acc += src[p]!;
        else if (double) acc = sumRows(src, base, double);
        else for (let j = 0; j < n; j++) acc += src[base + inner![j]!]!;
        break;
      case "prod":
        acc = 1;
        for (let j = 0; j < n; j++) acc *= at(j);
        break;
      case "max":
      case "argmax":
        acc = -Infinity;
        for (let j = 0; j < n; j++) {
          const v = at(j);
          // NOTE: NaN wins, as in PyTorch: max propagates it and argmax points at it.
          if (v > acc || (v !== v && acc === acc)) {
            acc = v;
            arg = j;
          }
        }
        break;
      case "min":
      case "argmin":
        acc = Infinity;
        for (let j = 0; j < n; j++) {
          const v = at(j);
          if (v < acc || (v !== v && acc === acc)) {
            acc = v;
            arg = j;
          }
        }
        break;
    }
    dst[base0 + o] = op === "argmax" || op === "argmin" ? arg : acc;
  }
}

/** The sum of `rows` strided runs of `n` elements from `base`, in doubles. */
function sumRows(
  src: Arr,
  base: number,
  r: { rows: number; rowStride: number; n: number; stride: number },
): number {
  let acc = 0;
  for (let i = 0, row = base; i < r.rows; i++, row += r.rowStride)
    for (let j = 0, p = row; j < r.n; j++, p += r.stride) acc += src[p]!;
  return acc;
}

/** Inclusive cumulative sum or product along `axis`. */
export function scanKernel({ op, x, axis, out }: KernelArgs["scan"]): void {
  const src = x.storage.data as Arr;
  const dst = out.storage.data as Arr;
  const kept = x.shape.map((_, d) => d).filter((d) => d !== axis);
  const bases = elementOffsets(
    kept.map((d) => x.shape[d]!),
    kept.map((d) => x.strides[d]!),
    x.offset,
  );
  // out is contiguous: its strides along `axis` and the kept dims follow from its shape.
  const outStrides = contiguousStrides(out.shape);
  const outBases = elementOffsets(
    kept.map((d) => out.shape[d]!),
    kept.map((d) => outStrides[d]!),
    out.offset,
  );
  const n = x.shape[axis]!;
  const sx = x.strides[axis]!;
  const so = outStrides[axis]!;
  for (let o = 0; o < bases.length; o++) {
    let acc = op === "cumsum" ? 0 : 1;
    for (let j = 0, p = bases[o]!, q = outBases[o]!; j < n; j++, p += sx, q += so) {
      acc = op === "cumsum" ? acc + src[p]! : acc * src[p]!;
      dst[q] = acc;
    }
  }
}
