/**
 * The tiny browser apps `check-bundles.ts` bundles, and their size limits (gzip bytes, up front:
 * without the chunks loaded by dynamic import, such as the WebGPU backend and its WGSL).
 *
 * `target` is issue 12's limit; `limit` is, per bundler, what the build measured with a margin of
 * about 1 KB (minified: esbuild's minifier for esbuild and Rollup, Vite's own, webpack's terser), so
 * that no size can grow unnoticed. Where a limit is above its target, the gap is open work
 * (issue 12); lower a limit when the size falls.
 */
export const APPS = {
  /** Tensors and autograd only. */
  tensor: `import { tensor } from "webtorch";
const x = tensor([1, 2, 3], { requiresGrad: true });
x.mul(x).sum().backward();
console.log(Array.from(await x.grad.data()).join(" "));
`,
  /**
   * Tensors, nn.Linear and optim.Adam, imported as a tree-shaking app does: through the subpaths
   * "webtorch/nn" and "webtorch/optim" (esbuild keeps every member of a namespace it meets).
   */
  linear: `import { tensor } from "webtorch";
import { Linear } from "webtorch/nn";
import { Adam } from "webtorch/optim";
const m = new Linear(3, 2);
const opt = new Adam(m.parameters(), { lr: 0.01 });
m.forward(tensor([[1, 2, 3]])).sum().backward();
opt.step();
console.log(Array.from(await m.weight.data()).join(" "));
`,
  /** The same through the namespaces: `import { nn, optim } from "webtorch"`, `nn.Linear`. */
  linearNamespaces: `import { tensor, nn, optim } from "webtorch";
const m = new nn.Linear(3, 2);
const opt = new optim.Adam(m.parameters(), { lr: 0.01 });
m.forward(tensor([[1, 2, 3]])).sum().backward();
opt.step();
console.log(Array.from(await m.weight.data()).join(" "));
`,
  /**
   * The whole library (every export kept). `init` waits for the CPU's fast kernels, which a
   * bundle loads by dynamic import: then the WebAssembly GEMM is there, as in Node.
   */
  all: `import * as torch from "webtorch";
globalThis.torch = torch;
await torch.init({ device: "cpu" });
console.log(Object.keys(torch).length, torch.backends.wasm.isAvailable());
`,
} as const;

export type AppName = keyof typeof APPS;

/** The bundlers `check-bundles.ts` runs. */
export type Bundler = "esbuild" | "rollup" | "vite" | "webpack";

export const LIMITS: Record<AppName, { target: number; limit: Record<Bundler, number> }> = {
  tensor: {
    target: 30_000,
    limit: { esbuild: 36_300, rollup: 36_000, vite: 36_500, webpack: 36_100 },
  },
  linear: {
    target: 40_000,
    limit: { esbuild: 43_500, rollup: 43_400, vite: 43_900, webpack: 45_400 },
  },
  // NOTE: esbuild keeps every member of a namespace object (`nn.Linear` keeps all of nn)
  linearNamespaces: {
    target: 40_000,
    limit: { esbuild: 77_800, rollup: 43_400, vite: 43_900, webpack: 43_200 },
  },
  all: {
    target: 90_000,
    limit: { esbuild: 93_100, rollup: 93_200, vite: 94_100, webpack: 93_000 },
  },
};
