/**
 * The errors part of `npm run test:browser`: in Chromium, what cannot work there says so in the
 * browser's terms (issue 12): no WebGPU adapter (Chromium launched without
 * --enable-unsafe-webgpu) names chrome://gpu and the flag, not Mesa or lavapipe; `torch.save(path)`
 * and `torch.load(path)` name saveBytes/loadBytes; `MNIST.load()` names MNIST.fromBundled. With
 * the flag, `init({ device: "auto" })` does not pick SwiftShader's software adapter.
 */
import { launch, newPage } from "./chromium.js";
import { startServer } from "./server.js";

/** Per call: what its message must match, and must not. */
const EXPECT: Record<string, { match: RegExp[]; not?: RegExp }> = {
  webgpu: {
    match: [
      /^DeviceError: init: WebGPU is not available/,
      /chrome:\/\/gpu/,
      /--enable-unsafe-webgpu/,
    ],
    not: /lavapipe|Mesa|Dawn|npm install/,
  },
  save: { match: [/^NotImplementedError: save: .*browser.*torch\.saveBytes/] },
  load: { match: [/^NotImplementedError: load: .*browser.*torch\.loadBytes/] },
  mnist: {
    match: [/^NotImplementedError: MNIST\.load: in a browser.*MNIST\.fromBundled/],
    not: /npm install/,
  },
};

async function visit(webgpu: boolean): Promise<Record<string, string>> {
  const { server, url } = await startServer();
  const browser = await launch({ webgpu });
  try {
    const { page } = await newPage(browser, `errors${webgpu ? "" : " (no WebGPU flag)"}`);
    await page.goto(url("test/browser/errors/index.html"));
    await page.waitForFunction(() => window.__errors !== undefined, null, { timeout: 60_000 });
    return (await page.evaluate(() => window.__errors))!;
  } finally {
    await browser.close();
    await server.close();
  }
}

export async function runErrors(): Promise<boolean> {
  let ok = true;
  const without = await visit(false);
  for (const [call, { match, not }] of Object.entries(EXPECT)) {
    const msg = without[call] ?? `(no result: ${JSON.stringify(without)})`;
    const bad = match.filter((re) => !re.test(msg)).map(String);
    if (not?.test(msg)) bad.push(`not ${String(not)}`);
    console.log(`errors: ${call}: ${bad.length ? "FAIL" : "ok"}: ${msg}`);
    if (bad.length) {
      console.error(`  FAIL errors ${call}: expected ${bad.join(", ")}`);
      ok = false;
    }
  }
  if (without.auto !== "ok: cpu") {
    console.error(`  FAIL errors: init("auto") without WebGPU gave ${without.auto}`);
    ok = false;
  }
  const withFlag = await visit(true);
  console.log(
    `errors: with --enable-unsafe-webgpu: webgpu ${withFlag.webgpu}, auto ${withFlag.auto}`,
  );
  if (withFlag.webgpu !== "ok: webgpu" || withFlag.auto !== "ok: cpu") {
    console.error(
      `  FAIL errors: expected webgpu to work and auto to pick the cpu over SwiftShader`,
    );
    ok = false;
  }
  return ok;
}
