/**
 * The tiny-gpt example (examples/tiny-gpt): a few dozen steps on the start of the book learn more
 * than character frequencies, without leaking, and sampling is reproducible; plus its options and
 * its causality (a logit never depends on a later character).
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { parseTextOptions } from "../../examples/shared/cli.js";
import { TinyGPT } from "../../examples/tiny-gpt/model.js";
import { DEFAULTS, makeTinyGPT } from "../../examples/tiny-gpt/train.js";
import { expectNoLeaks } from "../util/leaks.js";
import { checkBriefTraining } from "./text-training.js";

describe("examples/tiny-gpt", () => {
  it("learns context in 40 steps, holds its live tensors constant, samples reproducibly", async () => {
    await checkBriefTraining({
      steps: 40,
      batch: 16,
      seqLen: 32,
      lr: 1e-2,
      build: (vocabSize) => {
        const { model, logitsOf } = makeTinyGPT(vocabSize, {
          hidden: 32,
          layers: 2,
          heads: 4,
          seqLen: 32,
        });
        return { model, logitsOf, continuation: () => model.continuation("cpu") };
      },
    });
  }, 60_000);

  it("is causal: changing the last character changes no earlier logit", () =>
    expectNoLeaks(() => {
      torch.manualSeed(0);
      const model = new TinyGPT(10, 6, { dModel: 16, nhead: 2, numLayers: 2 });
      const a = torch.tensor(Int32Array.from([1, 2, 3, 4, 5, 6]), { shape: [1, 6] });
      const b = torch.tensor(Int32Array.from([1, 2, 3, 4, 5, 9]), { shape: [1, 6] });
      const [ya, yb] = torch.noGrad(() => [model.forward(a), model.forward(b)]);
      const da = Array.from(ya!.dataSync());
      const db = Array.from(yb!.dataSync());
      expect(db.slice(0, 5 * 10)).toEqual(da.slice(0, 5 * 10));
      expect(db.slice(5 * 10)).not.toEqual(da.slice(5 * 10));
      const long = torch.zeros([1, 7], { dtype: "int32" });
      expect(() => model.forward(long)).toThrow(/TinyGPT: .*L <= 6/);
      for (const t of [a, b, ya!, yb!, long]) t.dispose();
      model.dispose();
    }));

  it("parses its command line", () => {
    expect(parseTextOptions([], DEFAULTS)).toEqual({
      ...DEFAULTS,
      save: undefined,
      text: undefined,
      limit: undefined,
    });
    expect(parseTextOptions(["--heads", "8", "--layers", "3"], DEFAULTS)).toMatchObject({
      heads: 8,
      layers: 3,
    });
    expect(parseTextOptions(["--help"], DEFAULTS)).toBeNull();
    expect(() => parseTextOptions(["--device", "tpu"], DEFAULTS)).toThrow(/--device/);
    expect(() => parseTextOptions(["--temperature", "-1"], DEFAULTS)).toThrow(/--temperature/);
    expect(() => parseTextOptions(["--steps", "0"], DEFAULTS)).toThrow(/--steps/);
    expect(() => parseTextOptions(["--bogus"], DEFAULTS)).toThrow();
  });
});
