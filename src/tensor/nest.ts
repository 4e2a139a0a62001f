import type { DType, TypedArray } from "../core/dtype.js";
import type { Shape } from "../core/shape.js";
import type { NestedArray } from "./tensor.js";

/** Row-major values as nested JS arrays of `shape` (bools as booleans), for `tolist`. */
export function nest(data: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const conv = dtype === "bool" ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(data[0]!);
  let pos = 0;
  const build = (d: number): NestedArray[] => {
    const out: NestedArray[] = new Array<NestedArray>(shape[d]!);
    for (let i = 0; i < shape[d]!; i++)
      out[i] = d === shape.length - 1 ? conv(data[pos++]!) : build(d + 1);
    return out;
  };
  return build(0);
}
