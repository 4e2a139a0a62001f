import type { TypedArray } from "../../core/dtype.js";
import type { KernelTable } from "../../ops/prims.js";
import type { Backend } from "../backend.js";
import type { Storage } from "../../core/layout.js";
import { fillNormal, fillUniform } from "../../core/philox.js";
import { elementwise } from "./elementwise.js";
import { catKernel, fillKernel, gatherKernel, scatterKernel } from "./indexing.js";
import { checkKernel } from "./checks.js";
import { optimStepKernel } from "./optim.js";
import { conv2dGradInputKernel, conv2dGradWeightKernel, conv2dKernel } from "./conv.js";
import { matmulKernel } from "./matmul.js";
import { maxPool2dKernel } from "./pool.js";
import { reduceKernel, scanKernel } from "./reduce.js";
import { rnnCellBackwardKernel, rnnCellKernel } from "./rnn.js";
import { giveArray, takeArray } from "./storage-pool.js";
import { binaryWasm, heapStorage, releaseHeapArray, unaryWasm } from "./fast.js";

const select = (c: number, a: number, b: number) => (c ? a : b);

/**
 * The CPU backend: the reference for every primitive. Its table is complete (`satisfies
 * KernelTable`), so a primitive without a CPU kernel is a type error.
 */
const kernels = {
  unary: ({ op, x, out }) => {
    if (!unaryWasm(op.name, x, out)) elementwise(op.name, op.js, out, [x]);
  },
  binary: ({ op, a, b, out }) => {
    if (!binaryWasm(op.name, a, b, out)) elementwise(op.name, op.js, out, [a, b]);
  },
  where: ({ cond, a, b, out }) => elementwise("where", select, out, [cond, a, b]),
  reduce: reduceKernel,
  scan: scanKernel,
  matmul: matmulKernel,
  conv2d: conv2dKernel,
  conv2dGradInput: conv2dGradInputKernel,
  conv2dGradWeight: conv2dGradWeightKernel,
  maxPool2d: maxPool2dKernel,
  gather: gatherKernel,
  scatter: scatterKernel,
  cat: catKernel,
  random: ({ dist, seed, offset, out }) => {
    // The frontend allocates random outputs contiguous and float.
    const data = out.storage.data as Float32Array | Float64Array;
    (dist === "uniform" ? fillUniform : fillNormal)(data, seed, offset);
  },
  fill: fillKernel,
  optimStep: optimStepKernel,
  check: checkKernel,
  rnnCell: rnnCellKernel,
  rnnCellBackward: rnnCellBackwardKernel,
} satisfies KernelTable;

export const cpuBackend: Backend = {
  name: "cpu",
  supportsFloat64: true,
  kernels,
  alloc(dtype, size, overwritten = false): Storage {
    // Large float32 and int32 storages live on the wasm heap where there is one (wasm-heap.ts).
    const onHeap =
      dtype === "float32" || dtype === "int32" ? heapStorage(dtype, size, !overwritten) : null;
    return {
      backend: cpuBackend,
      dtype,
      size,
      data: onHeap ?? takeArray(dtype, size, !overwritten),
      refs: 0,
      version: 0,
      freed: false,
    };
  },
  free(storage) {
    // A heap block goes back to the heap; a plain array waits for the next storage of its dtype
    // and length (storage-pool.ts says why).
    if (!releaseHeapArray(storage.data)) giveArray(storage.dtype, storage.data as TypedArray);
  },
  write(storage, data) {
    (storage.data as TypedArray).set(data);
  },
  read(storage) {
    return Promise.resolve(storage.data as TypedArray);
  },
  readSync(storage) {
    return storage.data as TypedArray;
  },
};
