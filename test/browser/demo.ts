/**
 * The demo part of `npm run test:browser`: the MNIST page (examples/mnist-web) served by Vite
 * with its own config, in Chromium. It loads and finds its devices; on each device of
 * BROWSER_DEVICES it trains a fresh model for some steps and the loss must fall; a digit drawn
 * with the mouse gets a prediction (10 probabilities summing to 1); the weights download as
 * safetensors and load back, and weights saved by webtorch in Node load and give Node's
 * accuracy on the same digits. A screenshot goes to test-output/mnist-web.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import type { Page } from "playwright-core";
import { createServer } from "vite";

import * as torch from "../../src/index.js";
import { ROOT } from "../../scripts/vite-webtorch.js";
import { MNIST_MEAN, MNIST_STD, SimpleCNN } from "../../examples/mnist-cnn/model.js";
import type { DemoState } from "../../examples/mnist-web/main.js";
import { launch, newPage } from "./chromium.js";
import { BROWSER_DEVICES, OPTIONAL } from "./devices.js";

/** Where screenshots and weights go (git-ignored). */
export const OUTPUT = join(ROOT, "test-output");
/**
 * Steps and batch size per device: enough for Adam to bring the loss well down on the CPU; fewer
 * and smaller on the GPU devices, which run on SwiftShader here (a software GPU, ~10x slower).
 */
const PLAN: Record<string, { steps: number; batch: number }> = {
  cpu: { steps: 30, batch: 32 },
  webgpu: { steps: 10, batch: 16 },
  gpujs: { steps: 10, batch: 16 },
};

/** NOTE: WEBTORCH_BROWSER_DEVICES=webgpu,cpu runs some devices only (while fixing one). */
const ONLY = process.env.WEBTORCH_BROWSER_DEVICES?.split(",");

const demo = (page: Page) => page.evaluate(() => window.__demo);

async function until(page: Page, what: string, test: (s: DemoState) => boolean, ms = 240_000) {
  const start = Date.now();
  for (;;) {
    const s = await demo(page);
    if (s.errors.length) throw new Error(`the page reported: ${s.errors.join("; ")}`);
    if (test(s)) return s;
    if (Date.now() - start > ms)
      throw new Error(
        `timed out waiting for ${what} (${s.losses.length} steps, ${s.accuracy.length} evaluations, on ${s.device})`,
      );
    await page.waitForTimeout(250);
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Draws a "7" on the pad with mouse events. */
async function drawSeven(page: Page): Promise<void> {
  const box = (await page.locator("#pad").boundingBox())!;
  const p = (x: number, y: number) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...p(0.25, 0.2));
  await page.mouse.down();
  for (const [x, y] of [
    [0.75, 0.2],
    [0.6, 0.5],
    [0.5, 0.8],
  ] as const)
    await page.mouse.move(...p(x, y), { steps: 12 });
  await page.mouse.up();
}

/** Test digits in the page's accuracy (`?eval=`; fewer than its 500: SwiftShader is slow). */
const EVAL = 100;

/** Node's accuracy with `model` on the digits the page evaluates (worker.ts's spread). */
async function nodeAccuracy(model: SimpleCNN): Promise<number> {
  const test = await torch.datasets.MNIST.load({ train: false });
  const idx = Array.from({ length: EVAL }, (_, i) => Math.floor(((i + 0.5) * test.length) / EVAL));
  const labels = await test.labels.data();
  const pred = torch.noGrad(() =>
    torch.tidy(() => {
      const x = test.images.indexSelect(0, torch.tensor(idx, { dtype: "int32" }));
      model.eval();
      return model.forward(torch.transforms.normalize([MNIST_MEAN], [MNIST_STD])(x)).argmax(1);
    }),
  );
  const p = await pred.data();
  pred.dispose();
  test.dispose();
  return idx.filter((i, k) => Number(p[k]) === Number(labels[i])).length / idx.length;
}

export async function runDemo(): Promise<boolean> {
  mkdirSync(OUTPUT, { recursive: true });
  const root = join(ROOT, "examples", "mnist-web");
  const server = await createServer({
    root,
    configFile: join(root, "vite.config.ts"),
    logLevel: "warn",
    server: { port: 0, hmr: false },
  });
  await server.listen();
  const browser = await launch();
  const { page, log } = await newPage(browser, "demo");
  let ok = true;
  const fail = (msg: string) => {
    ok = false;
    console.error(`  FAIL ${msg}`);
  };
  try {
    await page.setViewportSize({ width: 1100, height: 1400 });
    await page.goto(`${server.resolvedUrls!.local[0]!}?eval=${EVAL}`);
    const ready = await until(page, "the digits to load", (s) => s.ready && s.accuracy.length > 0);
    console.log(`demo: loaded; devices: ${JSON.stringify(ready.reasons)}`);
    for (const device of BROWSER_DEVICES.filter((d) => !ONLY || ONLY.includes(d))) {
      const reason = ready.reasons[device];
      if (reason !== null) {
        if (OPTIONAL.has(device)) console.log(`demo [${device}]: skipped: ${reason}`);
        else fail(`demo [${device}]: the page says it is unavailable: ${reason}`);
        continue;
      }
      const { steps, batch } = PLAN[device]!;
      await page.fill("#batch", String(batch));
      await page.selectOption("#device", device);
      await until(page, `the model on ${device}`, (s) => s.device === device);
      await page.click("#reset");
      await until(page, "a fresh model", (s) => s.losses.length === 0 && s.accuracy.length > 0);
      await page.click("#run");
      const s = await until(page, `${steps} steps on ${device}`, (s) => s.losses.length >= steps);
      await page.click("#run");
      await until(page, "the pause", (s) => !s.running);
      const losses = s.losses.filter((l) => l.device === device).map((l) => l.loss);
      const k = Math.floor(steps / 4);
      const first = mean(losses.slice(0, k));
      const last = mean(losses.slice(-k));
      const ips = s.imagesPerSecond[device] ?? 0;
      console.log(
        `demo [${device}]: loss ${first.toFixed(3)} (mean of the first ${k} steps) -> ${last.toFixed(3)} (last ${k}), batch ${batch}, ${ips.toFixed(0)} images/s`,
      );
      if (losses.length < steps) fail(`demo [${device}]: steps ran on another device`);
      if (!(last < 0.8 * first)) fail(`demo [${device}]: the loss did not fall`);
      if (!(ips > 0)) fail(`demo [${device}]: no images/s`);
    }

    // the rest on the CPU, the quick one here
    await page.selectOption("#device", "cpu");
    await until(page, "the model on the cpu", (s) => s.device === "cpu");
    await drawSeven(page);
    const drawn = await until(page, "a prediction", (s) => s.prediction !== null, 60_000);
    const { digit, probs } = drawn.prediction!;
    const sum = probs.reduce((a, b) => a + b, 0);
    console.log(`demo: the drawn 7 was read as ${digit} (${(100 * probs[digit]!).toFixed(1)}%)`);
    if (probs.length !== 10 || Math.abs(sum - 1) > 1e-4)
      fail(`demo: probabilities ${probs.join(", ")}`);

    // weights: the page's download (trained above) loads in Node with the model's keys; Node
    // saves them again and the page loads Node's file: its accuracy must be Node's
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save")]);
    const pageWeights = join(OUTPUT, "mnist-web.safetensors");
    await download.saveAs(pageWeights);
    const fromPage = await torch.load(pageWeights);
    const nodeModel = new SimpleCNN();
    const keys = Object.keys(fromPage).sort().join(",");
    const expectKeys = Object.keys(nodeModel.stateDict()).sort().join(",");
    if (keys !== expectKeys) fail(`demo: downloaded keys ${keys}, expected ${expectKeys}`);
    nodeModel.loadStateDict(fromPage);
    for (const t of Object.values(fromPage)) t.dispose();
    const nodeWeights = join(OUTPUT, "node-weights.safetensors");
    await torch.save(nodeModel.stateDict(), nodeWeights);
    const expected = await nodeAccuracy(nodeModel);
    nodeModel.dispose();
    const before = (await demo(page)).accuracy.length;
    await page.setInputFiles("#load-file", nodeWeights);
    const after = await until(
      page,
      "the loaded weights' accuracy",
      (s) => s.loaded !== null && s.accuracy.length > before,
    );
    const got = after.accuracy.at(-1)!.accuracy;
    console.log(
      `demo: the page's weights, saved again by Node: accuracy ${got} in the page, ${expected} in Node (${EVAL} test digits)`,
    );
    // NOTE: one digit of slack, for a near-tie that float rounding may tip either way
    if (Math.abs(got - expected) > 1.01 / EVAL)
      fail(`demo: the page's accuracy ${got} differs from Node's ${expected}`);
    if (expected < 0.2) fail(`demo: the trained weights classify only ${expected} of the digits`);

    const shot = join(OUTPUT, "mnist-web.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`demo: screenshot ${shot}`);
  } catch (e) {
    fail(`demo: ${(e as Error).message}`);
    await page
      .screenshot({ path: join(OUTPUT, "mnist-web-failed.png"), fullPage: true })
      .catch(() => {});
  } finally {
    if (log.errors.length) fail(`demo: the page logged ${log.errors.length} error(s) (above)`);
    await browser.close();
    await server.close();
  }
  return ok;
}
