/**
 * The seam between the CPU backend and its fast kernels (fast-kernels.ts: the WebAssembly SIMD
 * GEMM and the Winograd convolution), so that a browser bundle loads them after the page, by
 * dynamic import, instead of up front. Each function here answers as if the fast kernels were off
 * until their module has arrived: CPU ops are synchronous, so they cannot wait for it, and the
 * TypeScript kernels give the same results within float32 rounding. In Node and in the tests the
 * module is imported statically (fast-load-node.ts) and is there from the first op;
 * `await torch.init()` waits for it everywhere ({@link fastKernelsLoaded}).
 *
 * @module
 */
import type { Conv2dGeometry, Conv2dPassRunner } from "../../core/conv-geometry.js";
import type * as FastKernels from "./fast-kernels.js";
import { loadFastKernels } from "./fast-load-node.js";
import type { FloatArray } from "./gemm.js";
import { setWasmEnabled, wasmEnabled } from "./wasm-switch.js";

let fast: typeof FastKernels | null = null;
const loading = start();
if (!(loading instanceof Promise)) fast = loading;

/** Starts loading; a loader that throws (a bundler's preload helper without a DOM) is a failure. */
function start(): ReturnType<typeof loadFastKernels> {
  try {
    return loadFastKernels();
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/**
 * Resolves when the fast kernels' module has loaded, or has failed to (then the TypeScript
 * kernels stay); never rejects. `torch.init()` awaits it.
 */
export const fastKernelsLoaded: Promise<void> = Promise.resolve(loading).then(
  (m) => void (fast = m),
  () => undefined,
);

/** Whether {@link gemmWasm} should take this product (see wasm.ts); false until loaded. */
export const useWasmGemm: typeof FastKernels.useWasmGemm = (...args) =>
  fast !== null && fast.useWasmGemm(...args);

/** The wasm GEMM (wasm.ts); call it only where {@link useWasmGemm} said yes. */
export const gemmWasm: typeof FastKernels.gemmWasm = (...args) =>
  fast !== null && fast.gemmWasm(...args);

/**
 * A float32 or int32 storage array on the wasm heap (wasm-heap.ts), zeroed if asked, or null
 * (until loaded, too).
 */
export const heapStorage: typeof FastKernels.heapStorage = (...args) =>
  fast !== null ? fast.heapStorage(...args) : null;

/** Zeroes `data[from, to)` if it is a heap array (fast there); false: the caller fills it. */
export function zeroHeapRange(data: unknown, from: number, to: number): boolean {
  return fast !== null && fast.zeroHeapRange(data, from, to);
}

/** Frees a storage array's heap block; false for a plain array (then nothing was done). */
export function releaseHeapArray(data: unknown): boolean {
  return fast !== null && fast.releaseHeapArray(data);
}

/** out = op(x) on the wasm heap's SIMD kernels, where they apply; false: nothing was done. */
export const unaryWasm: typeof FastKernels.unaryWasm = (...args) =>
  fast !== null && fast.unaryWasm(...args);

/** out = op(a, b) on the wasm heap's SIMD kernels, where they apply; false: nothing was done. */
export const binaryWasm: typeof FastKernels.binaryWasm = (...args) =>
  fast !== null && fast.binaryWasm(...args);

/** im2col / col2im on wasm where both arrays are on the heap (wasm-im2col.ts); false: not done. */
export const im2colWasm: typeof FastKernels.im2colWasm = (...args) =>
  fast !== null && fast.im2colWasm(...args);

/** im2col.ts's regroup on wasm where both arrays are on the heap; false: not done. */
export const regroupWasm: typeof FastKernels.regroupWasm = (...args) =>
  fast !== null && fast.regroupWasm(...args);

/** 2x2 max pooling on wasm where its arrays are on the heap (wasm-max-pool.ts); false: not done. */
export const maxPool2x2Wasm: typeof FastKernels.maxPool2x2Wasm = (...args) =>
  fast !== null && fast.maxPool2x2Wasm(...args);

/** Adam's step on wasm where its arrays are on the heap (wasm-optim.ts); false: not done. */
export const adamWasm: typeof FastKernels.adamWasm = (...args) =>
  fast !== null && fast.adamWasm(...args);

/** Whether float32 GEMMs of some size run on wasm now; false until loaded. */
export function wasmGemmActive(): boolean {
  return fast !== null && fast.wasmGemmActive();
}

/** Whether the Winograd convolution applies (winograd.ts); false until loaded. */
export function useWinograd(g: Conv2dGeometry): boolean {
  return fast !== null && fast.useWinograd(g);
}

/** The Winograd convolution; call it only where {@link useWinograd} said yes. */
export const winogradConv2d: Conv2dPassRunner<FloatArray> = (...args) =>
  fast!.winogradConv2d(...args);

/**
 * `torch.backends.wasm`: the switch for the CPU backend's WebAssembly SIMD kernels, as
 * `torch.backends.mkldnn` is for PyTorch's.
 *
 * @example
 * torch.backends.wasm.enabled = false; // the TypeScript kernels run from now on
 * torch.backends.wasm.isAvailable();   // whether this runtime has WebAssembly SIMD
 */
export const wasm = {
  /** Whether the CPU backend uses its WebAssembly kernels (default: on, unless `WEBTORCH_WASM=0`). */
  get enabled(): boolean {
    return wasmEnabled();
  },
  set enabled(on: boolean) {
    setWasmEnabled(on);
  },
  /**
   * Whether this runtime can run the kernels (WebAssembly with SIMD128). In a browser bundle,
   * false until their module has loaded: `await torch.init()` first.
   */
  isAvailable(): boolean {
    return fast !== null && fast.isAvailable();
  },
  /** Whether the GEMM kernel uses relaxed-SIMD fused multiply-add. */
  usesRelaxedSimd(): boolean {
    return fast !== null && fast.usesRelaxedSimd();
  },
};
