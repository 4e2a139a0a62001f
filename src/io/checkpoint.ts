import { ValueError } from "../core/errors.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * Checkpoints in safetensors files: `torch.save({ model, optimizer, scheduler, epoch }, path)`.
 * The tensors anywhere in the object become safetensors entries under their dotted paths
 * (`model.fc1.weight`, `optimizer.state.0.exp_avg`); everything else (numbers, strings, booleans,
 * nulls, arrays, nested objects) is one JSON string in the header's `__metadata__`, under
 * {@link CHECKPOINT_KEY}, with each tensor replaced by `{"$tensor": "<its entry's name>"}`.
 * A flat state dict (only tensors) is not a checkpoint: it is saved exactly as PyTorch's
 * `save_file` would.
 */

/** The `__metadata__` key that holds a checkpoint's non-tensor structure. */
export const CHECKPOINT_KEY = "webtorch.checkpoint";

const TENSOR_TAG = "$tensor";
const NUMBER_TAG = "$number";

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") {
    const name = (v as object).constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  return typeof v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Whether `obj` is a flat state dict (an object of tensors only), saved as plain safetensors. */
export function isFlatStateDict(obj: unknown): boolean {
  return (
    obj !== null &&
    typeof obj === "object" &&
    !Array.isArray(obj) &&
    !(obj instanceof Tensor) &&
    Object.values(obj).every((v) => v instanceof Tensor)
  );
}

/**
 * Splits a checkpoint into its tensors (dotted names -> Tensor) and the JSON of the rest.
 * Throws a ValueError naming the path of anything that is not a checkpoint value.
 */
export function flattenCheckpoint(
  obj: unknown,
  op: string,
): { tensors: Record<string, Tensor>; json: string } {
  if (!isPlainObject(obj))
    throw new ValueError(
      op,
      `expected a state dict or a checkpoint (a plain object of tensors, numbers, strings, booleans, nulls, arrays and objects); got ${describe(obj)}`,
    );
  const tensors: Record<string, Tensor> = {};
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): unknown => {
    const where = path === "" ? "the checkpoint" : `"${path}"`;
    if (v instanceof Tensor) {
      if (Object.prototype.hasOwnProperty.call(tensors, path))
        throw new ValueError(
          op,
          `two tensors of the checkpoint would both be saved as "${path}" (keys with dots collide with nested keys)`,
        );
      Object.defineProperty(tensors, path, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return { [TENSOR_TAG]: path };
    }
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number")
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { [NUMBER_TAG]: String(v) };
    if (Array.isArray(v) || isPlainObject(v)) {
      if (seen.has(v))
        throw new ValueError(op, `${where} contains itself (a cycle); a checkpoint must be a tree`);
      seen.add(v);
      const sub = (k: string) => (path === "" ? k : `${path}.${k}`);
      let out: unknown;
      if (Array.isArray(v)) {
        out = v.map((x, i) => walk(x === undefined ? null : x, sub(String(i))));
      } else {
        if (TENSOR_TAG in v || NUMBER_TAG in v)
          throw new ValueError(
            op,
            `${where} has a key "${TENSOR_TAG}" or "${NUMBER_TAG}", which checkpoints reserve`,
          );
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
          if (x === undefined) continue; // as JSON: an undefined property is left out
          Object.defineProperty(o, k, {
            value: walk(x, sub(k)),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        out = o;
      }
      seen.delete(v);
      return out;
    }
    throw new ValueError(
      op,
      `${where} is not a Tensor, number, string, boolean, null, array or plain object; got ${describe(v)}`,
    );
  };
  const json = JSON.stringify(walk(obj, ""));
  return { tensors, json };
}

/**
 * Rebuilds a checkpoint from its JSON and its loaded tensors. Tensors the JSON does not name are
 * disposed; a name the file lacks throws (the caller disposes what was loaded).
 */
export function rebuildCheckpoint(
  json: string,
  tensors: Record<string, Tensor>,
  op: string,
): Record<string, unknown> {
  let tree: unknown;
  try {
    tree = JSON.parse(json);
  } catch {
    throw new ValueError(op, `the checkpoint's "${CHECKPOINT_KEY}" metadata is not valid JSON`);
  }
  if (!isPlainObject(tree))
    throw new ValueError(op, `the checkpoint's "${CHECKPOINT_KEY}" metadata is not an object`);
  const used = new Set<string>();
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isPlainObject(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === TENSOR_TAG) {
      const name = v[TENSOR_TAG];
      if (typeof name !== "string" || !Object.prototype.hasOwnProperty.call(tensors, name))
        throw new ValueError(
          op,
          `the checkpoint names a tensor ${JSON.stringify(name)} that the file does not hold`,
        );
      used.add(name);
      return tensors[name];
    }
    if (keys.length === 1 && keys[0] === NUMBER_TAG) return Number(v[NUMBER_TAG]);
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(o, k, {
        value: walk(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return o;
  };
  const out = walk(tree) as Record<string, unknown>;
  for (const [name, t] of Object.entries(tensors)) if (!used.has(name)) t.dispose();
  return out;
}
