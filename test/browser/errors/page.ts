/**
 * The errors page: calls that cannot work in a browser, and what they say. Leaves
 * `window.__errors` (call -> message, or "ok: <result>") for the runner (test/browser/errors.ts).
 */
import * as torch from "../../../src/index.js";

declare global {
  interface Window {
    __errors?: Record<string, string>;
  }
}

async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    return `ok: ${String(await fn())}`;
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
}

async function main(): Promise<Record<string, string>> {
  const t = torch.ones([2]);
  const out = {
    webgpu: await outcome(() => torch.init({ device: "webgpu" })),
    auto: await outcome(() => torch.init({ device: "auto" })),
    save: await outcome(() => torch.save({ t }, "model.safetensors")),
    load: await outcome(() => torch.load("model.safetensors")),
    mnist: await outcome(() => torch.datasets.MNIST.load()),
  };
  t.dispose();
  return out;
}

main().then(
  (r) => (window.__errors = r),
  (e: unknown) => (window.__errors = { page: String(e) }),
);
