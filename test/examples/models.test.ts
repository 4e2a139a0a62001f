/**
 * The models of examples/char-lstm and examples/tiny-gpt against the PyTorch classes their
 * docstrings write (test/golden/gen_examples.py): each loads PyTorch's state dict (same keys, same
 * shapes, same order), and must give PyTorch's logits, next-character loss and the gradient of
 * every parameter, on every backend, without leaking, and on webgpu without any op falling back to
 * the CPU.
 */
import { readFileSync } from "node:fs";

import { expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import { CharLSTM } from "../../examples/char-lstm/model.js";
import { nextCharLoss } from "../../examples/shared/train-loop.js";
import { TinyGPT } from "../../examples/tiny-gpt/model.js";
import { decode, expectClose, tolFor, type RT } from "../nn/rnn-fixture.js";
import { describeBackends, withNoFallback } from "../util/backends.js";
import { withLeakCheck } from "../util/leaks.js";

interface ModelCase {
  name: "CharLSTM" | "TinyGPT";
  config: Record<string, number>;
  state_dict: Record<string, RT>;
  x: RT;
  y: RT;
  logits: RT;
  loss: number;
  grads: Record<string, RT>;
}

const fixture = JSON.parse(
  readFileSync(new URL("../golden/examples_models.json", import.meta.url), "utf8"),
) as { torch_version: string; cases: ModelCase[] };

function build(c: ModelCase): { model: torch.nn.Module; logitsOf: (x: Tensor) => Tensor } {
  const k = c.config;
  if (c.name === "CharLSTM") {
    const model = new CharLSTM(k.vocab!, {
      hidden: k.hidden!,
      layers: k.layers!,
      embeddingDim: k.embeddingDim!,
    });
    return { model, logitsOf: (x) => torch.tidy(() => model.forward(x)[0]) };
  }
  const model = new TinyGPT(k.vocab!, k.blockSize!, {
    dModel: k.dModel!,
    nhead: k.nhead!,
    numLayers: k.numLayers!,
  });
  return { model, logitsOf: (x) => model.forward(x) };
}

describeBackends("examples' models vs PyTorch", (device: DeviceName) => {
  withLeakCheck();
  withNoFallback(device);

  it("has a fixture for each model", () => {
    expect(fixture.cases.map((c) => c.name)).toEqual(["CharLSTM", "TinyGPT"]);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: PyTorch's keys, logits, loss and every parameter's gradient`, async () => {
      const tol = tolFor(device);
      const { model, logitsOf } = build(c);
      const made: Tensor[] = [];
      try {
        expect(Object.keys(model.stateDict()), "state dict keys, in PyTorch's order").toEqual(
          Object.keys(c.state_dict),
        );
        const state = Object.fromEntries(
          Object.entries(c.state_dict).map(([k, v]) => [k, decode(v)]),
        );
        model.loadStateDict(state);
        Object.values(state).forEach((t) => t.dispose());
        model.to(device);
        model.train();

        const x = decode(c.x, device);
        const y = decode(c.y, device);
        made.push(x, y);
        const logits = logitsOf(x);
        made.push(logits);
        const loss = nextCharLoss(logits, y);
        made.push(loss);
        await expectClose(logits, c.logits, tol, `${c.name} logits`);
        expect(await loss.item()).toBeCloseTo(c.loss, 4);

        loss.backward();
        const params = Object.fromEntries(model.namedParameters());
        expect(Object.keys(params).sort()).toEqual(Object.keys(c.grads).sort());
        for (const [key, g] of Object.entries(c.grads))
          await expectClose(params[key]!.grad, g, tol, `${c.name} ${key}.grad`);
      } finally {
        made.forEach((t) => t.dispose());
        model.dispose();
      }
    });
  }
});
