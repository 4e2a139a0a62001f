/**
 * `check-bundles.ts --browser`: each bundler's output of each app, opened as a page in headless
 * Chromium (test/browser/chromium.ts) from a static server on 127.0.0.1, must print (console.log)
 * what the app prints in Node; and Vite's dev server must serve a page that does the same.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

import type { Browser } from "playwright-core";

import { launch, newPage } from "../test/browser/chromium.js";

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".map": "application/json",
  ".wasm": "application/wasm",
};

/** One output to open: its folder, its entry script, and whether that is an ES module. */
export interface BundlePage {
  label: string;
  app: string;
  dir: string;
  entry: string;
  module: boolean;
}

/** Serves `dir` on 127.0.0.1 (a free port); resolves to its address and a close function. */
async function serve(dir: string): Promise<{ base: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const asked = normalize(decodeURIComponent(new URL(req.url!, "http://x").pathname));
    const path = asked === "/" ? "index.html" : asked;
    try {
      const body = readFileSync(join(dir, path));
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** Opens `url` and collects console.log lines until `want` lines arrived (or 30 s passed). */
async function printed(browser: Browser, label: string, url: string, want: number) {
  const { page, log } = await newPage(browser, label);
  try {
    await page.goto(url);
    const logs = () => log.lines.filter((l) => l.startsWith("[log] ")).map((l) => l.slice(6));
    for (let i = 0; i < 120 && logs().length < want && !log.errors.length; i++)
      await page.waitForTimeout(250);
    return { out: logs(), errors: log.errors };
  } finally {
    await page.close();
  }
}

/**
 * Runs every page; `expected[app]` is the app's stdout in Node; `viteDev` is the address of a Vite
 * dev server's page (index.html with the app), when there is one. Returns the failures.
 */
export async function checkPages(
  pages: readonly BundlePage[],
  expected: Record<string, string>,
  viteDev: { url: string; app: string } | null,
): Promise<string[]> {
  const failures: string[] = [];
  const browser = await launch();
  const check = (label: string, app: string, r: { out: string[]; errors: string[] }) => {
    const want = expected[app]!.trimEnd();
    const got = r.out.join("\n");
    if (r.errors.length) failures.push(`${label}: the page failed: ${r.errors.join("; ")}`);
    else if (got !== want)
      failures.push(`${label}: printed ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  };
  try {
    for (const p of pages) {
      const tag = p.module
        ? `<script type="module" src="./${p.entry}">`
        : `<script src="./${p.entry}">`;
      writeFileSync(
        join(p.dir, "index.html"),
        `<!doctype html><link rel="icon" href="data:,">${tag}</script>\n`,
      );
      const { base, close } = await serve(p.dir);
      try {
        const want = expected[p.app]!.trimEnd().split("\n").length;
        check(p.label, p.app, await printed(browser, p.label, base, want));
      } finally {
        await close();
      }
    }
    if (viteDev) {
      const want = expected[viteDev.app]!.trimEnd().split("\n").length;
      check(
        `vite dev ${viteDev.app}`,
        viteDev.app,
        await printed(browser, "vite dev", viteDev.url, want),
      );
    }
  } finally {
    await browser.close();
  }
  return failures;
}
