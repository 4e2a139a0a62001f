/**
 * Bundles tiny browser apps that `import "webtorch"` (the built package, through its package.json
 * `exports`, as an app would) with esbuild, Rollup, Vite (build) and webpack, with no
 * configuration for webtorch, and fails when a bundler reports an error or a warning, when an
 * output has a `node:` import or imports Dawn's `webgpu` package or gpu.js (which an app passes
 * to `init` itself), when an output does not run
 * (in Node, printing what the unbundled app prints), when WGSL is loaded up front, or when an
 * app's up-front size (gzip, minified, with each bundler) passes its limit (scripts/bundle-apps.ts).
 * Needs `npm run build` first; `npm run test:bundles` runs it (CI: .ci/run).
 *
 * With `--browser` (`npm run test:browser`), each output also runs as a page in headless Chromium,
 * and so does an app page served by Vite's dev server (scripts/bundle-pages.ts).
 *
 * The bundlers come from this package's devDependencies; WEBTORCH_BUNDLERS_DIR names another
 * folder whose node_modules has them (for a checkout that shares a node_modules without them).
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { APPS, LIMITS, type AppName, type Bundler } from "./bundle-apps.js";
import type { BundlePage } from "./bundle-pages.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dirs = [process.env.WEBTORCH_BUNDLERS_DIR, ROOT].filter((d): d is string => !!d);

/** Imports a bundler from WEBTORCH_BUNDLERS_DIR, else from this package. */
function load<T>(id: string): Promise<T> {
  for (const dir of dirs) {
    try {
      return import(createRequire(join(dir, "package.json")).resolve(id)) as Promise<T>;
    } catch {
      // not there: try the next folder
    }
  }
  throw new Error(`cannot find ${id}: npm install (it is a devDependency)`);
}

const work = mkdtempSync(join(tmpdir(), "webtorch-bundles-"));
mkdirSync(join(work, "node_modules"));
// NOTE: the outputs are ES modules (esbuild, Rollup) and run in Node as a smoke test
writeFileSync(join(work, "package.json"), '{ "type": "module" }\n');
symlinkSync(ROOT, join(work, "node_modules", "webtorch"), "dir");
for (const [name, code] of Object.entries(APPS)) {
  // NOTE: written as files, so that each bundler resolves "webtorch" as an app's code would
  mkdirSync(join(work, name));
  writeFileSync(join(work, name, "app.js"), code);
}

const inBrowser = process.argv.includes("--browser");
/** The outputs to open in Chromium (with --browser). */
const pages: BundlePage[] = [];
const openPages = async (list: BundlePage[], viteDev: { url: string; app: string } | null) => {
  const { checkPages } = await import("./bundle-pages.js");
  for (const f of await checkPages(list, expected, viteDev)) fail(`chromium: ${f}`);
};

const failures: string[] = [];
const fail = (msg: string) => {
  failures.push(msg);
  console.error(`FAIL ${msg}`);
};

/**
 * The output's JS files, checked for Node-only imports; then its entry is run (in Node: the
 * browser build needs nothing of a browser for CPU work) and must print what the app prints
 * when run unbundled.
 */
function checkOutput(bundler: string, app: string, dir: string, entry: string) {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
    f.endsWith(".js"),
  );
  if (files.length === 0) fail(`${bundler} ${app}: no output`);
  // NOTE: ES imports only: the wasm thread pool's worker source (a string, run by Node's
  // worker_threads where they exist) says require("node:worker_threads") as text
  for (const f of files) {
    const js = readFileSync(join(dir, f), "utf8");
    const bad = /(?:from\s*|import\s*\(\s*)["'](node:[\w/]+|webgpu|mnist|gpu\.js)["']/.exec(js);
    if (bad) fail(`${bundler} ${app}: ${f} imports "${bad[1]}"`);
  }
  const asBrowser = ["--import", `data:text/javascript,${encodeURIComponent(BROWSER_SHIM)}`];
  // NOTE: webpack's output is a classic script; the others are ES modules
  pages.push({ label: `${bundler} ${app}`, app, dir, entry, module: bundler !== "webpack" });
  const run = spawnSync(process.execPath, [...asBrowser, join(dir, entry)], { encoding: "utf8" });
  if (run.status !== 0) fail(`${bundler} ${app}: running ${entry} failed: ${run.stderr}`);
  else if (run.stdout !== expected[app])
    fail(
      `${bundler} ${app}: printed ${JSON.stringify(run.stdout)}, expected ${JSON.stringify(expected[app])}`,
    );
}

/**
 * What the smoke run adds to Node for the bundlers' web runtimes: `self` (where webpack keeps
 * its chunk list), and a `document` just able to load a chunk as a page's `<script>` would (by
 * importing the file; Vite's preload hints are ignored), so that the chunks an app loads by
 * dynamic import (the CPU's fast kernels, at start) load here too.
 */
const BROWSER_SHIM = `globalThis.self = globalThis;
globalThis.document = {
  getElementsByTagName: () => [],
  querySelector: () => null,
  createElement: () => ({ setAttribute() {}, addEventListener() {} }),
  head: {
    appendChild(el) {
      if (!el.src) return; // Vite's <link rel="modulepreload">, a hint
      import(new URL(el.src, "file://" + process.argv[1])).then(
        () => el.onload?.({ type: "load" }),
        () => el.onerror?.({ type: "error" }),
      );
    },
  },
};`;

/** What each app prints, run unbundled (Node resolves "webtorch" to the Node build). */
const expected: Record<string, string> = {};
for (const app of Object.keys(APPS)) {
  const run = spawnSync(process.execPath, [join(work, app, "app.js")], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`${app}: the unbundled app failed: ${run.stderr}`);
  expected[app] = run.stdout;
}

/**
 * The little of webpack's and the node-resolve plugin's types used here. NOTE: written out, so that
 * `tsc` passes in a checkout whose node_modules lacks these devDependencies (WEBTORCH_BUNDLERS_DIR).
 */
type NodeResolveModule = {
  nodeResolve: (options: { browser: boolean }) => import("rollup").Plugin;
};
type WebpackStats = {
  toJson(options: object): {
    errors?: { message: string }[];
    warnings?: { message: string }[];
    chunks?: { initial: boolean; files: string[] }[];
  };
};
/** The little of a Rollup output's items used here (Vite's build returns the same). */
type RollupChunk = {
  type: "chunk";
  fileName: string;
  isEntry: boolean;
  imports: string[];
  code: string;
};
type RollupItem = RollupChunk | { type: "asset" };
type Webpack = (
  config: object,
  callback: (err: Error | null, stats: WebpackStats | undefined) => void,
) => void;

const gz = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
const kb = (bytes: number) => (bytes / 1000).toFixed(1);

/** Up-front gzip bytes, by bundler then app (what each `with*` below measured). */
const sizes: Partial<Record<Bundler, Partial<Record<AppName, number>>>> = {};

/**
 * Records the up-front size of `files` (an output's entry and what it imports statically: not
 * the chunks loaded by dynamic import), and fails when they hold WGSL (its `@compute` entry
 * points), which only the chunk that `init({ device: "webgpu" })` loads may hold, or the CPU
 * backend's fast kernels (src/backends/cpu/fast.ts), which come by dynamic import as well.
 */
function upFront(bundler: Bundler, app: AppName, files: Uint8Array[]) {
  if (files.some((b) => Buffer.from(b).includes("@compute")))
    fail(`${bundler} ${app}: WGSL is loaded up front`);
  // the CPU's fast kernels (WebAssembly GEMM, its worker pool's source, Winograd) come later too
  if (files.some((b) => Buffer.from(b).includes("node:worker_threads")))
    fail(`${bundler} ${app}: the CPU's fast kernels are loaded up front`);
  (sizes[bundler] ??= {})[app] = gz(Buffer.concat(files));
}

async function withEsbuild() {
  const esbuild = await load<typeof import("esbuild")>("esbuild");
  for (const app of Object.keys(APPS) as AppName[]) {
    const outdir = join(work, app, "esbuild");
    const r = await esbuild.build({
      entryPoints: [join(work, app, "app.js")],
      bundle: true,
      platform: "browser",
      format: "esm",
      splitting: true,
      minify: true,
      outdir,
      metafile: true,
      logLevel: "silent",
    });
    for (const w of r.warnings) fail(`esbuild ${app}: warning: ${w.text}`);
    checkOutput("esbuild", app, outdir, "app.js");
    const outputs = r.metafile.outputs;
    const entry = Object.keys(outputs).find((k) => outputs[k]!.entryPoint !== undefined)!;
    const seen = new Set<string>();
    const visit = (k: string) => {
      if (seen.has(k) || !k.endsWith(".js")) return;
      seen.add(k);
      for (const i of outputs[k]!.imports) if (i.kind === "import-statement") visit(i.path);
    };
    visit(entry);
    upFront(
      "esbuild",
      app,
      [...seen].map((k) => readFileSync(resolve(k))),
    );
  }
}

/**
 * A Rollup (or Vite) output's entry chunk and the chunks it imports statically, minified by
 * esbuild when `minify` (Rollup itself does not minify; Vite's build does).
 */
async function rollupUpFront(output: RollupItem[], minify: boolean): Promise<Uint8Array[]> {
  const chunks = new Map<string, RollupChunk>();
  for (const o of output) if (o.type === "chunk") chunks.set(o.fileName, o);
  const seen = new Set<RollupChunk>();
  const visit = (c: RollupChunk | undefined) => {
    if (!c || seen.has(c)) return;
    seen.add(c);
    for (const i of c.imports) visit(chunks.get(i));
  };
  visit([...chunks.values()].find((c) => c.isEntry));
  const esbuild = await load<typeof import("esbuild")>("esbuild");
  const codes = await Promise.all(
    [...seen].map(async (c) =>
      minify ? (await esbuild.transform(c.code, { minify: true, format: "esm" })).code : c.code,
    ),
  );
  return codes.map((c) => Buffer.from(c));
}

async function withRollup() {
  const { rollup } = await load<typeof import("rollup")>("rollup");
  const { nodeResolve } = await load<NodeResolveModule>("@rollup/plugin-node-resolve");
  for (const app of Object.keys(APPS) as AppName[]) {
    const logs: string[] = [];
    const bundle = await rollup({
      input: join(work, app, "app.js"),
      plugins: [nodeResolve({ browser: true })],
      onLog: (level, log) => logs.push(`${level}: ${log.code ?? ""} ${log.message}`),
    });
    const dir = join(work, app, "rollup");
    const { output } = await bundle.write({ dir, format: "es" });
    await bundle.close();
    for (const l of logs) fail(`rollup ${app}: ${l}`);
    checkOutput("rollup", app, dir, "app.js");
    upFront("rollup", app, await rollupUpFront(output, true));
  }
}

async function withVite() {
  const vite = await load<typeof import("vite")>("vite");
  for (const app of Object.keys(APPS) as AppName[]) {
    const logs: string[] = [];
    const outDir = join(work, app, "vite");
    const logger = vite.createLogger("warn");
    logger.warn = (msg) => void logs.push(`warning: ${msg}`);
    logger.error = (msg) => void logs.push(`error: ${msg}`);
    const result = await vite.build({
      root: join(work, app),
      configFile: false,
      logLevel: "warn",
      customLogger: logger,
      build: {
        outDir,
        emptyOutDir: true,
        rollupOptions: { input: join(work, app, "app.js"), output: { entryFileNames: "app.js" } },
      },
    });
    for (const l of logs) fail(`vite ${app}: ${l}`);
    checkOutput("vite", app, outDir, "app.js");
    const [first] = (Array.isArray(result) ? result : [result]) as { output: RollupItem[] }[];
    upFront("vite", app, await rollupUpFront(first!.output, false));
  }
}

/**
 * Vite's dev server: the app and webtorch as its dependency pre-bundler serves them. NOTE:
 * `optimizeDeps.include` only because the package is linked here (Vite pre-bundles what is
 * installed in node_modules, and serves a linked package as source).
 */
async function withViteDev() {
  const vite = await load<typeof import("vite")>("vite");
  const app = "linear";
  const logs: string[] = [];
  const logger = vite.createLogger("warn");
  logger.warn = (msg) => void logs.push(`warning: ${msg}`);
  logger.error = (msg) => void logs.push(`error: ${msg}`);
  const server = await vite.createServer({
    root: join(work, app),
    configFile: false,
    customLogger: logger,
    optimizeDeps: { include: ["webtorch", "webtorch/nn", "webtorch/optim"] },
    server: { host: "127.0.0.1", port: 0 },
  });
  try {
    await server.listen();
    const base = server.resolvedUrls!.local[0]!;
    const appJs = await fetch(new URL("app.js", base));
    const code = await appJs.text();
    if (appJs.status !== 200) fail(`vite dev: app.js answered ${appJs.status}: ${code}`);
    const dep = /from\s*"([^"]*webtorch[^"]*)"/.exec(code)?.[1];
    if (!dep) fail(`vite dev: app.js does not import webtorch: ${code.slice(0, 300)}`);
    else {
      const res = await fetch(new URL(dep, base));
      if (res.status !== 200) fail(`vite dev: ${dep} answered ${res.status}`);
      const js = await res.text();
      // NOTE: the pre-bundled module may be a stub that re-exports from its chunks
      if (!/\bexport\b/.test(js)) fail(`vite dev: ${dep} exports nothing: ${js.slice(0, 300)}`);
    }
    if (inBrowser) {
      writeFileSync(
        join(work, app, "index.html"),
        '<!doctype html><link rel="icon" href="data:,"><script type="module" src="./app.js"></script>\n',
      );
      await openPages([], { url: base, app });
    }
  } finally {
    await server.close();
  }
  for (const l of logs) fail(`vite dev ${app}: ${l}`);
}

async function withWebpack() {
  const { default: webpack } = await load<{ default: Webpack }>("webpack");
  for (const app of Object.keys(APPS) as AppName[]) {
    const path = join(work, app, "webpack");
    const stats = await new Promise<WebpackStats>((ok, no) =>
      webpack(
        {
          mode: "production",
          target: "web",
          entry: join(work, app, "app.js"),
          // NOTE: a fixed publicPath only so that the output also starts in Node (the smoke run):
          // webpack's automatic one needs `document.currentScript`
          output: { path, publicPath: "" },
          // NOTE: webpack's size hints (244 KiB) are about the app, not about webtorch's imports
          performance: { hints: false },
        },
        (err, s) => (err || !s ? no(err ?? new Error("webpack: no stats")) : ok(s)),
      ),
    );
    const json = stats.toJson({ all: false, errors: true, warnings: true, chunks: true });
    for (const e of json.errors ?? []) fail(`webpack ${app}: error: ${e.message}`);
    for (const w of json.warnings ?? []) fail(`webpack ${app}: warning: ${w.message}`);
    checkOutput("webpack", app, path, "main.js");
    // up front: the initial chunks (the others are what `import()` loads)
    const initial = (json.chunks ?? []).filter((c) => c.initial).flatMap((c) => c.files);
    const js = initial.filter((f) => f.endsWith(".js"));
    upFront(
      "webpack",
      app,
      js.map((f) => readFileSync(join(path, f))),
    );
  }
}

try {
  await withEsbuild();
  console.log("esbuild: done");
  await withRollup();
  console.log("rollup: done");
  await withVite();
  await withViteDev();
  console.log("vite: done (build and dev server)");
  await withWebpack();
  console.log("webpack: done");
  for (const app of Object.keys(APPS) as AppName[]) {
    const { limit, target } = LIMITS[app];
    const each = Object.entries(sizes).map(([b, s]) => `${b} ${kb(s[app]!)}`);
    console.log(`${app}: ${each.join(", ")} KB gzip up front (issue: ${kb(target)} KB)`);
    for (const [bundler, s] of Object.entries(sizes) as [
      Bundler,
      Partial<Record<AppName, number>>,
    ][]) {
      const [size, max] = [s[app]!, limit[bundler]];
      if (size > max)
        fail(`${bundler} ${app}: ${kb(size)} KB gzip is over its limit of ${kb(max)} KB`);
      else if (size <= target && max > target)
        console.log(`${bundler} ${app}: within issue 12's ${kb(target)} KB: lower its limit`);
    }
  }
  if (inBrowser) {
    await openPages(pages, null);
    console.log(`chromium: ${pages.length} bundled pages and Vite's dev server page opened`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`${failures.length} bundle check(s) failed`);
  process.exit(1);
}
console.log("bundles: esbuild, Rollup, Vite and webpack build webtorch for the browser cleanly");
