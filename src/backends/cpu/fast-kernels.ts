/**
 * The CPU backend's fast kernels, as one module that fast.ts loads: the WebAssembly SIMD GEMM
 * (wasm.ts, its worker pool and its code generator in kernels/wasm/), the wasm heap that large
 * storages live on and the kernels that run there (elementwise, im2col, max pooling, Adam), and
 * the Winograd convolution. In the browser build this module and what it imports are a chunk of
 * their own, loaded by dynamic import (fast-load-browser.ts); elsewhere it is imported statically
 * (fast-load-node.ts).
 *
 * @module
 */
export { gemmWasm, useWasmGemm, wasmGemmActive, isAvailable, usesRelaxedSimd } from "./wasm.js";
export { heapStorage, zeroHeapRange } from "./wasm.js";
export { releaseHeapArray } from "./wasm-heap.js";
export { binaryWasm, unaryWasm } from "./wasm-elementwise.js";
export { im2colWasm, regroupWasm } from "./wasm-im2col.js";
export { maxPool2x2Wasm } from "./wasm-max-pool.js";
export { adamWasm } from "./wasm-optim.js";
export { useWinograd, winogradConv2d } from "./winograd.js";
