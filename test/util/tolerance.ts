import type { DType } from "../../src/index.js";

/**
 * Tolerances for comparing results, in one place (HOUSE-STYLE section 9). A value passes when
 * `|actual - expected| <= atol + rtol * |expected|`. Loosen per op only, with a comment saying why.
 */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** Exact: integers, bools, and ops that only move data. */
export const EXACT: Tolerance = { rtol: 0, atol: 0 };

/** CPU backend against PyTorch (float32). */
export const CPU_VS_TORCH: Tolerance = { rtol: 1e-5, atol: 1e-6 };
/** CPU backend against PyTorch for matmul and convolution (float32): long dot products. */
export const CPU_VS_TORCH_MATMUL: Tolerance = { rtol: 1e-4, atol: 1e-5 };
/** CPU backend against PyTorch in float64: libm and summation order differ only in the last bits. */
export const CPU_VS_TORCH_F64: Tolerance = { rtol: 1e-10, atol: 1e-12 };
/** CPU backend against PyTorch for matmul and convolution in float64. */
export const CPU_VS_TORCH_F64_MATMUL: Tolerance = { rtol: 1e-9, atol: 1e-11 };

/** WebGPU against the CPU backend. */
export const WEBGPU_VS_CPU: Tolerance = { rtol: 1e-4, atol: 1e-5 };
/** gpu.js against the CPU backend. */
export const GPUJS_VS_CPU: Tolerance = { rtol: 1e-3, atol: 1e-4 };
/**
 * gpu.js against PyTorch (the goldens), float32: every dtype is computed in float32 (int32 and
 * bool exactly, below 2^24), sums are plain sequential loops and WebGL's transcendental
 * functions are only roughly specified, hence looser than WebGPU's.
 */
export const GPUJS_VS_TORCH: Tolerance = { rtol: 1e-3, atol: 1e-4 };

/**
 * Per-op loosening of {@link CPU_VS_TORCH} (float32), each with a comment saying why. The same
 * tolerance applies to the op's outputs and to its input gradients. Empty: every float32 golden
 * passes at CPU_VS_TORCH (where PyTorch's own float32 result is the less accurate one, the
 * fixture's reference is computed in float64 instead; see generate.py's `ref64`).
 */
const LOOSER_F32: Record<string, Tolerance> = {};

/**
 * The tolerance for comparing webtorch's CPU result of `op` in `dtype` with PyTorch's;
 * `innerProducts` for ops that sum products over an inner dimension (matmul, convolution,
 * average pooling), where summation order shows more.
 */
export function torchTolerance(op: string, dtype: DType, innerProducts = false): Tolerance {
  if (dtype === "int32" || dtype === "bool") return EXACT;
  if (dtype === "float64") return innerProducts ? CPU_VS_TORCH_F64_MATMUL : CPU_VS_TORCH_F64;
  if (innerProducts) return CPU_VS_TORCH_MATMUL;
  return LOOSER_F32[op] ?? CPU_VS_TORCH;
}
