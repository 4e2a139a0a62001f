import type { DType, TypedArray } from "../../core/dtype.js";
import { contiguousStrides, isContiguous, type Storage, type View } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import { kernelSource, lit } from "./codegen.js";
import type { GpuArg, GpuInstance, GpuValue } from "./gpu-types.js";
import { isTexture } from "./gpu-types.js";
import { Programs } from "./programs.js";

/**
 * Storage and data movement of the gpu.js backend. Every dtype is held as float32 (gpu.js has
 * float textures only): int32 values are exact up to 2^24, bool is 0 or 1. A storage's value is
 * a texture in the WebGL modes (kept on the GPU between kernels, read back only by `read`) or a
 * Float32Array in the `webasm`/`cpu` modes (Node, where gpu.js has no GL).
 *
 * Kernels compute a contiguous result for their output view; `writeOut` puts it in place: as
 * the storage's new value when the view covers the whole storage (the common case), else merged
 * into the old value by one more kernel (or on the host for views that kernel cannot invert).
 */

/** What a gpujs storage's `data` holds: its current value (replaced, not mutated, by kernels). */
export interface GpujsHandle {
  value: GpuValue;
}

export class GpujsHost {
  readonly programs: Programs;
  /** Whether values are textures (a WebGL mode) rather than host arrays. */
  readonly textures: boolean;

  constructor(gpu: GpuInstance) {
    this.programs = new Programs(gpu);
    this.textures = gpu.mode === "webgl2" || gpu.mode === "webgl" || gpu.mode === "headlessgl";
  }

  /** The current value of a storage, as a kernel argument. */
  value(s: Storage): GpuValue {
    if (s.freed) throw new Error("internal: a freed storage reached a gpujs kernel");
    return (s.data as GpujsHandle).value;
  }

  /** A value holding `data` (as float32), uploaded to a texture in the WebGL modes. */
  upload(data: Float32Array): GpuValue {
    if (!this.textures || data.length === 0) return data;
    return this.programs.run("upload", () => kernelSource(["x"], "return x[i];"), data.length, [
      data,
    ]);
  }

  /** A copy of a value on the host (a readback in the WebGL modes). */
  download(v: GpuValue, size: number): Float32Array {
    if (!isTexture(v)) return v.slice(0, size);
    const a = v.toArray();
    return a instanceof Float32Array ? a.slice(0, size) : Float32Array.from(a.slice(0, size));
  }

  /** Releases a value (a texture's GPU memory; arrays are left to the garbage collector). */
  release(v: GpuValue): void {
    if (isTexture(v)) v.delete();
  }

  /** Replaces a storage's value, releasing the old one. */
  replace(s: Storage, v: GpuValue): void {
    const h = s.data as GpujsHandle;
    if (h.value !== v) this.release(h.value);
    h.value = v;
  }

  /**
   * Runs a kernel whose output is `out`'s elements in row-major order (`i` in the body), and puts
   * the result in `out`'s storage. `args` are the kernel's arguments, in `params` order.
   */
  produce(out: View, key: string, params: readonly string[], body: () => string, args: GpuArg[]) {
    const result = this.compute(out, key, params, body, args);
    if (result) this.writeOut(out, result);
  }

  /** `produce` without putting the result in place (null for an empty output). */
  compute(
    out: View,
    key: string,
    params: readonly string[],
    body: () => string,
    args: readonly GpuArg[],
  ): GpuValue | null {
    const n = numel(out.shape);
    if (n === 0) return null;
    return this.programs.run(key, () => kernelSource(params, body()), n, args);
  }

  /** Puts a contiguous result of `out`'s shape into `out`'s storage (see the class comment). */
  writeOut(out: View, result: GpuValue): void {
    const s = out.storage;
    const n = numel(out.shape);
    if (out.offset === 0 && n === s.size && isContiguous(out.shape, out.strides)) {
      this.replace(s, result);
      return;
    }
    const merge = mergeSource(out);
    if (merge) {
      const old = this.value(s);
      const key = `merge:${out.shape.join("x")}/${out.strides.join(",")}@${out.offset}`;
      const merged = this.programs.run(key, () => merge, s.size, [old, result]);
      this.release(result);
      this.replace(s, merged);
      return;
    }
    // NOTE: a view whose elements interleave (only as_strided-like layouts): merge on the host
    const host = this.download(this.value(s), s.size);
    const r = this.download(result, n);
    this.release(result);
    const cs = contiguousStrides(out.shape);
    for (let i = 0; i < n; i++) {
      let at = out.offset;
      for (let d = 0; d < out.shape.length; d++)
        at += (Math.floor(i / cs[d]!) % out.shape[d]!) * out.strides[d]!;
      host[at] = r[i]!;
    }
    this.replace(s, this.upload(host));
  }
}

/**
 * The source of a kernel over a whole storage that takes each element from `result` where view
 * `out` covers it, else from `old`; null when the view cannot be inverted that way. Element j of
 * the storage is found in the view by peeling off coordinates from the largest stride down,
 * which is exact when each stride exceeds the span of all smaller-stride dims (true of every
 * view made by slicing, permuting, flipping or selecting a contiguous tensor).
 */
function mergeSource(out: View): string | null {
  const cs = contiguousStrides(out.shape);
  let offset = out.offset;
  const dims: { n: number; s: number; cs: number; flip: boolean }[] = [];
  for (let d = 0; d < out.shape.length; d++) {
    const n = out.shape[d]!;
    const s = out.strides[d]!;
    if (n === 1) continue;
    if (s === 0) return null;
    // a flipped dim: walk it forwards from its last element
    if (s < 0) offset += (n - 1) * s;
    dims.push({ n, s: Math.abs(s), cs: cs[d]!, flip: s < 0 });
  }
  dims.sort((a, b) => b.s - a.s);
  for (let k = 0; k < dims.length; k++) {
    let span = 0;
    for (let j = k + 1; j < dims.length; j++) span += (dims[j]!.n - 1) * dims[j]!.s;
    if (dims[k]!.s <= span) return null;
  }
  const lines = [
    `let r = i - ${lit(offset)};`,
    `let f = 0.0;`,
    `let inside = 1.0;`,
    `if (r < 0.0) { inside = 0.0; }`,
  ];
  dims.forEach((d, k) => {
    lines.push(`const c${k} = Math.floor(r / ${lit(d.s)});`);
    lines.push(`if (c${k} >= ${lit(d.n)}) { inside = 0.0; }`);
    lines.push(`r = r - c${k} * ${lit(d.s)};`);
    const c = d.flip ? `(${lit(d.n - 1)} - c${k})` : `c${k}`;
    lines.push(`f = f + ${c} * ${lit(d.cs)};`);
  });
  lines.push(`if (r != 0.0) { inside = 0.0; }`);
  lines.push(`if (inside > 0.0) { return result[f]; }`);
  lines.push(`return old[i];`);
  return kernelSource(["old", "result"], lines.join("\n  "));
}

/** The float32 form of a dtype's data (what every gpujs storage holds). */
export function toFloat32(data: TypedArray): Float32Array {
  return data instanceof Float32Array ? data.slice() : Float32Array.from(data as ArrayLike<number>);
}

/** A storage's float32 values as its dtype's typed array (what `read` returns). */
export function fromFloat32(dtype: DType, data: Float32Array): TypedArray {
  switch (dtype) {
    case "float32":
      return data;
    case "int32":
      return Int32Array.from(data, Math.round);
    case "bool":
      return Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0));
    case "float64":
      throw new Error("internal: float64 storage on the gpujs backend");
    default:
      return dtype satisfies never;
  }
}
