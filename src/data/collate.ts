import { ValueError } from "../core/errors.js";
import { fmtShape } from "../core/shape.js";
import { stack } from "../ops/movement.js";
import { tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * Collation: how a list of samples becomes one batch (PyTorch's `default_collate`), and the
 * helpers that find and dispose the tensors inside a sample or a batch.
 */

/**
 * The type of a batch that `defaultCollate` makes from samples of type `T`: a tensor for a tensor
 * or a number or boolean, the same tuple, array or object shape with each position collated, and a
 * plain array for strings.
 */
export type Collated<T> = T extends Tensor | number | boolean
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { [K in keyof T]: Collated<T[K]> }
        : never;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function kindOf(v: unknown): string {
  if (v instanceof Tensor) return `Tensor ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return `array of length ${v.length}`;
  if (v === null) return "null";
  if (typeof v === "object")
    return (v.constructor as { name?: string } | undefined)?.name ?? "object";
  return typeof v;
}

function collateAt(samples: readonly unknown[], where: string): unknown {
  const first = samples[0];
  const at = where ? ` at ${where}` : "";
  if (first instanceof Tensor) {
    for (const s of samples)
      if (!(s instanceof Tensor))
        throw new ValueError(
          "defaultCollate",
          `samples differ${at}: ${kindOf(first)} and ${kindOf(s)}`,
        );
    try {
      return stack(samples as Tensor[], 0);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new ValueError("defaultCollate", `cannot stack the samples${at}: ${msg}`);
    }
  }
  if (typeof first === "number") {
    const values = samples.map((s) => {
      if (typeof s !== "number")
        throw new ValueError("defaultCollate", `samples differ${at}: number and ${kindOf(s)}`);
      return s;
    });
    const allInt = values.every((v) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647);
    return tensor(allInt ? Int32Array.from(values) : Float32Array.from(values));
  }
  if (typeof first === "boolean") {
    const values = samples.map((s) => {
      if (typeof s !== "boolean")
        throw new ValueError("defaultCollate", `samples differ${at}: boolean and ${kindOf(s)}`);
      return s;
    });
    return tensor(values, { dtype: "bool" });
  }
  if (typeof first === "string") {
    for (const s of samples)
      if (typeof s !== "string")
        throw new ValueError("defaultCollate", `samples differ${at}: string and ${kindOf(s)}`);
    return samples.slice();
  }
  if (Array.isArray(first)) {
    const n = first.length;
    for (const s of samples)
      if (!Array.isArray(s) || s.length !== n)
        throw new ValueError(
          "defaultCollate",
          `samples differ${at}: array of length ${n} and ${kindOf(s)}`,
        );
    return collateParts(
      n,
      (k) => (samples as unknown[][]).map((s) => s[k]),
      (k) => `${where}[${k}]`,
    );
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    for (const s of samples)
      if (!isPlainObject(s) || Object.keys(s).length !== keys.length || keys.some((k) => !(k in s)))
        throw new ValueError(
          "defaultCollate",
          `samples differ${at}: objects with different keys (${keys.join(", ")})`,
        );
    const parts = collateParts(
      keys.length,
      (k) => samples.map((s) => (s as Record<string, unknown>)[keys[k]!]),
      (k) => (where ? `${where}.${keys[k]}` : keys[k]!),
    );
    return Object.fromEntries(keys.map((k, i) => [k, parts[i]]));
  }
  throw new ValueError(
    "defaultCollate",
    `cannot collate samples of type ${kindOf(first)}${at}; pass { collate } to the DataLoader`,
  );
}

/** Collates each position; on an error, frees the positions already made. */
function collateParts(
  n: number,
  column: (k: number) => unknown[],
  name: (k: number) => string,
): unknown[] {
  const out: unknown[] = [];
  try {
    for (let k = 0; k < n; k++) out.push(collateAt(column(k), name(k)));
  } catch (e) {
    disposeTensors(out);
    throw e;
  }
  return out;
}

/**
 * PyTorch's `default_collate`: stacks a list of samples into a batch. Tensors are stacked along a
 * new first dim (`[B, ...shape]`), numbers become a 1-D tensor (int32 if all are integers, else
 * float32), booleans a bool tensor, strings stay a list; arrays (tuples) and plain objects are
 * collated position by position, recursively. It does not dispose the samples.
 *
 * samples: B samples of the same structure. Returns the batch (new tensors).
 *
 * @example
 * const [x, y] = torch.data.defaultCollate([
 *   [torch.ones([2]), 0],
 *   [torch.zeros([2]), 1],
 * ]); // x: [2, 2] float32, y: [2] int32 = [0, 1]
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (samples.length === 0)
    throw new ValueError("defaultCollate", "expected at least one sample; got an empty list");
  return collateAt(samples, "") as Collated<T>;
}

/** @internal Adds every tensor inside `value` (arrays, plain objects and Maps, recursively) to `into`. */
export function collectTensors(value: unknown, into: Set<Tensor>, depth = 0): Set<Tensor> {
  if (depth > 8 || value === null || typeof value !== "object") return into;
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, into, depth + 1);
  else if (isPlainObject(value))
    for (const v of Object.values(value)) collectTensors(v, into, depth + 1);
  return into;
}

/** @internal Disposes every tensor inside `value` except those in `keep`. */
export function disposeTensors(value: unknown, keep?: ReadonlySet<Tensor>): void {
  for (const t of collectTensors(value, new Set())) if (!keep?.has(t)) t.dispose();
}
