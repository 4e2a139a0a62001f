import type { DType } from "../../src/index.js";

/**
 * Sample inputs for the op list: a small language for writing an op's test inputs once, so that
 * the same samples feed PyTorch (through `npm run golden`, which exports them to JSON for
 * `test/golden/generate.py`) and every webtorch runner (goldens per backend, float64, gradcheck).
 *
 * Random data is deterministic per sample: each sample's generator is seeded with the CRC32 of
 * the sample's name, so adding, removing or reordering samples never changes the others' inputs.
 * Random values are rounded to 4 decimals, so the JSON stays small; both languages round the same
 * decimal to the same float32 when they make the tensor.
 *
 * @example
 * sample("add/broadcast_row", [randn(2, 3), randn(3)])
 * sample("div/trunc", [f32([7.5, -7.5]), f32([2, 2])], { roundingMode: "trunc" })
 * sample("sum/transposed", [t(randn(4, 3), { transpose: [0, 1] })], { dim: 1 })
 */

/** A value as JSON holds it: NaN and the infinities are strings. */
export type Encoded = number | boolean | "nan" | "inf" | "-inf";

/** How a non-contiguous input is made from its contiguous base (applied by every runner). */
export type Layout =
  | { transpose: [number, number] }
  | { permute: number[] }
  | { expand: number[] }
  | { slice: string };

/** One input of a sample: a contiguous base tensor, then its layout. */
export interface InputSpec {
  data: Encoded[];
  shape: number[];
  dtype: DType;
  /** Whether the base requires grad; defaults to the sample's `grad` for floating inputs. */
  requiresGrad?: boolean;
  layout: Layout | null;
}

/** Options of a sample, in webtorch's (camelCase) names; see `Kw` in `ops.ts`. */
export type SampleKwargs = Record<string, unknown>;

/** One sample: a name unique in the whole list (`op/what`), inputs and options. */
export interface Sample {
  name: string;
  inputs: InputSpec[];
  kwargs: SampleKwargs;
  /** Whether gradients are compared (and checked by finite differences). */
  grad: boolean;
  /** PyTorch computes this sample's reference in float64 (its float32 result is less exact). */
  ref64?: boolean;
  /**
   * Why finite differences cannot check this sample's gradient though PyTorch's is compared (a
   * kink or tie: PyTorch picks one subgradient); absent when they can.
   */
  noGradcheck?: string;
}

// ---- deterministic random numbers ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of a string's UTF-16 code units (names are ASCII), as zlib.crc32 of its bytes. */
export function crc32(text: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < text.length; i++) c = CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A small deterministic generator (mulberry32): uniform in [0, 1). */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

// ---- input makers ----

/** Makes one input from the sample's generator. */
export type Gen = (rng: Rng) => InputSpec;

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** 4 decimals: short in JSON; both languages round the same decimal to the same float32. */
const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

function floats(shape: number[], f: (rng: Rng) => number): Gen {
  return (rng) => ({
    data: Array.from({ length: numel(shape) }, () => round4(f(rng))),
    shape,
    dtype: "float32",
    layout: null,
  });
}

/** Standard normal float32 values of `shape`. */
export const randn = (...shape: number[]): Gen => floats(shape, (r) => r.normal());
/** Uniform float32 values in [lo, hi). */
export const uniform = (lo: number, hi: number, ...shape: number[]): Gen =>
  floats(shape, (r) => lo + (hi - lo) * r.next());
/** Magnitudes uniform in [lo, hi) with random signs (safe divisors, prod factors). */
export const signedUniform = (lo: number, hi: number, ...shape: number[]): Gen =>
  floats(shape, (r) => (r.next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r.next()));
/** Random integers in [lo, hi) as int32. */
export const randint =
  (lo: number, hi: number, ...shape: number[]): Gen =>
  (rng) => ({
    data: Array.from({ length: numel(shape) }, () => lo + Math.floor(rng.next() * (hi - lo))),
    shape,
    dtype: "int32",
    layout: null,
  });
/** Values without ties (a shuffled, jittered ramp), for max/min/sort/pool gradients. */
export const distinct =
  (...shape: number[]): Gen =>
  (rng) => {
    const n = numel(shape);
    const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.37 + (rng.next() - 0.5) * 0.2);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [v[i], v[j]] = [v[j]!, v[i]!];
    }
    return { data: v.map(round4), shape, dtype: "float32", layout: null };
  };

/** `gen`'s values mapped by `f` (then rounded as every float input). */
export const map =
  (gen: Gen, f: (v: number) => number): Gen =>
  (rng) => {
    const s = gen(rng);
    return {
      ...s,
      data: s.data.map((v) => (s.dtype === "float32" ? round4 : Number)(f(v as number))),
    };
  };
/** The first element of `gen`'s values as a 0-d tensor. */
export const scalar =
  (gen: Gen): Gen =>
  (rng) => {
    const s = gen(rng);
    return { ...s, data: [s.data[0]!], shape: [] };
  };
/** Zeros of `shape` (typically an empty shape such as [0, 3]). */
export const zeros = (...shape: number[]): Gen => floats(shape, () => 0);

type Nested = Encoded | readonly Nested[];

function fixed(data: Nested, dtype: DType): Gen {
  const shape: number[] = [];
  for (let d: Nested = data; Array.isArray(d); d = (d as readonly Nested[])[0]!) {
    shape.push(d.length);
    if (d.length === 0) break;
  }
  const flat = (Array.isArray(data) ? (data as unknown[]).flat(Infinity) : [data]) as Encoded[];
  const enc = (v: Encoded): Encoded => {
    if (typeof v !== "number") return v;
    if (Number.isNaN(v)) return "nan";
    if (v === Infinity) return "inf";
    if (v === -Infinity) return "-inf";
    return dtype === "bool" ? v !== 0 : v;
  };
  return () => ({ data: flat.map(enc), shape, dtype, layout: null });
}

/** Fixed float32 values (nested arrays give the shape; a number gives a 0-d tensor). */
export const f32 = (data: Nested): Gen => fixed(data, "float32");
/** Fixed int32 values. */
export const i32 = (data: Nested): Gen => fixed(data, "int32");
/** Fixed bool values (numbers: nonzero is true). */
export const bool = (data: Nested): Gen => fixed(data, "bool");
/** Fixed float64 values. */
export const f64 = (data: Nested): Gen => fixed(data, "float64");

/** `gen` cast to `dtype` (float64 keeps the float32 values; int32 truncates). */
export const as =
  (gen: Gen, dtype: DType): Gen =>
  (rng) => {
    const s = gen(rng);
    const cast = (v: Encoded): Encoded =>
      dtype === "bool" ? v !== 0 && v !== false : dtype === "int32" ? Math.trunc(Number(v)) : v;
    return { ...s, data: s.data.map(cast), dtype };
  };
/** `gen` viewed through `layout` (a non-contiguous input). */
export const t =
  (gen: Gen, layout: Layout): Gen =>
  (rng) => ({ ...gen(rng), layout });
/** `gen` with an explicit requires-grad flag (overrides the sample's). */
export const noGrad =
  (gen: Gen): Gen =>
  (rng) => ({ ...gen(rng), requiresGrad: false });

export const NAN = NaN;
export const INF = Infinity;

/** Whether the base of input `i` requires grad: as set, else the sample's `grad` for float inputs. */
export function requiresGrad(s: Sample, i: InputSpec): boolean {
  return i.requiresGrad ?? (s.grad && (i.dtype === "float32" || i.dtype === "float64"));
}

/** Options of one sample beyond its inputs and kwargs. */
export interface SampleOptions {
  /** Compare gradients (default true). */
  grad?: boolean;
  ref64?: boolean;
  noGradcheck?: string;
}

/**
 * One sample: its inputs are made from a generator seeded with the CRC32 of `name`.
 */
export function sample(
  name: string,
  inputs: readonly Gen[],
  kwargs: object = {},
  options: SampleOptions = {},
): Sample {
  const rng = new Rng(crc32(name));
  return {
    name,
    inputs: inputs.map((g) => g(rng)),
    kwargs: kwargs as SampleKwargs,
    grad: options.grad ?? true,
    ...(options.ref64 ? { ref64: true } : {}),
    ...(options.noGradcheck ? { noGradcheck: options.noGradcheck } : {}),
  };
}

const isFinite = (v: Encoded) => typeof v === "number" && Number.isFinite(v);

/**
 * The float64 twin of a sample whose inputs are all finite float32 values (`<name>/f64`), or null
 * when it has none (other dtypes, special values, no inputs).
 */
export function float64Twin(s: Sample): Sample | null {
  if (s.inputs.length === 0 || s.ref64) return null;
  if (!s.inputs.every((i) => i.dtype === "float32" && i.data.every(isFinite))) return null;
  return {
    ...s,
    name: `${s.name}/f64`,
    inputs: s.inputs.map((i) => ({ ...i, dtype: "float64" })),
  };
}

/** Whether finite differences can check the sample's gradient (finite float inputs, no kink). */
export function gradcheckable(s: Sample): boolean {
  return (
    s.grad &&
    !s.noGradcheck &&
    s.inputs.some((i) => i.dtype === "float32" || i.dtype === "float64") &&
    s.inputs.every((i) => i.dtype === "int32" || i.dtype === "bool" || i.data.every(isFinite))
  );
}

/**
 * A digest of what a sample feeds PyTorch (inputs, options, flags): the golden fixture records
 * it, and the runners refuse a fixture whose digest differs from the list's (a stale fixture).
 */
export function sampleDigest(s: Sample): string {
  const text = JSON.stringify([s.inputs, s.kwargs, s.grad, s.ref64 ?? false], (_, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
  );
  return crc32(text).toString(16).padStart(8, "0");
}
