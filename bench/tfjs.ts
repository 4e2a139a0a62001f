/** Loading TensorFlow.js in Node for the side-by-side benchmarks. */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  const { build } = await import("esbuild");
  const entry = createRequire(import.meta.url).resolve(
    "@tensorflow/tfjs-core/dist/register_all_gradients.js",
  );
  const dir = await mkdtemp(join(tmpdir(), "tfjs-grads-"));
  const outfile = join(dir, "register_all_gradients.mjs");
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
