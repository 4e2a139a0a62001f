import { NotImplementedError, ValueError } from "../core/errors.js";
import { platform, type PlatformFs } from "../core/platform/current.js";
import type { Tensor } from "../tensor/tensor.js";
import {
  loadBytesAs,
  saveBytesAs,
  type Checkpoint,
  type LoadOptions,
  type SaveOptions,
} from "./safetensors.js";

/**
 * `torch.save` / `torch.load` for files, in Node: safetensors bytes (see `saveBytes`/`loadBytes`)
 * written to and read from a path. The file system comes from the platform module: Node's in the
 * Node build, none in the browser build (package.json `exports`), so that a browser bundle has no
 * Node-only import and these two functions throw an error that names the in-memory alternative.
 */

async function nodeFs(op: string): Promise<PlatformFs> {
  const files = await platform.files();
  if (files) return files.fs;
  const alt = op === "save" ? "await torch.saveBytes(stateDict)" : "torch.loadBytes(bytes)";
  throw new NotImplementedError(
    op,
    `reading and writing paths needs a file system, which a browser lacks; use ${alt} instead (and fetch() or a download link to move the bytes)`,
  );
}

/**
 * Runs a file-system call, turning its Node error (ENOENT, EACCES, EISDIR, ...) into a
 * `ValueError` naming `op` and the path (the Node error is its `cause`).
 */
async function onFile<T>(op: string, path: string | URL, what: string, call: () => Promise<T>) {
  try {
    return await call();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const reason =
      code === "ENOENT"
        ? "no such file or directory"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : (e as Error).message;
    const err = new ValueError(
      op,
      `cannot ${what} the file (${reason}${typeof code === "string" ? `, ${code}` : ""}); got ${JSON.stringify(String(path))}`,
    );
    err.cause = e;
    throw err;
  }
}

/**
 * Saves a state dict to `path` as a safetensors file, the format of PyTorch's
 * `safetensors.torch.save_file` (and byte-identical to it for the same tensors), so that PyTorch's
 * `load_file(path)` reads it. Node only; everywhere else use `saveBytes`.
 *
 * A checkpoint (nested objects with numbers, strings, booleans, nulls and arrays beside the
 * tensors) is saved too: its tensors as entries under dotted keys (`optimizer.state.0.exp_avg`),
 * the rest as JSON in the header's metadata (key "webtorch.checkpoint"); `load` rebuilds it.
 * Unlike PyTorch's pickle-based `torch.save`, class instances and functions are refused.
 *
 * @example
 * await torch.save(model.stateDict(), "model.safetensors");
 * await torch.save(
 *   { model: model.stateDict(), optimizer: opt.stateDict(), scheduler: sched.stateDict(), epoch },
 *   "checkpoint.safetensors",
 * );
 */
export async function save(
  stateDict: Record<string, Tensor> | Checkpoint,
  path: string | URL,
  options: SaveOptions = {},
): Promise<void> {
  const bytes = await saveBytesAs(stateDict, options, "save");
  const fs = await nodeFs("save");
  await onFile("save", path, "write", () => fs.writeFile(path, bytes));
}

/**
 * Loads a safetensors file (e.g. one written by PyTorch's `safetensors.torch.save_file`) as a
 * state dict with PyTorch's keys, on `options.device` (default the CPU). dtype conversions and
 * validation are those of `loadBytes`; errors name the path. Node only; everywhere else use
 * `loadBytes`. A checkpoint saved by `save` comes back as the object it was (tensors on
 * `options.device`); type it with the type argument.
 *
 * @example
 * const sd = await torch.load("model.safetensors");
 * model.loadStateDict(sd); // copies the values in
 * for (const t of Object.values(sd)) t.dispose();
 */
export async function load<T extends object = Record<string, Tensor>>(
  path: string | URL,
  options: LoadOptions = {},
): Promise<T> {
  const fs = await nodeFs("load");
  const bytes = await onFile("load", path, "read", () => fs.readFile(path));
  return loadBytesAs(bytes, options, `load(${JSON.stringify(String(path))})`) as T;
}
