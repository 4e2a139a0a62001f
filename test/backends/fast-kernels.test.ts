// The seam between the CPU backend and its fast kernels (src/backends/cpu/fast.ts: the wasm GEMM
// and Winograd). In Node they are imported statically and run from the first op; the browser
// build loads them by dynamic import (fast-load-browser.ts): until they arrive the TypeScript
// kernels run, with the same results within float32 rounding, and `init()` waits for them.
import { afterEach, describe, expect, it, vi } from "vitest";

import * as fastNode from "../../src/backends/cpu/fast.js";
import { loadFastKernels } from "../../src/backends/cpu/fast-load-browser.js";
import { wasmEnabled } from "../../src/backends/cpu/wasm-switch.js";

const wasmOn = wasmEnabled();

describe("the CPU's fast kernels", () => {
  afterEach(() => {
    vi.doUnmock("../../src/backends/cpu/fast-load-node.js");
    vi.resetModules();
  });

  it("are there from the first op in Node", () => {
    expect(fastNode.wasm.isAvailable()).toBe(true); // Node 20 has WebAssembly SIMD128
    expect(fastNode.wasmGemmActive()).toBe(wasmOn);
  });

  it("load by dynamic import the browser build's way", async () => {
    const loading = loadFastKernels();
    expect(loading).toBeInstanceOf(Promise);
    const kernels = await loading;
    expect(kernels.isAvailable()).toBe(true);
    expect(typeof kernels.gemmWasm).toBe("function");
    expect(typeof kernels.winogradConv2d).toBe("function");
  });

  it.skipIf(!wasmOn)(
    "run the TypeScript kernels until loaded, then wasm, with the same results; init() waits",
    async () => {
      // the browser loader, held back until `arrive()`, so that the test sees both sides
      let arrive!: () => void;
      vi.doMock("../../src/backends/cpu/fast-load-node.js", () => ({
        loadFastKernels: () =>
          new Promise((ok) => (arrive = () => ok(loadFastKernels()))) as ReturnType<
            typeof loadFastKernels
          >,
      }));
      const torch = await import("../../src/index.js");
      const { wasmInternals } = await import("../../src/backends/cpu/wasm.js");
      const calls = wasmInternals.gemmCalls;
      const a = torch.randn([40, 48]);
      const b = torch.randn([48, 24]);
      const early = a.matmul(b);
      expect(torch.backends.wasm.isAvailable()).toBe(false);
      expect(wasmInternals.gemmCalls).toBe(calls); // the TypeScript gemm ran
      const ready = torch.init({ device: "cpu" });
      arrive();
      expect(await ready).toBe("cpu");
      expect(torch.backends.wasm.isAvailable()).toBe(true);
      const late = a.matmul(b);
      expect(wasmInternals.gemmCalls).toBe(calls + 1); // now the wasm GEMM
      const [x, y] = [early.dataSync(), late.dataSync()];
      const scale = Math.max(...Array.from(x, Math.abs));
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-5 * scale);
      for (const t of [a, b, early, late]) t.dispose();
    },
  );
});
