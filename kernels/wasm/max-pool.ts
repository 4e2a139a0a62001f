/**
 * 2x2 max pooling at stride 2 (no padding, no dilation: nearly every CNN's pooling) in
 * WebAssembly, for tensors on the wasm heap (src/backends/cpu/wasm-heap.ts), split by planes
 * over the worker pool's threads:
 *
 *   maxPool2x2(xPtr, outPtr, indicesPtr, h, w, 0, planeStart, planeEnd)
 *
 * writes planes [planeStart, planeEnd) of the (h/2) x (w/2) maxima and their flat `ih * w + iw`
 * positions in the plane, as the TypeScript `maxPool2x2` of src/backends/cpu/pool.ts: the same
 * scan order and rules (ties keep the first; a NaN wins, the last NaN of the window), without
 * a branch: each tap replaces the best where `v > best || v != v`. Four outputs at a time: their
 * windows' taps are the even and odd lanes of two vector loads per input row, and the choice is
 * a lanewise `bitselect` (a scalar `select` of floats compiles to a branch on x64, which on random
 * data made the scalar loop no faster than the TypeScript one). The rest of a row, one at a time.
 *
 * @module
 */
import type { FuncBuilder, ModuleBuilder } from "./assembler.js";

/** Byte lanes of the even and of the odd f32 lanes of two vectors (a's 0, 2, b's 0, 2, ...). */
const EVEN = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODD = EVEN.map((b) => b + 4);

function emit(f: FuncBuilder): void {
  const [X, OUT, IDX, h, w, , ps, pe] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [p, oh, ow, outH, outW, plane, i, o, arg, tap, take] = Array.from({ length: 11 }, () =>
    f.local("i32"),
  );
  const [best, v] = [f.local("f32"), f.local("f32")];
  const [va, vb, vc, vd, vbest, varg, vi, vtake] = Array.from({ length: 8 }, () => f.local("v128"));
  f.localGet(h).i32Const(1).i32ShrU().localSet(outH);
  f.localGet(w).i32Const(1).i32ShrU().localSet(outW);
  /** for (loc = from (a local, or 0); loc < limit (a local); loc++) body */
  const forRange = (loc: number, from: number | null, limit: number, body: () => void) =>
    f.forRange(
      loc,
      () => (from === null ? f.i32Const(0) : f.localGet(from)),
      () => f.localGet(limit),
      body,
    );
  // o: the output index of the plane's first element
  f.localGet(ps).localGet(outH).i32Mul().localGet(outW).i32Mul().localSet(o);
  forRange(p, ps, pe, () => {
    // plane = X + 4 p h w
    f.localGet(X).localGet(p).localGet(h).i32Mul().localGet(w).i32Mul().i32Const(2).i32Shl();
    f.i32Add().localSet(plane);
    forRange(oh, null, outH, () => {
      // four outputs at a time: the window's taps as four vectors, taken apart from two rows
      f.i32Const(0).localSet(ow);
      f.block().loop();
      f.localGet(ow).i32Const(4).i32Add().localGet(outW).i32GtS().brIf(1);
      f.localGet(oh).localGet(w).i32Mul().localGet(ow).i32Add().i32Const(1).i32Shl().localSet(i);
      f.localGet(plane).localGet(i).i32Const(2).i32Shl().i32Add().localSet(tap); // row 2 oh
      for (const [tapVec, rowOffset, lanes] of [
        [va, 0, EVEN],
        [vb, 0, ODD],
        [vc, 1, EVEN],
        [vd, 1, ODD],
      ] as const) {
        const row = () => {
          f.localGet(tap);
          if (rowOffset) f.localGet(w).i32Const(2).i32Shl().i32Add();
        };
        row();
        f.v128Load();
        row();
        f.v128Load(16).i8x16Shuffle(lanes).localSet(tapVec);
      }
      f.localGet(va).localSet(vbest);
      f.localGet(i).i32x4Splat().v128ConstI32([0, 2, 4, 6]).i32x4Add().localSet(vi);
      f.localGet(vi).localSet(varg);
      for (const [tapVec, offset] of [
        [vb, () => f.i32Const(1)],
        [vc, () => f.localGet(w)],
        [vd, () => f.localGet(w).i32Const(1).i32Add()],
      ] as const) {
        // take = tap > best || tap != tap, lanewise; then both bitselects
        f.localGet(tapVec).localGet(vbest).f32x4Gt();
        f.localGet(tapVec).localGet(tapVec).f32x4Ne().v128Or().localSet(vtake);
        f.localGet(tapVec).localGet(vbest).localGet(vtake).v128Bitselect().localSet(vbest);
        f.localGet(vi);
        offset();
        f.i32x4Splat().i32x4Add().localGet(varg).localGet(vtake).v128Bitselect().localSet(varg);
      }
      f.localGet(OUT).localGet(o).i32Const(2).i32Shl().i32Add().localGet(vbest).v128Store();
      f.localGet(IDX).localGet(o).i32Const(2).i32Shl().i32Add().localGet(varg).v128Store();
      f.localGet(o).i32Const(4).i32Add().localSet(o);
      f.localGet(ow).i32Const(4).i32Add().localSet(ow).br(0);
      f.end().end();
      // the rest, one at a time
      f.block().loop();
      f.localGet(ow).localGet(outW).i32GeS().brIf(1);
      {
        // i = 2 oh w + 2 ow
        f.localGet(oh).localGet(w).i32Mul().localGet(ow).i32Add().i32Const(1).i32Shl().localSet(i);
        f.localGet(plane).localGet(i).i32Const(2).i32Shl().i32Add().f32Load().localSet(best);
        f.localGet(i).localSet(arg);
        for (const step of ["right", "down", "diagonal"] as const) {
          // tap = i + 1, i + w, i + w + 1
          f.localGet(i);
          if (step === "right") f.i32Const(1).i32Add();
          else if (step === "down") f.localGet(w).i32Add();
          else f.localGet(w).i32Add().i32Const(1).i32Add();
          f.localSet(tap);
          f.localGet(plane).localGet(tap).i32Const(2).i32Shl().i32Add().f32Load().localSet(v);
          // take = v > best || v != v, then both selects (before best changes)
          f.localGet(v).localGet(best).f32Gt().localGet(v).localGet(v).f32Ne().i32Or().localSet(take);
          f.localGet(v).localGet(best).localGet(take).select().localSet(best);
          f.localGet(tap).localGet(arg).localGet(take).select().localSet(arg);
        }
        f.localGet(OUT).localGet(o).i32Const(2).i32Shl().i32Add().localGet(best).f32Store();
        f.localGet(IDX).localGet(o).i32Const(2).i32Shl().i32Add().localGet(arg).i32Store();
        f.localGet(o).i32Const(1).i32Add().localSet(o);
      }
      f.localGet(ow).i32Const(1).i32Add().localSet(ow).br(0);
      f.end().end();
    });
  });
}

/** Adds `maxPool2x2` (see the module comment) to `m`. */
export function addMaxPool(m: ModuleBuilder): void {
  const params = ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"] as const;
  m.func("maxPool2x2", [...params], [], emit);
}
