/**
 * The golden page: runs test/golden/golden.test.ts, unchanged, on the device named by `?device=`
 * (cpu, webgpu, gpujs), and leaves the results in `window.__golden` for the runner
 * (test/browser/golden.ts). The device is acquired first; if that fails, the page reports why.
 */
import * as torch from "../../../src/index.js";
import type { DeviceName } from "../../../src/index.js";
import { setPageDevice } from "./backends-shim.js";
import type { GoldenReport } from "./page-types.js";
import { runTests } from "./vitest-shim.js";

async function main(): Promise<GoldenReport> {
  const device = new URLSearchParams(location.search).get("device") as DeviceName;
  try {
    await torch.init({ device });
  } catch (e) {
    return { device, initError: (e as Error).message, results: [] };
  }
  setPageDevice(device);
  let adapter: string | undefined;
  if (device === "webgpu" && navigator.gpu) {
    const a = await navigator.gpu.requestAdapter();
    const info = a?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
    adapter = `${info?.vendor ?? "?"} ${info?.architecture ?? ""} ${info?.description ?? ""}${info?.isFallbackAdapter ? " (fallback adapter)" : ""}`;
  }
  await import("../../golden/golden.test.js");
  let done = 0;
  const { results, afterAllError } = await runTests((r) => {
    done++;
    if (r.status === "fail") console.error(`FAIL ${r.name}: ${r.error}`);
    if (done % 200 === 0) document.title = `golden ${device}: ${done}`;
  });
  return {
    device,
    ...(adapter ? { adapter } : {}),
    results,
    ...(afterAllError ? { afterAllError } : {}),
  };
}

main().then(
  (r) => (window.__golden = r),
  (e: unknown) =>
    (window.__golden = {
      device: "?",
      pageError: e instanceof Error ? (e.stack ?? e.message) : String(e),
      results: [],
    }),
);
