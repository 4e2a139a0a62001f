import randomSource from "../../../kernels/webgpu/random.wgsl";
import { seedToKey } from "../../core/philox.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { elementGrid, type KernelHost } from "./host.js";
import { UniformStruct } from "./uniforms.js";

/** The uniform struct of random.wgsl (its header documents each field). */
const RANDOM_PARAMS = new UniformStruct("RandomParams", {
  numel: "u32",
  key0: "u32",
  key1: "u32",
  offLo: "u32",
  offHi: "u32",
  normal: "u32",
  outOffset: "u32",
});

/**
 * Philox random numbers (kernels/webgpu/random.wgsl): element i of `out` takes stream index
 * `offset + i` under `seed`, exactly as `fillUniform` / `fillNormal` in src/core/philox.ts.
 */
export function randomKernel(
  host: KernelHost,
  { dist, seed, offset, out }: KernelArgs["random"],
): void {
  const n = numel(out.shape);
  if (n === 0) return;
  if (out.dtype !== "float32")
    throw new Error(`internal: random on webgpu needs float32, got ${out.dtype}`);
  const [key0, key1] = seedToKey(seed);
  const entry = host.pipeline("random:random", () => ({
    code: RANDOM_PARAMS.wgsl + randomSource,
    entryPoint: "random",
    writes: [true],
  }));
  const uniforms = RANDOM_PARAMS.pack({
    numel: n,
    key0,
    key1,
    offLo: offset >>> 0,
    offHi: Math.floor(offset / 4294967296),
    normal: dist === "normal",
    outOffset: out.offset,
  });
  host.dispatch(entry, [out.storage], uniforms, ...elementGrid(n));
}
