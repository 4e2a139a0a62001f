/**
 * Compute pipelines, cached by WGSL source, entry point and binding layout. Layouts are explicit
 * (not `layout: "auto"`), so a binding the compiler finds unused still matches the bind group;
 * the uniform binding (last) has a dynamic offset into the backend's uniform ring.
 */

/** GPUShaderStage.COMPUTE */
const COMPUTE = 0x4;

/** A compiled kernel: the pipeline and the layout its bind group must follow. */
export interface PipelineEntry {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Identifies the layout (bind groups are cached per layout and buffers). */
  readonly layoutKey: string;
  /** Storage bindings (in order) then one uniform binding if `uniform`. */
  readonly writes: readonly boolean[];
  readonly uniform: boolean;
  readonly label: string;
  /** The WGSL source and entry point it was compiled from (for tests and error messages). */
  readonly code: string;
  readonly entryPoint: string;
}

export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #layouts = new Map<string, GPUBindGroupLayout>();
  /** code -> `${entryPoint} ${layoutKey}` -> entry (two levels, so that no per-call string
   * concatenation has to hash the whole source; V8 caches a string's hash in the string). */
  readonly #pipelines = new Map<string, Map<string, PipelineEntry>>();
  #count = 0;

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** Number of distinct pipelines compiled so far. */
  get size(): number {
    return this.#count;
  }

  /**
   * The pipeline for `code` at `entryPoint`, with storage bindings 0..n-1 (`writes[i]`: read_write,
   * else read-only) and, if `uniform`, a uniform buffer at binding n. Compiled on first use.
   */
  get(
    code: string,
    entryPoint: string,
    writes: readonly boolean[],
    uniform: boolean,
    label = entryPoint,
  ): PipelineEntry {
    const layoutKey = writes.map((w) => (w ? "w" : "r")).join("") + (uniform ? "u" : "");
    let byEntry = this.#pipelines.get(code);
    if (!byEntry) this.#pipelines.set(code, (byEntry = new Map<string, PipelineEntry>()));
    const key = `${entryPoint} ${layoutKey}`;
    let entry = byEntry.get(key);
    if (entry) return entry;
    const layout = this.#layout(layoutKey, writes, uniform);
    const module = this.#device.createShaderModule({ code, label });
    const pipeline = this.#device.createComputePipeline({
      label,
      layout: this.#device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint },
    });
    entry = { pipeline, layout, layoutKey, writes, uniform, label, code, entryPoint };
    byEntry.set(key, entry);
    this.#count++;
    return entry;
  }

  #layout(key: string, writes: readonly boolean[], uniform: boolean): GPUBindGroupLayout {
    let layout = this.#layouts.get(key);
    if (layout) return layout;
    const entries: GPUBindGroupLayoutEntry[] = writes.map((w, binding) => ({
      binding,
      visibility: COMPUTE,
      buffer: { type: w ? "storage" : "read-only-storage" },
    }));
    if (uniform)
      entries.push({
        binding: writes.length,
        visibility: COMPUTE,
        // NOTE: a dynamic offset lets one bind group serve every uniform slot of the ring, so
        // bind groups can be cached by their storage buffers alone.
        buffer: { type: "uniform", hasDynamicOffset: true },
      });
    layout = this.#device.createBindGroupLayout({ entries, label: `layout ${key}` });
    this.#layouts.set(key, layout);
    return layout;
  }
}
