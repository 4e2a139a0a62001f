import { existsSync } from "node:fs";

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { OP_LIST } from "./index.js";

/**
 * Coverage: every function exported from `src/index.ts` and every public Tensor method or
 * property has an entry in the op list (by name, alias or in-place variant), or an exemption
 * below that says why it is not an op and where it is tested. Adding an op without an entry
 * fails here.
 */

/** Public names that are not ops of the list, with the reason and where they are tested. */
const EXEMPT: Record<string, string> = {
  // ---- not ops: the library's machinery ----
  init: "device set-up; test/backends/webgpu-device.test.ts",
  getDefaultDevice: "device set-up; test/backends/webgpu-device.test.ts",
  setDefaultDevice: "device set-up; test/backends/default-device.test.ts",
  backendStats: "fallback counters; test/backends/webgpu.test.ts",
  setNumThreads: "threads of the wasm GEMM; test/backends/wasm-threads.test.ts",
  getNumThreads: "threads of the wasm GEMM; test/backends/wasm-threads.test.ts",
  sync: "device synchronisation and device-side errors; test/backends/device-asserts.test.ts",
  memory: "memory accounting; test/core/memory.test.ts",
  tidy: "memory scopes; test/core/memory.test.ts",
  keep: "memory scopes; test/core/memory.test.ts",
  manualSeed: "random state; test/core/philox.test.ts",
  initialSeed: "random state; test/core/philox.test.ts",
  getRngState: "random state; test/core/philox.test.ts",
  setRngState: "random state; test/core/philox.test.ts",
  noGrad: "grad mode; test/autograd/autograd.test.ts",
  enableGrad: "grad mode; test/autograd/autograd.test.ts",
  isGradEnabled: "grad mode; test/autograd/autograd.test.ts",
  setGradEnabled: "grad mode; test/autograd/autograd.test.ts",
  promoteTypes: "dtype rule, a pure function; test/core/dtype.test.ts and every golden's dtype",
  broadcastShapes: "shape rule, a pure function; test/ops/properties.test.ts",
  save: "file I/O; test/io/safetensors.test.ts, test/io/checkpoint.test.ts",
  load: "file I/O; test/io/safetensors.test.ts",
  saveBytes: "serialisation; test/io/safetensors.test.ts",
  loadBytes: "serialisation; test/io/safetensors.test.ts",
  // ---- random and uninitialised creation: no value PyTorch could match ----
  rand: "random (Philox, not PyTorch's generator); test/core/philox.test.ts, test/tensor/creation.test.ts",
  randn: "random; test/core/philox.test.ts, test/tensor/creation.test.ts",
  randint: "random; test/tensor/creation.test.ts",
  randperm: "random; test/tensor/creation.test.ts, test/autograd/webgpu-autograd.test.ts",
  randLike: "random; test/tensor/creation.test.ts",
  randnLike: "random; test/tensor/creation.test.ts",
  uniform_: "random fill in place; test/tensor/creation.test.ts, test/nn/init.test.ts",
  normal_: "random fill in place; test/tensor/creation.test.ts, test/nn/init.test.ts",
  empty: "uninitialised contents; test/tensor/creation.test.ts",
  emptyLike: "uninitialised contents; test/tensor/creation.test.ts",
  // ---- Tensor properties and readback ----
  dtype: "a property; checked by every golden",
  device: "a property; test/backends/webgpu.test.ts",
  backend: "a property (the backend object); test/backends/webgpu.test.ts",
  ndim: "a property; test/tensor/creation.test.ts",
  size: "a property; test/tensor/creation.test.ts",
  numel: "a property; test/tensor/creation.test.ts",
  dim: "a property; test/tensor/creation.test.ts",
  isContiguous: "a layout query; test/ops/properties.test.ts",
  isFloatingPoint: "a dtype query; test/tensor/creation.test.ts",
  isDisposed: "memory; test/core/memory.test.ts",
  dispose: "memory; test/core/memory.test.ts",
  version: "in-place version counter; test/autograd/autograd.test.ts",
  data: "readback; every golden reads through it",
  dataSync: "readback; test/tensor/creation.test.ts",
  tolist: "readback; test/tensor/creation.test.ts",
  tolistSync: "readback; test/ops/properties.test.ts",
  item: "readback; test/tensor/creation.test.ts",
  itemSync: "readback; test/tensor/creation.test.ts",
  toString: "printing; test/tensor/format.test.ts",
  toStringAsync: "printing; test/tensor/format.test.ts",
  // ---- moves and casts ----
  to: "device moves and casts; test/backends/webgpu.test.ts, test/tensor/creation.test.ts",
  toAsync: "device moves; test/backends/webgpu.test.ts",
  cpu: "device moves; test/backends/webgpu-linalg.test.ts",
  toType: "casts; test/backends/webgpu.test.ts",
  float: "casts; test/tensor/creation.test.ts",
  double: "casts; test/tensor/creation.test.ts",
  int: "casts; test/tensor/creation.test.ts",
  long: "casts (int32: int64 is stored as int32); test/tensor/dtypes.test.ts",
  bool: "casts; test/tensor/creation.test.ts",
  // ---- autograd ----
  gradFn: "autograd; test/autograd/autograd.test.ts",
  isLeaf: "autograd; test/autograd/autograd.test.ts",
  requiresGrad: "autograd; test/autograd/autograd.test.ts",
  requiresGrad_: "autograd; test/autograd/autograd.test.ts",
  retainsGrad: "autograd; test/autograd/autograd.test.ts",
  retainGrad: "autograd; test/autograd/autograd.test.ts",
  backward: "autograd; every golden's gradients",
  registerHook: "autograd hooks; test/autograd/autograd.test.ts",
  detach: "autograd; test/autograd/autograd.test.ts",
  detach_: "autograd; test/autograd/autograd.test.ts",
  // ---- internals that are methods for the library's own modules (not PyTorch names) ----
  gradLeaf: "internal (the leaf's accumulated-grad slot); test/autograd/autograd.test.ts",
  leafHooks: "internal (hooks of a leaf); test/autograd/autograd.test.ts",
  attachGradFn: "internal (autograd.Function); test/autograd/autograd.test.ts",
  checkInPlace: "internal (in-place guard); test/core/errors.test.ts",
  rebase: "internal (in-place rebasing of the graph); test/autograd/autograd.test.ts",
  setData_: "internal (nn.Parameter data swap); test/nn/module.test.ts",
  share: "internal (a second handle on one storage); test/core/memory.test.ts",
  // ---- in-place writes that are not a variant of one op ----
  fill_: "in-place fill; test/core/memory.test.ts, test/optim/optimizer.test.ts",
  zero_: "in-place fill; test/core/memory.test.ts, test/nn/utils.test.ts",
  copy_: "in-place copy; test/autograd/autograd.test.ts, test/core/errors.test.ts",
};

/** Every public function of the package and every public Tensor method or property. */
function publicNames(): string[] {
  const functions = Object.entries(torch)
    .filter(([name, v]) => typeof v === "function" && /^[a-z]/.test(name))
    .map(([name]) => name);
  const members = Object.getOwnPropertyNames(torch.Tensor.prototype).filter(
    (n) => n !== "constructor" && !n.startsWith("#"),
  );
  return [...new Set([...functions, ...members])].sort();
}

function coveredNames(): Set<string> {
  const names = new Set<string>();
  for (const info of OP_LIST) {
    names.add(info.name);
    for (const a of info.aliases ?? []) names.add(a);
    if (info.inplace) names.add(info.inplace.method);
  }
  return names;
}

describe("op list coverage", () => {
  it("every public function and Tensor method has an op-list entry or a reasoned exemption", () => {
    const covered = coveredNames();
    const missing = publicNames().filter((n) => !covered.has(n) && !(n in EXEMPT));
    expect(missing, "public names with no op-list entry (test/op-info) and no exemption").toEqual(
      [],
    );
  });

  it("names no exemption that is also an entry, or that is not public", () => {
    const covered = coveredNames();
    const names = new Set(publicNames());
    expect(Object.keys(EXEMPT).filter((n) => covered.has(n))).toEqual([]);
    expect(Object.keys(EXEMPT).filter((n) => !names.has(n))).toEqual([]);
  });

  it("every exemption names test files that exist", () => {
    const root = new URL("../../", import.meta.url);
    const named = Object.values(EXEMPT).flatMap((why) => why.match(/test\/[\w/.-]+\.ts/g) ?? []);
    expect(named.filter((f) => !existsSync(new URL(f, root)))).toEqual([]);
  });

  it("every op has samples and unique sample names", () => {
    const seen = new Set<string>();
    for (const info of OP_LIST) {
      expect(info.samples.length, `${info.name}: no samples`).toBeGreaterThan(0);
      for (const s of info.samples) {
        expect(seen.has(s.name), `duplicate sample ${s.name}`).toBe(false);
        seen.add(s.name);
      }
    }
  });
});
