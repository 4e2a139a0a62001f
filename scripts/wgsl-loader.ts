/**
 * Imported for its side effect by the scripts that run the library from source with tsx (the
 * examples and benchmarks): registers a Node loader that turns `kernels/webgpu/*.wgsl` into
 * `export default "<source>"`, as tsup's text loader does for the published build and a plugin
 * does for vitest. The WebGPU backend is imported lazily (by `torch.init`), so importing this
 * first is enough. Also gives Dawn the runtime directory its Vulkan drivers want (NOTES-ENV.md).
 */
import { register } from "node:module";

const HOOK = `
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
export async function load(url, context, next) {
  if (!url.endsWith(".wgsl")) return next(url, context);
  const text = readFileSync(fileURLToPath(url), "utf8");
  return { format: "module", source: "export default " + JSON.stringify(text) + ";", shortCircuit: true };
}`;

register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
process.env.XDG_RUNTIME_DIR ??= "/tmp";
