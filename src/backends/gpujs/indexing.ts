import type { View } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import { layoutKey, lit, stridedIndex } from "./codegen.js";
import type { GpujsHost } from "./host.js";

/**
 * `gather` and `scatter` along `dim`, written as gathers (a fragment shader writes only its own
 * element): `scatter`'s output element looks through the index entries that may land on it.
 */

/** `v` with its stride along `dim` set to 0 (the part of its index that does not move along dim). */
function withoutDim(v: View, dim: number, shape: readonly number[]): View {
  return { ...v, shape, strides: v.strides.map((s, d) => (d === dim ? 0 : s)) };
}

export function gatherKernel(host: GpujsHost, { x, index, dim, out }: KernelArgs["gather"]): void {
  const body = () =>
    [
      `const k = px[${stridedIndex(index, out.shape)}];`,
      `return pv[${stridedIndex(withoutDim(x, dim, out.shape), out.shape)} + k * ${lit(x.strides[dim]!)}];`,
    ].join("\n  ");
  host.produce(
    out,
    `gather:${dim}:${out.shape.join("x")}:${layoutKey(x)}:${layoutKey(index)}`,
    ["pv", "px"],
    body,
    [host.value(x.storage), host.value(index.storage)],
  );
}

/**
 * out = x, then out[.., index[.., j, ..], ..] = src[.., j, ..] (summed for "add"; for "none" the
 * last j wins, as on the CPU). Output element c takes every j along dim with index[c, j] == c[dim].
 */
export function scatterKernel(host: GpujsHost, args: KernelArgs["scatter"]): void {
  const { x, index, src, dim, reduce, out } = args;
  const shape = out.shape;
  const len = index.shape[dim]!;
  // the coordinates of output element i that are off dim must lie inside index's shape
  const inside = shape
    .map((n, d) => (d === dim || index.shape[d] === n ? null : `c${d} < ${lit(index.shape[d]!)}`))
    .filter((c): c is string => c !== null);
  const body = () => {
    const lines: string[] = [];
    const cs: number[] = [];
    let s = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      cs[d] = s;
      s *= shape[d]!;
    }
    shape.forEach((n, d) =>
      lines.push(`const c${d} = Math.floor(i / ${lit(cs[d]!)}) % ${lit(n)};`),
    );
    lines.push(`let acc = pv[${stridedIndex(x, shape)}];`);
    // index and src positions of (c with dim -> j): offsets from the coordinates off dim
    const off = (v: View) =>
      [lit(v.offset), ...shape.map((_, d) => (d === dim ? null : `c${d} * ${lit(v.strides[d]!)}`))]
        .filter((t): t is string => t !== null)
        .join(" + ");
    const loop = [
      `const ib = ${off(index)};`,
      `const sb = ${off(src)};`,
      `for (let j = 0; j < ${len}; j++) {`,
      `  if (pi[ib + j * ${lit(index.strides[dim]!)}] == c${dim}) {`,
      reduce === "add"
        ? `    acc = acc + ps[sb + j * ${lit(src.strides[dim]!)}];`
        : `    acc = ps[sb + j * ${lit(src.strides[dim]!)}];`,
      `  }`,
      `}`,
    ];
    if (inside.length > 0) lines.push(`if (${inside.join(" && ")}) {`, ...loop, `}`);
    else lines.push(...loop);
    lines.push("return acc;");
    return lines.join("\n  ");
  };
  host.produce(
    out,
    `scatter:${reduce}:${dim}:${layoutKey(x)}:${layoutKey(index)}:${layoutKey(src)}`,
    ["pv", "pi", "ps"],
    body,
    [host.value(x.storage), host.value(index.storage), host.value(src.storage)],
  );
}
