import { TensorError, ValueError } from "./errors.js";

/**
 * Checks at the boundary between JavaScript and PyTorch habits: an options object where one
 * belongs (not a positional value), its keys (with "did you mean" for a misspelt one) and the
 * types of its values; a Tensor where one belongs.
 */

/**
 * The type an option takes: `"boolean"`, `"number"` (finite or not), `"int"`, `"string"`, `"size"`
 * (a number or an array; the op checks the integers), `"array"`, `"tensor"` (an object with a storage),
 * `"function"`, `"object"`, `"null"` or `"any"`; `"|"` joins several (`"number|null"`).
 * `undefined` is always accepted (the option's default).
 */
export type OptionType = string;

/** The option names an op takes, each with its type. */
export type OptionSchema = Readonly<Record<string, OptionType>>;

/** PyTorch's snake_case name of an option in camelCase: `weight_decay` -> `weightDecay`. */
function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The Levenshtein distance between `a` and `b` (case-insensitive). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest of `names` to `key` (its camelCase form first), or undefined when none is close. */
export function suggestKey(key: string, names: readonly string[]): string | undefined {
  const camel = snakeToCamel(key);
  if (camel !== key && names.includes(camel)) return camel;
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of names) {
    const d = editDistance(key, n);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best !== undefined &&
    bestD <= (key.length <= 3 ? 1 : Math.max(2, Math.floor(key.length / 3)))
    ? best
    : undefined;
}

/** A short printout of a JS value for an error message: `the number 1`, `"abc"`, `[[1], [2]]`. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  switch (typeof v) {
    case "number":
      return `the number ${v}`;
    case "boolean":
      return `the boolean ${v}`;
    case "string":
      return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
    case "bigint":
      return `the bigint ${v}n`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "object":
    case "undefined":
      break;
  }
  if (Array.isArray(v)) return `the array ${fmtArray(v, 0)}`;
  if (isTensorLike(v)) return "a Tensor";
  const name = (v as object).constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "an object";
}

function fmtArray(v: readonly unknown[], depth: number): string {
  if (depth > 2) return "[...]";
  const items = v
    .slice(0, 6)
    .map((x) =>
      Array.isArray(x)
        ? fmtArray(x, depth + 1)
        : typeof x === "string"
          ? JSON.stringify(x)
          : String(x),
    );
  return `[${items.join(", ")}${v.length > 6 ? ", ..." : ""}]`;
}

/** Whether `v` looks like a Tensor (core cannot import the class): an object with a storage. */
function isTensorLike(v: unknown): boolean {
  return typeof v === "object" && v !== null && "storage" in v && "shape" in v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || isTensorLike(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case "any":
      return true;
    case "null":
      return v === null;
    case "boolean":
      return typeof v === "boolean";
    case "number":
      return typeof v === "number";
    case "int":
      return Number.isInteger(v);
    case "string":
      return typeof v === "string";
    case "size":
      return typeof v === "number" || Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "tensor":
      return isTensorLike(v);
    case "function":
      return typeof v === "function";
    case "object":
      return typeof v === "object" && v !== null;
  }
  throw new Error(`internal: unknown option type ${type}`);
}

const TYPE_NAMES: Record<string, string> = {
  boolean: "a boolean",
  number: "a number",
  int: "an integer",
  string: "a string",
  size: "a number or an array of numbers",
  array: "an array",
  tensor: "a Tensor",
  function: "a function",
  object: "an object",
  null: "null",
};

/** Where the options object sits in the call, for the message: its argument number (1-based). */
export interface OptionsPlace {
  /** The options object's argument number in the call (1-based). */
  argument?: number;
  /** An example of the webtorch form, shown when a positional value stands where options belong. */
  example?: string;
}

/**
 * Checks that `options` is `undefined` or a plain object (not a positional value where the
 * options belong): throws a `ValueError` naming `op` that shows `place.example`. Returns whether
 * an object was given.
 */
export function checkOptionsObject(
  op: string,
  options: unknown,
  place: OptionsPlace = {},
): options is Record<string, unknown> {
  if (options === undefined) return false;
  if (isPlainObject(options)) return true;
  const at = place.argument !== undefined ? ` as argument ${place.argument}` : "";
  throw new ValueError(
    op,
    `options must be an object such as ${place.example ?? "{ ... }"}; got ${describeValue(options)}${at}`,
  );
}

/**
 * Checks an options object at the boundary: `undefined` is fine (the defaults); anything else must
 * be a plain object (a positional value where options belong is refused, showing `example`), every
 * key given a value must be one of `schema`'s (an unknown one gets "did you mean"), and each value given must
 * have its type. Throws a `ValueError` naming `op`.
 *
 * @example
 * checkOptions("Linear", options, { bias: "boolean", dtype: "string", device: "string" });
 */
export function checkOptions(
  op: string,
  options: unknown,
  schema: OptionSchema,
  place: OptionsPlace = {},
): void {
  if (!checkOptionsObject(op, options, { example: exampleOf(schema), ...place })) return;
  const names = Object.keys(schema);
  for (const [key, value] of Object.entries(options)) {
    // a key given as undefined is the default (options objects are often spread together)
    if (value === undefined) continue;
    const type = schema[key];
    if (type === undefined) {
      const near = suggestKey(key, names);
      const hint = near
        ? `did you mean "${near}"?`
        : names.length
          ? `${op} takes ${names.join(", ")}`
          : `${op} takes no options`;
      throw new ValueError(op, `unknown option "${key}" (${hint}); got ${fmtKeys(options)}`);
    }
    const types = type.split("|");
    if (!types.some((t) => hasType(value, t)))
      throw new ValueError(
        op,
        `option ${key} must be ${types.map((t) => TYPE_NAMES[t] ?? t).join(" or ")}; got ${describeValue(value)}`,
      );
  }
}

function fmtKeys(o: Record<string, unknown>): string {
  return `{ ${Object.keys(o).join(", ")} }`;
}

function exampleOf(schema: OptionSchema): string {
  const entries = Object.entries(schema)
    .filter(([k]) => k !== "dtype" && k !== "device")
    .slice(0, 2)
    .map(([k, t]) => {
      const first = t.split("|")[0];
      const v = first === "boolean" ? "true" : first === "string" ? '"..."' : "1";
      return `${k}: ${v}`;
    });
  return entries.length ? `{ ${entries.join(", ")} }` : "{}";
}

/**
 * Throws a `TensorError` naming `op` unless `v` is a Tensor: `what` names the argument (`"input"`,
 * `"other"`). A nested JS array gets a hint to make it one with `torch.tensor(...)`.
 */
export function checkTensorArg(op: string, v: unknown, what?: string): void {
  if (isTensorLike(v)) return;
  const expected = what ? `${what} must be a Tensor` : "expected a Tensor";
  throw new TensorError(op, `${expected}; got ${describeValue(v)}${tensorHint(v)}`);
}

/**
 * Throws a `TensorError` naming `op` unless `v` is a Tensor, a number or a boolean (a binary op's
 * operand).
 */
export function checkOperand(op: string, v: unknown, what = "argument"): void {
  if (typeof v === "number" || typeof v === "boolean" || isTensorLike(v)) return;
  throw new TensorError(
    op,
    `${what} must be a Tensor or a number; got ${describeValue(v)}${tensorHint(v)}`,
  );
}

/** The hint after a non-Tensor value: a nested array or a typed array should be `torch.tensor(...)`. */
function tensorHint(v: unknown): string {
  return Array.isArray(v) || ArrayBuffer.isView(v)
    ? " (make it a Tensor with torch.tensor(...))"
    : "";
}
