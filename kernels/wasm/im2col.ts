/**
 * im2col and its adjoint col2im in WebAssembly, for convolutions whose tensors live on the wasm
 * heap (src/backends/cpu/wasm-heap.ts): the column matrix the GEMM reads, written in place there,
 * split by rows over the worker pool's threads. The same walk as the TypeScript `im2col` of
 * src/backends/cpu/im2col.ts, with the same results bit for bit:
 *
 *   im2colGather(params, xPtr, colsPtr, 0, 0, 0, rStart, rEnd)
 *   im2colScatter(params, xPtr, colsPtr, 0, 0, 0, rStart, rEnd)
 *
 * compute rows [rStart, rEnd) of the (c*kh*kw) x (nb*outH*outW) column matrix. The host writes
 * the geometry at `params` (i32s, see {@link IM2COL_HEADER}) and, from byte `params + 64`, four
 * i32s per row r = (ci, ki, kj): the input offset `ci*h*w + kj*dilW - padW`, the input row of
 * output row 0 `ki*dilH - padH`, and the output columns [lo, hi) that land inside the input.
 * `gather` writes every element of its rows (zeros in the padding); `scatter` zeroes the input
 * planes of its channels, then adds each element of its rows into its input element, so its
 * shares must hold whole channels (multiples of kh*kw rows).
 *
 * @module
 */
import type { FuncBuilder, ModuleBuilder } from "./assembler.js";

/** The header's i32 slots at `params` (byte offset = 4 x slot). */
export const IM2COL_HEADER = {
  nb: 0,
  outH: 1,
  outW: 2,
  h: 3,
  w: 4,
  /** Elements between images of the input. */
  imageStride: 5,
  strideH: 6,
  strideW: 7,
  /** kh * kw: rows per channel. */
  kk: 8,
} as const;
/** Byte offset of the per-row entries (16 bytes each) from `params`. */
export const IM2COL_ROWS = 64;

function emit(f: FuncBuilder, scatter: boolean): void {
  const [P, X, C, , , , rs, re] = [0, 1, 2, 3, 4, 5, 6, 7];
  const H = IM2COL_HEADER;
  const local = () => f.local("i32");
  const [nb, outH, outW, h, w, imageStride, strideH, strideW, kk] = Array.from({ length: 9 }, local);
  const [r, i, oh, ih, src, dst, ow, lo, hi, row, base, ci, end] = Array.from({ length: 13 }, local);
  const zeroL = local(); // stays 0: the start of zeroFloats' ranges
  for (const [loc, slot] of [
    [nb, H.nb],
    [outH, H.outH],
    [outW, H.outW],
    [h, H.h],
    [w, H.w],
    [imageStride, H.imageStride],
    [strideH, H.strideH],
    [strideW, H.strideW],
    [kk, H.kk],
  ] as const)
    f.localGet(P).i32Load(4 * slot).localSet(loc);
  const forRange = f.forRange.bind(f);
  const zeroFloats = (from: number, to: number) =>
    forRange(ow, () => f.localGet(from), () => f.localGet(to), () => {
      f.localGet(dst).localGet(ow).i32Const(2).i32Shl().i32Add().f32Const(0).f32Store();
    });
  const zero = () => f.i32Const(0);
  if (scatter) {
    // zero the input planes of this share's channels, in each image
    forRange(ci, () => f.localGet(rs).localGet(kk).i32DivU(), () => f.localGet(re).localGet(kk).i32DivU(), () => {
      forRange(i, zero, () => f.localGet(nb), () => {
        // dst = X + 4 * (i * imageStride + ci * h * w); zero h * w floats
        f.localGet(X).localGet(i).localGet(imageStride).i32Mul();
        f.localGet(ci).localGet(h).i32Mul().localGet(w).i32Mul().i32Add().i32Const(2).i32Shl().i32Add();
        f.localSet(dst);
        f.localGet(h).localGet(w).i32Mul().localSet(end);
        zeroFloats(zeroL, end);
      });
    });
  }
  forRange(r, () => f.localGet(rs), () => f.localGet(re), () => {
    // row = params + 64 + 16 r; dst = C + 4 r (nb outH outW)
    f.localGet(P).i32Const(IM2COL_ROWS).i32Add().localGet(r).i32Const(4).i32Shl().i32Add().localSet(row);
    f.localGet(row).i32Load(8).localSet(lo);
    f.localGet(row).i32Load(12).localSet(hi);
    f.localGet(C).localGet(r).localGet(nb).i32Mul().localGet(outH).i32Mul().localGet(outW).i32Mul();
    f.i32Const(2).i32Shl().i32Add().localSet(dst);
    forRange(i, zero, () => f.localGet(nb), () => {
      // base = X + 4 (i imageStride + row.offset)
      f.localGet(X).localGet(i).localGet(imageStride).i32Mul().localGet(row).i32Load(0).i32Add();
      f.i32Const(2).i32Shl().i32Add().localSet(base);
      forRange(oh, zero, () => f.localGet(outH), () => {
        f.localGet(oh).localGet(strideH).i32Mul().localGet(row).i32Load(4).i32Add().localSet(ih);
        // 0 <= ih < h, as one unsigned compare
        f.localGet(ih).localGet(h).i32LtU().if();
        f.localGet(base).localGet(ih).localGet(w).i32Mul().i32Const(2).i32Shl().i32Add().localSet(src);
        if (!scatter) zeroFloats(zeroL, lo);
        // the valid columns: dst[ow] = src[ow * strideW] (gather), src[ow * strideW] += dst[ow]
        forRange(ow, () => f.localGet(lo), () => f.localGet(hi), () => {
          const srcAt = () =>
            f.localGet(src).localGet(ow).localGet(strideW).i32Mul().i32Const(2).i32Shl().i32Add();
          const dstAt = () => f.localGet(dst).localGet(ow).i32Const(2).i32Shl().i32Add();
          if (scatter) {
            srcAt();
            srcAt();
            f.f32Load();
            dstAt();
            f.f32Load().f32Add().f32Store();
          } else {
            dstAt();
            srcAt();
            f.f32Load().f32Store();
          }
        });
        if (!scatter) zeroFloats(hi, outW);
        if (!scatter) {
          f.else();
          zeroFloats(zeroL, outW);
        }
        f.end();
        f.localGet(dst).localGet(outW).i32Const(2).i32Shl().i32Add().localSet(dst);
      });
    });
  });
}

/**
 * regroupToRows / regroupFromRows(yPtr, rowsPtr, nb, ohw, imageStride, 0, cStart, cEnd): moves
 * channels [cStart, cEnd) of `nb` images between the y side's layout (image i's channel ch at
 * `y + 4 (i imageStride + ch ohw)`) and the chunk's matrix `rows` (ch, nb * ohw), one
 * `memory.copy` of `ohw` floats per image and channel (im2col.ts's `regroup`).
 */
function emitRegroup(f: FuncBuilder, toRows: boolean): void {
  const [Y, R, nb, ohw, imageStride, , cs, ce] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [ch, i, at, r] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  f.localGet(cs).localSet(ch);
  f.block().loop();
  f.localGet(ch).localGet(ce).i32GeS().brIf(1);
  f.i32Const(0).localSet(i);
  f.block().loop();
  f.localGet(i).localGet(nb).i32GeS().brIf(1);
  // at = Y + 4 (i imageStride + ch ohw); r = R + 4 (ch nb ohw + i ohw)
  f.localGet(Y).localGet(i).localGet(imageStride).i32Mul().localGet(ch).localGet(ohw).i32Mul();
  f.i32Add().i32Const(2).i32Shl().i32Add().localSet(at);
  f.localGet(R).localGet(ch).localGet(nb).i32Mul().localGet(i).i32Add().localGet(ohw).i32Mul();
  f.i32Const(2).i32Shl().i32Add().localSet(r);
  if (toRows) f.localGet(r).localGet(at);
  else f.localGet(at).localGet(r);
  f.localGet(ohw).i32Const(2).i32Shl().memoryCopy();
  f.localGet(i).i32Const(1).i32Add().localSet(i).br(0);
  f.end().end();
  f.localGet(ch).i32Const(1).i32Add().localSet(ch).br(0);
  f.end().end();
}

/** Adds `im2colGather`, `im2colScatter` and the two regroups (see above) to `m`. */
export function addIm2col(m: ModuleBuilder): void {
  const params = ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"] as const;
  m.func("im2colGather", [...params], [], (f) => emit(f, false));
  m.func("im2colScatter", [...params], [], (f) => emit(f, true));
  m.func("regroupToRows", [...params], [], (f) => emitRegroup(f, true));
  m.func("regroupFromRows", [...params], [], (f) => emitRegroup(f, false));
}
