/**
 * What webtorch needs from its runtime that differs between Node and a browser. Two modules
 * implement it: `node.ts` (Node, Deno, Bun: a file system, Dawn's WebGPU binding, zlib,
 * AsyncLocalStorage) and `browser.ts` (none of these). `current.ts` re-exports `node.ts`; the
 * browser build (tsup.config.ts) redirects that import to `browser.ts`, so a browser bundle never
 * reaches a `node:` import (package.json `exports`: "node" vs "browser"/"default").
 */

/** The parts of `node:fs/promises` webtorch uses. */
export interface PlatformFs {
  readFile(path: string | URL): Promise<Uint8Array>;
  writeFile(path: string | URL, data: Uint8Array): Promise<void>;
  stat(path: string): Promise<{ isFile(): boolean }>;
}

/** The parts of `node:path` webtorch uses. */
export interface PlatformPath {
  join(...parts: string[]): string;
  dirname(path: string): string;
  resolve(...parts: string[]): string;
}

/** Node's file system, paths and module resolution (for files named by a path). */
export interface NodeFiles {
  readonly fs: PlatformFs;
  readonly path: PlatformPath;
  /** `createRequire(base).resolve(id)` from `node:module`, throwing when `id` is not found. */
  resolveFrom(base: string, id: string): string;
  /** The working directory and the main script, where the optional `mnist` package is looked for. */
  readonly searchBases: readonly string[];
}

/** An `AsyncLocalStorage` (Node's `node:async_hooks`, also in Deno and Bun). */
export interface AsyncContext<S> {
  run<R>(store: S, fn: () => R): R;
  getStore(): S | undefined;
}

export interface Platform {
  /** "node" (a file system, Dawn) or "browser" (neither). */
  readonly name: "node" | "browser";
  /** Node's file system, or null in a browser. */
  files(): Promise<NodeFiles | null>;
  /** Gunzips with `node:zlib`, or null where there is none (then DecompressionStream is used). */
  gunzip(bytes: Uint8Array): Promise<Uint8Array> | null;
  /** A new AsyncLocalStorage, or null where there is none (browsers). */
  asyncContext<S>(): AsyncContext<S> | null;
  /** The `GPU` object of Dawn's Node binding (the optional package `webgpu`), or a reason. */
  dawnGPU(): Promise<GPU | { reason: string }>;
  /**
   * The optional package `gpu.js` (its module namespace, whose shape depends on how it was
   * loaded: `GPU`, or `default.GPU`), imported by name in Node; null in a browser, where the app
   * passes the module to `init` (a bundler would otherwise process gpu.js in every app) or loads
   * its script. Only `init({ device: "gpujs" })` calls it.
   */
  importGpuJs(): Promise<unknown>;
  /** The optional `mnist` package's ten classes, imported (Node only; a reason elsewhere). */
  importMnist(): Promise<unknown>;
  /** What to tell a person whose runtime has no WebGPU adapter or no `navigator.gpu`. */
  readonly webgpuHint: string;
}
