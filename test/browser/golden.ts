/**
 * The golden part of `npm run test:browser`: test/golden/golden.test.ts, unchanged, in a Chromium
 * page per device (test/browser/golden/page.ts), with its failures printed.
 */
import { launch, newPage } from "./chromium.js";
import { BROWSER_DEVICES, OPTIONAL } from "./devices.js";
import "./golden/page-types.js";
import { startServer } from "./server.js";

/** A device's whole suite may take this long (WebGPU on SwiftShader is the slow one). */
const TIMEOUT_MS = 10 * 60_000;

export async function runGolden(): Promise<boolean> {
  const { server, url } = await startServer();
  const browser = await launch();
  let ok = true;
  try {
    // NOTE: WEBTORCH_BROWSER_DEVICES=webgpu,cpu runs some devices only (while fixing one)
    const only = process.env.WEBTORCH_BROWSER_DEVICES?.split(",");
    for (const device of BROWSER_DEVICES.filter((d) => !only || only.includes(d))) {
      const { page, log } = await newPage(browser, `golden ${device}`);
      const start = Date.now();
      await page.goto(url(`test/browser/golden/index.html?device=${device}`));
      await page.waitForFunction(() => window.__golden !== undefined, null, {
        timeout: TIMEOUT_MS,
        polling: 500,
      });
      const report = (await page.evaluate(() => window.__golden))!;
      await page.close();
      const secs = ((Date.now() - start) / 1000).toFixed(0);
      if (report.pageError !== undefined) {
        console.error(`golden [${device}]: the page failed: ${report.pageError}`);
        ok = false;
        continue;
      }
      if (report.initError !== undefined) {
        if (OPTIONAL.has(device)) {
          console.log(`golden [${device}]: skipped: torch.init failed: ${report.initError}`);
          continue;
        }
        console.error(`golden [${device}]: FAILED: torch.init failed: ${report.initError}`);
        ok = false;
        continue;
      }
      const count = (s: string) => report.results.filter((r) => r.status === s).length;
      const failures = report.results.filter((r) => r.status === "fail");
      console.log(
        `golden [${device}]${report.adapter ? ` (${report.adapter.trim()})` : ""}: ${count("pass")} passed, ` +
          `${failures.length} failed, ${count("skip")} skipped (${secs} s)`,
      );
      for (const f of failures) console.error(`  FAIL ${f.name}\n    ${f.error}`);
      if (report.afterAllError) console.error(`  afterAll: ${report.afterAllError}`);
      if (report.results.length === 0) {
        console.error(
          `golden [${device}]: no tests ran: add "${device}" to BACKENDS in test/op-info/op-info.ts`,
        );
        ok = false;
      }
      if (failures.length || report.afterAllError || log.errors.length > failures.length)
        ok = false;
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return ok;
}
