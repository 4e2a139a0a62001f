import type { View } from "../../core/layout.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { layoutKey, lit, storeAs, stridedIndex } from "./codegen.js";
import type { GpujsHost } from "./host.js";

/**
 * `reduce`: one thread per output element walks the reduced elements in one loop of fixed
 * length (the product of the reduced dims), reading `x` through its strides. NaN propagates
 * through max/min, and argmax/argmin take the first NaN or the first extreme, as the CPU does.
 */
export function reduceKernel(host: GpujsHost, { op, x, axes, out }: KernelArgs["reduce"]): void {
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const keptView: View = {
    ...x,
    shape: kept.map((d) => x.shape[d]!),
    strides: kept.map((d) => x.strides[d]!),
  };
  const redView: View = {
    ...x,
    shape: axes.map((d) => x.shape[d]!),
    strides: axes.map((d) => x.strides[d]!),
    offset: 0,
  };
  const r = numel(redView.shape);
  if (r === 0) {
    // an empty reduction (sum or prod over a zero-length axis): nothing to read
    host.produce(out, `reduce:empty:${out.shape.join("x")}`, ["v"], () => "return v;", [
      op === "prod" ? 1 : 0,
    ]);
    return;
  }
  const body = () => {
    const base = stridedIndex(keptView, keptView.shape);
    const at = `xs[base + ${stridedIndex(redView, redView.shape, "r")}]`;
    const lines = [`const base = ${base};`, `let acc = xs[base];`, `let idx = 0.0;`];
    let step: string;
    switch (op) {
      case "sum":
        lines[1] = "let acc = 0.0;";
        step = "acc = acc + v;";
        break;
      case "prod":
        lines[1] = "let acc = 1.0;";
        step = "acc = acc * v;";
        break;
      case "max":
        step = "if (v != v || v > acc) { acc = v; }";
        break;
      case "min":
        step = "if (v != v || v < acc) { acc = v; }";
        break;
      case "argmax":
        step = "if (acc == acc && (v != v || v > acc)) { acc = v; idx = r; }";
        break;
      case "argmin":
        step = "if (acc == acc && (v != v || v < acc)) { acc = v; idx = r; }";
        break;
      default:
        return op satisfies never;
    }
    lines.push(`for (let r = 0; r < ${r}; r++) {\n    const v = ${at};\n    ${step}\n  }`);
    const result = op === "argmax" || op === "argmin" ? "idx" : "acc";
    lines.push(`return ${storeAs(out.dtype, result)};`);
    return lines.join("\n  ");
  };
  host.produce(out, `reduce:${op}:${axes.join(",")}:${out.dtype}:${layoutKey(x)}`, ["xs"], body, [
    host.value(x.storage),
  ]);
}

/**
 * `scan` (inclusive cumsum or cumprod along `axis`): each thread accumulates its own prefix, in
 * the CPU's order (from the first element along the axis up to its own).
 */
export function scanKernel(host: GpujsHost, { op, x, axis, out }: KernelArgs["scan"]): void {
  const n = x.shape[axis]!;
  // the element at coordinate 0 along axis, and the step along it
  const base: View = { ...x, strides: x.strides.map((s, d) => (d === axis ? 0 : s)) };
  const inner = out.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const body = () =>
    [
      `const c = Math.floor(i / ${lit(inner)}) % ${lit(n)};`,
      `const b0 = ${stridedIndex(base, out.shape)};`,
      `let acc = ${op === "cumsum" ? "0.0" : "1.0"};`,
      `for (let k = 0; k < ${n}; k++) {`,
      `  if (k <= c) {`,
      `    acc = acc ${op === "cumsum" ? "+" : "*"} xs[b0 + k * ${lit(x.strides[axis]!)}];`,
      `  }`,
      `}`,
      `return ${storeAs(out.dtype, "acc")};`,
    ].join("\n  ");
  host.produce(out, `scan:${op}:${axis}:${out.dtype}:${layoutKey(x)}`, ["xs"], body, [
    host.value(x.storage),
  ]);
}
