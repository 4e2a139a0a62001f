/**
 * How the WebGPU backend hosts its kernels: every kernel in this folder (`<family>.ts`, WGSL in
 * `kernels/webgpu/<family>.wgsl`) is a function `(host: KernelHost, args) => void` written
 * against the one interface below, which the backend (`index.ts`) implements over its pipeline
 * cache, buffer pool and batched command queue.
 *
 * NOTE: why this style (a pipeline cached under a short key, then `host.dispatch`) rather than a
 * declarative `dispatch({ code, entryPoint, buffers, uniforms })` per call: per-op CPU overhead
 * is what limits WebGPU training loops (see `queue.ts`), and a key the kernel picks (such as
 * `conv:conv2dForward`) skips re-deriving the binding layout and looking the WGSL source up on
 * every call; kernels whose WGSL is generated (elementwise expressions, reduce ops, matmul
 * variants) build the source only when the key is new. The same interface also gives the few
 * things some kernels need beyond dispatches: buffer copies and clears in the same command
 * stream, and temporary storages.
 *
 * On the GPU a storage's elements are 4 bytes each: float32 as f32, int32 as i32 and bool as u32
 * (0 or 1). float64 is not supported (`supportsFloat64: false`).
 *
 * @module
 */
import type { DType } from "../../core/dtype.js";
import type { Storage } from "../../core/layout.js";
import type { ViolationReport } from "../../ops/prims.js";
import type { DeviceFeatures } from "./device.js";
import type { PipelineEntry } from "./pipelines.js";

/** What a kernel asks the host to compile: a WGSL source, an entry point and its bindings. */
export interface PipelineSpec {
  readonly code: string;
  readonly entryPoint: string;
  /**
   * Storage buffers bound in order at `@group(0) @binding(0..n-1)`: `true` for the ones the
   * shader writes (`var<storage, read_write>`), `false` for `var<storage, read>`.
   */
  readonly writes: readonly boolean[];
  /** Whether a uniform struct is bound after the buffers (`@binding(n)`); default true. */
  readonly uniform?: boolean;
  /** For error messages and GPU debuggers; default the entry point. */
  readonly label?: string;
}

/** The one interface every WebGPU kernel is written against (see the module comment). */
export interface KernelHost {
  readonly device: GPUDevice;
  readonly features: DeviceFeatures;
  /** The device's `maxComputeWorkgroupsPerDimension`. */
  readonly maxWorkgroups: number;
  /**
   * The pipeline cached under `key`, compiled from `build()` on first use. Keys are global to the
   * backend: start each with the kernel family (`"conv:conv2dForward"`).
   */
  pipeline(key: string, build: () => PipelineSpec): PipelineEntry;
  /**
   * Records one dispatch of `entry` with `storages` bound in order and `uniforms` (the bytes of
   * its uniform struct, padded by the host to 16 bytes) after them. It runs in order with every
   * other dispatch, copy and transfer.
   */
  dispatch(
    entry: PipelineEntry,
    storages: readonly Storage[],
    uniforms: ArrayBufferView | null,
    x: number,
    y?: number,
    z?: number,
  ): void;
  /** Records a copy of `bytes` bytes between two storages (offsets and bytes multiples of 4). */
  copy(
    src: Storage,
    srcByteOffset: number,
    dst: Storage,
    dstByteOffset: number,
    bytes: number,
  ): void;
  /** Records `storage[byteOffset, byteOffset + bytes) = 0` (multiples of 4). */
  clear(storage: Storage, byteOffset: number, bytes: number): void;
  /** A temporary storage (not counted by `torch.memory()`); give it back with `releaseTemp`. */
  temp(dtype: DType, size: number): Storage;
  releaseTemp(storage: Storage): void;
  /**
   * A device-side assert (asserts.ts): registers `report` as the error of a new check of values
   * of `dtype`, and gives the record storage its kernel binds and the site number it records on
   * a violation. The next read throws the report of the first check that failed.
   */
  deviceAssert(dtype: DType, report: ViolationReport): { record: Storage; site: number };
}

/** Max tensor rank handled by the strided kernels (shape and strides travel in uniforms). */
export const MAX_RANK = 6;

/** Invocations per workgroup of the kernels with one invocation per element (WebGPU's default limit). */
const WORKGROUP_SIZE = 256;

/** The WGSL type that holds a dtype's elements on the GPU. */
export type GpuType = "f32" | "i32" | "u32";

/** The WGSL type of a dtype's elements on the GPU; float64 never reaches a WebGPU kernel. */
export function gpuType(dtype: DType): GpuType {
  switch (dtype) {
    case "float32":
      return "f32";
    case "int32":
      return "i32";
    case "bool":
      return "u32";
    case "float64":
      throw new Error("internal: float64 reached a WebGPU kernel");
    default:
      return dtype satisfies never;
  }
}

/**
 * Splits a WGSL file into its sections: a line `//!section NAME` starts section NAME; text
 * before the first marker (the header comment) belongs to no section.
 */
export function wgslSections(source: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | null = null;
  let lines: string[] = [];
  const close = () => {
    if (name !== null) out.set(name, lines.join("\n"));
  };
  for (const line of source.split("\n")) {
    const m = /^\/\/!section\s+(\S+)/.exec(line);
    if (m) {
      close();
      name = m[1]!;
      lines = [];
    } else lines.push(line);
  }
  close();
  return out;
}

/** Replaces every `{{KEY}}` in `template`; throws on a key left unfilled. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  const out = template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`internal: WGSL template value {{${k}}} missing`);
    return v;
  });
  return out;
}

/**
 * Workgroup grid for `groups` workgroups: (min(groups, 65535), ceil(groups / 65535)) rebalanced
 * so that x * y >= groups with the least excess; kernels bound-check the extra invocations.
 */
export function grid(groups: number): [number, number] {
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  if (y > 65535) throw new Error(`internal: too many workgroups for one dispatch: ${groups}`);
  return [Math.ceil(groups / y), y];
}

/** The grid of one invocation per element for `count` elements (workgroups of 256). */
export function elementGrid(count: number): [number, number] {
  return grid(Math.ceil(count / WORKGROUP_SIZE));
}

/**
 * Workgroups per grid dimension of a tiled (GEMM) dispatch: the device's limit, or a smaller
 * `override` (tests lower it to exercise the split of a big product into several dispatches).
 */
export function gridTiles(host: KernelHost, override?: number): number {
  return Math.min(host.maxWorkgroups, override ?? host.maxWorkgroups);
}
