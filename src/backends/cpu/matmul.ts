/**
 * The CPU's `matmul` kernel: batched {@link gemm} on strided views.
 *
 * @module
 */
import type { KernelArgs } from "../../ops/prims.js";
import type { FloatArray } from "./gemm.js";
import { gemm } from "./gemm.js";
import { elementOffsets } from "./strided.js";

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
