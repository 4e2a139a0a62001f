/**
 * Float32 elementwise kernels in WebAssembly SIMD128, for tensors on the wasm heap
 * (src/backends/cpu/wasm-heap.ts), in the same module as the GEMM so that the worker pool's
 * threads run them too. Every export takes six arguments and then the [start, end) of the
 * elements it computes (its share of the call), as the pool calls them:
 *
 *   ewBinary(opMode, aPtr, bPtr, outPtr, inner, channels, start, end)
 *   ewUnary(op, xPtr, outPtr, 0, 0, 0, start, end)
 *
 * `opMode` is `op * 8 + mode`. Modes say where b's element i is (a's is always i):
 *   0: both dense (a[i], b[i]); 1: b one scalar (b[0]); 2: a one scalar, b dense;
 *   3: b one value per channel, `b[(i / inner) % channels]` (a bias over N, C, H, W);
 *   4: b one row, `b[i % channels]` (a bias over the rows of a matrix: Linear's).
 * Each loop runs four lanes at a time, then the tail one at a time, with the same operation:
 * results equal the TypeScript kernels' bit for bit (an f32 add, sub, mul or div equals the
 * float64 one rounded to float32).
 *
 * @module
 */
import type { FuncBuilder, ModuleBuilder } from "./assembler.js";

/** The binary ops, by id: their SIMD and scalar forms (stack: a, b -> result). */
export const EW_BINARY = ["add", "sub", "mul", "div", "reluBackward"] as const;
/** The unary ops, by id. */
export const EW_UNARY = ["relu"] as const;
/** The binary modes (see the module comment). */
export const EW_MODE = { dense: 0, bScalar: 1, aScalar: 2, bChannel: 3, bRow: 4 } as const;

type BinaryOp = (typeof EW_BINARY)[number];

/** Emits `a op b` on four lanes (a, b on the stack). */
function vectorOp(f: FuncBuilder, op: BinaryOp): void {
  if (op === "add") f.f32x4Add();
  else if (op === "sub") f.f32x4Sub();
  else if (op === "mul") f.f32x4Mul();
  else if (op === "div") f.f32x4Div();
  // reluBackward(g, y) = y > 0 ? g : 0, as g & (y > 0)
  else f.v128ConstF32([0, 0, 0, 0]).f32x4Gt().v128And();
}

/** Emits `a op b` on one f32 (a, b on the stack); `tmp` is a scratch f32 local. */
function scalarOp(f: FuncBuilder, op: BinaryOp, tmp: number): void {
  if (op === "add") f.f32Add();
  else if (op === "sub") f.f32Sub();
  else if (op === "mul") f.f32Mul();
  else if (op === "div") f.f32Div();
  else f.localSet(tmp).f32Const(0).localGet(tmp).f32Const(0).f32Gt().select();
}

/**
 * Emits a loop over byte offsets [s, e) of the output: four lanes at a time, then one at a time.
 * `vec(s)` / `one(s)` emit the value to store at out + s (the address is pushed first).
 */
function emitRange(
  f: FuncBuilder,
  out: number,
  s: number,
  e: number,
  ev: number,
  vec: () => void,
  one: () => void,
): void {
  // ev = s + ((e - s) & -16): the end of the whole vectors
  f.localGet(s).localGet(e).localGet(s).i32Sub().i32Const(-16).i32And().i32Add().localSet(ev);
  f.block().loop();
  f.localGet(s).localGet(ev).i32GeS().brIf(1);
  f.localGet(out).localGet(s).i32Add();
  vec();
  f.v128Store();
  f.localGet(s).i32Const(16).i32Add().localSet(s).br(0);
  f.end().end();
  f.block().loop();
  f.localGet(s).localGet(e).i32GeS().brIf(1);
  f.localGet(out).localGet(s).i32Add();
  one();
  f.f32Store();
  f.localGet(s).i32Const(4).i32Add().localSet(s).br(0);
  f.end().end();
}

function emitBinary(f: FuncBuilder): void {
  const [opMode, a, b, out, inner, channels, start, end] = [0, 1, 2, 3, 4, 5, 6, 7];
  const s = f.local("i32");
  const e = f.local("i32");
  const ev = f.local("i32");
  const i = f.local("i32");
  const runEnd = f.local("i32");
  const q = f.local("i32");
  const vs = f.local("v128");
  const fs = f.local("f32");
  const tmp = f.local("f32");
  // byte offsets of the share
  f.localGet(start).i32Const(2).i32Shl().localSet(s);
  f.localGet(end).i32Const(2).i32Shl().localSet(e);
  EW_BINARY.forEach((op, id) => {
    const dense = () => {
      const vec = () => {
        f.localGet(a).localGet(s).i32Add().v128Load();
        f.localGet(b).localGet(s).i32Add().v128Load();
        vectorOp(f, op);
      };
      const one = () => {
        f.localGet(a).localGet(s).i32Add().f32Load();
        f.localGet(b).localGet(s).i32Add().f32Load();
        scalarOp(f, op, tmp);
      };
      emitRange(f, out, s, e, ev, vec, one);
    };
    /** a dense, b the splat in `vs` / `fs` */
    const withB = () =>
      emitRange(
        f,
        out,
        s,
        e,
        ev,
        () => void vectorOp(f.localGet(a).localGet(s).i32Add().v128Load().localGet(vs), op),
        () => void scalarOp(f.localGet(a).localGet(s).i32Add().f32Load().localGet(fs), op, tmp),
      );
    const aScalar = () =>
      emitRange(
        f,
        out,
        s,
        e,
        ev,
        () => void vectorOp(f.localGet(vs).localGet(b).localGet(s).i32Add().v128Load(), op),
        () => void scalarOp(f.localGet(fs).localGet(b).localGet(s).i32Add().f32Load(), op, tmp),
      );
    const splat = (ptr: number) => {
      f.localGet(ptr).f32Load().localSet(fs);
      f.localGet(fs).f32x4Splat().localSet(vs);
    };
    const modes: [number, () => void][] = [
      [EW_MODE.dense, dense],
      [EW_MODE.bScalar, () => (splat(b), withB())],
      [EW_MODE.aScalar, () => (splat(a), aScalar())],
      [
        EW_MODE.bChannel,
        () => {
          // runs of `inner` elements share one b; each run is a bScalar loop
          f.localGet(start).localSet(i);
          f.block().loop();
          f.localGet(i).localGet(end).i32GeS().brIf(1);
          f.localGet(i).localGet(inner).i32DivU().localSet(q);
          // runEnd = min(end, (q + 1) * inner)
          f.localGet(q).i32Const(1).i32Add().localGet(inner).i32Mul().localSet(runEnd);
          f.localGet(runEnd).localGet(end).localGet(runEnd).localGet(end).i32LtU().select();
          f.localSet(runEnd);
          // the run's b: b[q % channels]
          f.localGet(b).localGet(q).localGet(channels).i32RemU().i32Const(2).i32Shl().i32Add();
          f.localSet(q);
          splat(q);
          f.localGet(i).i32Const(2).i32Shl().localSet(s);
          f.localGet(runEnd).i32Const(2).i32Shl().localSet(e);
          withB();
          f.localGet(runEnd).localSet(i).br(0);
          f.end().end();
        },
      ],
    ];
    modes.push([
      EW_MODE.bRow,
      () => {
        // runs of a row: b restarts at each row; within a run both walk forward together
        f.localGet(start).localSet(i);
        f.block().loop();
        f.localGet(i).localGet(end).i32GeS().brIf(1);
        f.localGet(i).localGet(channels).i32RemU().localSet(q); // j0, b's index at i
        // runEnd = min(end, i - j0 + channels)
        f.localGet(i).localGet(q).i32Sub().localGet(channels).i32Add().localSet(runEnd);
        f.localGet(runEnd).localGet(end).localGet(runEnd).localGet(end).i32LtU().select();
        f.localSet(runEnd);
        // rowB = b + 4 (j0 - i): b's element for output k is at rowB + 4k (wrapping i32 math)
        f.localGet(b).localGet(q).localGet(i).i32Sub().i32Const(2).i32Shl().i32Add().localSet(q);
        f.localGet(i).i32Const(2).i32Shl().localSet(s);
        f.localGet(runEnd).i32Const(2).i32Shl().localSet(e);
        emitRange(
          f,
          out,
          s,
          e,
          ev,
          () => {
            f.localGet(a).localGet(s).i32Add().v128Load();
            f.localGet(q).localGet(s).i32Add().v128Load();
            vectorOp(f, op);
          },
          () => {
            f.localGet(a).localGet(s).i32Add().f32Load();
            f.localGet(q).localGet(s).i32Add().f32Load();
            scalarOp(f, op, tmp);
          },
        );
        f.localGet(runEnd).localSet(i).br(0);
        f.end().end();
      },
    ]);
    for (const [mode, body] of modes) {
      f.localGet(opMode).i32Const(id * 8 + mode).i32Eq().if();
      body();
      f.return().end();
    }
  });
}

function emitUnary(f: FuncBuilder): void {
  const [op, x, out, , , , start, end] = [0, 1, 2, 3, 4, 5, 6, 7];
  const s = f.local("i32");
  const e = f.local("i32");
  const ev = f.local("i32");
  f.localGet(start).i32Const(2).i32Shl().localSet(s);
  f.localGet(end).i32Const(2).i32Shl().localSet(e);
  // relu: max(x, 0), NaN-propagating, relu(-0) = +0, as (x + |x|) / 2 in the TypeScript kernel.
  // NOTE: as pmax(x, 0) + 0 on four lanes (pmax keeps NaN and -0; adding +0 turns -0 into +0):
  // two x64 instructions where f32x4.max takes several (measured 0.186 -> see ewInternals).
  f.localGet(op).i32Const(EW_UNARY.indexOf("relu")).i32Eq().if();
  emitRange(
    f,
    out,
    s,
    e,
    ev,
    () => void f.localGet(x).localGet(s).i32Add().v128Load().v128ConstF32([0, 0, 0, 0]).f32x4Pmax()
        .v128ConstF32([0, 0, 0, 0]).f32x4Add(),
    () => void f.localGet(x).localGet(s).i32Add().f32Load().f32Const(0).f32Max(),
  );
  f.end();
}

/**
 * Adds `ewBinary` and `ewUnary` (see the module comment) to `m`, and `zero(ptr, bytes)`: a
 * `memory.fill`, ~8x faster than `TypedArray.fill` on a shared memory's views (measured on Node
 * 20: 35 vs 276 us for 4 MB; V8 fills shared views element by element).
 */
export function addElementwise(m: ModuleBuilder): void {
  const params = ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"] as const;
  m.func("ewBinary", [...params], [], emitBinary);
  m.func("ewUnary", [...params], [], emitUnary);
  m.func("zero", ["i32", "i32"], [], (f) => void f.localGet(0).i32Const(0).localGet(1).memoryFill());
}
