/**
 * `torch.setNumThreads` / `torch.getNumThreads`: the threads of the CPU backend's WebAssembly
 * kernels (the worker pool of `cpu/wasm-pool.ts`; the setting is in `cpu/num-threads.ts`), as
 * PyTorch's `torch.set_num_threads`.
 *
 * @module
 */
export { setNumThreads, getNumThreads } from "./cpu/num-threads.js";
