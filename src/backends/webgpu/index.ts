import type { DType, TypedArray } from "../../core/dtype.js";
import { DeviceError } from "../../core/errors.js";
import type { Kernel, KernelArgs, Prim } from "../../ops/prims.js";
import type { Backend } from "../backend.js";
import { mapViews, viewsOf } from "../kernel-args.js";
import type { Storage } from "../../core/layout.js";
import { cpuBackend } from "../cpu/index.js";
import { DeviceAsserts } from "./asserts.js";
import { acquireDevice, type AcquiredDevice, type DeviceFeatures } from "./device.js";
import type { KernelHost } from "./host.js";
import { webgpuKernels } from "./kernels.js";
import { PipelineCache, type PipelineEntry } from "./pipelines.js";
import { GpuQueue, type GpuHandle, type QueueStats } from "./queue.js";

/**
 * The WebGPU backend: storages are pooled GPU buffers (4 bytes per element: f32, i32, and u32 for
 * bool), kernels record compute dispatches into batched command encoders (see `queue.ts`), and
 * `read` is the one asynchronous step. A primitive without a kernel runs on the CPU through
 * {@link Backend.fallback}, in order with everything else.
 */
export interface WebGPUBackend extends Backend {
  readonly name: "webgpu";
  /** What its kernels are written against (device, pipelines, dispatch; see host.ts). */
  readonly context: KernelHost;
  readonly adapter: GPUAdapter;
  readonly features: DeviceFeatures;
  /** Where the GPU came from: "navigator.gpu" or "webgpu (Dawn)". */
  readonly source: string;
  /** Live GPU buffers, pooled bytes, pipelines and queue counters, for tests and tuning. */
  stats(): WebGPUStats;
  /** Whether the device was lost (every later operation throws a DeviceError). */
  readonly lost: boolean;
  /** Submits everything enqueued so far (reads do this themselves). */
  flush(): void;
}

/** What `backend.stats()` reports: queue counters, buffers, pipelines, deferred operations. */
export interface WebGPUStats extends QueueStats {
  liveBuffers: number;
  createdBuffers: number;
  pooledBytes: number;
  pipelines: number;
  /** Operations waiting behind a pending CPU fallback. */
  deferred: number;
}

/** The GPU storage of each dtype (bool's Uint8Array becomes u32 words). */
function toGpuArray(data: TypedArray): Float32Array | Int32Array | Uint32Array {
  if (data instanceof Uint8Array) return Uint32Array.from(data);
  if (data instanceof Float64Array)
    throw new Error("internal: float64 data reached the WebGPU backend");
  return data;
}

function fromGpuBytes(dtype: DType, bytes: ArrayBuffer): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(bytes);
    case "int32":
      return new Int32Array(bytes);
    case "bool":
      return Uint8Array.from(new Uint32Array(bytes));
    case "float64":
      throw new Error("internal: float64 storage on the WebGPU backend");
    default:
      return dtype satisfies never;
  }
}

function sameBytes(a: TypedArray, b: TypedArray): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Creates the backend on an acquired device. */
export function createWebGPUBackend(acquired: AcquiredDevice): WebGPUBackend {
  const { device, adapter, features } = acquired;
  const maxPooled = Math.min(1024 * 1024 * 1024, device.limits.maxBufferSize * 4);
  const queue = new GpuQueue(device, maxPooled);
  const pipelines = new PipelineCache(device);
  const entries = new Map<string, PipelineEntry>();

  const handle = (s: Storage): GpuHandle => {
    if (s.backend !== backend)
      throw new Error(`internal: a ${s.backend.name} storage reached a WebGPU kernel`);
    if (s.freed) throw new Error("internal: a freed storage reached a WebGPU kernel");
    return s.data as GpuHandle;
  };

  const context: KernelHost = {
    device,
    features,
    maxWorkgroups: device.limits.maxComputeWorkgroupsPerDimension,
    pipeline(key, build) {
      let e = entries.get(key);
      if (!e) {
        const spec = build();
        const uniform = spec.uniform ?? true;
        e = pipelines.get(spec.code, spec.entryPoint, spec.writes, uniform, spec.label);
        entries.set(key, e);
      }
      return e;
    },
    dispatch(entry, storages, uniforms, x, y = 1, z = 1) {
      const handles = storages.map(handle);
      // NOTE: WebGPU rejects a buffer bound both writable and read-only in one dispatch; say
      // which kernel did it rather than leave a validation error for the next read.
      for (let i = 1; i < handles.length; i++)
        for (let j = 0; j < i; j++)
          if (handles[i] === handles[j] && (entry.writes[i] || entry.writes[j]))
            throw new Error(
              `internal: ${entry.label}: one storage bound both writable and read-only (WebGPU forbids it)`,
            );
      queue.dispatch(entry, handles, uniforms, x, y, z);
    },
    copy: (src, srcOffset, dst, dstOffset, bytes) =>
      queue.copy(handle(src), srcOffset, handle(dst), dstOffset, bytes),
    clear: (s, offset, bytes) => queue.clear(handle(s), offset, bytes),
    temp: (dtype, size) => backend.alloc(dtype, size),
    releaseTemp: (s) => backend.free(s),
    deviceAssert: (dtype, report) => ({ record: assertRecord, site: asserts.site(dtype, report) }),
  };

  const backend: WebGPUBackend = {
    name: "webgpu",
    supportsFloat64: false,
    context,
    adapter,
    features,
    source: acquired.source,
    kernels: webgpuKernels(context),
    get lost() {
      return queue.lostReason !== null;
    },
    alloc(dtype, size): Storage {
      queue.checkLive("webgpu");
      if (dtype === "float64")
        throw new DeviceError("webgpu", "float64 is not supported on webgpu; use float32");
      const bytes = size * 4;
      if (bytes > device.limits.maxStorageBufferBindingSize)
        throw new DeviceError(
          "webgpu",
          `a tensor of ${size} elements (${bytes} bytes) exceeds this device's maxStorageBufferBindingSize (${device.limits.maxStorageBufferBindingSize} bytes)`,
        );
      const pooled = queue.storagePool.acquire(bytes);
      const h: GpuHandle = { buffer: pooled.buffer, pooled, bytes, lastUse: 0 };
      return { backend, dtype, size, data: h, refs: 0, version: 0, freed: false };
    },
    free(storage) {
      queue.release(storage.data as GpuHandle);
    },
    write(storage, data) {
      queue.write(storage.data as GpuHandle, toGpuArray(data));
    },
    async read(storage) {
      const [bytes] = await asserts.read([storage.data as GpuHandle], [storage.size * 4]);
      return fromGpuBytes(storage.dtype, bytes!);
    },
    sync: () => asserts.sync(),
    fallback<P extends Prim>(prim: P, args: KernelArgs[P], cpuKernel: Kernel<P>): void {
      const storages = [...new Set(viewsOf(args).map((v) => v.storage))];
      const handles = storages.map(handle);
      queue.hostStep(
        handles,
        storages.map((s) => s.size * 4),
        (datas) => {
          const cpu = new Map<Storage, Storage>();
          const before = new Map<Storage, TypedArray>();
          storages.forEach((s, i) => {
            const data = fromGpuBytes(s.dtype, datas[i]!);
            before.set(s, data.slice());
            cpu.set(s, { ...cpuBackend.alloc(s.dtype, 0), size: s.size, data, refs: 1 });
          });
          const cpuArgs = mapViews(args, (v) => ({
            storage: cpu.get(v.storage)!,
            dtype: v.dtype,
            shape: v.shape,
            strides: v.strides,
            offset: v.offset,
          })) as KernelArgs[P];
          cpuKernel(cpuArgs);
          storages.forEach((s, i) => {
            const data = cpu.get(s)!.data as TypedArray;
            if (!sameBytes(data, before.get(s)!))
              queue.writeFromHost(handles[i]!, toGpuArray(data));
          });
        },
      );
    },
    stats(): WebGPUStats {
      return {
        ...queue.stats,
        liveBuffers: queue.storagePool.live,
        createdBuffers: queue.storagePool.created,
        pooledBytes: queue.storagePool.pooledBytes,
        pipelines: pipelines.size,
        deferred: queue.deferredCount,
      };
    },
    flush: () => queue.flush(),
  };
  // the record of the device-side asserts (see asserts.ts), not counted by torch.memory()
  const assertRecord = backend.alloc("int32", 4);
  const asserts = new DeviceAsserts(queue, assertRecord.data as GpuHandle);
  return backend;
}

/**
 * Acquires a WebGPU device and creates the backend; resolves to `{ reason }` when no adapter
 * is available (no `navigator.gpu`, the `webgpu` package missing, or no Vulkan/Metal/D3D driver).
 */
export async function initWebGPU(): Promise<WebGPUBackend | { reason: string }> {
  const acquired = await acquireDevice();
  if ("reason" in acquired) return acquired;
  return createWebGPUBackend(acquired);
}
