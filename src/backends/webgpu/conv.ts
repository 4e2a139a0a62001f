/**
 * The WebGPU kernels of conv2d and its two gradients (kernels/webgpu/conv.wgsl): implicit GEMM,
 * or a direct kernel where the GEMM form has too few rows or tiles to fill the GPU. float32
 * arithmetic throughout (the CPU accumulates in float64).
 *
 * The three primitives are one convolution seen from three sides: x (N, C_in, H, W), w (C_out,
 * C_in / groups, kH, kW) and y (N, C_out, outH, outW); each reads two of them and writes the third
 * (forward writes y, grad input x, grad weight w). So one dispatcher serves all three, told by a
 * {@link ConvSide} which view plays which part. Every size comes from the views' shapes: the
 * frontend computed the output geometry once, and the kernels never recompute it.
 *
 * @module
 */
import convWgsl from "../../../kernels/webgpu/conv.wgsl";
import type { View } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { elementGrid, grid, gridTiles, type KernelHost } from "./host.js";
import { UniformStruct, WINDOW_FIELDS, windowValues } from "./uniforms.js";

/** Overrides of the conv kernels' own choices, for tests and benchmarks. */
export interface ConvOptions {
  /**
   * "gemm" (implicit GEMM for all three) or "direct" (one invocation per output element for
   * forward and grad input, one workgroup per weight for grad weight).
   */
  readonly convPath?: "gemm" | "direct";
  /** Column tiles per GEMM dispatch (default: the device's limit); see {@link gridTiles}. */
  readonly maxGridTiles?: number;
}

/** The uniform struct of conv.wgsl: the geometry, the views' element offsets, the first column. */
const CONV_PARAMS = new UniformStruct("ConvParams", {
  n: "u32",
  cIn: "u32",
  h: "u32",
  w: "u32",
  cOut: "u32",
  kh: "u32",
  kw: "u32",
  groups: "u32",
  outH: "u32",
  outW: "u32",
  ...WINDOW_FIELDS,
  xOffset: "u32",
  wOffset: "u32",
  yOffset: "u32",
  dstOffset: "u32",
  colStart: "u32",
});

const CODE = CONV_PARAMS.wgsl + convWgsl;

/** Below this many channels per group (GEMM rows of forward and grad input), direct kernels. */
const MIN_GEMM_CHANNELS = 8;
/**
 * Below this many 64 x 64 GEMM tiles, a weight gradient with a reduction (n * outH * outW) of at
 * least {@link MIN_REDUCE_LENGTH} uses one workgroup per weight element instead.
 */
const MIN_GRAD_WEIGHT_TILES = 32;
const MIN_REDUCE_LENGTH = 2048;

/** The sizes of a convolution, read from its three views' shapes. */
interface ConvSizes {
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
  /** Input channels per group. */
  cg: number;
  /** Output channels per group. */
  og: number;
}

/** The views of one call, by their part in the convolution. */
interface ConvViews {
  readonly x: View;
  readonly w: View;
  readonly y: View;
}

/** One conv primitive as a side of the convolution (see the module comment). */
interface ConvSide {
  /**
   * The view the primitive writes (binding 2); it reads the other two, bound at 0 and 1 in the
   * order x, y, w (see conv.wgsl's header).
   */
  readonly writes: keyof ConvViews;
  readonly gemmEntry: string;
  readonly directEntry: string;
  /** GEMM rows and columns per group. */
  gemmSize(s: ConvSizes): [rows: number, cols: number];
  /** Whether the direct entry point is the better one (when no path is forced). */
  preferDirect(s: ConvSizes): boolean;
  /** The direct entry point's grid for `total` written elements. */
  directGrid(total: number): [number, number];
}

/**
 * Forward and grad input: the GEMM's rows are channels per group (out for forward, in for grad
 * input); with few of them, the direct kernel (one invocation per written element) does better.
 */
function channelSide(
  writes: "x" | "y",
  gemmEntry: string,
  gemmSize: ConvSide["gemmSize"],
): ConvSide {
  return {
    writes,
    gemmEntry,
    directEntry: `${gemmEntry}Direct`,
    gemmSize,
    preferDirect: (s) => gemmSize(s)[0] < MIN_GEMM_CHANNELS,
    directGrid: elementGrid,
  };
}

const FORWARD = channelSide("y", "conv2dForward", (s) => [s.og, s.n * s.outH * s.outW]);
const GRAD_INPUT = channelSide("x", "conv2dGradInput", (s) => [s.cg, s.n * s.h * s.w]);

const GRAD_WEIGHT: ConvSide = {
  writes: "w",
  gemmEntry: "conv2dGradWeight",
  directEntry: "conv2dGradWeightReduce",
  gemmSize: (s) => [s.og, s.cg * s.kh * s.kw],
  // NOTE: the reduction (n * outH * outW) is long and the output small, so the GEMM form has few
  // workgroups; split-K would need a scratch buffer. With few tiles and a long reduction, one
  // workgroup per weight element (a tree sum over the reduction) keeps the GPU busier.
  preferDirect: (s) => {
    const [rows, cols] = GRAD_WEIGHT.gemmSize(s);
    const tiles = s.groups * Math.ceil(rows / 64) * Math.ceil(cols / 64);
    return tiles < MIN_GRAD_WEIGHT_TILES && s.n * s.outH * s.outW >= MIN_REDUCE_LENGTH;
  },
  // one workgroup per weight element
  directGrid: grid,
};

function convSizes({ x, w, y }: ConvViews, groups: number): ConvSizes {
  const [n, cIn, h, wd] = x.shape as [number, number, number, number];
  const [cOut, , kh, kw] = w.shape as [number, number, number, number];
  const [, , outH, outW] = y.shape as [number, number, number, number];
  const [cg, og] = [cIn / groups, cOut / groups];
  return { n, cIn, h, w: wd, cOut, kh, kw, groups, outH, outW, cg, og };
}

/**
 * Records the `side` of the convolution over `views`: the direct entry point, or the GEMM one in
 * dispatches of at most `maxGridTiles` column tiles.
 */
function convolve(
  host: KernelHost,
  side: ConvSide,
  views: ConvViews,
  attrs: KernelArgs["conv2d"]["attrs"],
  options: ConvOptions,
): void {
  const out = views[side.writes];
  const total = numel(out.shape);
  if (total === 0) return;
  const s = convSizes(views, attrs.groups);
  const reads = (["x", "y", "w"] as const).filter((v) => v !== side.writes);
  const storages = [...reads.map((v) => views[v].storage), out.storage];
  const window = windowValues(attrs);
  const uniforms = (colStart: number) =>
    CONV_PARAMS.pack(
      Object.assign(
        {
          xOffset: views.x.offset,
          wOffset: views.w.offset,
          yOffset: views.y.offset,
          dstOffset: out.offset,
          colStart,
        },
        s,
        window,
      ),
    );
  const direct =
    options.convPath === "direct" || (options.convPath === undefined && side.preferDirect(s));
  const entryPoint = direct ? side.directEntry : side.gemmEntry;
  const entry = host.pipeline(`conv:${entryPoint}`, () => ({
    code: CODE,
    entryPoint,
    writes: [false, false, true],
  }));
  if (direct) {
    const [gx, gy] = side.directGrid(total);
    host.dispatch(entry, storages, uniforms(0), gx, gy);
    return;
  }
  const [rows, cols] = side.gemmSize(s);
  const perDispatch = gridTiles(host, options.maxGridTiles) * 64;
  for (let start = 0; start < cols; start += perDispatch) {
    const count = Math.min(perDispatch, cols - start);
    host.dispatch(
      entry,
      storages,
      uniforms(start),
      Math.ceil(count / 64),
      Math.ceil(rows / 64),
      attrs.groups,
    );
  }
}

/** conv2d: y = conv(x, w), NCHW input, OIHW weight. */
export function conv2dKernel(
  host: KernelHost,
  { x, w, out, attrs }: KernelArgs["conv2d"],
  options: ConvOptions = {},
): void {
  convolve(host, FORWARD, { x, w, y: out }, attrs, options);
}

/** The input gradient of conv2d: out (x's shape) from gradOut (y) and w. */
export function conv2dGradInputKernel(
  host: KernelHost,
  { gradOut, w, out, attrs }: KernelArgs["conv2dGradInput"],
  options: ConvOptions = {},
): void {
  convolve(host, GRAD_INPUT, { x: out, w, y: gradOut }, attrs, options);
}

/** The weight gradient of conv2d: out (w's shape) from x and gradOut (y). */
export function conv2dGradWeightKernel(
  host: KernelHost,
  { x, gradOut, out, attrs }: KernelArgs["conv2dGradWeight"],
  options: ConvOptions = {},
): void {
  convolve(host, GRAD_WEIGHT, { x, w: out, y: gradOut }, attrs, options);
}
