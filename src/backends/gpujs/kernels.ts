import type { KernelTable, Prim } from "../../ops/prims.js";
import { binaryKernel, catKernel, fillKernel, unaryKernel, whereKernel } from "./elementwise.js";
import type { GpujsHost } from "./host.js";
import { gatherKernel, scatterKernel } from "./indexing.js";
import { conv2dGradInputKernel, conv2dGradWeightKernel, conv2dKernel } from "./conv.js";
import { maxPool2dKernel } from "./conv.js";
import { matmulKernel } from "./matmul.js";
import { optimStepKernel } from "./optim.js";
import { reduceKernel, scanKernel } from "./reduce.js";
import { rnnCellBackwardKernel, rnnCellKernel } from "./rnn.js";

/**
 * The gpu.js backend's kernel table: the primitives a training loop spends its time in. The
 * others run on the CPU through the backend's `fallback` (counted by `torch.backendStats()`).
 */
export function gpujsKernels(host: GpujsHost): Partial<KernelTable> {
  return {
    unary: (args) => unaryKernel(host, args),
    binary: (args) => binaryKernel(host, args),
    where: (args) => whereKernel(host, args),
    fill: (args) => fillKernel(host, args),
    cat: (args) => catKernel(host, args),
    reduce: (args) => reduceKernel(host, args),
    scan: (args) => scanKernel(host, args),
    matmul: (args) => matmulKernel(host, args),
    gather: (args) => gatherKernel(host, args),
    scatter: (args) => scatterKernel(host, args),
    conv2d: (args) => conv2dKernel(host, args),
    conv2dGradInput: (args) => conv2dGradInputKernel(host, args),
    conv2dGradWeight: (args) => conv2dGradWeightKernel(host, args),
    maxPool2d: (args) => maxPool2dKernel(host, args),
    optimStep: (args) => optimStepKernel(host, args),
    rnnCell: (args) => rnnCellKernel(host, args),
    rnnCellBackward: (args) => rnnCellBackwardKernel(host, args),
  };
}

/**
 * Primitives without a gpu.js kernel (yet), with the reason; they run on the CPU through the
 * backend's fallback, counted by `torch.backendStats()` (a test checks that every primitive is
 * implemented or listed here, and FEATURES.md lists them).
 */
export const UNSUPPORTED: Partial<Record<Prim, string>> = {
  random: "Philox needs 32-bit integer arithmetic, which gpu.js's float kernels lack",
  check: "a failed check must throw where the op ran, which needs the values on the host",
};
