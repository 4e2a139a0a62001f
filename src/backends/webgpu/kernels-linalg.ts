/**
 * The WebGPU kernels of the heavy primitives: matmul, conv2d and its two gradients, maxPool2d,
 * gather, scatter and optimStep. Each one fills a uniform struct, picks a WGSL entry point (and
 * for matmul a specialised source) and records dispatches through {@link WebGPUContext}; the
 * WGSL lives in `kernels/{matmul,conv,pool,indexing,optim}.wgsl`, whose headers document
 * bindings, uniforms and dispatch geometry.
 *
 * On the GPU every element is 4 bytes (float32 as f32, int32 as i32, bool as u32). Inputs are
 * strided views (shape, strides and offset travel in uniforms); outputs are the views the
 * frontend allocated.
 *
 * Differences from the CPU kernels, by necessity:
 * - float32 arithmetic throughout (the CPU accumulates matmul/conv sums in float64).
 * - Out-of-range index values in gather/scatter cannot throw on a GPU: gather writes 0 and scatter
 *   skips the element. The CPU kernels validate (`backends/cpu/indexing.ts`).
 * - scatter with reduce "add" on float32 accumulates repeated indices with atomics (a
 *   compare-exchange loop), in a nondeterministic order, as PyTorch's CUDA backend does; scatter
 *   without reduce keeps an unspecified one of the writes to a repeated index (the CPU keeps the
 *   last; PyTorch leaves it undefined).
 *
 * @module
 */
import { assertInternal } from "../../core/errors.js";
import type { KernelArgs, KernelTable } from "../../ops/prims.js";
import { contiguousStrides, type View } from "../../core/layout.js";
import type { DispatchSpec, WebGPUContext } from "./context.js";
import matmulWgsl from "../../../kernels/webgpu/matmul.wgsl";
import convWgsl from "../../../kernels/webgpu/conv.wgsl";
import poolWgsl from "../../../kernels/webgpu/pool.wgsl";
import indexingWgsl from "../../../kernels/webgpu/indexing.wgsl";
import optimWgsl from "../../../kernels/webgpu/optim.wgsl";

/** Invocations per workgroup of every kernel here (WebGPU's default limit). */
const WORKGROUP_SIZE = 256;

/**
 * Overrides of the kernels' own choices, for tests and benchmarks: every variant must agree with
 * the CPU, including those that the heuristics pick only at sizes too big for a test.
 */
export interface LinalgKernelOptions {
  /** matmul tile config: "big" (128 x 128, 8 x 8 per invocation) or "small" (64 x 64, 4 x 4). */
  readonly matmulTile?: "big" | "small";
  /**
   * conv kernels: "gemm" (implicit GEMM for all three) or "direct" (one invocation per output
   * element for forward and grad input, one workgroup per weight for grad weight).
   */
  readonly convPath?: "gemm" | "direct";
  /**
   * Workgroups per grid dimension of the matmul and conv GEMM dispatches (default: the device's
   * `maxComputeWorkgroupsPerDimension`); bigger products are split into several dispatches. Tests
   * lower it to exercise that split at small sizes.
   */
  readonly maxGridTiles?: number;
}

/** What every kernel here needs: the context and the grid limits. */
interface Gpu {
  readonly ctx: WebGPUContext;
  /** The device's `maxComputeWorkgroupsPerDimension`. */
  readonly maxWorkgroups: number;
  /** Tiles per grid dimension of a GEMM dispatch (at most `maxWorkgroups`). */
  readonly maxGridTiles: number;
}

/**
 * The WebGPU kernels of matmul, conv2d (forward, grad input, grad weight), maxPool2d, gather,
 * scatter and optimStep, for the backend's kernel table.
 *
 * @example
 * const backend = await initWebGPU(linalgKernels); // its table includes these kernels
 * const small = linalgKernels(backend.context, { matmulTile: "small" }); // forced variants
 */
export function linalgKernels(
  ctx: WebGPUContext,
  options: LinalgKernelOptions = {},
): Partial<KernelTable> {
  const maxWorkgroups = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const gpu: Gpu = {
    ctx,
    maxWorkgroups,
    maxGridTiles: Math.min(maxWorkgroups, options.maxGridTiles ?? maxWorkgroups),
  };
  return {
    matmul: (args) => matmulKernel(gpu, args, options.matmulTile),
    conv2d: (args) => conv2dKernel(gpu, args, options.convPath),
    conv2dGradInput: (args) => conv2dGradInputKernel(gpu, args, options.convPath),
    conv2dGradWeight: (args) => conv2dGradWeightKernel(gpu, args, options.convPath),
    maxPool2d: (args) => maxPool2dKernel(gpu, args),
    gather: (args) => gatherKernel(gpu, args),
    scatter: (args) => scatterKernel(gpu, args),
    optimStep: (args) => optimStepKernel(gpu, args),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** A uniform struct under construction, addressed in 4-byte words. */
class Uniforms {
  readonly buffer: ArrayBuffer;
  readonly #u32: Uint32Array;
  readonly #i32: Int32Array;
  readonly #f32: Float32Array;

  constructor(words: number) {
    this.buffer = new ArrayBuffer(Math.ceil(words / 4) * 16);
    this.#u32 = new Uint32Array(this.buffer);
    this.#i32 = new Int32Array(this.buffer);
    this.#f32 = new Float32Array(this.buffer);
  }

  u32(word: number, value: number): this {
    assertInternal(value >= 0 && value <= 0xffffffff, `uniform u32 out of range: ${value}`);
    this.#u32[word] = value;
    return this;
  }

  i32(word: number, value: number): this {
    assertInternal(
      value >= -0x80000000 && value <= 0x7fffffff,
      `uniform i32 out of range: ${value}`,
    );
    this.#i32[word] = value;
    return this;
  }

  f32(word: number, value: number): this {
    this.#f32[word] = value;
    return this;
  }
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A 2-D grid of at least `count / 256` workgroups of 256 (kernels bound-check the excess). */
function flatGrid(gpu: Gpu, count: number): [number, number] {
  const groups = Math.ceil(count / WORKGROUP_SIZE);
  const x = Math.min(groups, gpu.maxWorkgroups);
  const y = Math.ceil(groups / x);
  assertInternal(y <= gpu.maxWorkgroups, `too many elements for one dispatch: ${count}`);
  return [x, y];
}

/**
 * Merges adjacent dimensions that every stride set walks contiguously and drops size-1 ones
 * (as `coalesce` in backends/cpu/strided.ts); dimension `keep` (if any) is never merged or
 * dropped, and its new position is returned.
 */
function coalesceDims(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  keep = -1,
): { shape: number[]; strides: number[][]; keep: number } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  let kept = -1;
  let lastMergeable = false;
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (d === keep) {
      kept = outShape.length;
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
      lastMergeable = false;
      continue;
    }
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (lastMergeable && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
    lastMergeable = true;
  }
  return { shape: outShape, strides: outStrides, keep: kept };
}

/**
 * Splits the dimensions of `shape` into at most `maxRank` kept ones (dimension `keep`, if any,
 * always among them) and the leading rest, over which the caller loops on the host. Returns the
 * kept shape/strides and, per host iteration, the offset to add for each stride set.
 */
function splitRank(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  maxRank: number,
  keep = -1,
): { shape: number[]; strides: number[][]; keep: number; offsets: number[][] } {
  const dims = shape.map((_, d) => d);
  const others = dims.filter((d) => d !== keep);
  const loopCount = Math.max(0, shape.length - maxRank);
  const looped = others.slice(0, loopCount);
  const kept = dims.filter((d) => !looped.includes(d));
  const offsets: number[][] = [];
  const idx = looped.map(() => 0);
  const total = numel(looped.map((d) => shape[d]!));
  for (let i = 0; i < total; i++) {
    offsets.push(strides.map((s) => looped.reduce((acc, d, j) => acc + idx[j]! * s[d]!, 0)));
    for (let j = looped.length - 1; j >= 0; j--) {
      if (++idx[j]! < shape[looped[j]!]!) break;
      idx[j] = 0;
    }
  }
  return {
    shape: kept.map((d) => shape[d]!),
    strides: strides.map((s) => kept.map((d) => s[d]!)),
    keep: keep >= 0 ? kept.indexOf(keep) : -1,
    offsets,
  };
}

// ---------------------------------------------------------------------------------------------
// matmul
// ---------------------------------------------------------------------------------------------

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

const matmulSources = new Map<string, string>();

/** matmul.wgsl with its VARIANT region rewritten for one tile config, loader pair and store. */
function matmulSource(tile: TileConfig, aLoad: ALoader, bLoad: BLoader, store: Store): string {
  const key = `${tile}/${aLoad}/${bLoad}/${store}`;
  let src = matmulSources.get(key);
  if (src) return src;
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
  src =
    matmulWgsl.slice(0, begin + "// VARIANT-BEGIN\n".length) +
    variant +
    "\n" +
    matmulWgsl.slice(end);
  matmulSources.set(key, src);
  return src;
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

function matmulKernel(gpu: Gpu, { a, b, out }: KernelArgs["matmul"], forceTile?: TileConfig): void {
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
  const [aSM, aSK, bSK, bSN] = [
    a.strides[nd - 2]!,
    a.strides[nd - 1]!,
    b.strides[nd - 2]!,
    b.strides[nd - 1]!,
  ];
  const aMode = operandLoader(M, K, aSM, aSK, a.offset, merged.strides[0]!);
  const bMode = operandLoader(N, K, bSN, bSK, b.offset, merged.strides[1]!);
  const store: Store = N % 4 === 0 && out.offset % 4 === 0 ? "Vec4" : "Scalar4";
  const bigTiles = Math.ceil(M / 128) * Math.ceil(N / 128) * batches * split.offsets.length;
  const tile: TileConfig =
    forceTile ?? (M >= 128 && N >= 128 && bigTiles >= MIN_BIG_TILES ? "big" : "small");
  const code = matmulSource(
    tile,
    aMode === "VecOuter" ? "VecM" : aMode === "StridedOuter" ? "StridedM" : aMode,
    bMode === "VecOuter" ? "VecN" : bMode === "StridedOuter" ? "StridedN" : bMode,
    store,
  );
  const { bm, bn } = TILES[tile];
  // Batch dims right-aligned in 4 slots; unused leading slots have size 1.
  const pad = 4 - split.shape.length;
  const batchWords = (u: Uniforms) => {
    for (let d = 0; d < 4; d++) {
      const s = d - pad;
      u.u32(12 + d, s >= 0 ? split.shape[s]! : 1);
      u.i32(16 + d, s >= 0 ? aBatch[s]! : 0);
      u.i32(20 + d, s >= 0 ? bBatch[s]! : 0);
    }
  };
  // Rows, columns and batches (grid z) in chunks of at most `maxGridTiles` tiles.
  const rowChunk = gpu.maxGridTiles * bm;
  const colChunk = gpu.maxGridTiles * bn;
  const buffers = [
    { storage: a.storage },
    { storage: b.storage },
    { storage: out.storage, write: true },
  ];
  for (const [aOff, bOff, outOff] of split.offsets as [number, number, number][]) {
    for (let start = 0; start < batches; start += gpu.maxGridTiles) {
      for (let r0 = 0; r0 < M; r0 += rowChunk) {
        for (let c0 = 0; c0 < N; c0 += colChunk) {
          const [rows, cols] = [Math.min(rowChunk, M - r0), Math.min(colChunk, N - c0)];
          const u = new Uniforms(28)
            .u32(0, rows)
            .u32(1, cols)
            .u32(2, K)
            .u32(3, start)
            .u32(4, a.offset + aOff + r0 * aSM)
            .u32(5, b.offset + bOff + c0 * bSN)
            .u32(6, out.offset + outOff + r0 * N + c0)
            .u32(7, N)
            .i32(8, aSM)
            .i32(9, aSK)
            .i32(10, bSK)
            .i32(11, bSN)
            .u32(24, M * N);
          batchWords(u);
          gpu.ctx.dispatch({
            code,
            entryPoint: "matmul",
            buffers,
            uniforms: u.buffer,
            workgroups: [
              Math.ceil(cols / bn),
              Math.ceil(rows / bm),
              Math.min(gpu.maxGridTiles, batches - start),
            ],
          });
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// conv2d and its gradients
// ---------------------------------------------------------------------------------------------

interface ConvGeometry {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  groups: number;
  outH: number;
  outW: number;
}

/** Below this many channels per group (out for forward, in for grad input), direct kernels. */
const MIN_GEMM_CHANNELS = 8;
/**
 * Below this many 64 x 64 GEMM tiles, a weight gradient with a reduction (n * outH * outW) of at
 * least {@link MIN_REDUCE_LENGTH} uses one workgroup per weight element instead.
 */
const MIN_GRAD_WEIGHT_TILES = 32;
const MIN_REDUCE_LENGTH = 2048;

function convUniforms(
  g: ConvGeometry,
  attrs: KernelArgs["conv2d"]["attrs"],
  offsets: { x?: number; w?: number; y?: number; dst: number },
  colStart: number,
): ArrayBuffer {
  const values = [
    g.n,
    g.cIn,
    g.h,
    g.w,
    g.cOut,
    g.kh,
    g.kw,
    g.groups,
    g.outH,
    g.outW,
    attrs.stride[0],
    attrs.stride[1],
    attrs.padding[0],
    attrs.padding[1],
    attrs.dilation[0],
    attrs.dilation[1],
    offsets.x ?? 0,
    offsets.w ?? 0,
    offsets.y ?? 0,
    offsets.dst,
    colStart,
  ];
  const u = new Uniforms(24);
  values.forEach((v, i) => u.u32(i, v));
  return u.buffer;
}

function convGeometry(
  xShape: readonly number[],
  w: View,
  yShape: readonly number[],
  groups: number,
): ConvGeometry {
  const [n, cIn, h, wd] = xShape as [number, number, number, number];
  const [cOut, , kh, kw] = w.shape as [number, number, number, number];
  return { n, cIn, h, w: wd, cOut, kh, kw, groups, outH: yShape[2]!, outW: yShape[3]! };
}

/**
 * Records a GEMM-style conv entry point over `cols` output columns, split into dispatches of at
 * most 65535 column tiles.
 */
function convGemm(
  gpu: Gpu,
  entryPoint: string,
  buffers: DispatchSpec["buffers"],
  rows: number,
  cols: number,
  groups: number,
  uniforms: (colStart: number) => ArrayBuffer,
): void {
  const perDispatch = gpu.maxGridTiles * 64;
  for (let start = 0; start < cols; start += perDispatch) {
    const count = Math.min(perDispatch, cols - start);
    gpu.ctx.dispatch({
      code: convWgsl,
      entryPoint,
      buffers,
      uniforms: uniforms(start),
      workgroups: [Math.ceil(count / 64), Math.ceil(rows / 64), groups],
    });
  }
}

type ConvPath = LinalgKernelOptions["convPath"];

function conv2dKernel(gpu: Gpu, { x, w, out, attrs }: KernelArgs["conv2d"], path: ConvPath): void {
  const g = convGeometry(x.shape, w, out.shape, attrs.groups);
  const total = numel(out.shape);
  if (total === 0) return;
  const buffers = [
    { storage: x.storage },
    { storage: w.storage },
    { storage: out.storage, write: true },
  ];
  const offsets = { x: x.offset, w: w.offset, dst: out.offset };
  const og = g.cOut / g.groups;
  if (path === "direct" || (path === undefined && og < MIN_GEMM_CHANNELS)) {
    gpu.ctx.dispatch({
      code: convWgsl,
      entryPoint: "conv2dForwardDirect",
      buffers,
      uniforms: convUniforms(g, attrs, offsets, 0),
      workgroups: flatGrid(gpu, total),
    });
    return;
  }
  convGemm(gpu, "conv2dForward", buffers, og, g.n * g.outH * g.outW, g.groups, (start) =>
    convUniforms(g, attrs, offsets, start),
  );
}

function conv2dGradInputKernel(
  gpu: Gpu,
  { gradOut, w, out, attrs }: KernelArgs["conv2dGradInput"],
  path: ConvPath,
): void {
  const g = convGeometry(out.shape, w, gradOut.shape, attrs.groups);
  const total = numel(out.shape);
  if (total === 0) return;
  const buffers = [
    { storage: gradOut.storage },
    { storage: w.storage },
    { storage: out.storage, write: true },
  ];
  const offsets = { y: gradOut.offset, w: w.offset, dst: out.offset };
  const cg = g.cIn / g.groups;
  if (path === "direct" || (path === undefined && cg < MIN_GEMM_CHANNELS)) {
    gpu.ctx.dispatch({
      code: convWgsl,
      entryPoint: "conv2dGradInputDirect",
      buffers,
      uniforms: convUniforms(g, attrs, offsets, 0),
      workgroups: flatGrid(gpu, total),
    });
    return;
  }
  convGemm(gpu, "conv2dGradInput", buffers, cg, g.n * g.h * g.w, g.groups, (start) =>
    convUniforms(g, attrs, offsets, start),
  );
}

function conv2dGradWeightKernel(
  gpu: Gpu,
  { x, gradOut, out, attrs }: KernelArgs["conv2dGradWeight"],
  path: ConvPath,
): void {
  const g = convGeometry(x.shape, out, gradOut.shape, attrs.groups);
  const total = numel(out.shape);
  if (total === 0) return;
  const buffers = [
    { storage: x.storage },
    { storage: gradOut.storage },
    { storage: out.storage, write: true },
  ];
  const offsets = { x: x.offset, y: gradOut.offset, dst: out.offset };
  const og = g.cOut / g.groups;
  const cols = (g.cIn / g.groups) * g.kh * g.kw;
  const tiles = g.groups * Math.ceil(og / 64) * Math.ceil(cols / 64);
  // NOTE: the reduction (n * outH * outW) is long and the output small, so the GEMM form has few
  // workgroups; split-K would need a scratch buffer, which the context does not offer. With few
  // tiles and a long reduction, one workgroup per weight element (a tree sum over the reduction)
  // keeps the GPU busier.
  const reduceLength = g.n * g.outH * g.outW;
  const fewTiles = tiles < MIN_GRAD_WEIGHT_TILES && reduceLength >= MIN_REDUCE_LENGTH;
  if (path === "direct" || (path === undefined && fewTiles)) {
    const gx = Math.min(total, gpu.maxWorkgroups);
    gpu.ctx.dispatch({
      code: convWgsl,
      entryPoint: "conv2dGradWeightReduce",
      buffers,
      uniforms: convUniforms(g, attrs, offsets, 0),
      workgroups: [gx, Math.ceil(total / gx)],
    });
    return;
  }
  convGemm(gpu, "conv2dGradWeight", buffers, og, cols, g.groups, (start) =>
    convUniforms(g, attrs, offsets, start),
  );
}

// ---------------------------------------------------------------------------------------------
// maxPool2d
// ---------------------------------------------------------------------------------------------

function maxPool2dKernel(gpu: Gpu, { x, out, indices, attrs }: KernelArgs["maxPool2d"]): void {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const total = numel(out.shape);
  if (total === 0) return;
  const values = [
    n * c,
    h,
    w,
    out.shape[2]!,
    out.shape[3]!,
    attrs.kernelSize[0],
    attrs.kernelSize[1],
    attrs.stride[0],
    attrs.stride[1],
    attrs.padding[0],
    attrs.padding[1],
    attrs.dilation[0],
    attrs.dilation[1],
    x.offset,
    out.offset,
    indices.offset,
  ];
  const u = new Uniforms(16);
  values.forEach((v, i) => u.u32(i, v));
  gpu.ctx.dispatch({
    code: poolWgsl,
    entryPoint: "maxPool2d",
    buffers: [
      { storage: x.storage },
      { storage: out.storage, write: true },
      { storage: indices.storage, write: true },
    ],
    uniforms: u.buffer,
    workgroups: flatGrid(gpu, total),
  });
}

// ---------------------------------------------------------------------------------------------
// gather / scatter
// ---------------------------------------------------------------------------------------------

/** Slots of the shape and stride arrays in IndexParams. */
const INDEX_SLOTS = 8;

/**
 * IndexParams for one dispatch: `shape` right-aligned in 8 slots, `dim` its slot (8 = none), and
 * the three stride sets (target, index, other) with their offsets.
 */
function indexUniforms(
  shape: readonly number[],
  dim: number,
  strides: readonly [readonly number[], readonly number[], readonly number[]],
  offsets: readonly [number, number, number],
  dimSize: number,
): ArrayBuffer {
  const u = new Uniforms(40);
  const pad = INDEX_SLOTS - shape.length;
  for (let s = 0; s < INDEX_SLOTS; s++) {
    const d = s - pad;
    u.u32(s, d >= 0 ? shape[d]! : 1);
    for (let k = 0; k < 3; k++) u.i32(8 * (k + 1) + s, d >= 0 ? strides[k]![d]! : 0);
  }
  u.u32(32, offsets[0])
    .u32(33, offsets[1])
    .u32(34, offsets[2])
    .u32(35, numel(shape))
    .u32(36, dim >= 0 ? dim + pad : INDEX_SLOTS)
    .u32(37, dimSize);
  return u.buffer;
}

/**
 * One dispatch per host iteration of `entryPoint` over `shape` (index's), after merging
 * dimensions and moving any beyond 8 to host loops.
 */
function indexedDispatch(
  gpu: Gpu,
  entryPoint: string,
  buffers: DispatchSpec["buffers"],
  shape: readonly number[],
  dim: number,
  strides: readonly [readonly number[], readonly number[], readonly number[]],
  offsets: readonly [number, number, number],
  dimSize: number,
): void {
  if (numel(shape) === 0) return;
  const merged = coalesceDims(shape, strides, dim);
  const split = splitRank(merged.shape, merged.strides, INDEX_SLOTS, merged.keep);
  const st = split.strides as [number[], number[], number[]];
  for (const extra of split.offsets) {
    gpu.ctx.dispatch({
      code: indexingWgsl,
      entryPoint,
      buffers,
      uniforms: indexUniforms(
        split.shape,
        split.keep,
        st,
        [offsets[0] + extra[0]!, offsets[1] + extra[1]!, offsets[2] + extra[2]!],
        dimSize,
      ),
      workgroups: flatGrid(gpu, numel(split.shape)),
    });
  }
}

function gatherKernel(gpu: Gpu, { x, index, dim, out }: KernelArgs["gather"]): void {
  indexedDispatch(
    gpu,
    "gather",
    [{ storage: x.storage }, { storage: index.storage }, { storage: out.storage, write: true }],
    index.shape,
    dim,
    [x.strides, index.strides, out.strides],
    [x.offset, index.offset, out.offset],
    x.shape[dim]!,
  );
}

const sameLayout = (a: View, b: View) =>
  a.offset === b.offset && a.strides.every((s, d) => s === b.strides[d] || a.shape[d] === 1);

function scatterKernel(gpu: Gpu, { x, index, src, dim, reduce, out }: KernelArgs["scatter"]): void {
  // Pass 1: out = x (skipped when x already is out).
  if (x.storage !== out.storage) {
    indexedDispatch(
      gpu,
      "scatterCopy",
      [{ storage: x.storage }, { storage: out.storage, write: true }],
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
  const entryPoint =
    reduce === "none"
      ? "scatterSet"
      : out.dtype === "float32"
        ? "scatterAddF32"
        : out.dtype === "int32"
          ? "scatterAddI32"
          : "scatterAddBool";
  assertInternal(out.dtype !== "float64", "scatter(webgpu): float64 is not supported");
  indexedDispatch(
    gpu,
    entryPoint,
    [{ storage: index.storage }, { storage: src.storage }, { storage: out.storage, write: true }],
    index.shape,
    dim,
    [out.strides, index.strides, src.strides.slice(0, index.shape.length)],
    [out.offset, index.offset, src.offset],
    out.shape[dim]!,
  );
}

// ---------------------------------------------------------------------------------------------
// optimStep
// ---------------------------------------------------------------------------------------------

/** The entry point for a kind and its state count (see optim.wgsl's header). */
function optimEntryPoint(
  kind: KernelArgs["optimStep"]["kind"],
  s: readonly number[],
  states: number,
): string {
  switch (kind) {
    case "sgd":
      return states === 0 ? "optimSgd" : "optimSgdMomentum";
    case "adam":
      return states === 2 ? "optimAdam" : "optimAdamAmsgrad";
    case "adagrad":
      return "optimAdagrad";
    case "rmsprop": {
      const centered = s[5] !== 0;
      const momentum = s[4]! > 0;
      if (centered && momentum) return "optimRmspropCenteredMomentum";
      if (centered) return "optimRmspropCentered";
      return momentum ? "optimRmspropMomentum" : "optimRmsprop";
    }
  }
  return kind satisfies never;
}

/** Values derived from the scalars in double precision, for slots 12-15. */
function optimDerived(kind: KernelArgs["optimStep"]["kind"], s: readonly number[]): number[] {
  switch (kind) {
    case "sgd":
      return [1 - s[3]!];
    case "adam":
      return [1 - s[1]!, 1 - s[2]!];
    case "adagrad":
      return [];
    case "rmsprop":
      return [1 - s[1]!];
  }
  return kind satisfies never;
}

function optimStepKernel(gpu: Gpu, args: KernelArgs["optimStep"]): void {
  const { kind, param, grad, state, scalars } = args;
  assertInternal(param.dtype === "float32", "optimStep(webgpu): float32 only");
  const n = numel(param.shape);
  if (n === 0) return;
  const entryPoint = optimEntryPoint(kind, scalars, state.length);
  const expected: Record<string, number> = {
    optimSgd: 0,
    optimSgdMomentum: 1,
    optimAdam: 2,
    optimAdamAmsgrad: 3,
    optimAdagrad: 1,
    optimRmsprop: 1,
    optimRmspropCentered: 2,
    optimRmspropMomentum: 2,
    optimRmspropCenteredMomentum: 3,
  };
  assertInternal(
    state.length === expected[entryPoint],
    `optimStep(webgpu): ${entryPoint} takes ${expected[entryPoint]} state views; got ${state.length}`,
  );
  const u = new Uniforms(24).u32(0, n).u32(1, param.offset).u32(2, grad.offset);
  state.forEach((v, i) => u.u32(4 + i, v.offset));
  scalars.forEach((v, i) => u.f32(8 + i, v));
  optimDerived(kind, scalars).forEach((v, i) => u.f32(8 + 12 + i, v));
  gpu.ctx.dispatch({
    code: optimWgsl,
    entryPoint,
    buffers: [
      { storage: param.storage, write: true },
      { storage: grad.storage },
      ...state.map((v) => ({ storage: v.storage, write: true })),
    ],
    uniforms: u.buffer,
    workgroups: flatGrid(gpu, n),
  });
}
