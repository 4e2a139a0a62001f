import type { View } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import { layoutKey, lit, stridedIndex } from "./codegen.js";
import type { GpujsHost } from "./host.js";

/**
 * `matmul`: one thread per output element, a dot product of fixed length K over a row of `a` and
 * a column of `b`, both read through their strides (a transposed operand costs no copy). Batch
 * dims are out's leading dims; an operand broadcast over them has stride 0 there.
 */
export function matmulKernel(host: GpujsHost, { a, b, out }: KernelArgs["matmul"]): void {
  const r = out.shape.length;
  const m = out.shape[r - 2]!;
  const n = out.shape[r - 1]!;
  const k = a.shape[a.shape.length - 1]!;
  const batch = out.shape.slice(0, r - 2);
  const batchOf = (v: View): View => ({ ...v, shape: batch, strides: v.strides.slice(0, r - 2) });
  const [sam, sak] = a.strides.slice(r - 2);
  const [sbk, sbn] = b.strides.slice(r - 2);
  if (k === 0) {
    host.produce(out, `matmul:empty:${out.shape.join("x")}`, ["v"], () => "return v;", [0]);
    return;
  }
  const body = () =>
    [
      `const bi = Math.floor(i / ${lit(m * n)});`,
      `const row = Math.floor(i / ${lit(n)}) % ${lit(m)};`,
      `const col = i % ${lit(n)};`,
      `const a0 = ${stridedIndex(batchOf(a), batch, "bi")} + row * ${lit(sam!)};`,
      `const b0 = ${stridedIndex(batchOf(b), batch, "bi")} + col * ${lit(sbn!)};`,
      `let acc = 0.0;`,
      `for (let t = 0; t < ${k}; t++) {\n    acc = acc + pa[a0 + t * ${lit(sak!)}] * pb[b0 + t * ${lit(sbk!)}];\n  }`,
      `return acc;`,
    ].join("\n  ");
  host.produce(
    out,
    `matmul:${out.shape.join("x")}:${layoutKey(a)}:${layoutKey(b)}`,
    ["pa", "pb"],
    body,
    [host.value(a.storage), host.value(b.storage)],
  );
}
