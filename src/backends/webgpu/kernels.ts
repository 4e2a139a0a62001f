import type { KernelTable, Prim } from "../../ops/prims.js";
import type { KernelHost } from "./host.js";
import {
  binaryKernel,
  catKernel,
  fillKernel,
  unaryKernel,
  whereKernel,
} from "./kernels-elementwise.js";
import { randomKernel } from "./kernels-random.js";
import { reduceKernel, scanKernel } from "./kernels-reduce.js";

/**
 * The WebGPU kernels of this folder (the linear-algebra ones live in `kernels-linalg.ts`).
 * Strided inputs are read in place (shape, strides and offsets travel in uniforms), so views
 * never force a copy.
 */
export function coreKernels(host: KernelHost): Partial<KernelTable> {
  return {
    unary: (args) => unaryKernel(host, args),
    binary: (args) => binaryKernel(host, args),
    where: (args) => whereKernel(host, args),
    fill: (args) => fillKernel(host, args),
    cat: (args) => catKernel(host, args),
    random: (args) => randomKernel(host, args),
    reduce: (args) => reduceKernel(host, args),
    scan: (args) => scanKernel(host, args),
  };
}

/**
 * Primitives without a WebGPU kernel (yet), with the reason; they run on the CPU through the
 * backend's fallback and are counted by `torch.backendStats()`. Empty: with `kernels-linalg.ts`
 * every primitive has a kernel (a test checks that each is implemented or listed here).
 */
export const UNSUPPORTED: Partial<Record<Prim, string>> = {};
