/**
 * The host of the WebAssembly Adam / AdamW step (kernels/wasm/adam.ts): where the parameter, its
 * gradient and its states are float32 on the wasm heap, the step runs there, split over the
 * worker pool's threads; elsewhere it returns false and optim.ts's TypeScript loop runs. Both
 * give the same bits (float64 arithmetic, in the same order).
 *
 * @module
 */
import { ADAM_SLOTS } from "../../../kernels/wasm/adam.js";
import type { KernelArgs } from "../../ops/prims.js";
import { getNumThreads } from "./num-threads.js";
import { ScratchBlock, viewHeapAddress } from "./wasm-heap.js";
import { heapInstance, runHeapKernel } from "./wasm.js";

/** Elements from which a step is split over threads; a count of wasm steps (tests). */
export const adamWasmInternals = { minSplit: 2 ** 16, calls: 0 };

/** The heap block of the step's scalars (f64s). */
const scalars = new ScratchBlock();

/**
 * optim.ts's `adam` on `n` elements (contiguous views, as the optimStep primitive gives them) on
 * wasm; false (nothing done) where a view is not float32 on the heap.
 */
export function adamWasm(
  args: Extract<KernelArgs["optimStep"], { kind: "adam" }>,
  n: number,
): boolean {
  const { param, grad, state, scalars: s } = args;
  const [p, g, m, v] = [param, grad, state[0]!, state[1]!].map(viewHeapAddress);
  const vm = state.length === 3 ? viewHeapAddress(state[2]!) : v;
  if (p! < 0 || g! < 0 || m! < 0 || v! < 0 || vm < 0) return false;
  const block = scalars.reserve(8 * ADAM_SLOTS.length);
  const inst = block === 0 ? null : heapInstance();
  if (!inst) return false;
  const f64 = new Float64Array(inst.f32.buffer, block, ADAM_SLOTS.length);
  const i32 = new Int32Array(inst.f32.buffer, block, 2 * ADAM_SLOTS.length);
  const l2 = s.decoupled ? 0 : s.weightDecay;
  const values: Record<(typeof ADAM_SLOTS)[number], number | boolean> = {
    sign: s.maximize ? -1 : 1,
    l2,
    decay: s.decay,
    beta1: s.beta1,
    oneMinusBeta1: 1 - s.beta1,
    beta2: s.beta2,
    oneMinusBeta2: 1 - s.beta2,
    biasCorrection2Sqrt: s.biasCorrection2Sqrt,
    eps: s.eps,
    negStepSize: s.negStepSize,
    useL2: l2 !== 0,
    useShrink: s.decoupled && s.weightDecay !== 0,
    useMax: state.length === 3,
  };
  ADAM_SLOTS.forEach((name, k) => {
    const value = values[name];
    // NOTE: masks as raw bits (all ones is a NaN, whose bits a Float64Array may not keep)
    if (typeof value === "boolean") i32[2 * k] = i32[2 * k + 1] = value ? -1 : 0;
    else f64[k] = value;
  });
  adamWasmInternals.calls++;
  runHeapKernel(inst, n >= adamWasmInternals.minSplit ? getNumThreads() : 1, {
    fn: "adam",
    args: [block, p!, g!, m!, v!, vm],
    total: n,
    unit: 16,
    minShare: 16384,
    op: "optimStep",
    kernel: "Adam step",
    sizes: () => `${n} parameters`,
  });
  return true;
}
