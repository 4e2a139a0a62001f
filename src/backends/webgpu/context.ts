import type { Storage } from "../../core/layout.js";

/**
 * What a WebGPU kernel needs from the backend: the device, and one call to record a compute
 * dispatch. Kernels (`kernels-*.ts` in this folder, WGSL in top-level `kernels/`) are written
 * against this interface only; the backend (`index.ts`) implements it with a pipeline cache, a
 * buffer pool, a uniform ring and batched command encoders.
 *
 * On the GPU a storage's elements are 4 bytes each: float32 as f32, int32 as i32 and bool as u32
 * (0 or 1). float64 is not supported (`supportsFloat64: false`).
 */
export interface DispatchSpec {
  /** WGSL source; pipelines are cached by source and entry point. */
  readonly code: string;
  /** Defaults to "main". */
  readonly entryPoint?: string;
  /**
   * Storage buffers bound in order at `@group(0) @binding(0..n-1)`; `write: true` marks the ones
   * the shader writes (`var<storage, read_write>`), the rest are `var<storage, read>`.
   */
  readonly buffers: readonly { readonly storage: Storage; readonly write?: boolean }[];
  /**
   * Bytes of a uniform struct bound after the buffers (`@binding(n)`); its layout follows WGSL's
   * uniform rules (the backend pads the size to 16 bytes).
   */
  readonly uniforms?: ArrayBuffer;
  /** Workgroup counts; each at most `limits.maxComputeWorkgroupsPerDimension` (65535). */
  readonly workgroups: readonly [number, number?, number?];
}

export interface WebGPUContext {
  readonly device: GPUDevice;
  readonly features: {
    readonly shaderF16: boolean;
    readonly subgroups: boolean;
    readonly timestampQuery: boolean;
  };
  /** Records one compute dispatch; it runs in order with every other dispatch and transfer. */
  dispatch(spec: DispatchSpec): void;
  /** The GPU buffer behind a storage (for kernels that copy with `copyBufferToBuffer`). */
  bufferOf(storage: Storage): GPUBuffer;
}

/** Max tensor rank handled by the strided kernels (shape and strides travel in uniforms). */
export const MAX_RANK = 6;
