/** The golden page's report (page.ts), read by the runner (test/browser/golden.ts). */
import type { TestResult } from "./vitest-shim.js";

/** What the page leaves in `window.__golden` for the runner. */
export interface GoldenReport {
  device: string;
  /** Set when `torch.init({ device })` failed: the message. */
  initError?: string;
  /** Set when the page itself failed (an import, a bug in the harness). */
  pageError?: string;
  /** The adapter, where WebGPU: what the browser gave. */
  adapter?: string;
  results: TestResult[];
  afterAllError?: string;
}

declare global {
  interface Window {
    __golden?: GoldenReport;
  }
}
