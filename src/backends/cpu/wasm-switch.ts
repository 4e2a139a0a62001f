/**
 * The state of `torch.backends.wasm.enabled` (fast.ts holds the public object), apart from the
 * WebAssembly host (wasm.ts) so that the switch works before that module is loaded.
 *
 * @module
 */
import { ValueError } from "../../core/errors.js";

/** The user's switch; undefined until set or read from the environment. */
let enabledFlag: boolean | undefined;

function envFlag(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const v = env?.WEBTORCH_WASM?.trim().toLowerCase();
  return !(v === "0" || v === "false" || v === "off" || v === "no");
}

/** Whether the CPU backend uses its WebAssembly kernels (default: on, unless `WEBTORCH_WASM=0`). */
export function wasmEnabled(): boolean {
  enabledFlag ??= envFlag();
  return enabledFlag;
}

/** Sets {@link wasmEnabled}; throws a `ValueError` for anything but a boolean. */
export function setWasmEnabled(on: boolean): void {
  if (typeof on !== "boolean")
    throw new ValueError("torch.backends.wasm.enabled", `expected a boolean; got ${String(on)}`);
  enabledFlag = on;
}
