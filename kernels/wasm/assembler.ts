/**
 * A minimal WebAssembly binary emitter: enough to write SIMD kernels from TypeScript at run time,
 * with no build step and nothing to install (the same bytes run in Node and in browsers).
 *
 * A module has one imported memory (`env.mem`), functions with i32/f32/v128 parameters and locals,
 * and exports by name. Function bodies are written through {@link FuncBuilder}, one method per
 * opcode (stack machine order: push the operands, then the op). Only the opcodes the kernels use
 * are here; the encodings are those of the WebAssembly core spec 2.0 (SIMD: the 0xfd prefix) and
 * of the relaxed-SIMD proposal (`f32x4.relaxed_madd`).
 *
 * @example
 * const m = new ModuleBuilder();
 * m.func("add", ["f32", "f32"], ["f32"], (f) => f.localGet(0).localGet(1).f32Add());
 * const bytes = m.emit(); // WebAssembly.validate(bytes) === true
 *
 * @module
 */

/** A value type: 32-bit integer, 32-bit float or 128-bit vector. */
export type ValType = "i32" | "f32" | "v128";

const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

/** Unsigned LEB128, the encoding of every count, index and offset in the binary format. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for `i32.const`). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A length-prefixed UTF-8 name. */
function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A section: its id, then its byte length, then its contents. */
function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A vector (count-prefixed) of already encoded items. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const SIMD = 0xfd;

/**
 * One function's body. Parameters are locals 0..params-1; {@link local} declares more. Block and
 * loop labels are relative depths, as in the text format (`br 0` is the innermost).
 */
export class FuncBuilder {
  readonly code: number[] = [];
  /** Declared locals past the parameters, in order. */
  readonly locals: ValType[] = [];

  constructor(readonly numParams: number) {}

  /** Declares a local of type `t` and returns its index. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.numParams + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  /** A SIMD op: the 0xfd prefix, then the opcode as unsigned LEB128. */
  private simd(opcode: number, ...imm: number[]): this {
    return this.op(SIMD, ...uleb(opcode), ...imm);
  }

  /** A memory access immediate: log2 of the alignment, then the constant byte offset. */
  private static memarg(alignLog2: number, offset: number): number[] {
    return [...uleb(alignLog2), ...uleb(offset)];
  }

  // ---- control ----
  /** `block` with no result; `br` to it jumps past its `end`. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  /** `loop` with no result; `br` to it jumps back to its start. */
  loop(): this {
    return this.op(0x03, 0x40);
  }
  /** `if` with no result (pops an i32 condition). */
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  return(): this {
    return this.op(0x0f);
  }
  /**
   * `for (v = from; v < limit; v++) body()`, a signed compare: `from` and `limit` each push an
   * i32 (`limit` is evaluated before every iteration).
   */
  forRange(v: number, from: () => void, limit: () => void, body: () => void): this {
    from();
    this.localSet(v).block().loop();
    this.localGet(v);
    limit();
    this.i32GeS().brIf(1);
    body();
    return this.localGet(v).i32Const(1).i32Add().localSet(v).br(0).end().end();
  }

  // ---- locals ----
  localGet(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  localSet(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  localTee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }

  // ---- i32 ----
  i32Const(n: number): this {
    return this.op(0x41, ...sleb(n));
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32DivU(): this {
    return this.op(0x6e);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32ShrU(): this {
    return this.op(0x76);
  }
  i32RemU(): this {
    return this.op(0x70);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  /** `select`: pops (a, b, cond) and pushes `cond ? a : b`. */
  select(): this {
    return this.op(0x1b);
  }

  /** `i32.load` from (popped address + offset). */
  i32Load(offset = 0): this {
    return this.op(0x28, ...FuncBuilder.memarg(2, offset));
  }

  /** `i32.store` (pops address, then value) to address + offset. */
  i32Store(offset = 0): this {
    return this.op(0x36, ...FuncBuilder.memarg(2, offset));
  }
  /** `memory.copy` (bulk memory): pops dst, src, count (overlap allowed, as memmove). */
  memoryCopy(): this {
    return this.op(0xfc, ...uleb(10), 0x00, 0x00);
  }
  /** `memory.fill` (bulk memory): pops dst, byte value, count. */
  memoryFill(): this {
    return this.op(0xfc, ...uleb(11), 0x00);
  }

  // ---- f32 ----
  /** `f32.load` from (popped address + offset). */
  f32Load(offset = 0): this {
    return this.op(0x2a, ...FuncBuilder.memarg(2, offset));
  }
  /** `f32.store` (pops address, then value) to address + offset. */
  f32Store(offset = 0): this {
    return this.op(0x38, ...FuncBuilder.memarg(2, offset));
  }
  f32Const(x: number): this {
    return this.op(0x43, ...new Uint8Array(new Float32Array([x]).buffer));
  }
  /** `f32.ne`: pops a, b; pushes i32 1 if a != b (true when either is NaN), else 0. */
  f32Ne(): this {
    return this.op(0x5c);
  }
  /** `f32.gt`: pops a, b; pushes i32 1 if a > b (false for NaN), else 0. */
  f32Gt(): this {
    return this.op(0x5e);
  }
  f32Add(): this {
    return this.op(0x92);
  }
  f32Sub(): this {
    return this.op(0x93);
  }
  f32Mul(): this {
    return this.op(0x94);
  }
  f32Div(): this {
    return this.op(0x95);
  }
  /** `f32.max`: NaN if either is NaN; max(-0, +0) is +0. */
  f32Max(): this {
    return this.op(0x97);
  }

  // ---- v128 (SIMD128) ----
  /** `v128.load` from (popped address + offset), 16-byte alignment hint. */
  v128Load(offset = 0): this {
    return this.simd(0x00, ...FuncBuilder.memarg(4, offset));
  }
  /** `v128.load32_splat`: one f32 from memory, in all four lanes. */
  v128Load32Splat(offset = 0): this {
    return this.simd(0x09, ...FuncBuilder.memarg(2, offset));
  }
  /** `v128.store` (pops address, then value) to address + offset. */
  v128Store(offset = 0): this {
    return this.simd(0x0b, ...FuncBuilder.memarg(4, offset));
  }
  /** `v128.const` of four f32 lanes. */
  v128ConstF32(lanes: readonly [number, number, number, number]): this {
    const bytes = new Uint8Array(new Float32Array(lanes).buffer);
    return this.simd(0x0c, ...bytes);
  }
  /** `v128.const` of four i32 lanes. */
  v128ConstI32(lanes: readonly [number, number, number, number]): this {
    const bytes = new Uint8Array(new Int32Array(lanes).buffer);
    return this.simd(0x0c, ...bytes);
  }
  /** `v128.load64_zero`: 8 bytes from (popped address + offset) into the low half, zeros above. */
  v128Load64Zero(offset = 0): this {
    return this.simd(0x5d, ...FuncBuilder.memarg(3, offset));
  }
  /** `v128.store32_lane`: pops address, vector; stores f32 lane `lane`. */
  v128Store32Lane(lane: number, offset = 0): this {
    return this.simd(0x5a, ...FuncBuilder.memarg(2, offset), lane);
  }
  /** `v128.store64_lane`: pops address, vector; stores 64-bit lane `lane` (two f32s). */
  v128Store64Lane(lane: number, offset = 0): this {
    return this.simd(0x5b, ...FuncBuilder.memarg(3, offset), lane);
  }
  /** `v128.load64_splat`: one f64 from memory, in both lanes. */
  v128Load64Splat(offset = 0): this {
    return this.simd(0x0a, ...FuncBuilder.memarg(3, offset));
  }
  /** `f64x2.promote_low_f32x4`: the two low f32 lanes, as f64. */
  f64x2PromoteLowF32x4(): this {
    return this.simd(0x5f);
  }
  /** `f32x4.demote_f64x2_zero`: both f64 lanes rounded to f32 in the low lanes, zeros above. */
  f32x4DemoteF64x2Zero(): this {
    return this.simd(0x5e);
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
  f64x2Div(): this {
    return this.simd(0xf3);
  }
  f64x2Sqrt(): this {
    return this.simd(0xef);
  }
  /** `f64x2.max`: NaN-propagating; max(-0, +0) = +0 (as `Math.max`). */
  f64x2Max(): this {
    return this.simd(0xf5);
  }
  /** `i8x16.shuffle` of two popped vectors by 16 lane indices (0-15 first, 16-31 second). */
  i8x16Shuffle(lanes: readonly number[]): this {
    return this.simd(0x0d, ...lanes);
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  i32x4Splat(): this {
    return this.simd(0x11);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }
  /** `f32x4.ne`: all-ones lanes where a != b (true for NaN). */
  f32x4Ne(): this {
    return this.simd(0x42);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  /** `v128.bitselect`: pops a, b, mask; bits of a where mask is 1, else of b. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  /** `f32x4.max`, lanewise as `f32.max` (NaN-propagating). */
  f32x4Max(): this {
    return this.simd(0xe9);
  }
  /** `f32x4.pmax`: lanewise `a < b ? b : a` (one x64 instruction; keeps a NaN a, and -0). */
  f32x4Pmax(): this {
    return this.simd(0xeb);
  }
  /** `f32x4.gt`: all-ones lanes where a > b (false for NaN), else zero. */
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  /** Relaxed SIMD: `a * b + c` (fused or not, the engine's choice). Pops a, b, c. */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }

  /** The body as the code section wants it: locals (run-length grouped), code, `end`. */
  encode(): number[] {
    const groups: number[][] = [];
    for (let i = 0; i < this.locals.length; ) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      groups.push([...uleb(j - i), VALTYPE[this.locals[i]!]]);
      i = j;
    }
    const body = [...vec(groups), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

interface FuncDef {
  name: string;
  params: ValType[];
  results: ValType[];
  body: FuncBuilder;
}

/**
 * A module: one imported linear memory (`env.mem`, at least `minPages` 64 KiB pages) and
 * exported functions. With `sharedMaxPages`, the memory is a shared one (threads; the spec
 * requires a maximum for those, and the imported memory's maximum must not exceed it).
 */
export class ModuleBuilder {
  private readonly funcs: FuncDef[] = [];

  constructor(
    private readonly minPages = 1,
    private readonly sharedMaxPages?: number,
  ) {}

  /** Adds an exported function; `build` writes its body (parameters are locals 0..). */
  func(
    fname: string,
    params: ValType[],
    results: ValType[],
    build: (f: FuncBuilder) => void,
  ): this {
    const body = new FuncBuilder(params.length);
    build(body);
    this.funcs.push({ name: fname, params, results, body });
    return this;
  }

  /** The module's binary encoding. */
  emit(): Uint8Array<ArrayBuffer> {
    const types = this.funcs.map((f) => [
      0x60,
      ...vec(f.params.map((t) => [VALTYPE[t]])),
      ...vec(f.results.map((t) => [VALTYPE[t]])),
    ]);
    // memory import: kind 0x02, limits flag 0x00 (min only) or 0x03 (min, max, shared)
    const max = this.sharedMaxPages;
    const limits = max === undefined ? [0x00, ...uleb(this.minPages)] : [0x03, ...uleb(this.minPages), ...uleb(max)];
    const imports = [[...name("env"), ...name("mem"), 0x02, ...limits]];
    const bytes = [
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
      ...section(1, vec(types)),
      ...section(2, vec(imports)),
      ...section(3, vec(this.funcs.map((_, i) => uleb(i)))),
      ...section(7, vec(this.funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
      ...section(10, vec(this.funcs.map((f) => f.body.encode()))),
    ];
    return new Uint8Array(bytes);
  }
}
