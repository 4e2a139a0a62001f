import randomSource from "../../../kernels/webgpu/random.wgsl";
import { seedToKey } from "../../core/philox.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { grid, type KernelHost } from "./host.js";

/**
 * Philox random numbers (kernels/random.wgsl): element i of `out` takes stream index
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
  const [k0, k1] = seedToKey(seed);
  const entry = host.cached("random", () =>
    host.pipelines.get(randomSource, "random", [true], true, "random"),
  );
  const u = new Uint32Array(8);
  u[0] = n;
  u[1] = k0;
  u[2] = k1;
  u[3] = offset >>> 0;
  u[4] = Math.floor(offset / 4294967296);
  u[5] = dist === "normal" ? 1 : 0;
  u[6] = out.offset;
  const [gx, gy] = grid(Math.ceil(n / 256));
  host.queue.dispatch(entry, [host.handle(out.storage)], u, gx, gy);
}
