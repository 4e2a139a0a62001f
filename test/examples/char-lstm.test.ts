/**
 * The char-lstm example (examples/char-lstm): a few dozen steps on the start of the book learn more
 * than character frequencies, without leaking, and sampling is reproducible; plus its options.
 */
import { describe, expect, it } from "vitest";

import { DEFAULTS, makeCharLSTM } from "../../examples/char-lstm/train.js";
import { parseTextOptions } from "../../examples/shared/cli.js";
import { checkBriefTraining } from "./text-training.js";

describe("examples/char-lstm", () => {
  it("learns context in 40 steps, holds its live tensors constant, samples reproducibly", async () => {
    await checkBriefTraining({
      steps: 40,
      batch: 16,
      seqLen: 32,
      lr: 1e-2,
      build: (vocabSize) => {
        const { model, logitsOf } = makeCharLSTM(vocabSize, { hidden: 64, layers: 1 });
        return { model, logitsOf, continuation: () => model.continuation("cpu") };
      },
    });
  }, 60_000);

  it("parses its command line", () => {
    expect(parseTextOptions([], DEFAULTS)).toEqual({
      ...DEFAULTS,
      save: undefined,
      text: undefined,
      limit: undefined,
    });
    expect(
      parseTextOptions(
        ["--hidden", "256", "--seq-len", "100", "--temperature", "0", "--save", "w.safetensors"],
        DEFAULTS,
      ),
    ).toMatchObject({ hidden: 256, seqLen: 100, temperature: 0, save: "w.safetensors" });
    expect(() => parseTextOptions(["--heads", "4"], DEFAULTS)).toThrow(/heads/);
  });
});
