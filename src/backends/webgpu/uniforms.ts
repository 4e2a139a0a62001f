/**
 * Uniform structs declared once, by name: a {@link UniformStruct} is the one table of a struct's
 * fields (name and WGSL type, in order). The WGSL declaration is generated from it (kernels
 * prepend `struct.wgsl` to their source; WGSL declarations may come in any order) and values are
 * packed into the uniform buffer by field name, so TypeScript and WGSL cannot disagree on a slot.
 *
 * @module
 */
import { assertInternal } from "../../core/errors.js";

type Scalar = "u32" | "i32" | "f32";

/**
 * WGSL types a uniform field may have: 4-byte scalars, vec4s of them, or arrays of such vec4s
 * (WGSL's uniform rules give array elements a 16-byte stride, so shapes of 8 travel as 2 vec4s).
 */
export type UniformType = Scalar | `vec4<${Scalar}>` | `array<vec4<${Scalar}>, ${number}>`;

/** A value for each field: a number (booleans store 1 or 0) or, for a vector, its numbers. */
export type UniformValues<F extends string> = {
  readonly [K in F]: number | boolean | readonly number[];
};

/** Scratch for a float's bits (single-threaded, used and read back at once). */
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

interface Field {
  readonly name: string;
  readonly scalar: Scalar;
  /** Offset in 4-byte words. */
  readonly word: number;
  /** Length in 4-byte words. */
  readonly length: number;
}

/**
 * One uniform struct: its fields in declaration order, its WGSL text, and a packer by name.
 *
 * @example
 * const PARAMS = new UniformStruct("PoolParams", { n: "u32", lr: "f32" });
 * const code = PARAMS.wgsl + source; // `struct PoolParams { n: u32, lr: f32, }` + the kernel
 * host.dispatch(entry, storages, PARAMS.pack({ n: 10, lr: 0.1 }), x);
 */
export class UniformStruct<F extends string> {
  readonly name: string;
  /** `struct Name { ... }`, to prepend to the WGSL that uses it. */
  readonly wgsl: string;
  /** Size in 4-byte words, padded to 16 bytes. */
  readonly words: number;
  readonly #fields: readonly Field[];

  constructor(name: string, fields: Readonly<Record<F, UniformType>>) {
    this.name = name;
    const out: Field[] = [];
    let word = 0;
    for (const [field, type] of Object.entries(fields) as [string, UniformType][]) {
      const vec = /^(?:array<)?vec4<(\w+)>(?:, (\d+)>)?$/.exec(type);
      const length = vec ? 4 * Number(vec[2] ?? 1) : 1;
      // NOTE: WGSL aligns a vec4 to 16 bytes; every layout here places them aligned already, so
      // the generated struct never has implicit padding that the packer would miss.
      assertInternal(length === 1 || word % 4 === 0, `${name}.${field}: vec4 not 16-byte aligned`);
      out.push({ name: field, scalar: (vec ? vec[1] : type) as Scalar, word, length });
      word += length;
    }
    this.#fields = out;
    this.words = Math.max(4, Math.ceil(word / 4) * 4);
    const lines = Object.entries(fields).map(([f, t]) => `  ${f}: ${t as string},`);
    this.wgsl = `struct ${name} {\n${lines.join("\n")}\n}\n`;
  }

  /** The struct's bytes with each field set from `values` by name. */
  pack(values: UniformValues<F>): Uint32Array {
    // NOTE: this runs once per dispatch (per parameter in an optimizer step): one allocation,
    // and an error message only when a value is out of range.
    const words = new Uint32Array(this.words);
    for (const f of this.#fields) {
      const v = values[f.name as F];
      if (typeof v !== "object") {
        words[f.word] = this.#bits(f, +v);
        continue;
      }
      if (v.length > f.length) this.#fail(f, `${v.length} values`);
      for (let k = 0; k < v.length; k++) words[f.word + k] = this.#bits(f, v[k]!);
    }
    return words;
  }

  /** The 32 bits that store `x` as the field's type. */
  #bits(f: Field, x: number): number {
    if (f.scalar === "f32") {
      F32[0] = x;
      return U32[0]!;
    }
    if (f.scalar === "i32") {
      if (!(x >= -0x80000000 && x <= 0x7fffffff)) this.#fail(f, x);
      return x >>> 0;
    }
    if (!(x >= 0 && x <= 0xffffffff)) this.#fail(f, x);
    return x;
  }

  #fail(f: Field, what: unknown): never {
    throw new Error(`internal: uniform ${this.name}.${f.name} out of range: ${String(what)}`);
  }
}

/**
 * The sliding-window fields that conv.wgsl's and pool.wgsl's structs share, in this order:
 * stride, padding and dilation per spatial dimension (H, W).
 */
export const WINDOW_FIELDS = {
  strideH: "u32",
  strideW: "u32",
  padH: "u32",
  padW: "u32",
  dilH: "u32",
  dilW: "u32",
} as const;

/** The {@link WINDOW_FIELDS} values of a conv or pool's attributes. */
export function windowValues(attrs: {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
}): UniformValues<keyof typeof WINDOW_FIELDS> {
  const [[strideH, strideW], [padH, padW], [dilH, dilW]] = [
    attrs.stride,
    attrs.padding,
    attrs.dilation,
  ];
  return { strideH, strideW, padH, padW, dilH, dilW };
}
