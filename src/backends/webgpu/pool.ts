/**
 * The WebGPU maxPool2d kernel (kernels/webgpu/pool.wgsl): one invocation per output element,
 * with PyTorch's CPU semantics for ties and NaN. The output size comes from `out.shape` (the
 * frontend computed it once).
 *
 * @module
 */
import poolWgsl from "../../../kernels/webgpu/pool.wgsl";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { elementGrid, type KernelHost } from "./host.js";
import { UniformStruct, WINDOW_FIELDS, windowValues } from "./uniforms.js";

/** The uniform struct of pool.wgsl. */
const POOL_PARAMS = new UniformStruct("PoolParams", {
  planes: "u32",
  h: "u32",
  w: "u32",
  outH: "u32",
  outW: "u32",
  kh: "u32",
  kw: "u32",
  ...WINDOW_FIELDS,
  xOffset: "u32",
  outOffset: "u32",
  indicesOffset: "u32",
});

/** maxPool2d over contiguous NCHW `x`: the maxima and their flat positions in each plane. */
export function maxPool2dKernel(
  host: KernelHost,
  { x, out, indices, attrs }: KernelArgs["maxPool2d"],
): void {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const total = numel(out.shape);
  if (total === 0) return;
  const entry = host.pipeline("pool:maxPool2d", () => ({
    code: POOL_PARAMS.wgsl + poolWgsl,
    entryPoint: "maxPool2d",
    writes: [false, true, true],
  }));
  const uniforms = POOL_PARAMS.pack(
    Object.assign(windowValues(attrs), {
      planes: n * c,
      h,
      w,
      outH: out.shape[2]!,
      outW: out.shape[3]!,
      kh: attrs.kernelSize[0],
      kw: attrs.kernelSize[1],
      xOffset: x.offset,
      outOffset: out.offset,
      indicesOffset: indices.offset,
    }),
  );
  host.dispatch(entry, [x.storage, out.storage, indices.storage], uniforms, ...elementGrid(total));
}
