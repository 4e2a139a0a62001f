/**
 * The host of the WebAssembly SIMD kernels (kernels/wasm/): probes for support once, compiles
 * the generated module, owns its memory, and runs float32 GEMM on it.
 *
 * Storage and wasm memory meet by copying: each call copies the storage span of each operand
 * (any strides) into one `WebAssembly.Memory` with one `TypedArray.set`, packs it there in wasm
 * (kernels/wasm/pack.ts), runs the kernel, and copies the M x N result out. Measured share of
 * copies and packing in the whole call (bench/matmul-kernel.ts, medians): 3% at 1024^3, 6% at
 * 512^3, 7-17% at the MNIST fc1 products, ~26% at a 12544 x 64 x 288 im2col product (K small next
 * to M), ~55% at the tiny fc2 product 64 x 10 x 128 (0.04 ms in all). Sparse views (a span over 4x
 * the elements) and products over the memory budget are packed in TypeScript instead.
 *
 * NOTE: the memory is never grown with `Memory.grow`: growing detaches the old ArrayBuffer,
 * and the first detach in a process permanently slows V8's typed-array code (see gemm.ts). When
 * more room is needed, a new, larger memory and a new instance replace the old ones.
 * Products split over threads (wasm-pool.ts, `torch.setNumThreads`) use the pool's shared memory
 * instead, with this thread's own instance on it; that one does grow (a shared memory's buffer is
 * never detached).
 *
 * Switched off (the TypeScript kernels run) by `WEBTORCH_WASM=0` in the environment or
 * `torch.backends.wasm.enabled = false` (wasm-switch.ts); without WebAssembly SIMD support it is
 * off, silently. The CPU backend reaches this module through fast.ts (loaded lazily in a browser).
 *
 * @module
 */
import { gemmModule, type GemmKernelConfig } from "../../../kernels/wasm/gemm.js";
import type { FloatArray } from "./gemm.js";
import {
  HEAP_MIN_BYTES,
  heapAddress,
  heapArray,
  heapMemory,
  ScratchBlock,
  type HeapDType,
} from "./wasm-heap.js";
import { PARALLEL_EXPORTS } from "./wasm-workers.js";
import {
  MAX_TIMEOUTS,
  poolFor,
  poolInternals,
  runSplit,
  sayWhyOneThread,
  SHARED_MAX_PAGES,
  threadsFor,
  type Pool,
  type SplitCall,
} from "./wasm-pool.js";
import { wasmEnabled } from "./wasm-switch.js";

/**
 * The kernel: a 4 x 8 register tile (8 v128 accumulators, 2 of B, 4 of A: the 15 xmm registers
 * V8 allocates on x64, with no spill; 5 x 8 and 6 x 8 spill and run slower), depth loop not
 * unrolled by hand (TurboFan unrolls it 4x itself; unrolling by hand made it hoist every load
 * and spill), 256-deep panels, 64-row blocks (a sweep of kc 128-512 x mc 32-256 at 1024^3 and
 * the MNIST shapes stayed within noise, 50-54 GFLOP/s: the kernel is bound by arithmetic here).
 */
const CONFIG: Omit<GemmKernelConfig, "relaxed"> = { mr: 4, nr: 8, ku: 1, kc: 256, mc: 64 };

/**
 * Products with fewer multiply-adds than this, or with a single row or column (matrix-vector),
 * stay on the TypeScript gemm. Measured (Node 20, x64, medians): the wasm path, packing and copy
 * out included, is already ~2x faster at 10 x 10 x 10 and 4-7x from 32^3 up, but slower at
 * 4 x 4 x 4, and at M = 1 or N = 1, where the 4 x 8 tile is mostly padding (0.3-0.9x).
 */
export const WASM_MIN_MACS = 1000;

/**
 * Internals for tests and benchmarks: the memory budget of one call (bigger products are cut into
 * row chunks), a count of wasm GEMM calls, the current memory, and a re-run of the last kernel
 * call on the operands already packed (to time the kernel without packing and copying).
 */
export const wasmInternals = {
  memoryBudget: 256 * 2 ** 20,
  /** Whether the kernels run on the wasm heap where there is one (tests turn it off). */
  heap: true,
  gemmCalls: 0,
  /** This thread's own memory (used where there is no heap). */
  memory: (): WebAssembly.Memory | null => instance?.memory ?? null,
  /** Re-runs the last kernel call (on as many threads as it ran), for benchmarks. */
  rerunLastKernel: (): void => lastRun?.(),
};
let lastRun: (() => void) | null = null;
const PAGE = 65536;

export interface Instance {
  readonly memory: WebAssembly.Memory;
  readonly f32: Float32Array;
  readonly gemm: (
    aPtr: number,
    bPtr: number,
    cPtr: number,
    Mp: number,
    Np: number,
    Kp: number,
    mStart: number,
    mEnd: number,
  ) => void;
  /** Packs a raw operand already in memory (kernels/wasm/pack.ts); byte addresses and strides. */
  readonly packA: PackFn;
  readonly packB: PackFn;
  /** The elementwise kernels (kernels/wasm/elementwise.ts). */
  readonly ewBinary: (...args: number[]) => void;
  readonly ewUnary: (...args: number[]) => void;
  /** `zero(ptr, bytes)`: memory.fill with zeros. */
  readonly zero: (ptr: number, bytes: number) => void;
  /** im2col and col2im (kernels/wasm/im2col.ts). */
  readonly im2colGather: (...args: number[]) => void;
  readonly im2colScatter: (...args: number[]) => void;
  readonly regroupToRows: (...args: number[]) => void;
  readonly regroupFromRows: (...args: number[]) => void;
  /** 2x2 max pooling at stride 2 (kernels/wasm/max-pool.ts). */
  readonly maxPool2x2: (...args: number[]) => void;
  /** Adam's step (kernels/wasm/adam.ts). */
  readonly adam: (...args: number[]) => void;
}

type PackFn = (
  src: number,
  lines: number,
  depth: number,
  ls: number,
  ds: number,
  dst: number,
  lStart: number,
  lEnd: number,
) => void;

/** The compiled module, null when unsupported, undefined before the first probe. */
let compiled: WebAssembly.Module | null | undefined;
/** Whether the module uses relaxed-SIMD FMA. */
let relaxedFma = false;
let instance: Instance | null = null;
/** The module for a shared memory (threads), null when refused, undefined before first use. */
let sharedCompiled: WebAssembly.Module | null | undefined;
/** This thread's instance on the worker pool's shared memory. */
let sharedInstance: Instance | null = null;

/** Compiles the kernel once; null when WebAssembly or SIMD128 is missing. */
function module(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (typeof WebAssembly !== "object" || typeof WebAssembly.validate !== "function") return null;
  try {
    // NOTE: relaxed SIMD (browsers since Chrome 114; not Node 20 without a flag) gives FMA.
    const relaxed = gemmModule({ ...CONFIG, relaxed: true });
    const plain = gemmModule({ ...CONFIG, relaxed: false });
    relaxedFma = WebAssembly.validate(relaxed);
    const bytes = relaxedFma ? relaxed : plain;
    if (relaxedFma || WebAssembly.validate(plain)) compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Whether this runtime can run the kernels (WebAssembly with SIMD128): `torch.backends.wasm`. */
export function isAvailable(): boolean {
  return module() !== null;
}

/** Whether the GEMM kernel uses relaxed-SIMD fused multiply-add. */
export function usesRelaxedSimd(): boolean {
  return module() !== null && relaxedFma;
}

/** Whether float32 GEMMs of some size run on wasm now (switched on, and supported). */
export function wasmGemmActive(): boolean {
  return wasmEnabled() && module() !== null;
}

/** An instance whose memory holds at least `bytes`; replaces a smaller one (never grows it). */
function instanceFor(bytes: number): Instance | null {
  const mod = module();
  if (!mod) return null;
  if (instance && instance.memory.buffer.byteLength >= bytes) return instance;
  // NOTE: room for 1.5x the request (within the budget), so that slowly growing sizes do not
  // re-instantiate each call. The memory is kept for the next calls, never shrunk.
  const room = Math.max(bytes, Math.min(bytes * 1.5, wasmInternals.memoryBudget));
  const pages = Math.ceil(room / PAGE);
  instance = instantiate(mod, new WebAssembly.Memory({ initial: pages }));
  return instance;
}

function instantiate(mod: WebAssembly.Module, memory: WebAssembly.Memory): Instance {
  const ex = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports;
  return {
    memory,
    f32: new Float32Array(memory.buffer),
    gemm: ex.gemm as Instance["gemm"],
    packA: ex.packA as PackFn,
    packB: ex.packB as PackFn,
    ewBinary: ex.ewBinary as Instance["ewBinary"],
    ewUnary: ex.ewUnary as Instance["ewUnary"],
    zero: ex.zero as Instance["zero"],
    im2colGather: ex.im2colGather as Instance["im2colGather"],
    im2colScatter: ex.im2colScatter as Instance["im2colScatter"],
    regroupToRows: ex.regroupToRows as Instance["regroupToRows"],
    regroupFromRows: ex.regroupFromRows as Instance["regroupFromRows"],
    maxPool2x2: ex.maxPool2x2 as Instance["maxPool2x2"],
    adam: ex.adam as Instance["adam"],
  };
}

/** The module for a shared memory (the heap); null where refused. */
function sharedModule(): WebAssembly.Module | null {
  if (sharedCompiled !== undefined) return sharedCompiled;
  sharedCompiled = null;
  if (!module()) return null;
  try {
    const bytes = gemmModule({ ...CONFIG, relaxed: relaxedFma }, SHARED_MAX_PAGES);
    sharedCompiled = new WebAssembly.Module(bytes);
  } catch {
    sharedCompiled = null;
  }
  return sharedCompiled;
}

/**
 * This thread's instance on the wasm heap (wasm-heap.ts), its `f32` view over the whole memory as
 * it is now; null where there is no heap (or the wasm kernels are off or unsupported).
 */
export function heapInstance(): Instance | null {
  if (!wasmInternals.heap || !wasmEnabled()) return null;
  const mod = sharedModule();
  const memory = mod && heapMemory();
  if (!mod || !memory) return null;
  // NOTE: a grown shared memory has a new, longer buffer (the old one is not detached)
  if (sharedInstance?.memory !== memory) sharedInstance = instantiate(mod, memory);
  else if (sharedInstance.f32.byteLength !== memory.buffer.byteLength)
    sharedInstance = { ...sharedInstance, f32: new Float32Array(memory.buffer) };
  return sharedInstance;
}

/**
 * A storage array of `dtype` and `size` elements on the wasm heap (zeroed if `zeroed`, else
 * contents unspecified), or null where it should be a plain array: small, no heap, wasm off, or no
 * room.
 */
export function heapStorage<D extends HeapDType>(
  dtype: D,
  size: number,
  zeroed = false,
): (D extends "int32" ? Int32Array : Float32Array) | null {
  const inst = size * 4 >= HEAP_MIN_BYTES ? heapInstance() : null;
  const data =
    inst && (heapArray(dtype, size) as (D extends "int32" ? Int32Array : Float32Array) | null);
  if (data && zeroed) inst.zero(data.byteOffset, data.byteLength);
  return data;
}

/**
 * Zeroes `data[from, to)` if `data` is on the heap, with `memory.fill` (see the elementwise
 * module's `zero`); false (nothing done) for any other array.
 */
export function zeroHeapRange(data: unknown, from: number, to: number): boolean {
  const at = heapAddress(data);
  const inst = at < 0 ? null : heapInstance();
  if (!inst || to <= from) return inst !== null;
  inst.zero(at + 4 * from, 4 * (to - from));
  return true;
}

/** The worker pool on the heap for a call split over `threads` (> 1); null: one thread. */
export function heapPool(threads: number): Pool | null {
  const mod = threads > 1 ? sharedModule() : null;
  const memory = mod && heapMemory();
  return mod && memory ? poolFor(mod, memory) : null;
}

/** The GEMM's scratch block on the heap (room for 1.5x a request, within the memory budget). */
const scratch = new ScratchBlock(0, 1.5, () => wasmInternals.memoryBudget);

/**
 * Runs a heap kernel `fn(...args, start, end)` over [0, total): on this thread, or split over
 * the pool's threads when `threads` > 1 (see {@link SplitCall} for the rest of `call`).
 */
export function runHeapKernel(
  inst: Instance,
  threads: number,
  call: Omit<SplitCall, "fn"> & { readonly fn: (typeof PARALLEL_EXPORTS)[number] },
): void {
  const exec = inst[call.fn] as (...args: number[]) => void;
  const pool = threads > 1 && poolInternals.timeouts < MAX_TIMEOUTS ? heapPool(threads) : null;
  if (!pool) exec(...call.args, 0, call.total);
  else
    runSplit(pool, threads, { ...call, fn: PARALLEL_EXPORTS.indexOf(call.fn) }, (s, e) =>
      exec(...call.args, s, e),
    );
}

/**
 * The instance, pool and scratch address for a call needing `bytes` of scratch: on the heap
 * (the pool's threads when `threads` > 1) where there is one, else on this thread's own memory
 * (scratch at 0). Null when neither can be had: the TypeScript kernel runs.
 */
function instanceForCall(
  bytes: number,
  threads: number,
): { inst: Instance; pool: Pool | null; base: number } | null {
  const heapInst = heapInstance();
  const base = heapInst ? scratch.reserve(bytes) : 0;
  if (heapInst && base !== 0) {
    // NOTE: the scratch may have grown the memory: the view must cover it
    const inst = heapInstance()!;
    return { inst, pool: heapPool(threads), base };
  }
  // NOTE: no heap (a page without cross-origin isolation has no shared memory): one thread
  if (threads > 1) sayWhyOneThread();
  const inst = instanceOrNull(bytes);
  return inst && { inst, pool: null, base: 0 };
}

/** Runs the kernel over all `Mp` rows: on this thread, or split across `threads` of the pool. */
// prettier-ignore
function runGemm(
  inst: Instance, pool: Pool | null, threads: number,
  aPtr: number, bPtr: number, cPtr: number, Mp: number, Np: number, Kp: number,
): void {
  const use = pool ? Math.min(threads, Mp / CONFIG.mr) : 1;
  const run = () => runHeapKernel(inst, use, {
    fn: "gemm", args: [aPtr, bPtr, cPtr, Mp, Np, Kp], total: Mp, unit: CONFIG.mr, minShare: 64,
    op: "matmul", kernel: "GEMM", sizes: () => `C ${Mp} x ${Np}, depth ${Kp}`,
  });
  lastRun = run;
  run();
}

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/**
 * Whether {@link gemmWasm} should take this product: wasm on and available, float32 work (an
 * all-float64 call is float64 work, e.g. gradcheck, and keeps the TypeScript kernel's double
 * precision), and big enough to pay for packing and the copy out.
 */
export function useWasmGemm(
  M: number,
  N: number,
  K: number,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
): boolean {
  if (M * N * K < WASM_MIN_MACS || M < 2 || N < 2) return false;
  if (a instanceof Float64Array && b instanceof Float64Array && out instanceof Float64Array)
    return false;
  return wasmGemmActive();
}

/**
 * `out[outOff + i*N + j] = (accumulate ? out[...] : 0) + sum_k A[i,k] * B[k,j]` in float32 on
 * the wasm kernel, with the operands as {@link Gemm} takes them (any strides). Returns false,
 * having done nothing, when no instance can be had (no support, or memory refused).
 */
// prettier-ignore
export function gemmWasm(
  M: number, N: number, K: number,
  a: FloatArray, aOff: number, aRs: number, aCs: number,
  b: FloatArray, bOff: number, bRs: number, bCs: number,
  out: FloatArray, outOff: number, accumulate = false,
): boolean {
  if (M <= 0 || N <= 0) return true;
  if (K <= 0) {
    // NOTE: the kernel's loops run at least once; an empty sum is zero
    if (!accumulate) out.fill(0, outOff, outOff + M * N);
    return true;
  }
  const { mr, nr, ku } = CONFIG;
  const Mp = roundUp(M, mr);
  const Np = roundUp(N, nr);
  const Kp = roundUp(K, ku);
  const threads = threadsFor(M * N * K, Mp, mr);
  const bBytes = 4 * Np * Kp;
  const spanA = span(M, K, aRs, aCs);
  const spanB = span(N, K, bCs, bRs);
  // Packing in wasm from a raw copy of each operand's span, unless a view is so sparse in its
  // storage that the copy would be mostly waste, or the whole product does not fit the budget.
  const scratch = 4 * Math.max(spanA.count, spanB.count);
  const whole = bBytes + 4 * Mp * (Kp + Np) + scratch;
  const dense = spanA.count <= 4 * M * K + 64 && spanB.count <= 4 * N * K + 64 && Kp === K;
  if (dense && whole <= wasmInternals.memoryBudget) {
    const got = instanceForCall(whole, threads);
    if (!got) return false;
    const { inst, pool, base } = got;
    wasmInternals.gemmCalls++;
    const [bPtr, aPtr] = [base, base + bBytes];
    const cPtr = aPtr + 4 * Mp * Kp;
    const rawPtr = cPtr + 4 * Mp * Np;
    const split = { pool, threads };
    packRaw(inst, split, "packB", N, K, b, bOff, bCs, bRs, spanB, bPtr, rawPtr);
    packRaw(inst, split, "packA", M, K, a, aOff, aRs, aCs, spanA, aPtr, rawPtr);
    runGemm(inst, pool, threads, aPtr, bPtr, cPtr, Mp, Np, Kp);
    copyOut(inst.f32, cPtr / 4, Np, M, N, out, outOff, accumulate);
    return true;
  }
  // Otherwise: packing in TypeScript, straight from the views, and rows in chunks that fit.
  const perRow = 4 * (Kp + Np);
  const rows = Math.floor((wasmInternals.memoryBudget - bBytes) / perRow / mr) * mr;
  const chunk = Math.max(mr, Math.min(Mp, rows));
  const got = instanceForCall(bBytes + chunk * perRow, threads);
  if (!got) return false;
  const { inst, pool, base } = got;
  wasmInternals.gemmCalls++;
  const mem = inst.f32;
  const bPtr = base;
  const aPtr = base + bBytes;
  packPanels(N, Kp, K, b, bOff, bCs, bRs, nr, mem, bPtr / 4);
  for (let i0 = 0; i0 < M; i0 += chunk) {
    const m = Math.min(chunk, M - i0);
    const mp = roundUp(m, mr);
    const cPtr = aPtr + 4 * mp * Kp;
    packPanels(m, Kp, K, a, aOff + i0 * aRs, aRs, aCs, mr, mem, aPtr / 4);
    runGemm(inst, pool, threads, aPtr, bPtr, cPtr, mp, Np, Kp);
    copyOut(mem, cPtr / 4, Np, m, N, out, outOff + i0 * N, accumulate);
  }
  return true;
}

/** {@link instanceFor}, or null when the engine refuses the memory (the TypeScript kernel runs). */
function instanceOrNull(bytes: number): Instance | null {
  try {
    return instanceFor(bytes);
  } catch {
    return null;
  }
}

/** The storage an operand's view touches: its lowest index relative to the offset, and count. */
function span(lines: number, depth: number, ls: number, ds: number): { lo: number; count: number } {
  const l = (lines - 1) * ls;
  const d = (depth - 1) * ds;
  const lo = Math.min(0, l) + Math.min(0, d);
  return { lo, count: Math.max(0, l) + Math.max(0, d) - lo + 1 };
}

/**
 * Copies an operand's span raw to byte `rawPtr` (one `set`: a memcpy, or float64 -> float32),
 * unless it is on the heap already, then packs it in wasm into the panels at byte `dstPtr`, split
 * by slivers over the pool's threads where the call is. Element (l, k) is `src[off + l*ls + k*ds]`.
 */
function packRaw(
  inst: Instance,
  { pool, threads }: { pool: Pool | null; threads: number },
  which: "packA" | "packB",
  lines: number,
  depth: number,
  src: FloatArray,
  off: number,
  ls: number,
  ds: number,
  { lo, count }: { lo: number; count: number },
  dstPtr: number,
  rawPtr: number,
): void {
  // an operand on the heap, in this instance's memory, is packed where it is
  const at = inst.memory === heapMemory() ? heapAddress(src) : -1;
  let from = at + 4 * off;
  if (at < 0) {
    inst.f32.set(src.subarray(off + lo, off + lo + count), rawPtr / 4);
    from = rawPtr - 4 * lo;
  }
  // NOTE: packing is a copy: worth splitting only where the product is split and the operand big
  const split = pool !== null && lines * depth >= 2 ** 18;
  runHeapKernel(inst, split ? threads : 1, {
    fn: which,
    args: [from, lines, depth, 4 * ls, 4 * ds, dstPtr],
    total: lines,
    unit: which === "packA" ? CONFIG.mr : CONFIG.nr,
    minShare: 64,
    op: "matmul",
    kernel: "GEMM's packing",
    sizes: () => `${lines} x ${depth}`,
  });
}

/**
 * Packs `lines` x `depth` elements, element (l, k) at `src[off + l*ls + k*ds]`, into the kernel's
 * panel layout at `dst[base..]`: depth panels of `CONFIG.kc`, each holding slivers of `width`
 * lines, (l, k) at k*width + l within its sliver. Depths past `depth` (up to `depthP`) are zero.
 */
function packPanels(
  lines: number,
  depthP: number,
  depth: number,
  src: FloatArray,
  off: number,
  ls: number,
  ds: number,
  width: number,
  dst: Float32Array,
  base: number,
): void {
  const linesP = roundUp(lines, width);
  // NOTE: walk the source along its smaller stride, as the TypeScript gemm's packing does.
  const alongDepth = Math.abs(ds) <= Math.abs(ls);
  for (let pc = 0; pc < depthP; pc += CONFIG.kc) {
    const kc = Math.min(CONFIG.kc, depthP - pc);
    const kValid = Math.max(0, Math.min(kc, depth - pc));
    const panel = base + pc * linesP;
    for (let l0 = 0; l0 < lines; l0 += width) {
      const sliver = panel + l0 * kc;
      const full = Math.min(width, lines - l0);
      // NOTE: padding lines past `lines` need no zeros: they only feed C's padding rows or
      // columns, which are never copied out. Padding depths do (they add into every element).
      if (kValid < kc) dst.fill(0, sliver, sliver + width * kc);
      const s0 = off + l0 * ls + pc * ds;
      if (alongDepth) {
        for (let r = 0; r < full; r++) {
          let s = s0 + r * ls;
          for (let d = sliver + r, k = 0; k < kValid; k++, d += width, s += ds) dst[d] = src[s]!;
        }
      } else {
        for (let k = 0, d = sliver; k < kValid; k++, d += width) {
          let s = s0 + k * ds;
          for (let r = 0; r < full; r++, s += ls) dst[d + r] = src[s]!;
        }
      }
    }
  }
}

/** Copies (or adds) the valid m x n corner of C (row stride `ldc`) into `out`, row-major. */
function copyOut(
  mem: Float32Array,
  c: number,
  ldc: number,
  m: number,
  n: number,
  out: FloatArray,
  o: number,
  accumulate: boolean,
): void {
  if (!accumulate && ldc === n) {
    out.set(mem.subarray(c, c + m * n), o);
    return;
  }
  for (let i = 0; i < m; i++, c += ldc, o += n) {
    if (!accumulate) out.set(mem.subarray(c, c + n), o);
    else for (let j = 0; j < n; j++) out[o + j] += mem[c + j]!;
  }
}
