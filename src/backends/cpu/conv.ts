/**
 * The CPU's conv2d kernels (NCHW input, OIHW weight, as PyTorch), forward and both gradients:
 * the kernel-table entries, and the choice of algorithm. Both algorithms reduce convolution to
 * {@link gemm}:
 * - 3x3, stride 1, dilation 1, at least 4 channels per group in and out (the bulk of a CNN's
 *   work): Winograd F(4x4, 3x3), 4x fewer multiplies than im2col (`winograd.ts`), unless the
 *   work is float32 and the WebAssembly GEMM is on (`wasm.ts`);
 * - everything else: im2col per (image, group) (`im2col.ts`).
 * The geometry, output size included, comes from the shapes of the frontend's tensors.
 *
 * @module
 */
import { conv2dGeometry, type Conv2dPassRunner } from "../../core/conv-geometry.js";
import type { View } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import type { FloatArray } from "./gemm.js";
import { im2colConv2d } from "./im2col.js";
import { contiguousElements } from "./strided.js";
import { useWinograd, wasmGemmActive, winogradConv2d } from "./fast.js";

function floats(v: View): FloatArray {
  return contiguousElements<FloatArray>(v);
}

/** The `conv2d` kernel: x `(N, C_in, H, W)` and w `(C_out, C_in/groups, kH, kW)`, contiguous. */
export function conv2dKernel({ x, w, out, attrs }: KernelArgs["conv2d"]): void {
  const g = conv2dGeometry(x.shape, w.shape, out.shape, attrs);
  conv2dPass("forward", g, floats(x), floats(w), floats(out));
}

/** The `conv2dGradInput` kernel: `out` has the input's shape. */
export function conv2dGradInputKernel(args: KernelArgs["conv2dGradInput"]): void {
  const { gradOut, w, out, attrs } = args;
  const g = conv2dGeometry(out.shape, w.shape, gradOut.shape, attrs);
  conv2dPass("gradInput", g, floats(gradOut), floats(w), floats(out));
}

/** The `conv2dGradWeight` kernel: `out` has the weight's shape. */
export function conv2dGradWeightKernel(args: KernelArgs["conv2dGradWeight"]): void {
  const { x, gradOut, out, attrs } = args;
  const g = conv2dGeometry(x.shape, out.shape, gradOut.shape, attrs);
  conv2dPass("gradWeight", g, floats(x), floats(gradOut), floats(out));
}

/**
 * Runs conv2d pass `pass` (no bias), overwriting `out`; `a`, `b` and `out` are as
 * {@link Conv2dPass} says. Shapes (contiguous): x `(n, cIn, h, w)`, w `(cOut, cIn/groups, kh, kw)`,
 * y `(n, cOut, outH, outW)`.
 *
 * @example
 * const g = conv2dGeometry([1, 1, 4, 4], [1, 1, 3, 3], [1, 1, 2, 2], attrs);
 * conv2dPass("forward", g, x, w, y); // y has 1 * 1 * 2 * 2 elements
 * conv2dPass("gradWeight", g, x, gradY, gradW);
 */
export const conv2dPass: Conv2dPassRunner<FloatArray> = (pass, g, a, b, out) => {
  // NOTE: the weight gradient of an empty batch goes to im2col, which writes zeros. With the
  // wasm GEMM on, float32 convolutions take im2col too: its GEMMs run there ~3x faster than the
  // Winograd path's float64 TypeScript ones (measured at the MNIST CNN's 32 -> 64 channels).
  const winograd = useWinograd(g) && !(a instanceof Float32Array && wasmGemmActive());
  if (winograd && (pass !== "gradWeight" || g.n > 0)) winogradConv2d(pass, g, a, b, out);
  else im2colConv2d(pass, g, a, b, out);
};
