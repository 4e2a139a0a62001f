/**
 * The tiny browser apps `check-bundles.ts` bundles, and their size limits (gzip bytes, up front:
 * without the chunks loaded by dynamic import, such as the WebGPU backend and its WGSL).
 *
 * `target` is issue 12's limit; `limit` is what the build meets today with a small margin, so that
 * the size cannot grow unnoticed. Where they differ, the gap is open work (issue 12).
 */
export const APPS = {
  /** Tensors and autograd only. */
  tensor: `import { tensor } from "webtorch";
const x = tensor([1, 2, 3], { requiresGrad: true });
x.mul(x).sum().backward();
console.log(await x.grad.data());
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
console.log(await m.weight.data());
`,
  /** The same through the namespaces: `import { nn, optim } from "webtorch"`, `nn.Linear`. */
  linearNamespaces: `import { tensor, nn, optim } from "webtorch";
const m = new nn.Linear(3, 2);
const opt = new optim.Adam(m.parameters(), { lr: 0.01 });
m.forward(tensor([[1, 2, 3]])).sum().backward();
opt.step();
console.log(await m.weight.data());
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

export const LIMITS: Record<AppName, { limit: number; target: number }> = {
  tensor: { limit: 45_000, target: 30_000 },
  linear: { limit: 87_000, target: 40_000 },
  linearNamespaces: { limit: 87_000, target: 40_000 },
  all: { limit: 101_000, target: 90_000 },
};
