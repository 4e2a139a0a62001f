/** Loading TensorFlow.js in Node for the side-by-side benchmarks. */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Registers TensorFlow.js's gradients. tfjs-core's Node build leaves them out (the
 * `@tensorflow/tfjs` umbrella package, not a dependency here, imports them), and its ESM files
 * (`dist/register_all_gradients.js`) use extensionless imports that Node cannot load. So esbuild
 * (installed with tsx and tsup) bundles that file once into a temporary ES module. Its copy of
 * the ops shares the engine and the registries with the loaded tfjs-core: tfjs keeps them on a
 * global namespace and its `instanceof Tensor` checks duck-type, for exactly this case.
 */
export async function registerTfGradients(): Promise<void> {
  await importBundled("@tensorflow/tfjs-core/dist/register_all_gradients.js");
}

/**
 * Registers the chained ops (`tensor.flatten()`, ...) on tfjs-core's Tensor class, left out of its
 * Node build for the same reason: tfjs-layers uses some (its orthogonal initializer calls
 * `flatten()`). The bundled copy patches the loaded Tensor class, found on the global namespace.
 */
export async function registerTfChainedOps(): Promise<void> {
  await importBundled("@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js");
}

/** Bundles one of tfjs-core's ESM files with esbuild into a temporary ES module and imports it. */
async function importBundled(file: string): Promise<void> {
  const { build } = await import("esbuild");
  const entry = createRequire(import.meta.url).resolve(file);
  const dir = await mkdtemp(join(tmpdir(), "tfjs-bundle-"));
  const outfile = join(dir, "bundle.mjs");
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile,
    logLevel: "error",
  });
  await import(pathToFileURL(outfile).href);
  await rm(dir, { recursive: true, force: true });
}

/**
 * TensorFlow.js core with its cpu and wasm backends registered (pick one with
 * `await tf.setBackend(...)`), and its gradients when asked. In Node the wasm backend wants a
 * file-system directory (with a trailing slash) holding its .wasm binaries; the default is a URL
 * relative to a web page, which Node cannot load.
 */
export async function loadTf(
  options: { gradients?: boolean } = {},
): Promise<typeof import("@tensorflow/tfjs-core")> {
  const tf = await import("@tensorflow/tfjs-core");
  if (options.gradients) await registerTfGradients();
  await import("@tensorflow/tfjs-backend-cpu");
  const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
  const wasmFile = createRequire(import.meta.url).resolve(
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
  );
  setWasmPaths(`${dirname(wasmFile)}/`);
  return tf;
}
