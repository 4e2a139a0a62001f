import type { GpuArg, GpuInstance, GpuKernel, GpuValue } from "./gpu-types.js";
import { isTexture } from "./gpu-types.js";

/**
 * The compiled-kernel cache of the gpu.js backend. A kernel's source is generated with its
 * shapes, strides and offsets written in as numbers (so WebGL compiles constant loops and index
 * arithmetic), and gpu.js fixes the sizes of its array arguments at the first call; so a kernel
 * is compiled once per key (what it computes, with those numbers) and per argument size.
 *
 * Every kernel has one output of `size` floats and reads its array arguments as flat arrays
 * (`x[i]`), however large: gpu.js maps a flat index onto a 2-D texture itself.
 */
export class Programs {
  readonly #gpu: GpuInstance;
  readonly #kernels = new Map<string, GpuKernel>();
  /** Kernels compiled so far (a test asserts that a training loop's steps reuse them). */
  compiled = 0;

  constructor(gpu: GpuInstance) {
    this.#gpu = gpu;
  }

  /**
   * Runs the kernel `key` (compiled from `source()` the first time) over an output of `size`
   * elements. `source` is a JavaScript function in gpu.js's subset, as a string (not a function
   * object, whose text a minifier may rewrite into forms gpu.js does not parse).
   */
  run(key: string, source: () => string, size: number, given: readonly GpuArg[]): GpuValue {
    // NOTE: gpu.js rejects an empty array; a kernel never reads an empty input's elements
    const args = given.map((a) => (a instanceof Float32Array && a.length === 0 ? EMPTY : a));
    const full = `${key}|${size}|${args.map(argSize).join(",")}`;
    let kernel = this.#kernels.get(full);
    if (!kernel) {
      kernel = this.#gpu.createKernel(source(), {
        output: [size],
        // NOTE: pipeline keeps results on the device (a texture in a WebGL mode); immutable gives
        // each call its own output instead of overwriting the previous call's texture
        pipeline: true,
        immutable: true,
        precision: "single",
        tactic: "precision",
      });
      this.#kernels.set(full, kernel);
      this.compiled++;
    }
    return kernel(...args);
  }

  /** Releases every compiled kernel (the backend's `dispose`). */
  destroy(): void {
    for (const k of this.#kernels.values()) k.destroy();
    this.#kernels.clear();
  }
}

const EMPTY = new Float32Array(1);

/** What the cache key records of an argument: its length (gpu.js compiles per argument size). */
function argSize(a: GpuArg): string {
  if (typeof a === "number") return "n";
  if (isTexture(a)) return `t${a.size.join("x")}`;
  return `a${a.length}`;
}
