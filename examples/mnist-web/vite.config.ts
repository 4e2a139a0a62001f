/**
 * `npm run demo`: Vite serves this page on 127.0.0.1 (and `vite build examples/mnist-web` makes
 * a static site of it). webtorch comes from its TypeScript sources here (scripts/vite-webtorch.ts);
 * an app that installs webtorch from npm needs no plugin. The page is served cross-origin
 * isolated, so that CPU training in its worker uses the GEMM's threads.
 */
import { defineConfig } from "vite";

import { crossOriginIsolation, ROOT, webtorchFromSource } from "../../scripts/vite-webtorch.js";

export default defineConfig({
  plugins: [webtorchFromSource(), crossOriginIsolation()],
  worker: { format: "es", plugins: () => [webtorchFromSource()] },
  server: { host: "127.0.0.1", fs: { allow: [ROOT] } },
  build: { target: "es2022" },
});
