// The WebGPU kernels of matmul.ts, conv.ts, pool.ts, indexing.ts and optim.ts (matmul, conv2d and
// its gradients, maxPool2d, gather, scatter, optimStep) against the CPU kernels, on random inputs: odd sizes, strided, transposed,
// broadcast and offset views, every kernel variant. Runs on any WebGPU adapter (lavapipe in CI);
// without one the file is skipped with a printed reason, unless WEBTORCH_REQUIRE_WEBGPU=1.
//
// The kernels run on the WebGPU backend (its storages, batched queue and pipeline cache), called
// through `webgpuKernels(host, options)` so that the options can force every variant (tile
// configs, conv paths) at sizes small enough for lavapipe.
process.env.XDG_RUNTIME_DIR ??= "/tmp";

import { afterAll, describe, expect, it } from "vitest";
import type { DType, TypedArray } from "../../src/core/dtype.js";
import { contiguousStrides, type Storage, type View } from "../../src/core/layout.js";
import { cpuBackend } from "../../src/backends/cpu/index.js";
import type { KernelHost } from "../../src/backends/webgpu/host.js";
import { initWebGPU, type WebGPUBackend } from "../../src/backends/webgpu/index.js";
import { webgpuKernels, type WebGPUKernelOptions } from "../../src/backends/webgpu/kernels.js";
import type { PipelineEntry } from "../../src/backends/webgpu/pipelines.js";
import type {
  AdamScalars,
  Conv2dAttrs,
  KernelArgs,
  KernelTable,
  OptimStepScalars,
  Pool2dAttrs,
  RmspropScalars,
  SgdScalars,
} from "../../src/ops/prims.js";
import { pool2dGeometryFor } from "../util/reference-conv.js";
import { assertAllClose } from "../util/allclose.js";
import { EXACT, WEBGPU_VS_CPU, type Tolerance } from "../util/tolerance.js";
import { rng } from "../util/seeded.js";

// ---------------------------------------------------------------------------------------------
// The backend's kernel host, recording what is dispatched
// ---------------------------------------------------------------------------------------------

class TestContext {
  readonly #backend: WebGPUBackend;
  readonly #storages: Storage[] = [];
  /** Pipelines (entry points and sources) dispatched since the last `takeDispatches()`. */
  #dispatches: PipelineEntry[] = [];
  /** The backend's host, with every dispatch recorded. */
  readonly host: KernelHost;

  constructor(backend: WebGPUBackend) {
    this.#backend = backend;
    const inner = backend.context;
    this.host = {
      ...inner,
      dispatch: (entry, ...rest) => {
        this.#dispatches.push(entry);
        inner.dispatch(entry, ...rest);
      },
    };
  }

  /** A GPU storage holding `data` (freed by `freeAll`). */
  upload(dtype: DType, data: TypedArray): Storage {
    const s = this.#backend.alloc(dtype, data.length);
    s.refs = 1;
    if (data.length > 0) this.#backend.write(s, data);
    this.#storages.push(s);
    return s;
  }

  /** The storage's contents, once every dispatch before has run (throws their errors). */
  read(storage: Storage): Promise<TypedArray> {
    return this.#backend.read(storage);
  }

  takeDispatches(): PipelineEntry[] {
    const d = this.#dispatches;
    this.#dispatches = [];
    return d;
  }

  freeAll(): void {
    for (const s of this.#storages.splice(0)) this.#backend.free(s);
  }
}

async function createContext(): Promise<TestContext | string> {
  const backend = await initWebGPU();
  return "reason" in backend ? backend.reason : new TestContext(backend);
}

const created = await createContext();
const ctx = typeof created === "string" ? null : created;
if (!ctx) {
  if (process.env.WEBTORCH_REQUIRE_WEBGPU === "1")
    throw new Error(`WEBTORCH_REQUIRE_WEBGPU=1 but WebGPU is unavailable: ${created as string}`);
  console.warn(`webgpu-linalg.test.ts: skipped: ${created as string}`);
}

afterAll(() => {
  ctx?.freeAll();
});

// ---------------------------------------------------------------------------------------------
// Inputs: the same data and views on the CPU and on the GPU
// ---------------------------------------------------------------------------------------------

const rand = rng(1234);

function randomFloats(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

function randomInts(n: number, lo: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor((hi - lo) * rand());
  return a;
}

/** One tensor view with its storage on both devices. */
interface Pair {
  cpu: View;
  gpu: View;
}

function pair(
  dtype: DType,
  data: TypedArray,
  shape: readonly number[],
  strides?: readonly number[],
  offset = 0,
): Pair {
  const cpuStorage = cpuBackend.alloc(dtype, data.length);
  cpuBackend.write(cpuStorage, data);
  const gpuStorage = ctx!.upload(dtype, data);
  const st = strides ?? contiguousStrides(shape);
  return {
    cpu: { storage: cpuStorage, dtype, shape, strides: st, offset },
    gpu: { storage: gpuStorage, dtype, shape, strides: st, offset },
  };
}

/** A contiguous output of `shape` (with `offset` leading elements, garbage-filled on the GPU). */
function output(dtype: DType, shape: readonly number[], offset = 0): Pair {
  const n = shape.reduce((a, b) => a * b, 1) + offset;
  const fill = dtype === "float32" ? randomFloats(n, 100, 200) : randomInts(n, 100, 200);
  return pair(dtype, dtype === "bool" ? new Uint8Array(n) : fill, shape, undefined, offset);
}

/**
 * A random float view of `shape` whose dims are stored in the order `order` (outermost first,
 * a permutation of the dims) after `offset` elements: a transposed view when `order` is not
 * the identity.
 */
function permutedFloats(shape: readonly number[], order: readonly number[], offset = 0): Pair {
  const stored = order.map((d) => shape[d]!);
  const storedStrides = contiguousStrides(stored);
  const strides = shape.map((_, d) => storedStrides[order.indexOf(d)]!);
  const n = stored.reduce((a, b) => a * b, 1);
  return pair("float32", randomFloats(n + offset), shape, strides, offset);
}

/** Runs kernel `P` on both devices and compares `outs` (CPU result vs GPU result). */
async function compare<P extends keyof KernelTable>(
  prim: P,
  make: (side: "cpu" | "gpu") => KernelArgs[P],
  outs: (args: KernelArgs[P]) => View[],
  tol: Tolerance,
  label: string,
  options: WebGPUKernelOptions = {},
): Promise<void> {
  const cpuArgs = make("cpu");
  const gpuArgs = make("gpu");
  (cpuBackend.kernels[prim] as (a: KernelArgs[P]) => void)(cpuArgs);
  const gpuKernel = webgpuKernels(ctx!.host, options)[prim] as (a: KernelArgs[P]) => void;
  gpuKernel(gpuArgs);
  const cpuOuts = outs(cpuArgs);
  const gpuOuts = outs(gpuArgs);
  for (let i = 0; i < cpuOuts.length; i++) {
    const c = cpuOuts[i]!;
    const g = gpuOuts[i]!;
    const n = c.shape.reduce((a, b) => a * b, 1);
    const expected = (c.storage.data as TypedArray).subarray(c.offset, c.offset + n);
    const actual = (await ctx!.read(g.storage)).subarray(g.offset, g.offset + n);
    assertAllClose(actual, expected, tol, `${label} output ${i}`, c.shape);
  }
}

const side = (p: Pair, s: "cpu" | "gpu") => p[s];

// ---------------------------------------------------------------------------------------------
// matmul
// ---------------------------------------------------------------------------------------------

// NOTE: matmul and conv sum up to a few hundred float32 products; the CPU sums in float64, so
// the absolute error of a GPU sum near zero is ~K * 2^-24 * |terms|: atol 1e-4 instead of 1e-5.
const SUMS: Tolerance = { rtol: 1e-4, atol: 1e-4 };

/**
 * The variants (A loader, B loader, store) the cases below exercise. Few on purpose: lavapipe
 * compiles a pipeline at its first dispatch, in 1-4 s for a matmul variant, so every case maps to
 * one of these five (each asserted), and the big-tile config runs a subset.
 */
const V = {
  strided: "AStridedK BStridedN Scalar4",
  rowMajor: "AVecK BVecN Vec4",
  linear: "AVecK BVecK Vec4", // x @ W^T: Linear's forward
  linearGrad: "AVecM BVecN Vec4", // x^T @ g: Linear's weight gradient
  stridedTransposed: "AStridedM BStridedK Scalar4",
} as const;

interface MatmulCase {
  name: string;
  batch: number[];
  M: number;
  K: number;
  N: number;
  /** Storage order of a's dims (batch dims first); identity when absent. */
  aOrder?: number[];
  bOrder?: number[];
  /** Batch dims of a / b that are broadcast (stride 0). */
  aBroadcast?: number[];
  bBroadcast?: number[];
  offset?: number;
  outOffset?: number;
  /** The variant the kernel must pick. */
  variant: string;
  /** Also run with big tiles. */
  big?: boolean;
}

const MATMUL_CASES: MatmulCase[] = [
  { name: "odd sizes, contiguous", batch: [], M: 37, K: 53, N: 29, variant: V.strided, big: true },
  {
    name: "multiples of 4 (vec4 loads and stores)",
    batch: [],
    M: 64,
    K: 36,
    N: 72,
    variant: V.rowMajor,
    big: true,
  },
  {
    name: "b transposed (vec4 along K)",
    batch: [],
    M: 33,
    K: 40,
    N: 52,
    bOrder: [1, 0],
    variant: V.linear,
    big: true,
  },
  {
    name: "a transposed (vec4 along M)",
    batch: [],
    M: 68,
    K: 20,
    N: 44,
    aOrder: [1, 0],
    variant: V.linearGrad,
  },
  {
    name: "both transposed, odd",
    batch: [],
    M: 31,
    K: 17,
    N: 23,
    aOrder: [1, 0],
    bOrder: [1, 0],
    variant: V.stridedTransposed,
    big: true,
  },
  { name: "K = 1 and N = 1", batch: [], M: 5, K: 1, N: 1, variant: V.stridedTransposed },
  { name: "K = 0 gives zeros", batch: [], M: 3, K: 0, N: 1, variant: V.stridedTransposed },
  {
    name: "tall K, more than one tile",
    batch: [],
    M: 70,
    K: 130,
    N: 66,
    offset: 4,
    outOffset: 8,
    variant: V.strided,
  },
  {
    name: "offset 3 (no vec4)",
    batch: [],
    M: 16,
    K: 16,
    N: 16,
    offset: 3,
    outOffset: 1,
    variant: V.strided,
  },
  {
    name: "batched with a broadcast batch dim",
    batch: [3, 2],
    M: 19,
    K: 12,
    N: 8,
    aBroadcast: [1],
    bBroadcast: [0],
    variant: V.rowMajor,
    big: true,
  },
  {
    name: "batched, permuted batch dims, a transposed",
    batch: [2, 3],
    M: 12,
    K: 8,
    N: 20,
    aOrder: [1, 0, 3, 2],
    bOrder: [1, 0, 2, 3],
    variant: V.linearGrad,
  },
  {
    name: "six batch dims that do not merge (host loop)",
    batch: [2, 2, 2, 2, 2, 2],
    M: 5,
    K: 3,
    N: 3,
    aOrder: [5, 4, 3, 2, 1, 0, 6, 7],
    variant: V.strided,
  },
];

/** "AVecK BVecN Vec4" for a dispatched matmul source (its VARIANT lines). */
function variantOf(code: string): string {
  const calls = [...code.matchAll(/\{ (?:return )?(?:fetch|store)(\w+)\(/g)].map((m) => m[1]!);
  // drop store4x4 / store8x8 (the tile config)
  return calls.filter((c) => !/^\dx\d$/.test(c)).join(" ");
}

function matmulOperand(
  batch: number[],
  rows: number,
  cols: number,
  order: number[] | undefined,
  broadcast: number[] | undefined,
  offset: number,
): Pair {
  const shape = [...batch, rows, cols];
  const p = permutedFloats(shape, order ?? shape.map((_, d) => d), offset);
  if (!broadcast) return p;
  const zero = (v: View): View => ({
    ...v,
    strides: v.strides.map((s, d) => (broadcast.includes(d) ? 0 : s)),
  });
  return { cpu: zero(p.cpu), gpu: zero(p.gpu) };
}

describe.skipIf(!ctx)("webgpu matmul vs cpu", () => {
  for (const tile of ["small", "big"] as const) {
    for (const c of MATMUL_CASES.filter((c) => tile === "small" || c.big)) {
      it(`${tile} tiles: ${c.name}`, async () => {
        const a = matmulOperand(c.batch, c.M, c.K, c.aOrder, c.aBroadcast, c.offset ?? 0);
        const b = matmulOperand(c.batch, c.K, c.N, c.bOrder, c.bBroadcast, c.offset ?? 0);
        const out = output("float32", [...c.batch, c.M, c.N], c.outOffset ?? 0);
        ctx!.takeDispatches();
        await compare(
          "matmul",
          (s) => ({ a: side(a, s), b: side(b, s), out: side(out, s) }),
          (args) => [args.out],
          SUMS,
          c.name,
          { matmulTile: tile },
        );
        const variants = new Set(ctx!.takeDispatches().map((d) => variantOf(d.code)));
        expect([...variants]).toEqual([c.variant]);
      });
    }
  }

  for (const tile of ["small", "big"] as const) {
    it(`${tile} tiles: rows, columns and batches split over dispatches`, async () => {
      // one tile per grid dimension: every tile row, column and batch is a dispatch of its own
      const a = matmulOperand([3], 150, 21, [0, 2, 1], undefined, 4);
      const b = matmulOperand([3], 21, 139, [0, 2, 1], [0], 4);
      const out = output("float32", [3, 150, 139], 4);
      ctx!.takeDispatches();
      await compare(
        "matmul",
        (s) => ({ a: side(a, s), b: side(b, s), out: side(out, s) }),
        (args) => [args.out],
        SUMS,
        "split",
        { matmulTile: tile, maxGridTiles: 1 },
      );
      const dispatches = ctx!.takeDispatches();
      expect(dispatches.length).toBe(3 * (tile === "small" ? 3 * 3 : 2 * 2));
      expect(variantOf(dispatches[0]!.code)).toBe(V.stridedTransposed);
    });
  }

  it("a 256 x 256 x 256 product with automatic tile choice", async () => {
    const a = matmulOperand([], 256, 256, undefined, undefined, 0);
    const b = matmulOperand([], 256, 256, [1, 0], undefined, 0);
    const out = output("float32", [256, 256]);
    await compare(
      "matmul",
      (s) => ({ a: side(a, s), b: side(b, s), out: side(out, s) }),
      (args) => [args.out],
      // NOTE: 256-term sums: the float32 rounding error reaches ~1e-4 in absolute terms.
      { rtol: 1e-3, atol: 2e-4 },
      "256^3",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// conv2d and its gradients
// ---------------------------------------------------------------------------------------------

interface ConvCase {
  name: string;
  n: number;
  cIn: number;
  cOut: number;
  h: number;
  w: number;
  k: [number, number];
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  groups?: number;
  /** Only for the GEMM kernels (the direct ones have no tiles to overflow; lavapipe is slow). */
  gemmOnly?: boolean;
}

const CONV_CASES: ConvCase[] = [
  { name: "3x3 pad 1", n: 2, cIn: 8, cOut: 16, h: 9, w: 7, k: [3, 3], padding: [1, 1] },
  {
    name: "stride 2, uneven padding and dilation, 3x2 kernel",
    n: 2,
    cIn: 5,
    cOut: 9,
    h: 11,
    w: 10,
    k: [3, 2],
    stride: [2, 3],
    padding: [1, 2],
    dilation: [2, 1],
  },
  { name: "1x1 pointwise", n: 3, cIn: 12, cOut: 10, h: 5, w: 6, k: [1, 1] },
  { name: "groups 2", n: 2, cIn: 6, cOut: 10, h: 8, w: 8, k: [3, 3], padding: [1, 1], groups: 2 },
  { name: "depthwise", n: 2, cIn: 6, cOut: 6, h: 7, w: 9, k: [3, 3], padding: [1, 1], groups: 6 },
  {
    name: "depthwise multiplier 2, stride 2",
    n: 1,
    cIn: 4,
    cOut: 8,
    h: 9,
    w: 9,
    k: [3, 3],
    stride: [2, 2],
    groups: 4,
  },
  { name: "1-channel input (first layer)", n: 4, cIn: 1, cOut: 8, h: 12, w: 12, k: [5, 5] },
  {
    name: "many channels: more than one GEMM tile",
    n: 2,
    cIn: 70,
    cOut: 66,
    h: 6,
    w: 5,
    k: [3, 3],
    padding: [1, 0],
    gemmOnly: true,
  },
  {
    name: "a long reduction (the weight gradient's tree-sum kernel on auto)",
    n: 4,
    cIn: 2,
    cOut: 8,
    h: 24,
    w: 24,
    k: [3, 3],
    padding: [1, 1],
  },
];

function convAttrs(c: ConvCase): Conv2dAttrs {
  return {
    stride: c.stride ?? [1, 1],
    padding: c.padding ?? [0, 0],
    dilation: c.dilation ?? [1, 1],
    groups: c.groups ?? 1,
  };
}

function convOutSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/**
 * A contiguous float input; on the GPU it starts `gpuOffset` elements into its storage (the CPU
 * conv kernels ignore view offsets, so the CPU copy starts at 0).
 */
function convInput(shape: number[], gpuOffset: number): Pair {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = randomFloats(n);
  const cpuStorage = cpuBackend.alloc("float32", n);
  cpuBackend.write(cpuStorage, data);
  const padded = new Float32Array(n + gpuOffset);
  padded.fill(Number.NaN, 0, gpuOffset);
  padded.set(data, gpuOffset);
  const strides = contiguousStrides(shape);
  return {
    cpu: { storage: cpuStorage, dtype: "float32", shape, strides, offset: 0 },
    gpu: {
      storage: ctx!.upload("float32", padded),
      dtype: "float32",
      shape,
      strides,
      offset: gpuOffset,
    },
  };
}

function convOutput(shape: number[], gpuOffset: number): Pair {
  const o = convInput(shape, gpuOffset);
  return o;
}

describe.skipIf(!ctx)("webgpu conv2d vs cpu", () => {
  for (const path of ["gemm", "direct", undefined] as const) {
    for (const c of CONV_CASES.filter((c) => !(c.gemmOnly && path === "direct"))) {
      it(`${path ?? "auto"}: ${c.name}`, async () => {
        const attrs = convAttrs(c);
        const g = attrs.groups;
        const oh = convOutSize(c.h, c.k[0], attrs.stride[0], attrs.padding[0], attrs.dilation[0]);
        const ow = convOutSize(c.w, c.k[1], attrs.stride[1], attrs.padding[1], attrs.dilation[1]);
        const xShape = [c.n, c.cIn, c.h, c.w];
        const wShape = [c.cOut, c.cIn / g, c.k[0], c.k[1]];
        const yShape = [c.n, c.cOut, oh, ow];
        const x = convInput(xShape, 3);
        const w = convInput(wShape, 5);
        const gy = convInput(yShape, 2);
        const options = { convPath: path };
        await compare(
          "conv2d",
          (s) => ({ x: side(x, s), w: side(w, s), out: side(convOutput(yShape, 1), s), attrs }),
          (args) => [args.out],
          SUMS,
          `conv2d ${c.name}`,
          options,
        );
        await compare(
          "conv2dGradInput",
          (s) => ({
            gradOut: side(gy, s),
            w: side(w, s),
            out: side(convOutput(xShape, 1), s),
            attrs,
          }),
          (args) => [args.out],
          SUMS,
          `conv2dGradInput ${c.name}`,
          options,
        );
        await compare(
          "conv2dGradWeight",
          (s) => ({
            x: side(x, s),
            gradOut: side(gy, s),
            out: side(convOutput(wShape, 1), s),
            attrs,
          }),
          (args) => [args.out],
          SUMS,
          `conv2dGradWeight ${c.name}`,
          options,
        );
      });
    }
  }
});

describe.skipIf(!ctx)("webgpu conv2d kernel choice", () => {
  const run = (c: ConvCase, options: WebGPUKernelOptions = {}) => {
    const attrs = convAttrs(c);
    const oh = convOutSize(c.h, c.k[0], attrs.stride[0], attrs.padding[0], attrs.dilation[0]);
    const ow = convOutSize(c.w, c.k[1], attrs.stride[1], attrs.padding[1], attrs.dilation[1]);
    const x = convInput([c.n, c.cIn, c.h, c.w], 0).gpu;
    const w = convInput([c.cOut, c.cIn / attrs.groups, c.k[0], c.k[1]], 0).gpu;
    const y = convInput([c.n, c.cOut, oh, ow], 0).gpu;
    const kernels = webgpuKernels(ctx!.host, options);
    ctx!.takeDispatches();
    kernels.conv2d!({ x, w, out: convInput(y.shape as number[], 0).gpu, attrs });
    kernels.conv2dGradInput!({ gradOut: y, w, out: convInput(x.shape as number[], 0).gpu, attrs });
    kernels.conv2dGradWeight!({ x, gradOut: y, out: convInput(w.shape as number[], 0).gpu, attrs });
    return ctx!.takeDispatches().map((d) => d.entryPoint);
  };
  const byName = (name: string) => CONV_CASES.find((c) => c.name === name)!;

  it("GEMM for many channels, direct kernels for few, tree sums for long reductions", () => {
    expect(run(byName("3x3 pad 1"))).toEqual([
      "conv2dForward",
      "conv2dGradInput",
      "conv2dGradWeight",
    ]);
    expect(run(byName("depthwise"))).toEqual([
      "conv2dForwardDirect",
      "conv2dGradInputDirect",
      "conv2dGradWeight",
    ]);
    expect(run(byName("a long reduction (the weight gradient's tree-sum kernel on auto)"))).toEqual(
      ["conv2dForward", "conv2dGradInputDirect", "conv2dGradWeightReduce"],
    );
  });

  it("GEMM columns split over dispatches", async () => {
    const c = byName("many channels: more than one GEMM tile");
    const attrs = convAttrs(c);
    const xShape = [c.n, c.cIn, c.h, c.w];
    const wShape = [c.cOut, c.cIn, c.k[0], c.k[1]];
    const yShape = [c.n, c.cOut, c.h, c.w - 2];
    const x = convInput(xShape, 1);
    const w = convInput(wShape, 2);
    const gy = convInput(yShape, 3);
    const options: WebGPUKernelOptions = { convPath: "gemm", maxGridTiles: 1 };
    const out = (shape: number[]) => convOutput(shape, 0);
    const [o1, o2, o3] = [out(yShape), out(xShape), out(wShape)];
    ctx!.takeDispatches();
    await compare(
      "conv2d",
      (s) => ({ x: side(x, s), w: side(w, s), out: side(o1, s), attrs }),
      (a) => [a.out],
      SUMS,
      "fwd",
      options,
    );
    await compare(
      "conv2dGradInput",
      (s) => ({ gradOut: side(gy, s), w: side(w, s), out: side(o2, s), attrs }),
      (a) => [a.out],
      SUMS,
      "gradIn",
      options,
    );
    await compare(
      "conv2dGradWeight",
      (s) => ({ x: side(x, s), gradOut: side(gy, s), out: side(o3, s), attrs }),
      (a) => [a.out],
      SUMS,
      "gradW",
      options,
    );
    // columns: n * outH * outW = 60 (1 tile), n * h * w = 60 (1 tile), cIn * 9 = 630 (10 tiles)
    expect(ctx!.takeDispatches().length).toBe(1 + 1 + 10);
  });
});

// ---------------------------------------------------------------------------------------------
// maxPool2d
// ---------------------------------------------------------------------------------------------

interface PoolCase {
  name: string;
  shape: [number, number, number, number];
  k: [number, number];
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  ceilMode?: boolean;
  /** Small integers: many ties. */
  ties?: boolean;
  /** Some NaN and -Infinity inputs. */
  specials?: boolean;
}

const POOL_CASES: PoolCase[] = [
  { name: "2x2 stride 2", shape: [2, 3, 8, 6], k: [2, 2] },
  {
    name: "3x3 stride 2 pad 1, ceil mode",
    shape: [1, 2, 9, 10],
    k: [3, 3],
    stride: [2, 2],
    padding: [1, 1],
    ceilMode: true,
  },
  {
    name: "ceil mode with odd size",
    shape: [2, 2, 7, 5],
    k: [2, 2],
    stride: [2, 2],
    ceilMode: true,
  },
  {
    name: "dilation 2, 3x2 kernel, stride 1",
    shape: [1, 3, 9, 8],
    k: [3, 2],
    stride: [1, 1],
    dilation: [2, 2],
    padding: [1, 1],
  },
  {
    name: "ties keep the first maximum",
    shape: [2, 2, 6, 6],
    k: [3, 3],
    stride: [1, 1],
    padding: [1, 1],
    ties: true,
  },
  {
    name: "NaN wins, -inf inputs",
    shape: [1, 2, 8, 8],
    k: [2, 3],
    stride: [2, 1],
    padding: [1, 1],
    specials: true,
  },
];

describe.skipIf(!ctx)("webgpu maxPool2d vs cpu", () => {
  for (const c of POOL_CASES) {
    it(c.name, async () => {
      const attrs: Pool2dAttrs = {
        kernelSize: c.k,
        stride: c.stride ?? c.k,
        padding: c.padding ?? [0, 0],
        dilation: c.dilation ?? [1, 1],
      };
      const geo = pool2dGeometryFor(
        c.shape,
        [...attrs.kernelSize],
        [...attrs.stride],
        [...attrs.padding],
        [...attrs.dilation],
        c.ceilMode ?? false,
      );
      const n = c.shape.reduce((a, b) => a * b, 1);
      const data = c.ties ? Float32Array.from(randomInts(n, 0, 3)) : randomFloats(n);
      if (c.specials) {
        for (let i = 0; i < n; i++) {
          const r = rand();
          if (r < 0.08) data[i] = Number.NaN;
          else if (r < 0.3) data[i] = Number.NEGATIVE_INFINITY;
        }
      }
      const x = pair("float32", data, c.shape);
      const outShape = [c.shape[0], c.shape[1], geo.outH, geo.outW];
      const out = output("float32", outShape);
      const indices = output("int32", outShape);
      await compare(
        "maxPool2d",
        (s) => ({ x: side(x, s), out: side(out, s), indices: side(indices, s), attrs }),
        (args) => [args.out, args.indices],
        EXACT,
        c.name,
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// gather / scatter
// ---------------------------------------------------------------------------------------------

function typedData(dtype: DType, n: number): TypedArray {
  if (dtype === "float32") return randomFloats(n);
  if (dtype === "int32") return randomInts(n, -1000, 1000);
  return Uint8Array.from(randomInts(n, 0, 2));
}

describe.skipIf(!ctx)("webgpu gather vs cpu", () => {
  for (const dtype of ["float32", "int32", "bool"] as const) {
    for (const dim of [0, 1, 2]) {
      it(`${dtype}, dim ${dim}, index smaller than x, transposed x`, async () => {
        const xShape = [5, 6, 7];
        const n = 5 * 6 * 7;
        // x stored as [7, 5, 6] (a permuted view), after 2 elements
        const stored = [7, 5, 6];
        const st = contiguousStrides(stored);
        const x = pair(dtype, typedData(dtype, n + 2), xShape, [st[1]!, st[2]!, st[0]!], 2);
        const iShape = [4, 5, 3];
        iShape[dim] = 9;
        const idx = pair(
          "int32",
          randomInts(
            iShape.reduce((a, b) => a * b, 1),
            0,
            xShape[dim]!,
          ),
          iShape,
        );
        const out = output(dtype, iShape, 1);
        await compare(
          "gather",
          (s) => ({ x: side(x, s), index: side(idx, s), dim, out: side(out, s) }),
          (args) => [args.out],
          EXACT,
          `gather ${dtype} dim ${dim}`,
        );
      });
    }
  }

  it("expanded index (indexSelect's form)", async () => {
    const x = pair("float32", randomFloats(8 * 5), [8, 5]);
    const rows = pair("int32", randomInts(6, 0, 8), [6, 1], [1, 0]);
    const expanded: Pair = {
      cpu: { ...rows.cpu, shape: [6, 5], strides: [1, 0] },
      gpu: { ...rows.gpu, shape: [6, 5], strides: [1, 0] },
    };
    const out = output("float32", [6, 5]);
    await compare(
      "gather",
      (s) => ({ x: side(x, s), index: side(expanded, s), dim: 0, out: side(out, s) }),
      (args) => [args.out],
      EXACT,
      "indexSelect",
    );
  });

  it("rank 9 with dims that do not merge (host loop)", async () => {
    const shape = [2, 2, 2, 2, 2, 2, 2, 2, 3];
    const n = shape.reduce((a, b) => a * b, 1);
    // x's dims stored in reverse order: no two adjacent dims merge
    const order = shape.map((_, d) => shape.length - 1 - d);
    const x = permutedFloats(shape, order, 1);
    const iShape = [...shape];
    iShape[3] = 3;
    const idx = pair("int32", randomInts((n / 2) * 3, 0, 2), iShape);
    const out = output("float32", iShape);
    await compare(
      "gather",
      (s) => ({ x: side(x, s), index: side(idx, s), dim: 3, out: side(out, s) }),
      (args) => [args.out],
      EXACT,
      "gather rank 9",
    );
  });

  it("out-of-range indices give 0 on the GPU (the CPU kernel throws)", async () => {
    const x = pair("float32", randomFloats(4 * 3), [4, 3]);
    const idx = pair("int32", Int32Array.from([0, -1, 4, 3, 2, 1]), [2, 3]);
    const out = output("float32", [2, 3]);
    webgpuKernels(ctx!.host).gather!({ x: x.gpu, index: idx.gpu, dim: 0, out: out.gpu });
    const got = await ctx!.read(out.gpu.storage);
    const xs = x.cpu.storage.data as Float32Array;
    expect(Array.from(got)).toEqual([xs[0]!, 0, 0, xs[9]!, xs[7]!, xs[5]!]);
  });
});

describe.skipIf(!ctx)("webgpu scatter vs cpu", () => {
  for (const dtype of ["float32", "int32"] as const) {
    for (const dim of [0, 1]) {
      it(`${dtype} dim ${dim} without reduce (distinct indices), src larger than index`, async () => {
        const xShape = [6, 7];
        const iShape = [4, 5];
        iShape[dim] = dim === 0 ? 5 : 6;
        // each index row (along dim) is a prefix of a permutation: no repeats along dim
        const other = 1 - dim;
        const idxData = new Int32Array(iShape[0]! * iShape[1]!);
        for (let j = 0; j < iShape[other]!; j++) {
          const perm = [...Array(xShape[dim]).keys()].sort(() => rand() - 0.5);
          for (let i = 0; i < iShape[dim]!; i++) {
            const pos = dim === 0 ? i * iShape[1]! + j : j * iShape[1]! + i;
            idxData[pos] = perm[i]!;
          }
        }
        const x = pair(dtype, typedData(dtype, 42), xShape);
        const idx = pair("int32", idxData, iShape);
        const src = pair(dtype, typedData(dtype, 8 * 8 + 3), [8, 8], [1, 8], 3);
        const out = output(dtype, xShape);
        await compare(
          "scatter",
          (s) => ({
            x: side(x, s),
            index: side(idx, s),
            src: side(src, s),
            dim,
            reduce: "none",
            out: side(out, s),
          }),
          (args) => [args.out],
          EXACT,
          `scatter ${dtype} dim ${dim}`,
        );
      });

      it(`${dtype} dim ${dim} add, many repeated indices`, async () => {
        const xShape = [5, 6];
        const iShape = [5, 6];
        iShape[dim] = 40;
        const n = iShape[0]! * iShape[1]!;
        const x = pair(dtype, typedData(dtype, 30), xShape, [1, 5]);
        const idx = pair("int32", randomInts(n, 0, xShape[dim]!), iShape);
        const src = pair(dtype, typedData(dtype, n), iShape);
        const out = output(dtype, xShape);
        await compare(
          "scatter",
          (s) => ({
            x: side(x, s),
            index: side(idx, s),
            src: side(src, s),
            dim,
            reduce: "add",
            out: side(out, s),
          }),
          (args) => [args.out],
          // NOTE: float atomics add repeats in any order: ~40-term float32 sums, atol 1e-5 * 10.
          dtype === "float32" ? { rtol: 1e-4, atol: 1e-4 } : EXACT,
          `scatterAdd ${dtype} dim ${dim}`,
        );
      });
    }
  }

  it("bool add is a logical or", async () => {
    const x = pair("bool", Uint8Array.from([0, 0, 1, 0]), [4]);
    const idx = pair("int32", Int32Array.from([1, 1, 3, 0]), [4]);
    const src = pair("bool", Uint8Array.from([1, 1, 0, 0]), [4]);
    const out = output("bool", [4]);
    webgpuKernels(ctx!.host).scatter!({
      x: x.gpu,
      index: idx.gpu,
      src: src.gpu,
      dim: 0,
      reduce: "add",
      out: out.gpu,
    });
    expect(Array.from(await ctx!.read(out.gpu.storage))).toEqual([0, 1, 1, 0]);
  });

  it("maxPool2d's backward form: a scatter-add into flattened planes", async () => {
    const [n, c, hw, ohw] = [2, 3, 36, 9];
    const z = pair("float32", new Float32Array(n * c * hw), [n, c, hw]);
    const idx = pair("int32", randomInts(n * c * ohw, 0, hw), [n, c, ohw]);
    const g = pair("float32", randomFloats(n * c * ohw), [n, c, ohw]);
    const out = output("float32", [n, c, hw]);
    await compare(
      "scatter",
      (s) => ({
        x: side(z, s),
        index: side(idx, s),
        src: side(g, s),
        dim: 2,
        reduce: "add",
        out: side(out, s),
      }),
      (args) => [args.out],
      WEBGPU_VS_CPU,
      "maxPool2d backward",
    );
  });

  it("out-of-range indices are skipped on the GPU", async () => {
    const x = pair("float32", Float32Array.from([1, 2, 3]), [3]);
    const idx = pair("int32", Int32Array.from([5, -1, 1]), [3]);
    const src = pair("float32", Float32Array.from([10, 20, 30]), [3]);
    const out = output("float32", [3]);
    webgpuKernels(ctx!.host).scatter!({
      x: x.gpu,
      index: idx.gpu,
      src: src.gpu,
      dim: 0,
      reduce: "none",
      out: out.gpu,
    });
    expect(Array.from(await ctx!.read(out.gpu.storage))).toEqual([1, 30, 3]);
  });
});

// ---------------------------------------------------------------------------------------------
// optimStep
// ---------------------------------------------------------------------------------------------

interface OptimCase {
  name: string;
  states: number;
  /** The kernel's kind and named scalars at step t (1-based), as ops/optim-step.ts makes them. */
  scalars: (t: number) => OptimStepScalars;
}

const sgd =
  (s: Partial<SgdScalars>) =>
  (t: number): OptimStepScalars => ({
    kind: "sgd",
    scalars: {
      negLr: -0.1,
      weightDecay: 0,
      momentum: 0,
      dampening: 0,
      nesterov: false,
      maximize: false,
      firstStep: t === 1,
      ...s,
    },
  });

const adam =
  (lr: number, beta1: number, beta2: number, s: Partial<AdamScalars> = {}) =>
  (t: number): OptimStepScalars => {
    const weightDecay = s.weightDecay ?? 0;
    return {
      kind: "adam",
      scalars: {
        negStepSize: -lr / (1 - beta1 ** t),
        beta1,
        beta2,
        eps: 1e-8,
        weightDecay,
        biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** t),
        decay: 1 - lr * weightDecay,
        maximize: false,
        decoupled: false,
        ...s,
      },
    };
  };

const rmsprop = (s: Partial<RmspropScalars>) => (): OptimStepScalars => ({
  kind: "rmsprop",
  scalars: {
    negLr: -0.01,
    alpha: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    momentum: 0,
    centered: false,
    maximize: false,
    ...s,
  },
});

const OPTIM_CASES: OptimCase[] = [
  { name: "sgd", states: 0, scalars: sgd({}) },
  {
    name: "sgd weight decay, maximize",
    states: 0,
    scalars: sgd({ negLr: -0.05, weightDecay: 0.01, maximize: true }),
  },
  {
    name: "sgd momentum, dampening",
    states: 1,
    scalars: sgd({ weightDecay: 0.001, momentum: 0.9, dampening: 0.1 }),
  },
  { name: "sgd nesterov", states: 1, scalars: sgd({ momentum: 0.9, nesterov: true }) },
  { name: "adam", states: 2, scalars: adam(1e-3, 0.9, 0.999) },
  {
    name: "adam L2 decay, maximize",
    states: 2,
    scalars: adam(1e-2, 0.8, 0.99, { eps: 1e-6, weightDecay: 0.1, maximize: true }),
  },
  {
    name: "adamw",
    states: 2,
    scalars: adam(1e-2, 0.9, 0.999, { weightDecay: 0.01, decoupled: true }),
  },
  { name: "adam amsgrad", states: 3, scalars: adam(1e-2, 0.9, 0.999) },
  {
    name: "adagrad, lr decay and weight decay",
    states: 1,
    scalars: (t) => ({
      kind: "adagrad",
      scalars: {
        negClr: -0.1 / (1 + (t - 1) * 0.01),
        weightDecay: 0.01,
        eps: 1e-10,
        maximize: false,
      },
    }),
  },
  { name: "rmsprop", states: 1, scalars: rmsprop({}) },
  {
    name: "rmsprop centered",
    states: 2,
    scalars: rmsprop({ alpha: 0.9, weightDecay: 0.01, centered: true }),
  },
  {
    name: "rmsprop momentum, maximize",
    states: 2,
    scalars: rmsprop({ momentum: 0.9, maximize: true }),
  },
  {
    name: "rmsprop centered momentum",
    states: 3,
    scalars: rmsprop({ alpha: 0.95, eps: 1e-6, momentum: 0.5, centered: true }),
  },
];

describe.skipIf(!ctx)("webgpu optimStep vs cpu", () => {
  for (const c of OPTIM_CASES) {
    it(`${c.name}, 3 steps`, async () => {
      const n = 300;
      const shape = [20, 15];
      const param = pair("float32", randomFloats(n + 3), shape, undefined, 3);
      // states start at 0 (amsgrad's max too), as the optimizers create them
      const state = Array.from({ length: c.states }, (_, i) =>
        pair("float32", new Float32Array(n + i), shape, undefined, i),
      );
      for (let t = 1; t <= 3; t++) {
        const grad = pair("float32", randomFloats(n + 1), shape, undefined, 1);
        const make = (s: "cpu" | "gpu"): KernelArgs["optimStep"] => ({
          ...c.scalars(t),
          param: side(param, s),
          grad: side(grad, s),
          state: state.map((p) => side(p, s)),
        });
        await compare(
          "optimStep",
          make,
          (args) => [args.param, ...args.state],
          WEBGPU_VS_CPU,
          `${c.name} step ${t}`,
        );
      }
    });
  }
});
