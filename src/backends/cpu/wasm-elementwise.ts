/**
 * The host of the WebAssembly SIMD elementwise kernels (kernels/wasm/elementwise.ts): float32 ops
 * whose output and dense inputs live on the wasm heap (wasm-heap.ts) run there, by address, split
 * over the worker pool's threads when big; everything else returns false and takes the
 * TypeScript loop (elementwise.ts), which gives the same bits.
 *
 * What takes the wasm path: a contiguous output; each input either contiguous (on the heap), or
 * one value broadcast over everything (a JS number's 0-d tensor), or one value per index of one
 * dim (a bias over N, C, H, W; a per-row value), or one row repeated (Linear's bias over a batch).
 * Those broadcast inputs may live anywhere: their values are copied into a small heap block.
 *
 * @module
 */
import { EW_BINARY, EW_MODE, EW_UNARY } from "../../../kernels/wasm/elementwise.js";
import { isContiguous, type View } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import { ScratchBlock, viewHeapAddress } from "./wasm-heap.js";
import { getNumThreads } from "./num-threads.js";
import { heapInstance, runHeapKernel, type Instance } from "./wasm.js";

/**
 * Elements from which a call is split over threads. Measured (Node 20, 2 cores, medians): an add
 * of 1e6 floats takes 0.14 ms on one thread; waking a worker costs ~0.02-0.03 ms.
 */
export const ewInternals = { minSplit: 2 ** 18, calls: 0 };

/** Elements of a share: a multiple of 16 (a cache line), at least 64 KiB of output. */
const UNIT = 16;
const MIN_SHARE = 16384;

/** The small heap block that holds a broadcast input's values. */
const consts = new ScratchBlock(4096);

/** Where a non-dense input's element i is: one value, or one per index of dim `dim`. */
interface Broadcast {
  readonly values: number;
  readonly inner: number;
  readonly mode: number;
}

/**
 * How input `v` (of the output's shape) is read: "dense" (contiguous), a {@link Broadcast} (one
 * value, or one per index of a single dim), or null (anything else: not for wasm).
 */
function layoutOf(v: View, n: number): "dense" | Broadcast | null {
  const { shape, strides } = v;
  if (isContiguous(shape, strides)) return "dense";
  let dim = -1;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1 || strides[d] === 0) continue;
    if (dim >= 0) return null;
    dim = d;
  }
  if (dim < 0) return { values: 1, inner: n, mode: EW_MODE.bScalar };
  let inner = 1;
  for (let d = dim + 1; d < shape.length; d++) inner *= shape[d]!;
  // one value per row (the last dim varies): b's row repeats; else one per channel, in runs of
  // `inner` (runs shorter than a vector would run mostly in the scalar tail)
  if (inner === 1) return { values: shape[dim]!, inner, mode: EW_MODE.bRow };
  return inner >= 4 ? { values: shape[dim]!, inner, mode: EW_MODE.bChannel } : null;
}

/** Copies a broadcast input's values (along its one dim) into the const block; its address. */
function stage(v: View, b: Broadcast): number {
  const at = consts.reserve(4 * b.values);
  // NOTE: after the block's allocation, which may have grown the memory
  const f32 = at === 0 ? null : heapInstance()?.f32;
  if (!f32) return 0;
  const data = v.storage.data as Float32Array;
  let stride = 0;
  for (let d = 0; d < v.shape.length; d++)
    if (v.shape[d] !== 1 && v.strides[d] !== 0) stride = v.strides[d]!;
  for (let c = 0, p = v.offset; c < b.values; c++, p += stride) f32[at / 4 + c] = data[p]!;
  return at;
}

/** Runs `fn` over [0, n) on this thread, or split over the pool's threads when big. */
function run(
  inst: Instance,
  fn: "ewBinary" | "ewUnary",
  args: readonly [number, number, number, number, number, number],
  n: number,
  op: string,
): void {
  ewInternals.calls++;
  runHeapKernel(inst, n >= ewInternals.minSplit ? getNumThreads() : 1, {
    fn,
    args,
    total: n,
    unit: UNIT,
    minShare: MIN_SHARE,
    op,
    kernel: "elementwise kernel",
    sizes: () => `${n} elements`,
  });
}

/** out = op(x) on wasm when it can (see the module comment); false: nothing was done. */
export function unaryWasm(op: string, x: View, out: View): boolean {
  const id = (EW_UNARY as readonly string[]).indexOf(op);
  if (id < 0) return false;
  const o = viewHeapAddress(out);
  const a = viewHeapAddress(x);
  if (o < 0 || a < 0 || !isContiguous(out.shape, out.strides) || !isContiguous(x.shape, x.strides))
    return false;
  const inst = heapInstance();
  if (!inst) return false;
  const n = numel(out.shape);
  run(inst, "ewUnary", [id, a, o, 0, 0, 0], n, op);
  return true;
}

/** out = op(a, b) on wasm when it can (see the module comment); false: nothing was done. */
export function binaryWasm(op: string, a: View, b: View, out: View): boolean {
  const id = (EW_BINARY as readonly string[]).indexOf(op);
  if (id < 0) return false;
  const o = viewHeapAddress(out);
  if (o < 0 || !isContiguous(out.shape, out.strides)) return false;
  if (a.dtype !== "float32" || b.dtype !== "float32") return false;
  const n = numel(out.shape);
  let la = layoutOf(a, n);
  let lb = layoutOf(b, n);
  if (!la || !lb) return false;
  let [x, y] = [a, b];
  // a broadcast a with a dense b: add and mul commute; a scalar a has its own mode
  if (la !== "dense" && lb === "dense" && (op === "add" || op === "mul")) {
    [x, y, la, lb] = [b, a, lb, la];
  }
  // a scalar a over a dense b (sub, div: they do not commute) has its own mode
  if (la !== "dense" && (lb !== "dense" || la.mode !== EW_MODE.bScalar)) return false;
  const inst = heapInstance();
  if (!inst) return false;
  let mode: number = EW_MODE.dense;
  let inner = 0;
  let channels = 0;
  let pa: number;
  let pb: number;
  if (la !== "dense") {
    mode = EW_MODE.aScalar;
    pb = viewHeapAddress(y);
    pa = pb < 0 ? 0 : stage(x, la);
  } else if (lb !== "dense") {
    mode = lb.mode;
    inner = lb.inner;
    channels = lb.values;
    pa = viewHeapAddress(x);
    pb = pa < 0 ? 0 : stage(y, lb);
  } else {
    pa = viewHeapAddress(x);
    pb = viewHeapAddress(y);
  }
  if (pa <= 0 || pb <= 0) return false;
  run(inst, "ewBinary", [id * 8 + mode, pa, pb, o, inner, channels], n, op);
  return true;
}
