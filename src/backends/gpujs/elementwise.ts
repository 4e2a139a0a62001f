import { contiguousStrides } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import { layoutKey, lit, storeAs, stridedIndex } from "./codegen.js";
import type { GpujsHost } from "./host.js";
import { BINARY_EXPR, UNARY_EXPR } from "./scalar-table.js";

/**
 * The elementwise kernels (unary, binary, where, fill, cat): one output element per thread,
 * each input read through its own strides (broadcasts are stride 0), so views never cost a copy.
 */

function expression(table: Readonly<Record<string, string>>, name: string, kind: string): string {
  const e = table[name];
  if (e === undefined) throw new Error(`internal: gpujs has no ${kind} expression for ${name}`);
  return e;
}

export function unaryKernel(host: GpujsHost, { op, x, out }: KernelArgs["unary"]): void {
  const f = expression(UNARY_EXPR, op.name, "unary");
  host.produce(
    out,
    `unary:${op.name}:${x.dtype}>${out.dtype}:${layoutKey(x)}`,
    ["xs"],
    () => `const x = xs[${stridedIndex(x, out.shape)}];\n  return ${storeAs(out.dtype, f)};`,
    [host.value(x.storage)],
  );
}

export function binaryKernel(host: GpujsHost, { op, a, b, out }: KernelArgs["binary"]): void {
  const f = expression(BINARY_EXPR, op.name, "binary");
  host.produce(
    out,
    `binary:${op.name}:${a.dtype},${b.dtype}>${out.dtype}:${layoutKey(a)}:${layoutKey(b)}`,
    ["pa", "pb"],
    () =>
      `const a = pa[${stridedIndex(a, out.shape)}];\n  const b = pb[${stridedIndex(b, out.shape)}];\n  return ${storeAs(out.dtype, f)};`,
    [host.value(a.storage), host.value(b.storage)],
  );
}

export function whereKernel(host: GpujsHost, { cond, a, b, out }: KernelArgs["where"]): void {
  host.produce(
    out,
    `where:${out.dtype}:${layoutKey(cond)}:${layoutKey(a)}:${layoutKey(b)}`,
    ["pc", "pa", "pb"],
    () =>
      `if (pc[${stridedIndex(cond, out.shape)}] != 0.0) { return pa[${stridedIndex(a, out.shape)}]; }\n  return pb[${stridedIndex(b, out.shape)}];`,
    [host.value(cond.storage), host.value(a.storage), host.value(b.storage)],
  );
}

export function fillKernel(host: GpujsHost, { value, out }: KernelArgs["fill"]): void {
  // NOTE: the value is an argument, not a literal, so that one kernel serves every value
  // (NaN and infinities included, which have no literal in GLSL)
  host.produce(
    out,
    `fill:${out.dtype}:${out.shape.join("x")}`,
    ["v"],
    () => `return ${storeAs(out.dtype, "v")};`,
    [value],
  );
}

/**
 * Concatenation along `dim`: each output element finds its input by its coordinate along `dim`
 * (a chain of comparisons against the inputs' running offsets, fixed in the source).
 */
export function catKernel(host: GpujsHost, { xs, dim, out }: KernelArgs["cat"]): void {
  const parts = xs.filter((x) => x.shape[dim] !== 0);
  if (parts.length === 0) return;
  const cs = contiguousStrides(out.shape);
  const n = out.shape[dim]!;
  const coord = `(Math.floor(i / ${lit(cs[dim]!)}) % ${lit(n)})`;
  const params = parts.map((_, k) => `x${k}`);
  const body = () => {
    const lines = [`const c = ${coord};`];
    let start = 0;
    parts.forEach((x, k) => {
      // element i of the output is element (i - start * cs[dim]) of x's row-major order, with
      // x's own shape: rewrite the flat index with x's extent along dim
      const local = `(Math.floor(i / ${lit(cs[dim]! * n)}) * ${lit(cs[dim]! * x.shape[dim]!)} + (c - ${lit(start)}) * ${lit(cs[dim]!)} + i % ${lit(cs[dim]!)})`;
      const read = `x${k}[${stridedIndex(x, x.shape, "j")}]`;
      const stmt = `{ const j = ${local}; return ${read}; }`;
      start += x.shape[dim]!;
      lines.push(k === parts.length - 1 ? stmt : `if (c < ${lit(start)}) ${stmt}`);
    });
    return lines.join("\n  ");
  };
  host.produce(
    out,
    `cat:${dim}:${out.shape.join("x")}:${parts.map(layoutKey).join(":")}`,
    params,
    body,
    parts.map((x) => host.value(x.storage)),
  );
}
