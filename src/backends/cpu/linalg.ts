import type { View } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import type { FloatArray } from "./gemm.js";
import { gemm } from "./gemm.js";
import { conv2dForward, conv2dGeometry, conv2dGradInput, conv2dGradWeight } from "./conv.js";
import { maxPool2dForward } from "./pool.js";
import { elementOffsets } from "./strided.js";

/**
 * The elements of a contiguous view as their own typed array (a subarray: no copy). The conv and
 * pool kernels index from 0, so a view with an offset (e.g. `x.narrow(0, 1, 2)`) must start there.
 */
function window(v: View): FloatArray {
  const n = v.shape.reduce((a, b) => a * b, 1);
  return (v.storage.data as FloatArray).subarray(v.offset, v.offset + n);
}

/** Batched matmul: one gemm per batch index, on the strided 2-D slices (no copies). */
export function matmulKernel({ a, b, out }: KernelArgs["matmul"]): void {
  const nd = a.shape.length;
  const M = a.shape[nd - 2]!;
  const K = a.shape[nd - 1]!;
  const N = b.shape[nd - 1]!;
  const batch = a.shape.slice(0, nd - 2);
  const aBase = elementOffsets(batch, a.strides.slice(0, nd - 2), a.offset);
  const bBase = elementOffsets(batch, b.strides.slice(0, nd - 2), b.offset);
  const A = a.storage.data as FloatArray;
  const B = b.storage.data as FloatArray;
  const C = out.storage.data as FloatArray;
  for (let i = 0; i < aBase.length; i++) {
    gemm(
      M,
      N,
      K,
      A,
      aBase[i]!,
      a.strides[nd - 2]!,
      a.strides[nd - 1]!,
      B,
      bBase[i]!,
      b.strides[nd - 2]!,
      b.strides[nd - 1]!,
      C,
      out.offset + i * M * N,
    );
  }
}

function geometry(
  xShape: readonly number[],
  wShape: readonly number[],
  attrs: KernelArgs["conv2d"]["attrs"],
) {
  return conv2dGeometry(
    xShape,
    wShape,
    [attrs.stride[0], attrs.stride[1]],
    [attrs.padding[0], attrs.padding[1]],
    [attrs.dilation[0], attrs.dilation[1]],
    attrs.groups,
  );
}

export function conv2dKernel({ x, w, out, attrs }: KernelArgs["conv2d"]): void {
  conv2dForward(geometry(x.shape, w.shape, attrs), window(x), window(w), window(out));
}

export function conv2dGradInputKernel({
  gradOut,
  w,
  out,
  attrs,
}: KernelArgs["conv2dGradInput"]): void {
  conv2dGradInput(geometry(out.shape, w.shape, attrs), window(gradOut), window(w), window(out));
}

export function conv2dGradWeightKernel({
  x,
  gradOut,
  out,
  attrs,
}: KernelArgs["conv2dGradWeight"]): void {
  conv2dGradWeight(geometry(x.shape, out.shape, attrs), window(x), window(gradOut), window(out));
}

export function maxPool2dKernel({ x, out, indices, attrs }: KernelArgs["maxPool2d"]): void {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [outH, outW] = [out.shape[2]!, out.shape[3]!];
  maxPool2dForward(
    {
      n,
      c,
      h,
      w,
      kh: attrs.kernelSize[0],
      kw: attrs.kernelSize[1],
      strideH: attrs.stride[0],
      strideW: attrs.stride[1],
      padH: attrs.padding[0],
      padW: attrs.padding[1],
      dilH: attrs.dilation[0],
      dilW: attrs.dilation[1],
      outH,
      outW,
    },
    window(x),
    window(out),
    window(indices) as unknown as Int32Array,
  );
}
