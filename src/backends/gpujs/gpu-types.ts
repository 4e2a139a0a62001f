/**
 * The little of gpu.js's API the backend uses, written out so that webtorch type-checks and
 * builds without the optional package installed (gpu.js is imported only when asked for).
 */

/** A kernel's output kept on the device (`pipeline: true` in a WebGL mode). */
export interface GpuTexture {
  toArray(): Float32Array | number[];
  delete(): void;
  readonly size: readonly number[];
}

/** What a compiled kernel takes and returns: flat float arrays, textures and numbers. */
export type GpuValue = Float32Array | GpuTexture;
export type GpuArg = GpuValue | number;

/** A compiled gpu.js kernel (`gpu.createKernel(...)`). */
export interface GpuKernel {
  (...args: GpuArg[]): GpuValue;
  destroy(removeCanvasReferences?: boolean): void;
}

/** The settings webtorch passes to `createKernel`. */
export interface GpuKernelSettings {
  output: number[];
  pipeline: boolean;
  immutable: boolean;
  precision: "single";
  tactic: "precision";
  loopMaxIterations?: number;
}

/** A gpu.js instance (`new GPU({ mode })`). */
export interface GpuInstance {
  readonly mode: string;
  createKernel(source: string, settings: GpuKernelSettings): GpuKernel;
  destroy(): void;
}

/** The gpu.js module: the `GPU` class and its static feature probes. */
export interface GpuModule {
  GPU: {
    new (settings: { mode: string; canvas?: unknown }): GpuInstance;
    readonly isWebGL2Supported?: boolean;
    readonly isWebGLSupported?: boolean;
  };
}

/** Whether `v` is a device texture (a WebGL mode's pipelined output) rather than a plain array. */
export function isTexture(v: GpuValue): v is GpuTexture {
  return !(v instanceof Float32Array);
}
