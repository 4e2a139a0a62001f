/**
 * The float32 GEMM kernel in WebAssembly SIMD128, generated at run time by the assembler.
 *
 * The host packs both operands into the module's memory (GotoBLAS / BLIS layout, as the
 * TypeScript gemm in src/backends/cpu/gemm.ts does; the exports `packA` and `packB` of pack.ts
 * do it from a raw copy, or from the operand where it is on the wasm heap) and calls
 *
 *   gemm(aPtr, bPtr, cPtr, Mp, Np, Kp, mStart, mEnd)
 *
 * computing rows [mStart, mEnd) of C (Mp x Np, row-major at cPtr) = A (Mp x Kp) @ B (Kp x Np).
 * All sizes are padded by the host: Mp a multiple of `mr`, Np of `nr`, Kp of `ku`; the padding
 * in the packed panels is zero. Packed layouts (floats; the depth is cut in panels of `kc`, the
 * last one shorter; panel p starts at depth pc = p * kc and has depth kc_p):
 *   A: panel p at aPtr + pc*Mp; in it, sliver s (rows s*mr ..) at s*mr*kc_p; (r, k) at k*mr + r
 *   B: panel p at bPtr + pc*Np; in it, sliver t (cols t*nr ..) at t*nr*kc_p; (k, c) at k*nr + c
 *
 * Loops, outer to inner: depth panels (pc), row blocks of `mc` (ic, the A block stays in L2),
 * column slivers (jr, the B sliver stays in L1), row slivers (ir), then the micro-kernel: an
 * mr x nr tile of C held in mr * nr/4 v128 locals, the depth loop unrolled `ku` times.
 *
 * NOTE: rows are the unit of work: the worker pool (src/backends/cpu/wasm-pool.ts) gives each
 * thread its own [mStart, mEnd) over one shared memory. Each element of C is summed in the same
 * order whatever the split, so threaded results equal single-threaded ones bit for bit.
 *
 * @module
 */
import { FuncBuilder, ModuleBuilder } from "./assembler.js";
import { addAdam } from "./adam.js";
import { addElementwise } from "./elementwise.js";
import { addIm2col } from "./im2col.js";
import { addMaxPool } from "./max-pool.js";
import { emitPack } from "./pack.js";

/** The kernel's shape: register tile, unrolling and cache blocking. */
export interface GemmKernelConfig {
  /** Rows of the register tile (rows of A per sliver; a multiple of 4, for the packing). */
  readonly mr: number;
  /** Columns of the register tile (a multiple of 4: one v128 per 4 columns). */
  readonly nr: number;
  /** Unrolling of the depth loop; the host pads the depth to a multiple of it. */
  readonly ku: number;
  /** Depth of a packed panel (a multiple of `ku`). */
  readonly kc: number;
  /** Rows of A per L2 block (a multiple of `mr`). */
  readonly mc: number;
  /** Use `f32x4.relaxed_madd` (needs relaxed-SIMD support) instead of mul + add. */
  readonly relaxed: boolean;
}

/**
 * Generates the module (its memory imported as `env.mem`) exporting `gemm`, `packA` and `packB`,
 * and the kernels of elementwise.ts, im2col.ts, max-pool.ts and adam.ts: one module, so that
 * the worker pool's threads, which instantiate it, run them all.
 * With `sharedMaxPages`, it imports a shared memory of at most that many pages (for threads: each
 * worker instantiates the same module on the one shared memory; the code is the same).
 */
export function gemmModule(cfg: GemmKernelConfig, sharedMaxPages?: number): Uint8Array<ArrayBuffer> {
  const { mr, nr, ku, kc: KC, mc: MC } = cfg;
  const bad = nr % 4 !== 0 || mr % 4 !== 0 || KC % ku !== 0 || MC % mr !== 0;
  if (bad) throw new Error("bad gemm kernel config");
  const m = new ModuleBuilder(1, sharedMaxPages);
  const params = ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"] as const;
  m.func("gemm", [...params], [], (f) => emitGemm(f, cfg));
  m.func("packA", [...params], [], (f) => emitPack(f, mr, KC));
  m.func("packB", [...params], [], (f) => emitPack(f, nr, KC));
  addElementwise(m);
  addIm2col(m);
  addMaxPool(m);
  addAdam(m);
  return m.emit();
}

function emitGemm(f: FuncBuilder, cfg: GemmKernelConfig): void {
  const { mr, nr, ku, kc: KC, mc: MC, relaxed } = cfg;
  const nv = nr / 4;
  // parameters
  const [aPtr, bPtr, cPtr, Mp, Np, Kp, mStart, mEnd] = [0, 1, 2, 3, 4, 5, 6, 7];
  const pc = f.local("i32");
  const kc = f.local("i32");
  const aPan = f.local("i32");
  const bPan = f.local("i32");
  const ic = f.local("i32");
  const icEnd = f.local("i32");
  const jr = f.local("i32");
  const ir = f.local("i32");
  const pa = f.local("i32");
  const pb = f.local("i32");
  const paEnd = f.local("i32");
  const cp = f.local("i32");
  const ldc = f.local("i32"); // row stride of C in bytes
  const acc: number[][] = [];
  for (let r = 0; r < mr; r++) acc.push(Array.from({ length: nv }, () => f.local("v128")));
  const bv = Array.from({ length: nv }, () => f.local("v128"));
  const av = f.local("v128");

  /** local = min(a, b), both already computed into locals or constants by `pushA`/`pushB`. */
  const setMin = (dst: number, pushA: () => void, pushB: () => void) => {
    pushA();
    pushB();
    pushA();
    pushB();
    f.i32LtS().select().localSet(dst);
  };

  f.localGet(Np).i32Const(4).i32Mul().localSet(ldc);
  f.i32Const(0).localSet(pc);
  f.block().loop(); // depth panels
  {
    setMin(
      kc,
      () => f.i32Const(KC),
      () => f.localGet(Kp).localGet(pc).i32Sub(),
    );
    f.localGet(aPtr).localGet(pc).localGet(Mp).i32Mul().i32Const(4).i32Mul().i32Add();
    f.localSet(aPan);
    f.localGet(bPtr).localGet(pc).localGet(Np).i32Mul().i32Const(4).i32Mul().i32Add();
    f.localSet(bPan);
    f.localGet(mStart).localSet(ic);
    f.block().loop(); // row blocks
    {
      setMin(
        icEnd,
        () => f.localGet(ic).i32Const(MC).i32Add(),
        () => f.localGet(mEnd),
      );
      f.i32Const(0).localSet(jr);
      f.block().loop(); // column slivers
      {
        f.localGet(ic).localSet(ir);
        f.block().loop(); // row slivers
        {
          emitMicroKernel();
          f.localGet(ir).i32Const(mr).i32Add().localTee(ir).localGet(icEnd).i32LtS().brIf(0);
        }
        f.end().end();
        f.localGet(jr).i32Const(nr).i32Add().localTee(jr).localGet(Np).i32LtS().brIf(0);
      }
      f.end().end();
      f.localGet(icEnd).localTee(ic).localGet(mEnd).i32LtS().brIf(0);
    }
    f.end().end();
    f.localGet(pc).i32Const(KC).i32Add().localTee(pc).localGet(Kp).i32LtS().brIf(0);
  }
  f.end().end();

  function emitMicroKernel(): void {
    // pa = aPan + ir*kc*4, pb = bPan + jr*kc*4, cp = cPtr + (ir*Np + jr)*4
    f.localGet(aPan).localGet(ir).localGet(kc).i32Mul().i32Const(4).i32Mul().i32Add();
    f.localTee(pa);
    f.localGet(kc).i32Const(mr * 4).i32Mul().i32Add().localSet(paEnd);
    f.localGet(bPan).localGet(jr).localGet(kc).i32Mul().i32Const(4).i32Mul().i32Add();
    f.localSet(pb);
    f.localGet(cPtr).localGet(ir).localGet(Np).i32Mul().localGet(jr).i32Add();
    f.i32Const(4).i32Mul().i32Add().localSet(cp);
    // the first panel starts from zero, the others from the partial sums already in C
    f.localGet(pc).i32Eqz().if();
    for (const row of acc) for (const a of row) f.v128ConstF32([0, 0, 0, 0]).localSet(a);
    f.else();
    forEachRow((r) => {
      for (let v = 0; v < nv; v++) f.localGet(cp).v128Load(16 * v).localSet(acc[r]![v]!);
    });
    f.end();
    f.block().loop(); // depth, unrolled ku times
    for (let u = 0; u < ku; u++) {
      for (let v = 0; v < nv; v++) f.localGet(pb).v128Load(4 * (u * nr + 4 * v)).localSet(bv[v]!);
      for (let r = 0; r < mr; r++) {
        f.localGet(pa).v128Load32Splat(4 * (u * mr + r)).localSet(av);
        for (let v = 0; v < nv; v++) {
          const c = acc[r]![v]!;
          if (relaxed) f.localGet(av).localGet(bv[v]!).localGet(c).f32x4RelaxedMadd();
          else f.localGet(c).localGet(av).localGet(bv[v]!).f32x4Mul().f32x4Add();
          f.localSet(c);
        }
      }
    }
    f.localGet(pb).i32Const(4 * ku * nr).i32Add().localSet(pb);
    f.localGet(pa).i32Const(4 * ku * mr).i32Add().localTee(pa).localGet(paEnd).i32LtS().brIf(0);
    f.end().end();
    forEachRow((r) => {
      for (let v = 0; v < nv; v++) f.localGet(cp).localGet(acc[r]![v]!).v128Store(16 * v);
    });
  }

  /** Emits `body(r)` for each tile row with `cp` at that row, then restores `cp`. */
  function forEachRow(body: (r: number) => void): void {
    for (let r = 0; r < mr; r++) {
      if (r > 0) f.localGet(cp).localGet(ldc).i32Add().localSet(cp);
      body(r);
    }
    f.localGet(cp).localGet(ldc).i32Const(mr - 1).i32Mul().i32Sub().localSet(cp);
  }
}

