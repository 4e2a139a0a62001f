import type { KernelTable, Prim } from "../../ops/prims.js";
import { checkKernel } from "./checks.js";
import { conv2dGradInputKernel, conv2dGradWeightKernel, conv2dKernel } from "./conv.js";
import type { ConvOptions } from "./conv.js";
import { binaryKernel, catKernel, fillKernel, unaryKernel, whereKernel } from "./elementwise.js";
import type { KernelHost } from "./host.js";
import { gatherKernel, scatterKernel } from "./indexing.js";
import { matmulKernel, type MatmulOptions } from "./matmul.js";
import { optimStepKernel } from "./optim.js";
import { maxPool2dKernel } from "./pool.js";
import { randomKernel } from "./random.js";
import { reduceKernel } from "./reduce.js";
import { rnnCellBackwardKernel, rnnCellKernel } from "./rnn.js";
import { scanKernel } from "./scan.js";

/**
 * Overrides of the kernels' own choices (matmul tile config, conv path, grid split), for tests
 * and benchmarks: every variant must agree with the CPU, including those that the heuristics
 * pick only at sizes too big for a test.
 */
export type WebGPUKernelOptions = MatmulOptions & ConvOptions;

/**
 * The WebGPU backend's kernel table: one kernel per primitive, each hosted by `host` (see
 * host.ts) with its WGSL in `kernels/webgpu/<family>.wgsl`. Strided inputs are read in place
 * (shape, strides and offsets travel in uniforms), so views never force a copy.
 *
 * @example
 * const backend = await initWebGPU();            // its table is webgpuKernels(backend.context)
 * const small = webgpuKernels(backend.context, { matmulTile: "small" }); // forced variants
 */
export function webgpuKernels(
  host: KernelHost,
  options: WebGPUKernelOptions = {},
): Partial<KernelTable> {
  return {
    unary: (args) => unaryKernel(host, args),
    binary: (args) => binaryKernel(host, args),
    where: (args) => whereKernel(host, args),
    fill: (args) => fillKernel(host, args),
    cat: (args) => catKernel(host, args),
    random: (args) => randomKernel(host, args),
    reduce: (args) => reduceKernel(host, args),
    scan: (args) => scanKernel(host, args),
    matmul: (args) => matmulKernel(host, args, options),
    conv2d: (args) => conv2dKernel(host, args, options),
    conv2dGradInput: (args) => conv2dGradInputKernel(host, args, options),
    conv2dGradWeight: (args) => conv2dGradWeightKernel(host, args, options),
    maxPool2d: (args) => maxPool2dKernel(host, args),
    gather: (args) => gatherKernel(host, args),
    scatter: (args) => scatterKernel(host, args),
    optimStep: (args) => optimStepKernel(host, args),
    check: (args) => checkKernel(host, args),
    rnnCell: (args) => rnnCellKernel(host, args),
    rnnCellBackward: (args) => rnnCellBackwardKernel(host, args),
  };
}

/**
 * Primitives without a WebGPU kernel (yet), with the reason; they run on the CPU through the
 * backend's fallback and are counted by `torch.backendStats()`. Empty: every primitive has a
 * kernel (a test checks that each is implemented or listed here).
 */
export const UNSUPPORTED: Partial<Record<Prim, string>> = {};
