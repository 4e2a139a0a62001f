import type { TypedArray } from "../../core/dtype.js";
import { DeviceError } from "../../core/errors.js";
import type { Storage } from "../../core/layout.js";
import { platform } from "../../core/platform/current.js";
import type { Kernel, KernelArgs, Prim } from "../../ops/prims.js";
import type { Backend } from "../backend.js";
import { mapViews, viewsOf } from "../kernel-args.js";
import { cpuBackend } from "../cpu/index.js";
import type { GpuInstance, GpuModule } from "./gpu-types.js";
import { fromFloat32, GpujsHost, toFloat32, type GpujsHandle } from "./host.js";
import { gpujsKernels } from "./kernels.js";

/**
 * The gpu.js backend ("gpujs"): kernels written as gpu.js functions, which gpu.js compiles to
 * WebGL2 fragment shaders in a browser (textures kept on the GPU between ops, read back only by
 * `read`) and to WebAssembly in Node, where it has no GL. Float32 only; int32 and bool tensors are
 * held as float32 values (int32 exact to 2^24). A primitive without a kernel runs on the CPU
 * through `fallback`, counted by `torch.backendStats()`.
 */
export interface GpujsBackend extends Backend {
  readonly name: "gpujs";
  /** gpu.js's mode: "webgl2" or "webgl" in a browser, "webasm" or "cpu" in Node. */
  readonly mode: string;
  /** Kernels compiled so far. */
  readonly compiledKernels: number;
}

function sameValues(a: TypedArray, b: TypedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Creates the backend on a gpu.js instance. */
export function createGpujsBackend(gpu: GpuInstance): GpujsBackend {
  const host = new GpujsHost(gpu);
  const read = (s: Storage) => fromFloat32(s.dtype, host.download(host.value(s), s.size));
  const backend: GpujsBackend = {
    name: "gpujs",
    supportsFloat64: false,
    mode: gpu.mode,
    get compiledKernels() {
      return host.programs.compiled;
    },
    kernels: gpujsKernels(host),
    alloc(dtype, size): Storage {
      if (dtype === "float64")
        throw new DeviceError("gpujs", "float64 is not supported on gpujs; use float32");
      const handle: GpujsHandle = { value: host.upload(new Float32Array(size)) };
      return { backend, dtype, size, data: handle, refs: 0, version: 0, freed: false };
    },
    free(storage) {
      host.release((storage.data as GpujsHandle).value);
    },
    write(storage, data) {
      host.replace(storage, host.upload(toFloat32(data)));
    },
    read: (storage) => Promise.resolve(read(storage)),
    // NOTE: gpu.js runs each kernel at its call, so a fallback simply reads its inputs now
    fallback<P extends Prim>(prim: P, args: KernelArgs[P], cpuKernel: Kernel<P>): void {
      const storages = [...new Set(viewsOf(args).map((v) => v.storage))];
      const cpu = new Map<Storage, Storage>();
      const before = new Map<Storage, TypedArray>();
      for (const s of storages) {
        const data = read(s);
        before.set(s, data.slice());
        cpu.set(s, { ...cpuBackend.alloc(s.dtype, 0), size: s.size, data, refs: 1 });
      }
      const cpuArgs = mapViews(args, (v) => ({ ...v, storage: cpu.get(v.storage)! }));
      cpuKernel(cpuArgs as KernelArgs[P]);
      for (const s of storages) {
        const data = cpu.get(s)!.data as TypedArray;
        if (!sameValues(data, before.get(s)!)) host.replace(s, host.upload(toFloat32(data)));
      }
    },
  };
  return backend;
}

/**
 * The `GPU` class from whatever shape the import took: Node's ES view of the CommonJS module
 * (`default.GPU`, or `GPU` where Node detects the named export), a bundler's interop, or the
 * global that gpu.js's browser build sets when a bundler treats it as a plain script.
 */
function gpuModule(m: unknown): GpuModule {
  type Loose = { GPU?: GpuModule["GPU"]; default?: { GPU?: GpuModule["GPU"] } };
  const l = m as Loose;
  const isGpuJs = (c: unknown): c is GpuModule["GPU"] =>
    typeof (c as { prototype?: { createKernel?: unknown } } | undefined)?.prototype
      ?.createKernel === "function";
  // NOTE: a browser's global `GPU` may also be WebGPU's interface, which has no createKernel
  const GPU = [l.GPU, l.default?.GPU, (globalThis as Loose).GPU].find(isGpuJs);
  if (!GPU) throw new Error("the module given as gpu.js has no GPU class with createKernel");
  return { GPU };
}

/** The gpu.js modes tried, best first, where gpu.js can run them. */
export function gpujsModes(platformName: "node" | "browser"): string[] {
  // NOTE: in Node gpu.js has no GL (its native `gl` module needs X11 headers to build)
  return platformName === "browser" ? ["webgl2", "webgl"] : ["webasm", "cpu"];
}

/**
 * Creates the backend on gpu.js (the module `given`, else the optional package, imported now)
 * in the best mode that works here; resolves to `{ reason }` when gpu.js is missing or no mode
 * works.
 */
export async function initGpujs(given?: unknown): Promise<GpujsBackend | { reason: string }> {
  let mod: GpuModule;
  try {
    // NOTE: in a browser the platform gives null: the module comes from init, or gpuModule finds
    // the global GPU of gpu.js's script
    mod = gpuModule(given ?? (await platform.importGpuJs()) ?? {});
  } catch (e) {
    // NOTE: the message does not spell the import: check-bundles rejects any text that does
    if (platform.name === "browser" && given === undefined)
      return {
        reason:
          "in a browser, give init the gpu.js module (its gpujs option: the module that dynamically importing the package gpu.js gives), or load gpu.js's browser script (which sets the global GPU) first",
      };
    return {
      reason: `the optional package "gpu.js" could not be loaded (${(e as Error).message}); npm install gpu.js`,
    };
  }
  const reasons: string[] = [];
  for (const mode of gpujsModes(platform.name)) {
    try {
      const gpu = new mod.GPU({ mode });
      // NOTE: gpu.js falls back to another mode silently; a probe kernel shows what runs
      const backend = createGpujsBackend(gpu);
      const probe = backend.alloc("float32", 4);
      backend.write(probe, new Float32Array([1, 2, 3, 4]));
      const back = await backend.read(probe);
      backend.free(probe);
      if (back[3] !== 4) throw new Error(`a probe kernel read back ${back[3]} instead of 4`);
      return backend;
    } catch (e) {
      reasons.push(`${mode}: ${(e as Error).message}`);
    }
  }
  return { reason: `gpu.js has no working mode here (${reasons.join("; ")})` };
}
