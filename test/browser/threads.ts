/**
 * The threads part of `npm run test:browser` (issue 11): the CPU backend's GEMM on Web Workers in
 * Chromium. On a cross-origin isolated page, products on two threads equal one thread's bit for
 * bit and the workers compute shares, both on the page's main thread and in a worker. Without
 * isolation (`?isolated=0`: no COOP/COEP headers, so no SharedArrayBuffer) everything runs on one
 * thread, and the console says so once.
 */
import { launch, newPage } from "./chromium.js";
import { startServer } from "./server.js";
import type { ThreadsResult } from "./threads/check.js";

type Outcome = ThreadsResult | { error: string };

function verdict(where: string, r: Outcome | undefined, isolated: boolean): string | null {
  if (!r) return `${where}: no result`;
  if ("error" in r) return `${where}: ${r.error}`;
  if (r.isolated !== isolated) return `${where}: crossOriginIsolated is ${r.isolated}`;
  if (!r.sameBits) return `${where}: two threads did not give one thread's bits`;
  if (isolated && r.workerShares === 0)
    return `${where}: the workers computed nothing (${r.splitCalls} split calls)`;
  if (!isolated && r.splitCalls !== 0) return `${where}: split ${r.splitCalls} calls`;
  return null;
}

export async function runThreads(): Promise<boolean> {
  const { server, url } = await startServer();
  const browser = await launch({ webgpu: false });
  let ok = true;
  try {
    for (const isolated of [true, false]) {
      const label = `threads${isolated ? "" : " (not isolated)"}`;
      const { page, log } = await newPage(browser, label);
      await page.goto(url(`test/browser/threads/index.html${isolated ? "" : "?isolated=0"}`));
      await page.waitForFunction(() => window.__threads !== undefined, null, { timeout: 120_000 });
      const r = (await page.evaluate(() => window.__threads))!;
      for (const [where, outcome] of Object.entries(r)) {
        const bad = verdict(`${label}, ${where} thread`, outcome, isolated);
        console.log(`${label}, ${where}: ${bad ? "FAIL" : "ok"}: ${JSON.stringify(outcome)}`);
        if (bad) {
          console.error(`  FAIL ${bad}`);
          ok = false;
        }
      }
      const said = log.lines.filter((l) => l.includes("not cross-origin isolated"));
      // NOTE: once per thread of JS that asked (the page, then its worker)
      if (!isolated && said.length !== 2) {
        console.error(`  FAIL ${label}: said ${said.length} times, not once per context`);
        ok = false;
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return ok;
}
