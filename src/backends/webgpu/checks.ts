/**
 * The WebGPU kernel of the `check` primitive (kernels/webgpu/checks.wgsl): tests every value of
 * a view on the device and records the first violation for the next read (see asserts.ts).
 *
 * @module
 */
import checksWgsl from "../../../kernels/webgpu/checks.wgsl";
import { isContiguous } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs, ValueRule } from "../../ops/prims.js";
import { permutedCopy } from "./elementwise.js";
import { elementGrid, fillTemplate, type KernelHost } from "./host.js";
import { UniformStruct } from "./uniforms.js";

/** The uniform struct of checks.wgsl. */
const CHECK_PARAMS = new UniformStruct("CheckParams", {
  count: "u32",
  offset: "u32",
  site: "u32",
  size: "i32",
  except: "i32",
  hasExcept: "u32",
});

/** Each rule as a WGSL test of the 32-bit word `w` (see checks.wgsl; float32 as f32 bits). */
const VIOLATES: Record<ValueRule["kind"], string> = {
  index:
    "(bitcast<i32>(w) < 0 || bitcast<i32>(w) >= params.size) && !(params.hasExcept == 1u && bitcast<i32>(w) == params.except)",
  // int32 and bool divisors alike: zero is the all-zero word
  nonzero: "w == 0u",
  probability: "isNanBits(w) || !(bitcast<f32>(w) >= 0.0 && bitcast<f32>(w) <= 1.0)",
  // [-2^31, 2^31): both bounds are exact in f32; NaN by its bits
  int32: "isNanBits(w) || !(bitcast<f32>(w) >= -2147483648.0 && bitcast<f32>(w) < 2147483648.0)",
};

export function checkKernel(host: KernelHost, { x, rule, report }: KernelArgs["check"]): void {
  const count = numel(x.shape);
  if (count === 0) return;
  const entry = host.pipeline(`checks:${rule.kind}`, () => ({
    code: CHECK_PARAMS.wgsl + fillTemplate(checksWgsl, { VIOLATES: VIOLATES[rule.kind] }),
    entryPoint: "check",
    writes: [false, true],
  }));
  // a strided view is checked through a contiguous copy, so the index is row-major as on the CPU
  const contiguous = isContiguous(x.shape, x.strides);
  const values = contiguous
    ? x.storage
    : permutedCopy(
        host,
        x,
        x.shape.map((_, d) => d),
      );
  const { record, site } = host.deviceAssert(x.dtype, report);
  const uniforms = CHECK_PARAMS.pack({
    count,
    offset: contiguous ? x.offset : 0,
    site,
    size: rule.kind === "index" ? Math.min(rule.size, 2147483647) : 0,
    except: rule.kind === "index" && rule.except !== undefined ? rule.except : 0,
    hasExcept: rule.kind === "index" && rule.except !== undefined,
  });
  host.dispatch(entry, [values, record], uniforms, ...elementGrid(count));
  if (!contiguous) host.releaseTemp(values);
}
