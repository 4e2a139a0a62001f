import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

/**
 * The folder layout's import rules (CONTRIBUTING.md), checked on the sources: every layer imports
 * only layers below it.
 *
 *   core  <-  ops, tensor, autograd (the frontend)  <-  nn, optim, data, datasets, io
 *   core  <-  backends (kernels), which see only the primitives' declarations (ops/prims.ts)
 *
 * The frontend reaches backends only through the registry (backends/backend.ts) and the device
 * initialiser (backends/init.ts), never a concrete backend's kernels.
 *
 * Device code in kernels/<b>/ is hosted by backends/<b>/ alone, except kernels/wasm/, which the
 * CPU backend hosts (backends/cpu/); the TypeScript device code there imports only itself.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

interface Import {
  /** src-relative, `.ts` */
  path: string;
  /** `import type`: no run-time dependency */
  typeOnly: boolean;
}

/** What a file imports (static and dynamic), resolved from its folder. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(import type\b[^"]*?from|from|import)\s*\(?\s*"(\.[^"]+)"/g)].map(
    (m) => ({
      path: relative(SRC, resolve(dirname(file), m[2]!)).replace(/\.js$/, ".ts"),
      typeOnly: m[1]!.startsWith("import type"),
    }),
  );
}

/** Device code hosted by a backend of another name: the wasm kernels run on the CPU backend. */
const KERNEL_HOST: Record<string, string> = { wasm: "cpu" };

const top = (path: string) => path.split("/")[0]!;
const FRONTEND = new Set(["ops", "tensor", "autograd"]);
const ABOVE = new Set(["nn", "optim", "data", "datasets", "io"]);

/** Why `from` may not import `to`, or null when it may. */
function violation(from: string, { path: to, typeOnly }: Import): string | null {
  const [a, b] = [top(from), top(to)];
  if (to.startsWith("../kernels/")) {
    // device code: only the backend it belongs to hosts it (kernels/<backend>/ in backends/<backend>/)
    const kind = to.split("/")[2]!;
    return from.split("/")[0] === "backends" && from.split("/")[1] === (KERNEL_HOST[kind] ?? kind)
      ? null
      : `kernels/${kind}/ is hosted by backends/${KERNEL_HOST[kind] ?? kind}/`;
  }
  if (to.startsWith("..")) return "imports from outside src/";
  // NOTE: a Storage names the Backend that owns it; the type alone crosses the line
  if (a === "core" && b !== "core" && !(typeOnly && to === "backends/backend.ts"))
    return "core imports only core";
  if (a === "backends") {
    if (FRONTEND.has(b) && to !== "ops/prims.ts") return "a backend sees only ops/prims.ts";
    if (ABOVE.has(b)) return "a backend imports nothing above the frontend";
  }
  if (FRONTEND.has(a)) {
    if (ABOVE.has(b)) return "the frontend imports nothing from nn/optim/data/datasets/io";
    if (b === "backends" && !["backends/backend.ts", "backends/init.ts"].includes(to))
      return "the frontend reaches backends only through backends/backend.ts or backends/init.ts";
  }
  return null;
}

const KERNELS = resolve(SRC, "../kernels");

describe("layering of src/", () => {
  it("every import goes downward", () => {
    const bad: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = relative(SRC, file);
      if (from === "index.ts") continue; // the public surface re-exports every layer
      for (const imp of importsOf(file)) {
        const why = violation(from, imp);
        if (why) bad.push(`${from} -> ${imp.path}: ${why}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("TypeScript device code in kernels/ imports only its own folder", () => {
    const bad: string[] = [];
    for (const file of sourceFiles(KERNELS)) {
      for (const m of readFileSync(file, "utf8").matchAll(/from\s*"(\.[^"]+)"/g)) {
        const target = resolve(dirname(file), m[1]!);
        if (dirname(target) !== dirname(file)) bad.push(`${relative(KERNELS, file)} -> ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
