/**
 * The WebGPU gather and scatter kernels (kernels/webgpu/indexing.wgsl), on strided views.
 *
 * Differences from the CPU kernels, by necessity:
 * - Out-of-range index values cannot throw on a GPU: gather writes 0 and scatter skips the
 *   element, and the frontend's `check` of the index (ops/value-checks.ts) makes the next read
 *   throw; the CPU kernels throw at once.
 * - scatter with reduce "add" on float32 accumulates repeated indices with atomics (a
 *   compare-exchange loop), in a nondeterministic order, as PyTorch's CUDA backend does; scatter
 *   without reduce keeps an unspecified one of the writes to a repeated index (the CPU keeps the
 *   last; PyTorch leaves it undefined).
 *
 * @module
 */
import indexingWgsl from "../../../kernels/webgpu/indexing.wgsl";
import { assertInternal } from "../../core/errors.js";
import type { Storage, View } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { coalesceDims, splitRank } from "./dims.js";
import { elementGrid, type KernelHost } from "./host.js";
import { UniformStruct } from "./uniforms.js";

/** Slots of the shape and stride arrays in IndexParams. */
const INDEX_SLOTS = 8;

/** The uniform struct of indexing.wgsl (its header says what target, index and other are). */
const INDEX_PARAMS = new UniformStruct("IndexParams", {
  shape: "array<vec4<u32>, 2>",
  targetStrides: "array<vec4<i32>, 2>",
  indexStrides: "array<vec4<i32>, 2>",
  otherStrides: "array<vec4<i32>, 2>",
  targetOffset: "u32",
  indexOffset: "u32",
  otherOffset: "u32",
  count: "u32",
  dim: "u32",
  dimSize: "u32",
});

const CODE = INDEX_PARAMS.wgsl + indexingWgsl;

type Triple<T> = readonly [T, T, T];

/**
 * One dispatch per host iteration of `entryPoint` over `shape` (index's), after merging
 * dimensions and moving any beyond 8 to host loops. `strides` and `offsets` are those of the
 * target, index and other views (see indexing.wgsl); `dim` is the indexed dimension (-1: none).
 */
function indexedDispatch(
  host: KernelHost,
  entryPoint: string,
  storages: readonly Storage[],
  shape: readonly number[],
  dim: number,
  strides: Triple<readonly number[]>,
  offsets: Triple<number>,
  dimSize: number,
): void {
  if (numel(shape) === 0) return;
  const entry = host.pipeline(`indexing:${entryPoint}`, () => ({
    code: CODE,
    entryPoint,
    writes: storages.map((_, i) => i === storages.length - 1),
  }));
  const merged = coalesceDims(shape, strides, dim);
  const split = splitRank(merged.shape, merged.strides, INDEX_SLOTS, merged.keep);
  // Right-aligned in 8 slots: leading slots have size 1 and stride 0.
  const pad = INDEX_SLOTS - split.shape.length;
  const slots = Array.from({ length: INDEX_SLOTS }, (_, s) => s - pad);
  const slotted = (values: readonly number[], fill: number) =>
    slots.map((d) => (d >= 0 ? values[d]! : fill));
  const [target, index, other] = split.strides as [number[], number[], number[]];
  const count = numel(split.shape);
  for (const extra of split.offsets) {
    const uniforms = INDEX_PARAMS.pack({
      shape: slotted(split.shape, 1),
      targetStrides: slotted(target, 0),
      indexStrides: slotted(index, 0),
      otherStrides: slotted(other, 0),
      targetOffset: offsets[0] + extra[0]!,
      indexOffset: offsets[1] + extra[1]!,
      otherOffset: offsets[2] + extra[2]!,
      count,
      dim: split.keep >= 0 ? split.keep + pad : INDEX_SLOTS,
      dimSize,
    });
    host.dispatch(entry, storages, uniforms, ...elementGrid(count));
  }
}

/** out[i][j][k] = x[i][index[i][j][k]][k] (for dim 1). */
export function gatherKernel(host: KernelHost, { x, index, dim, out }: KernelArgs["gather"]): void {
  indexedDispatch(
    host,
    "gather",
    [x.storage, index.storage, out.storage],
    index.shape,
    dim,
    [x.strides, index.strides, out.strides],
    [x.offset, index.offset, out.offset],
    x.shape[dim]!,
  );
}

const sameLayout = (a: View, b: View) =>
  a.offset === b.offset && a.strides.every((s, d) => s === b.strides[d] || a.shape[d] === 1);

/** out = x, then out[i][index[i][j][k]][k] = src[i][j][k] (or += for "add"). */
export function scatterKernel(
  host: KernelHost,
  { x, index, src, dim, reduce, out }: KernelArgs["scatter"],
): void {
  // Pass 1: out = x (skipped when x already is out).
  if (x.storage !== out.storage) {
    indexedDispatch(
      host,
      "scatterCopy",
      [x.storage, out.storage],
      x.shape,
      -1,
      [x.strides, out.strides, out.strides],
      [x.offset, out.offset, out.offset],
      1,
    );
  } else {
    assertInternal(sameLayout(x, out), "scatter(webgpu): x and out share storage but not layout");
  }
  // Pass 2: the writes (or adds) at the indexed positions.
  assertInternal(out.dtype !== "float64", "scatter(webgpu): float64 is not supported");
  const entryPoint =
    reduce === "none"
      ? "scatterSet"
      : out.dtype === "float32"
        ? "scatterAddF32"
        : out.dtype === "int32"
          ? "scatterAddI32"
          : "scatterAddBool";
  indexedDispatch(
    host,
    entryPoint,
    [index.storage, src.storage, out.storage],
    index.shape,
    dim,
    [out.strides, index.strides, src.strides.slice(0, index.shape.length)],
    [out.offset, index.offset, src.offset],
    out.shape[dim]!,
  );
}
