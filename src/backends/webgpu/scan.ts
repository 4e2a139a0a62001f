import scanSource from "../../../kernels/webgpu/scan.wgsl";
import { contiguousStrides, type Storage, type View } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { coalesce } from "../cpu/strided.js";
import { permutedCopy } from "./elementwise.js";
import { MAX_RANK, fillTemplate, grid, gpuType, type KernelHost } from "./host.js";
import { UniformStruct } from "./uniforms.js";

/** The uniform struct of scan.wgsl (its header documents each field). */
const SCAN_PARAMS = new UniformStruct("ScanParams", {
  numLines: "u32",
  n: "u32",
  rank: "u32",
  per: "u32",
  xOffset: "i32",
  outOffset: "i32",
  xStride: "i32",
  outStride: "i32",
  shape: "array<vec4<u32>, 2>",
  xStrides: "array<vec4<i32>, 2>",
  outStrides: "array<vec4<i32>, 2>",
});

/**
 * Inclusive cumulative sum or product along `axis` (kernels/webgpu/scan.wgsl): `scanSerial` (one
 * invocation per line) for short lines or many lines, else `scanTree` (a workgroup per line).
 */
export function scanKernel(host: KernelHost, { op, x, axis, out }: KernelArgs["scan"]): void {
  const n = x.shape[axis]!;
  const keptDims = x.shape.map((_, d) => d).filter((d) => d !== axis);
  const keptShape = keptDims.map((d) => x.shape[d]!);
  const numLines = numel(keptShape);
  if (numLines === 0 || n === 0) return;
  let xv: View = x;
  let tmp: Storage | null = null;
  let c = coalesce(keptShape, [
    keptDims.map((d) => x.strides[d]!),
    keptDims.map((d) => out.strides[d]!),
  ]);
  if (c.shape.length > MAX_RANK) {
    // lines of a contiguous copy with the axis last: one kept dim, stride n
    tmp = permutedCopy(host, x, [...keptDims, axis]);
    const shape = [...keptShape, n];
    xv = { storage: tmp, dtype: x.dtype, shape, strides: contiguousStrides(shape), offset: 0 };
    c = coalesce(keptShape, [
      keptDims.map((_, k) => contiguousStrides(shape)[k]!),
      keptDims.map((d) => out.strides[d]!),
    ]);
    if (c.shape.length > MAX_RANK)
      throw new Error("internal: scan output of rank > 6 does not coalesce");
  }
  const A = gpuType(out.dtype);
  const IN = gpuType(x.dtype);
  const serial = n <= 32 || (n <= 256 && numLines >= 1024);
  const entryPoint = serial ? "scanSerial" : "scanTree";
  const entry = host.pipeline(`scan:${entryPoint}|${op}|${IN}|${A}`, () => ({
    code:
      SCAN_PARAMS.wgsl +
      fillTemplate(scanSource, {
        A,
        IN,
        OP: op === "cumsum" ? "a + b" : "a * b",
        IDENTITY: op === "cumsum" ? "A(0)" : "A(1)",
      }),
    entryPoint,
    writes: [false, true],
    label: `${entryPoint} ${op} ${IN}`,
  }));
  const u = SCAN_PARAMS.pack({
    numLines,
    n,
    rank: c.shape.length,
    // elements per invocation in a round of scanTree: a line of up to 4096 takes one round
    per: Math.min(16, Math.max(1, Math.ceil(n / 256))),
    xOffset: xv.offset,
    outOffset: out.offset,
    xStride: tmp ? 1 : x.strides[axis]!,
    outStride: out.strides[axis]!,
    shape: c.shape,
    xStrides: c.strides[0]!,
    outStrides: c.strides[1]!,
  });
  const [gx, gy] = grid(serial ? Math.ceil(numLines / 256) : numLines);
  host.dispatch(entry, [xv.storage, out.storage], u, gx, gy);
  if (tmp) host.releaseTemp(tmp);
}
