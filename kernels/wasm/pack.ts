/**
 * Packing in WebAssembly: rearranges an operand, already copied raw into the module's memory,
 * into the GEMM kernel's panel layout (see gemm.ts). The host copies the operand's span with one
 * `TypedArray.set` (a memcpy, or a float64 -> float32 conversion) and calls
 *
 *   pack(src, lines, depth, ls, ds, dst, lStart, lEnd)
 *
 * where element (l, k) of the operand is the f32 at byte src + l*ls + k*ds (strides in bytes,
 * negative allowed), and the packed panels are written from byte `dst`: depth panels of `kc`, each
 * holding slivers of `width` lines, (l, k) at k*width + l within its sliver. A last, partial sliver
 * is zero-padded (its padding only feeds C's padding, but garbage there could be slow denormals).
 * Only the slivers of lines [lStart, lEnd) are written (multiples of `width`, or `lines` for the
 * end): the worker pool's threads each pack their own slivers of one operand.
 *
 * NOTE: this replaced packing in TypeScript, which ran at ~2 ns an element (bounds checks and
 * index arithmetic on every typed-array access), 10-15x a memcpy: up to half the time of the
 * MNIST training products.
 *
 * @module
 */
import type { FuncBuilder } from "./assembler.js";

/** Emits the body of a pack function for slivers of `width` lines (a multiple of 4). */
export function emitPack(f: FuncBuilder, width: number, kcMax: number): void {
  if (width < 4 || width % 4 !== 0) throw new Error("bad pack width");
  const [src, lines, depth, ls, ds, dst, lStart, lEnd] = [0, 1, 2, 3, 4, 5, 6, 7];
  const pc = f.local("i32");
  const kc = f.local("i32");
  const linesP = f.local("i32");
  const panel = f.local("i32");
  const l0 = f.local("i32");
  const d = f.local("i32");
  const s = f.local("i32");
  const k = f.local("i32");
  const r = f.local("i32");
  const lsr = Array.from({ length: width }, () => f.local("i32"));
  const nv = width / 4;

  /** Ends a counted loop: `ptrs` advance by their steps, `k` counts down to zero. */
  const next = (steps: [number, () => void][]) => {
    for (const [local, step] of steps) {
      f.localGet(local);
      step();
      f.i32Add().localSet(local);
    }
    f.localGet(k).i32Const(-1).i32Add().localTee(k).brIf(0);
  };
  const stepDs = () => f.localGet(ds);
  const stepSliver = () => f.i32Const(4 * width);

  f.localGet(lines).i32Const(width - 1).i32Add().i32Const(width).i32DivU();
  f.i32Const(width).i32Mul().localSet(linesP);
  for (let q = 0; q < width; q++) f.localGet(ls).i32Const(q).i32Mul().localSet(lsr[q]!);
  f.i32Const(0).localSet(pc);
  f.block().loop(); // depth panels
  {
    // kc = min(kcMax, depth - pc)
    f.i32Const(kcMax).localGet(depth).localGet(pc).i32Sub();
    f.i32Const(kcMax).localGet(depth).localGet(pc).i32Sub().i32LtS().select().localSet(kc);
    f.localGet(dst).localGet(pc).localGet(linesP).i32Mul().i32Const(4).i32Mul().i32Add();
    f.localSet(panel);
    f.localGet(lStart).localSet(l0);
    f.localGet(l0).localGet(lEnd).i32GeS().brIf(1); // an empty range: nothing to pack
    f.block().loop(); // slivers
    {
      f.localGet(panel).localGet(l0).localGet(kc).i32Mul().i32Const(4).i32Mul().i32Add();
      f.localSet(d);
      f.localGet(src).localGet(l0).localGet(ls).i32Mul().i32Add();
      f.localGet(pc).localGet(ds).i32Mul().i32Add().localSet(s);
      f.localGet(kc).localSet(k);
      f.localGet(lines).localGet(l0).i32Sub().i32Const(width).i32GeS().if(); // a whole sliver
      {
        f.localGet(ls).i32Const(4).i32Eq().if(); // lines contiguous: a vector copy per depth
        f.block().loop();
        for (let v = 0; v < nv; v++) f.localGet(d).localGet(s).v128Load(16 * v).v128Store(16 * v);
        next([
          [s, stepDs],
          [d, stepSliver],
        ]);
        f.end().end();
        f.else(); // any strides: one f32 per line per depth
        f.block().loop();
        for (let q = 0; q < width; q++) {
          f.localGet(d).localGet(s).localGet(lsr[q]!).i32Add().f32Load().f32Store(4 * q);
        }
        next([
          [s, stepDs],
          [d, stepSliver],
        ]);
        f.end().end();
        f.end();
      }
      f.else(); // the last, partial sliver: zeros, then its lines one by one
      {
        f.block().loop();
        for (let v = 0; v < nv; v++) f.localGet(d).v128ConstF32([0, 0, 0, 0]).v128Store(16 * v);
        next([[d, stepSliver]]);
        f.end().end();
        // d is now past the sliver: rewind it, then copy line r of `lines - l0`
        f.localGet(d).localGet(kc).i32Const(4 * width).i32Mul().i32Sub().localSet(d);
        f.i32Const(0).localSet(r);
        f.block().loop();
        {
          f.localGet(kc).localSet(k);
          f.block().loop();
          f.localGet(d).localGet(s).f32Load().f32Store();
          next([
            [s, stepDs],
            [d, stepSliver],
          ]);
          f.end().end();
          // next line: s back to depth 0 and one line on; d back to depth 0 and one lane on
          f.localGet(s).localGet(kc).localGet(ds).i32Mul().i32Sub().localGet(ls).i32Add();
          f.localSet(s);
          f.localGet(d).localGet(kc).i32Const(4 * width).i32Mul().i32Sub().i32Const(4).i32Add();
          f.localSet(d);
          f.localGet(r).i32Const(1).i32Add().localTee(r);
          f.localGet(lines).localGet(l0).i32Sub().i32LtS().brIf(0);
        }
        f.end().end();
      }
      f.end();
      f.localGet(l0).i32Const(width).i32Add().localTee(l0).localGet(lEnd).i32LtS().brIf(0);
    }
    f.end().end();
    f.localGet(pc).i32Const(kcMax).i32Add().localTee(pc).localGet(depth).i32LtS().brIf(0);
  }
  f.end().end();
}
