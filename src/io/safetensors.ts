import type { Backend, DeviceName } from "../backends/backend.js";
import type { DType, TypedArray } from "../core/dtype.js";
import { NotImplementedError, TensorError, ValueError } from "../core/errors.js";
import { fmtShape, type Shape } from "../core/shape.js";
import { backendFor, tensorFromArray } from "../ops/dispatch.js";
import { Tensor } from "../tensor/tensor.js";
import {
  decode,
  isReadable,
  LITTLE_ENDIAN,
  READ_AS,
  ST_BITS,
  WRITE_AS,
  type ReadDType,
  type StDType,
} from "./safetensors-dtypes.js";
import {
  CHECKPOINT_KEY,
  flattenCheckpoint,
  isFlatStateDict,
  isPlainObject,
  rebuildCheckpoint,
} from "./checkpoint.js";

/**
 * A checkpoint: a plain object of tensors, numbers, strings, booleans, nulls, arrays and nested
 * objects of them (e.g. `{ model: model.stateDict(), optimizer: opt.stateDict(), epoch }`);
 * anything else throws when saved.
 */
export type Checkpoint = { readonly [key: string]: unknown };

/**
 * State dicts in the safetensors format (https://github.com/huggingface/safetensors), the layout
 * PyTorch's `safetensors.torch.save_file` / `load_file` use:
 *
 *     8 bytes   N: the header's size, a little-endian u64
 *     N bytes   UTF-8 JSON, padded with spaces to a multiple of 8:
 *               {"__metadata__":{"k":"v"},"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},...}
 *     the rest  each tensor's elements, row-major and little-endian, back to back
 *
 * The writer produces the reference writer's bytes exactly: compact JSON (no spaces), tensors
 * sorted by dtype (widest first: F64, F32, I32, BOOL), then by name (UTF-8 byte order), each
 * tensor's data at the offset its header entry gives, "__metadata__" (when given) first.
 */

/**
 * The reference writer's order: descending by its `Dtype` enum, which lists BOOL < ... < I32 <
 * U32 < F32 < F64 (so the widest, most aligned data comes first). These ranks keep that order.
 */
const WRITE_RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** The reference reader refuses headers above 100 MB. */
const MAX_HEADER_SIZE = 100_000_000;

const METADATA_KEY = "__metadata__";

const utf8 = new TextEncoder();

// A lone UTF-16 surrogate has no UTF-8 form, so it cannot be a key in a safetensors header.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Options of {@link saveBytes} and `torch.save`. */
export interface SaveOptions {
  /**
   * Free-form string metadata, written as the header's `"__metadata__"` (keys sorted). PyTorch's
   * `save_file` writes none by default; `{ format: "pt" }` is what `safetensors.torch.save_model`
   * and transformers write.
   */
  metadata?: Record<string, string>;
}

/** Options of {@link loadBytes} and `torch.load`. */
export interface LoadOptions {
  /** Where to put the tensors (default: the CPU). */
  device?: DeviceName;
}

/** A state dict: names (PyTorch's keys, e.g. `fc1.weight`) to tensors. */
type StateDict = Record<string, Tensor>;

/** Byte-wise comparison of the UTF-8 forms (Rust's `String` order, which the reference sorts by). */
function compareUtf8(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Tensor) return "a Tensor";
  if (typeof v === "object") return "an object";
  if (typeof v === "function") return "a function";
  return `${typeof v} ${String(v as string | number | boolean | bigint | symbol | undefined)}`;
}

// ---------------------------------------------------------------------------------------------
// saving

interface Checked {
  name: string;
  nameBytes: Uint8Array;
  tensor: Tensor;
}

/** Validates the arguments of a save before anything is read. */
function checkSaveArgs(
  stateDict: unknown,
  options: SaveOptions,
  op: string,
): { entries: Checked[]; metadata: [string, string][] | null } {
  if (
    stateDict === null ||
    typeof stateDict !== "object" ||
    Array.isArray(stateDict) ||
    stateDict instanceof Tensor
  ) {
    throw new ValueError(
      op,
      `expected a state dict (an object of name -> Tensor); got ${describe(stateDict)}`,
    );
  }
  const entries: Checked[] = [];
  for (const [name, t] of Object.entries(stateDict)) {
    if (!(t instanceof Tensor))
      throw new ValueError(op, `"${name}" is not a Tensor; got ${describe(t)}`);
    if (t.isDisposed)
      throw new TensorError(
        op,
        `"${name}" (a ${t.dtype} tensor of shape ${fmtShape(t.shape)}) was used after dispose()`,
      );
    if (name === METADATA_KEY)
      throw new ValueError(
        op,
        `"${METADATA_KEY}" cannot name a tensor: safetensors reserves it for the metadata`,
      );
    if (LONE_SURROGATE.test(name))
      throw new ValueError(
        op,
        `the name ${JSON.stringify(name)} is not valid Unicode (a lone surrogate); safetensors names are UTF-8`,
      );
    entries.push({ name, nameBytes: utf8.encode(name), tensor: t });
  }
  let metadata: [string, string][] | null = null;
  if (options.metadata !== undefined) {
    const m: unknown = options.metadata;
    if (m === null || typeof m !== "object" || Array.isArray(m))
      throw new ValueError(
        op,
        `metadata must be an object of string -> string; got ${describe(m)}`,
      );
    metadata = [];
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== "string")
        throw new ValueError(op, `metadata values must be strings; "${k}" is ${describe(v)}`);
      if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v))
        throw new ValueError(
          op,
          `metadata entry ${JSON.stringify(k)} is not valid Unicode (a lone surrogate)`,
        );
      metadata.push([k, v]);
    }
    metadata.sort((a, b) => compareUtf8(utf8.encode(a[0]), utf8.encode(b[0])));
  }
  // NOTE: the reference writer's order; loaders sort by data_offsets, so any order would load,
  // but this one makes our files byte-identical to PyTorch's.
  entries.sort(
    (a, b) =>
      WRITE_RANK[b.tensor.dtype] - WRITE_RANK[a.tensor.dtype] ||
      compareUtf8(a.nameBytes, b.nameBytes),
  );
  return { entries, metadata };
}

/** The little-endian bytes of `data` (a fresh typed array of `dtype`). */
function leBytes(data: TypedArray, dtype: DType): Uint8Array {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || dtype === "bool") return raw;
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dtype === "float64") dv.setFloat64(i * 8, data[i]!, true);
    else if (dtype === "float32") dv.setFloat32(i * 4, data[i]!, true);
    else dv.setInt32(i * 4, data[i]!, true);
  }
  return out;
}

/** Assembles the file from validated, sorted entries and their row-major data. */
function encode(
  entries: Checked[],
  datas: TypedArray[],
  metadata: [string, string][] | null,
): Uint8Array {
  const parts: string[] = [];
  if (metadata)
    parts.push(
      `"${METADATA_KEY}":{${metadata.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`,
    );
  let offset = 0;
  const blobs: Uint8Array[] = [];
  entries.forEach((e, i) => {
    const blob = leBytes(datas[i]!, e.tensor.dtype);
    // NOTE: JSON.stringify escapes strings as serde_json does (", \ and control characters only,
    // lower-case \u00xx), so names come out byte-identical to the reference.
    parts.push(
      `${JSON.stringify(e.name)}:{"dtype":"${WRITE_AS[e.tensor.dtype]}","shape":[${e.tensor.shape.join(",")}],"data_offsets":[${offset},${offset + blob.length}]}`,
    );
    offset += blob.length;
    blobs.push(blob);
  });
  const json = utf8.encode(`{${parts.join(",")}}`);
  const headerSize = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerSize + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerSize), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerSize);
  let at = 8 + headerSize;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** @internal `saveBytes` under another op name (`torch.save` reports errors as `save`). */
export async function saveBytesAs(
  stateDict: StateDict | Checkpoint,
  options: SaveOptions,
  op: string,
): Promise<Uint8Array> {
  let flat: unknown = stateDict;
  const m: unknown = options.metadata;
  if (m !== null && typeof m === "object" && Object.hasOwn(m, CHECKPOINT_KEY))
    throw new ValueError(
      op,
      `metadata cannot have the key "${CHECKPOINT_KEY}": a checkpoint keeps its structure there`,
    );
  if (isPlainObject(stateDict) && !isFlatStateDict(stateDict)) {
    // a checkpoint: its tensors under dotted names, the rest as JSON in the metadata
    const { tensors, json } = flattenCheckpoint(stateDict, op);
    flat = tensors;
    options = {
      ...options,
      metadata: { ...(m as Record<string, string> | undefined), [CHECKPOINT_KEY]: json },
    };
  }
  const { entries, metadata } = checkSaveArgs(flat, options, op);
  // t.data() reads a row-major copy, so views (transposed, sliced, expanded) are saved contiguous.
  const datas = await Promise.all(entries.map((e) => e.tensor.data()));
  return encode(entries, datas, metadata);
}

/**
 * Serialises a state dict to safetensors bytes (`safetensors.torch.save`): the same bytes PyTorch
 * writes for the same tensors, so `safetensors.torch.load(bytes)` reads it. Views are saved
 * contiguous; tensors that share storage are saved as separate copies.
 *
 * dtypes: float32 -> F32, float64 -> F64, bool -> BOOL, int32 -> I32. NOTE: PyTorch loads I32 as
 * `torch.int32`; `model.load_state_dict` converts it into an int64 buffer such as BatchNorm's
 * `num_batches_tracked` without complaint.
 *
 * Asynchronous because it reads the tensors back (`await t.data()`), which a GPU needs.
 *
 * @example
 * const bytes = await torch.saveBytes(model.stateDict(), { metadata: { format: "pt" } });
 * const sd = torch.loadBytes(bytes);
 * model.loadStateDict(sd); // copies the values in
 * for (const t of Object.values(sd)) t.dispose();
 */
export function saveBytes(
  stateDict: StateDict | Checkpoint,
  options: SaveOptions = {},
): Promise<Uint8Array> {
  return saveBytesAs(stateDict, options, "saveBytes");
}

// ---------------------------------------------------------------------------------------------
// loading

interface Entry {
  name: string;
  dtype: StDType;
  shape: number[];
  begin: number;
  end: number;
}

interface Parsed {
  entries: Entry[];
  /** The bytes after the header. */
  data: Uint8Array;
  metadata: Record<string, string> | null;
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function fmtJson(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Parses and validates the header against the data; creates nothing. */
function parse(bytes: Uint8Array, op: string): Parsed {
  function fail(msg: string): never {
    throw new ValueError(op, msg);
  }
  if (bytes.length < 8)
    fail(
      `the data is too short for a safetensors file: ${bytes.length} bytes, and the header size alone takes 8`,
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_SIZE))
    fail(
      `header size ${n64} is over the ${MAX_HEADER_SIZE}-byte limit (not a safetensors file, or a corrupt one)`,
    );
  const n = Number(n64);
  if (8 + n > bytes.length)
    fail(
      `header size ${n} runs past the end of the data (${bytes.length} bytes, so at most ${bytes.length - 8}): the file is truncated or corrupt`,
    );
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + n),
    );
  } catch {
    fail("the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message}): ${fmtJson(text)}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header))
    fail(`the header must be a JSON object; got ${fmtJson(header)}`);
  const data = bytes.subarray(8 + n);

  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      // null is the reference's `None`
      if (info === null) continue;
      if (
        typeof info !== "object" ||
        Array.isArray(info) ||
        !Object.values(info).every((v) => typeof v === "string")
      ) {
        fail(`"${METADATA_KEY}" must be an object of string -> string; got ${fmtJson(info)}`);
      }
      metadata = info as Record<string, string>;
      continue;
    }
    const where = `tensor "${name}"`;
    if (info === null || typeof info !== "object" || Array.isArray(info))
      fail(`${where}: expected {"dtype", "shape", "data_offsets"}; got ${fmtJson(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== "string" || !Object.hasOwn(ST_BITS, dtype))
      fail(`${where}: unknown dtype ${fmtJson(dtype)}`);
    if (!Array.isArray(shape) || !shape.every(isNonNegInt))
      fail(`${where}: shape must be an array of non-negative integers; got ${fmtJson(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
      fail(
        `${where}: data_offsets must be two non-negative integers [begin, end]; got ${fmtJson(offsets)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > data.length)
      fail(
        `${where}: data_offsets [${begin}, ${end}] run past the end of the data (${data.length} bytes after the header): the file is truncated or corrupt`,
      );
    const st = dtype as StDType;
    const dims = shape as number[];
    let count = 1;
    for (const d of dims) count *= d;
    const bits = count * ST_BITS[st];
    if (!Number.isSafeInteger(bits) || bits % 8 !== 0 || bits / 8 !== end - begin) {
      fail(
        `${where}: ${st} ${fmtShape(dims)} needs ${Number.isSafeInteger(bits) ? `${bits / 8} bytes` : "more bytes than a file can hold"}, but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    entries.push({ name, dtype: st, shape: dims, begin, end });
  }

  // As the reference reader: in offset order, each tensor starts where the previous one ended,
  // and the last one ends at the end of the file.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: Entry | null = null;
  for (const e of entries) {
    if (e.begin < at)
      fail(
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${prev!.name}" (which ends at ${at})`,
      );
    if (e.begin > at)
      fail(
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] leave bytes ${at}..${e.begin} unused${prev ? ` after tensor "${prev.name}"` : ""}`,
      );
    at = e.end;
    prev = e;
  }
  if (at !== data.length)
    fail(`the tensors cover ${at} bytes of data, but the file has ${data.length} after the header`);
  return { entries, data, metadata };
}

/** @internal `loadBytes` under another op name (`torch.load` reports errors as `load(path)`). */
export function loadBytesAs(
  bytes: Uint8Array | ArrayBuffer,
  options: LoadOptions,
  op: string,
): StateDict | Record<string, unknown> {
  let view: Uint8Array;
  if (bytes instanceof Uint8Array) view = bytes;
  else if (bytes instanceof ArrayBuffer) view = new Uint8Array(bytes);
  else
    throw new ValueError(
      op,
      `expected a Uint8Array (or ArrayBuffer) of safetensors bytes; got ${describe(bytes)}`,
    );
  const backend: Backend = backendFor(options.device ?? "cpu", op);
  const { entries, data, metadata } = parse(view, op);

  const unsupported = entries.filter((e) => !isReadable(e.dtype));
  if (unsupported.length) {
    const list = unsupported.map((e) => `"${e.name}" (${e.dtype})`).join(", ");
    throw new NotImplementedError(
      op,
      `unsupported dtype for ${list}; webtorch reads F32, F64, F16 and BF16 (as float32), I32, I64 (as int32) and BOOL`,
    );
  }
  if (!backend.supportsFloat64) {
    const f64 = entries.filter((e) => e.dtype === "F64");
    if (f64.length)
      throw new NotImplementedError(
        op,
        `float64 is not supported on ${backend.name}: ${f64.map((e) => `"${e.name}"`).join(", ")}; load on the CPU and convert with .to("float32")`,
      );
  }
  // Decode everything first (this is where an I64 range error throws), so that a failure leaves
  // no tensor behind.
  const arrays = entries.map((e) =>
    decode(e.name, e.dtype as ReadDType, data.subarray(e.begin, e.end), op),
  );

  const out: StateDict = {};
  const made: Tensor[] = [];
  try {
    entries.forEach((e, i) => {
      const t = tensorFromArray(
        backend,
        READ_AS[e.dtype as ReadDType],
        e.shape as Shape,
        arrays[i]!,
        op,
      );
      made.push(t);
      // NOTE: defineProperty, so that a tensor named "__proto__" becomes an own key, not a prototype.
      Object.defineProperty(out, e.name, {
        value: t,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
    const json = metadata?.[CHECKPOINT_KEY];
    return json === undefined ? out : rebuildCheckpoint(json, out, op);
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  }
}

/**
 * Reads a state dict from safetensors bytes (`safetensors.torch.load`), e.g. a file written by
 * PyTorch's `save_file`. Keys keep PyTorch's names and come in file order.
 *
 * dtypes: F32, F64, I32 and BOOL load as they are; I64 (PyTorch's default integer, e.g. BatchNorm's
 * `num_batches_tracked`) loads as int32 (a value outside int32 throws); F16 and BF16 load as
 * float32 (exactly). Any other dtype throws a `NotImplementedError` naming the key.
 *
 * A truncated or corrupt file throws a `ValueError` (`loadBytes: ...`) and creates no tensor: the
 * header, every offset and every value are checked before the first tensor is made.
 *
 * @example
 * const sd = torch.loadBytes(new Uint8Array(await (await fetch("model.safetensors")).arrayBuffer()));
 * model.loadStateDict(sd);
 * for (const t of Object.values(sd)) t.dispose();
 */
export function loadBytes<T extends object = StateDict>(
  bytes: Uint8Array | ArrayBuffer,
  options: LoadOptions = {},
): T {
  return loadBytesAs(bytes, options, "loadBytes") as T;
}
