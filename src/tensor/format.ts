import type { DType, TypedArray } from "../core/dtype.js";
import type { Shape } from "../core/shape.js";

/**
 * PyTorch's tensor printout, following `torch/_tensor_str.py` (PyTorch 1.13, default print
 * options): 4 decimals, scientific notation for wide ranges, `...` summaries past 1000 elements,
 * rows wrapped at 80 columns.
 */

const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;
const PRECISION = 4;

/** Python's `'{:.4e}'`: a two-digit exponent at least. */
function sci(v: number): string {
  return v.toExponential(PRECISION).replace(/e([+-])(\d)$/, "e$10$2");
}

function special(v: number): string {
  return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

/** PyTorch's `_Formatter`: picks a mode from the shown values and pads every value to one width. */
function makeFormatter(values: number[], dtype: DType): (v: number) => string {
  let width = 1;
  let fmt: (v: number) => string;
  if (dtype === "bool" || dtype === "int32") {
    fmt = dtype === "bool" ? (v) => (v ? "True" : "False") : (v) => String(v);
    for (const v of values) width = Math.max(width, fmt(v).length);
  } else {
    const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
    const abs = finite.map(Math.abs);
    const max = abs.length ? Math.max(...abs) : 0;
    const min = abs.length ? Math.min(...abs) : 0;
    const intMode = finite.every((v) => Number.isInteger(v));
    let mode: "int" | "sci" | "fixed";
    if (intMode) mode = abs.length && (max / min > 1000 || max > 1e8) ? "sci" : "int";
    else mode = max / min > 1000 || max > 1e8 || min < 1e-4 ? "sci" : "fixed";
    if (mode === "sci") fmt = (v) => (Number.isFinite(v) ? sci(v) : special(v));
    else if (mode === "int") fmt = (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
    else fmt = (v) => (Number.isFinite(v) ? v.toFixed(PRECISION) : special(v));
    // NOTE: the width comes from the nonzero finite values only, as PyTorch's
    for (const v of finite) width = Math.max(width, fmt(v).length);
  }
  return (v) => fmt(v).padStart(width);
}

/** The indices shown along one dim: all, or the first and last few (null marks the gap). */
function shownIndices(size: number, summarize: boolean): (number | null)[] {
  if (!summarize || size <= 2 * EDGE_ITEMS) return Array.from({ length: size }, (_, i) => i);
  return [
    ...Array.from({ length: EDGE_ITEMS }, (_, i) => i),
    null,
    ...Array.from({ length: EDGE_ITEMS }, (_, i) => size - EDGE_ITEMS + i),
  ];
}

/**
 * PyTorch's printout of a tensor's values, e.g. `tensor([[1., 2.], [3., 4.]])`, with `extra`
 * fields (`requires_grad=True`, `device='webgpu'`) before the closing parenthesis.
 */
export function formatTensor(
  data: TypedArray,
  shape: Shape,
  dtype: DType,
  extra: string[],
): string {
  const n = data.length;
  const summarize = n > THRESHOLD;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const shown: number[] = [];
  const collect = (d: number, base: number): void => {
    if (d === shape.length) return void shown.push(data[base]!);
    for (const i of shownIndices(shape[d]!, summarize))
      if (i !== null) collect(d + 1, base + i * strides[d]!);
  };
  collect(0, 0);
  const fmt = makeFormatter(shown, dtype);
  const elementWidth = fmt(shown[0] ?? 0).length + 2;
  const vector = (base: number, indent: number): string => {
    const items = shownIndices(shape[shape.length - 1]!, summarize).map((i) =>
      i === null ? " ..." : fmt(data[base + i]!),
    );
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / elementWidth));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine)
      lines.push(items.slice(i, i + perLine).join(", "));
    return `[${lines.join(",\n" + " ".repeat(indent + 1))}]`;
  };
  const render = (d: number, base: number, indent: number): string => {
    if (d === shape.length - 1) return vector(base, indent);
    const parts = shownIndices(shape[d]!, summarize).map((i) =>
      i === null ? "..." : render(d + 1, base + i * strides[d]!, indent + 1),
    );
    return `[${parts.join("," + "\n".repeat(shape.length - d - 1) + " ".repeat(indent + 1))}]`;
  };
  const prefix = "tensor(";
  const body =
    shape.length === 0 ? fmt(data[0]!).trim() : n === 0 ? "[]" : render(0, 0, prefix.length);
  const suffix = [
    ...(dtype === "float32" || (dtype === "bool" && n > 0) ? [] : [`dtype=torch.${dtype}`]),
    ...extra,
  ];
  if (n === 0 && shape.length > 1) suffix.unshift(`size=(${shape.join(", ")})`);
  return `${prefix}${body}${suffix.map((s) => `, ${s}`).join("")})`;
}
