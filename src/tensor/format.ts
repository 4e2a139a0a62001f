import type { DType, TypedArray } from "../core/dtype.js";
import type { Shape } from "../core/shape.js";

/**
 * PyTorch's tensor printout (`torch/_tensor_str.py`, simplified): `tensor([[1., 2.],\n [3., 4.]])`
 * with 4 decimals, scientific notation for wide ranges, and `...` summaries past 1000 elements.
 */

const THRESHOLD = 1000;
const EDGE_ITEMS = 3;

function floatFormatter(values: number[]): (v: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  const nonzero = finite.map(Math.abs).filter((v) => v !== 0);
  const allInt = finite.every((v) => Number.isInteger(v));
  const max = nonzero.length ? Math.max(...nonzero) : 0;
  const min = nonzero.length ? Math.min(...nonzero) : 0;
  const special = (v: number) => (Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");
  if (allInt) {
    if (max > 1e8) return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2") : special(v));
    return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  }
  const sci = max / min > 1000 || max > 1e8 || min < 1e-4;
  if (sci) return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2") : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

function formatter(values: number[], dtype: DType): (v: number) => string {
  if (dtype === "bool") return (v) => (v ? "True" : "False");
  if (dtype === "int32") return (v) => String(v);
  return floatFormatter(values);
}

/** The row-major indices shown along one dim: all, or the first and last few. */
function shownIndices(size: number, summarize: boolean): (number | null)[] {
  if (!summarize || size <= 2 * EDGE_ITEMS) return Array.from({ length: size }, (_, i) => i);
  return [...Array.from({ length: EDGE_ITEMS }, (_, i) => i), null, ...Array.from({ length: EDGE_ITEMS }, (_, i) => size - EDGE_ITEMS + i)];
}

export function formatTensor(data: TypedArray, shape: Shape, dtype: DType, extra: string[]): string {
  const n = data.length;
  const summarize = n > THRESHOLD;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  // Format only the values that are shown, so the width is theirs.
  const shown: number[] = [];
  const collect = (d: number, base: number): void => {
    if (d === shape.length) return void shown.push(data[base]!);
    for (const i of shownIndices(shape[d]!, summarize)) if (i !== null) collect(d + 1, base + i * strides[d]!);
  };
  collect(0, 0);
  const fmt = formatter(shown, dtype);
  const width = Math.max(0, ...shown.map((v) => fmt(v).length));
  const pad = (s: string) => s.padStart(width);
  const indent = "tensor(".length;
  const render = (d: number, base: number): string => {
    if (d === shape.length) return pad(fmt(data[base]!));
    const parts = shownIndices(shape[d]!, summarize).map((i) => (i === null ? "..." : render(d + 1, base + i * strides[d]!)));
    if (d === shape.length - 1) return `[${parts.join(", ")}]`;
    const sep = "," + "\n".repeat(shape.length - d - 1) + " ".repeat(indent + d + 1);
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? fmt(data[0]!) : n === 0 ? "[]" : render(0, 0);
  const suffix = [...(dtype === "float32" || (dtype === "bool" && n > 0) ? [] : [`dtype=torch.${dtype}`]), ...extra];
  if (n === 0 && shape.length > 1) suffix.unshift(`size=(${shape.join(", ")})`);
  return `tensor(${body}${suffix.map((s) => `, ${s}`).join("")})`;
}
