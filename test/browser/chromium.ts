/**
 * Headless Chromium for the browser tests: Debian's `chromium` (/usr/bin/chromium, or
 * WEBTORCH_CHROMIUM) driven by `playwright-core`, launched as NOTES-ENV.md says (WebGPU on
 * SwiftShader with `--enable-unsafe-webgpu`; WebGL2 needs no flag). Every page's console errors,
 * uncaught exceptions and failed requests are printed, so that a failing test shows why.
 */
import { existsSync } from "node:fs";

import { chromium, type Browser, type Page } from "playwright-core";

/** The Chromium binary: WEBTORCH_CHROMIUM, else Debian's package. */
export const CHROMIUM = process.env.WEBTORCH_CHROMIUM ?? "/usr/bin/chromium";

const BASE_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Launches headless Chromium, with WebGPU (SwiftShader) unless `webgpu: false`. */
export async function launch(options: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set WEBTORCH_CHROMIUM)`,
    );
  const args = options.webgpu === false ? BASE_ARGS : [...BASE_ARGS, "--enable-unsafe-webgpu"];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** What a page printed, kept for the test's report. */
export interface PageLog {
  /** Every console message, as "[type] text". */
  readonly lines: string[];
  /** Console errors, uncaught exceptions, crashes and failed requests. */
  readonly errors: string[];
}

/**
 * A new page whose console output is recorded (and errors echoed at once, prefixed by `label`);
 * workers' console messages arrive through the page's "console" event too.
 */
export async function newPage(
  browser: Browser,
  label: string,
): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage();
  const log: PageLog = { lines: [], errors: [] };
  const error = (msg: string) => {
    log.errors.push(msg);
    console.error(`  [${label}] ${msg}`);
  };
  page.on("console", (m) => {
    log.lines.push(`[${m.type()}] ${m.text()}`);
    if (m.type() === "error") error(`console.error: ${m.text()}`);
  });
  page.on("pageerror", (e) => error(`uncaught: ${e.stack ?? e.message}`));
  page.on("crash", () => error("the page crashed"));
  page.on("requestfailed", (r) => error(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on("worker", (w) => {
    // NOTE: playwright reports a worker's uncaught errors only through the page's console; its
    // console messages come through page.on("console") above.
    w.on("close", () => log.lines.push(`[worker] closed ${w.url()}`));
  });
  return { page, log };
}
