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
 * a branch: each tap replaces the best by `select` where `v > best || v != v`.
 *
 * @module
 */
import type { FuncBuilder, ModuleBuilder } from "./assembler.js";

function emit(f: FuncBuilder): void {
  const [X, OUT, IDX, h, w, , ps, pe] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [p, oh, ow, outH, outW, plane, i, o, arg, tap, take] = Array.from({ length: 11 }, () =>
    f.local("i32"),
  );
  const [best, v] = [f.local("f32"), f.local("f32")];
  f.localGet(h).i32Const(1).i32ShrU().localSet(outH);
  f.localGet(w).i32Const(1).i32ShrU().localSet(outW);
  /** for (v = from; v < limit; v++) body */
  const forRange = (loc: number, from: number | null, limit: number, body: () => void) => {
    if (from === null) f.i32Const(0);
    else f.localGet(from);
    f.localSet(loc).block().loop();
    f.localGet(loc).localGet(limit).i32GeS().brIf(1);
    body();
    f.localGet(loc).i32Const(1).i32Add().localSet(loc).br(0).end().end();
  };
  // o: the output index of the plane's first element
  f.localGet(ps).localGet(outH).i32Mul().localGet(outW).i32Mul().localSet(o);
  forRange(p, ps, pe, () => {
    // plane = X + 4 p h w
    f.localGet(X).localGet(p).localGet(h).i32Mul().localGet(w).i32Mul().i32Const(2).i32Shl();
    f.i32Add().localSet(plane);
    forRange(oh, null, outH, () => {
      forRange(ow, null, outW, () => {
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
      });
    });
  });
}

/** Adds `maxPool2x2` (see the module comment) to `m`. */
export function addMaxPool(m: ModuleBuilder): void {
  const params = ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"] as const;
  m.func("maxPool2x2", [...params], [], emit);
}
