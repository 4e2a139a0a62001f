import type { DType } from "../../core/dtype.js";
import type { Storage } from "../../core/layout.js";
import type { WebGPUContext } from "./context.js";
import type { PipelineCache, PipelineEntry } from "./pipelines.js";
import type { GpuHandle, GpuQueue } from "./queue.js";

/**
 * What this folder's own kernels (elementwise, reduce, scan, random) use beyond the public
 * {@link WebGPUContext}: cached pipelines recorded without re-hashing their source, buffer
 * copies and clears in the same command stream, and temporary storages.
 */
export interface KernelHost {
  readonly ctx: WebGPUContext;
  readonly pipelines: PipelineCache;
  readonly queue: GpuQueue;
  /** The pipeline cached under `key` (a compact description of the kernel), built on first use. */
  cached(key: string, build: () => PipelineEntry): PipelineEntry;
  handle(storage: Storage): GpuHandle;
  /** A temporary storage (not counted by `torch.memory()`); give it back with `releaseTemp`. */
  temp(dtype: DType, size: number): Storage;
  releaseTemp(storage: Storage): void;
}

/** The WGSL type that holds a dtype's elements on the GPU. */
export type GpuType = "f32" | "i32" | "u32";

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

/** Workgroup grid for `groups` workgroups: (min(groups, 65535), ceil(groups / 65535)). */
export function grid(groups: number): [number, number] {
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}
