/**
 * The WebGPU matmul kernel (kernels/webgpu/matmul.wgsl): batched, tiled, with strided operands
 * read in place (transposed and broadcast views need no copy). The WGSL's VARIANT region is
 * rewritten per tile config, operand loader and store, so every call runs straight-line code for
 * its layout. float32 arithmetic throughout (the CPU accumulates in float64).
 *
 * @module
 */
import matmulWgsl from "../../../kernels/webgpu/matmul.wgsl";
import { assertInternal } from "../../core/errors.js";
import { contiguousStrides } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { coalesceDims, splitRank } from "./dims.js";
import { gridTiles, type KernelHost } from "./host.js";
import { UniformStruct } from "./uniforms.js";

/** Overrides of the matmul kernel's own choices, for tests and benchmarks. */
export interface MatmulOptions {
  /** Tile config: "big" (128 x 128, 8 x 8 per invocation) or "small" (64 x 64, 4 x 4). */
  readonly matmulTile?: TileConfig;
  /** Workgroups per grid dimension (default: the device's limit); see {@link gridTiles}. */
  readonly maxGridTiles?: number;
}

/** The uniform struct of matmul.wgsl (its header documents each field). */
const MATMUL_PARAMS = new UniformStruct("MatmulParams", {
  M: "u32",
  N: "u32",
  K: "u32",
  batchStart: "u32",
  aOffset: "u32",
  bOffset: "u32",
  outOffset: "u32",
  outRowStride: "u32",
  aStrideM: "i32",
  aStrideK: "i32",
  bStrideK: "i32",
  bStrideN: "i32",
  batchShape: "vec4<u32>",
  aBatchStrides: "vec4<i32>",
  bBatchStrides: "vec4<i32>",
  outBatchStride: "u32",
});

type TileConfig = "big" | "small";
type ALoader = "VecK" | "VecM" | "StridedK" | "StridedM";
type BLoader = "VecN" | "VecK" | "StridedN" | "StridedK";
type Store = "Vec4" | "Scalar4";

const TILES: Record<TileConfig, { bm: number; bn: number; bk: number; perInvocation: string }> = {
  // 128 x 128 outputs per workgroup, 8 x 8 per invocation: the most reuse per load.
  big: { bm: 128, bn: 128, bk: 8, perInvocation: "8x8" },
  // 64 x 64, 4 x 4 per invocation: 4x the workgroups for products too small to fill a GPU.
  small: { bm: 64, bn: 64, bk: 16, perInvocation: "4x4" },
};

/**
 * Big tiles once there are this many of them (about two per streaming multiprocessor of a large
 * GPU); below, small tiles keep more of the GPU busy.
 */
const MIN_BIG_TILES = 192;

/** matmul.wgsl with its VARIANT region rewritten for one tile config, loader pair and store. */
function matmulSource(tile: TileConfig, aLoad: ALoader, bLoad: BLoader, store: Store): string {
  const t = TILES[tile];
  const variant = [
    `const BM = ${t.bm}u;`,
    `const BN = ${t.bn}u;`,
    `const BK = ${t.bk}u;`,
    `fn fetchA(m0: u32, k0: u32, base: i32, tid: u32) -> vec4<f32> { return fetchA${aLoad}(m0, k0, base, tid); }`,
    `fn commitA(v: vec4<f32>, tid: u32) { commitA${aLoad}(v, tid); }`,
    `fn fetchB(k0: u32, n0: u32, base: i32, tid: u32) -> vec4<f32> { return fetchB${bLoad}(k0, n0, base, tid); }`,
    `fn commitB(v: vec4<f32>, tid: u32) { commitB${bLoad}(v, tid); }`,
    `fn multiplyTiles(tx: u32, ty: u32) { multiply${t.perInvocation}(tx, ty); }`,
    `fn storeTile(m0: u32, n0: u32, base: u32, tx: u32, ty: u32) { store${t.perInvocation}(m0, n0, base, tx, ty); }`,
    `fn storeVec(m: u32, n: u32, base: u32, v: vec4<f32>) { store${store}(m, n, base, v); }`,
  ].join("\n");
  const begin = matmulWgsl.indexOf("// VARIANT-BEGIN\n");
  const end = matmulWgsl.indexOf("// VARIANT-END");
  assertInternal(begin >= 0 && end > begin, "matmul.wgsl: VARIANT markers not found");
  return (
    MATMUL_PARAMS.wgsl +
    matmulWgsl.slice(0, begin + "// VARIANT-BEGIN\n".length) +
    variant +
    "\n" +
    matmulWgsl.slice(end)
  );
}

const aligned4 = (...values: number[]) => values.every((v) => v % 4 === 0);

/**
 * How to stage an operand whose tile has `outer` rows (M for a, N for b) and K columns: a vec4
 * along K or along the outer dimension when that one is contiguous, a multiple of 4 long and
 * 16-byte aligned everywhere (offset and batch strides), else scalar loads walking the smaller
 * stride fastest.
 */
function operandLoader(
  outer: number,
  K: number,
  outerStride: number,
  kStride: number,
  offset: number,
  batchStrides: readonly number[],
): "VecK" | "VecOuter" | "StridedK" | "StridedOuter" {
  const alignedBase = aligned4(offset, ...batchStrides);
  if (kStride === 1 && K > 0 && K % 4 === 0 && alignedBase && aligned4(outerStride)) return "VecK";
  if (outerStride === 1 && outer % 4 === 0 && alignedBase && aligned4(kStride)) return "VecOuter";
  const kFastest = outer === 1 || (K !== 1 && Math.abs(kStride) <= Math.abs(outerStride));
  return kFastest ? "StridedK" : "StridedOuter";
}

/** out[..., M, N] = a[..., M, K] @ b[..., K, N] (float32). */
export function matmulKernel(
  host: KernelHost,
  { a, b, out }: KernelArgs["matmul"],
  options: MatmulOptions = {},
): void {
  assertInternal(a.dtype === "float32" && b.dtype === "float32", "matmul(webgpu): float32 only");
  const nd = a.shape.length;
  const M = a.shape[nd - 2]!;
  const K = a.shape[nd - 1]!;
  const N = b.shape[nd - 1]!;
  const batchShape = a.shape.slice(0, nd - 2);
  if (M === 0 || N === 0 || numel(batchShape) === 0) return;
  const merged = coalesceDims(batchShape, [
    a.strides.slice(0, nd - 2),
    b.strides.slice(0, nd - 2),
    contiguousStrides([...batchShape, M * N]).slice(0, nd - 2),
  ]);
  const split = splitRank(merged.shape, merged.strides, 4);
  const [aBatch, bBatch] = split.strides as [number[], number[]];
  const batches = numel(split.shape);
  const [aStrideM, aStrideK, bStrideK, bStrideN] = [
    a.strides[nd - 2]!,
    a.strides[nd - 1]!,
    b.strides[nd - 2]!,
    b.strides[nd - 1]!,
  ];
  const aMode = operandLoader(M, K, aStrideM, aStrideK, a.offset, merged.strides[0]!);
  const bMode = operandLoader(N, K, bStrideN, bStrideK, b.offset, merged.strides[1]!);
  const store: Store = N % 4 === 0 && out.offset % 4 === 0 ? "Vec4" : "Scalar4";
  const bigTiles = Math.ceil(M / 128) * Math.ceil(N / 128) * batches * split.offsets.length;
  const tile: TileConfig =
    options.matmulTile ?? (M >= 128 && N >= 128 && bigTiles >= MIN_BIG_TILES ? "big" : "small");
  const aLoad = aMode === "VecOuter" ? "VecM" : aMode === "StridedOuter" ? "StridedM" : aMode;
  const bLoad = bMode === "VecOuter" ? "VecN" : bMode === "StridedOuter" ? "StridedN" : bMode;
  const entry = host.pipeline(`matmul:${tile}/${aLoad}/${bLoad}/${store}`, () => ({
    code: matmulSource(tile, aLoad, bLoad, store),
    entryPoint: "matmul",
    writes: [false, false, true],
  }));
  const { bm, bn } = TILES[tile];
  // Batch dims right-aligned in 4 slots; unused leading slots have size 1.
  const pad = 4 - split.shape.length;
  const slots = [0, 1, 2, 3].map((d) => d - pad);
  const slotShape = slots.map((s) => (s >= 0 ? split.shape[s]! : 1));
  const aBatchStrides = slots.map((s) => (s >= 0 ? aBatch[s]! : 0));
  const bBatchStrides = slots.map((s) => (s >= 0 ? bBatch[s]! : 0));
  // Rows, columns and batches (grid z) in chunks of at most `maxGridTiles` tiles.
  const maxTiles = gridTiles(host, options.maxGridTiles);
  const rowChunk = maxTiles * bm;
  const colChunk = maxTiles * bn;
  const storages = [a.storage, b.storage, out.storage];
  for (const [aOff, bOff, outOff] of split.offsets as [number, number, number][]) {
    for (let start = 0; start < batches; start += maxTiles) {
      for (let r0 = 0; r0 < M; r0 += rowChunk) {
        for (let c0 = 0; c0 < N; c0 += colChunk) {
          const [rows, cols] = [Math.min(rowChunk, M - r0), Math.min(colChunk, N - c0)];
          const uniforms = MATMUL_PARAMS.pack({
            M: rows,
            N: cols,
            K,
            batchStart: start,
            aOffset: a.offset + aOff + r0 * aStrideM,
            bOffset: b.offset + bOff + c0 * bStrideN,
            outOffset: out.offset + outOff + r0 * N + c0,
            outRowStride: N,
            aStrideM,
            aStrideK,
            bStrideK,
            bStrideN,
            batchShape: slotShape,
            aBatchStrides,
            bBatchStrides,
            outBatchStride: M * N,
          });
          host.dispatch(
            entry,
            storages,
            uniforms,
            Math.ceil(cols / bn),
            Math.ceil(rows / bm),
            Math.min(maxTiles, batches - start),
          );
        }
      }
    }
  }
}
