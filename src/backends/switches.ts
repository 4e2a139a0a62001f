/**
 * `torch.backends`: switches for how the backends run, as PyTorch's `torch.backends.*`.
 *
 * - `torch.backends.wasm.enabled`: whether the CPU backend runs its WebAssembly SIMD kernels
 *   (default on; `WEBTORCH_WASM=0` in the environment turns it off). Off, or without WebAssembly
 *   SIMD support, the TypeScript kernels run.
 *
 * @module
 */
export { wasm } from "./cpu/fast.js";
