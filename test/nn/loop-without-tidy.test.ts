/**
 * A training loop written the PyTorch way, without `tidy` (only `loss.dispose()`): the forward's
 * intermediates are dropped undisposed, held only by JS garbage, and the FinalizationRegistry
 * frees them. Its callbacks run only in a turn of the event loop, which `await loss.item()` on the
 * CPU gives it (core/memory.ts finalizationTurn), so the live tensor count stays bounded.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { nn, optim } from "../../src/index.js";

const F = nn.functional;

/** The engine's own collector, made callable: it stands in for the GCs a long run has anyway. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

class Mlp extends nn.Module {
  fc1 = new nn.Linear(4, 16);
  fc2 = new nn.Linear(16, 3);
  forward(x: torch.Tensor): torch.Tensor {
    return this.fc2.forward(F.relu(this.fc1.forward(x)));
  }
}

describe("a loop without tidy", () => {
  it("holds a bounded number of live tensors over 600 steps (finalizers get their turn)", async () => {
    const gc = collector();
    torch.manualSeed(0);
    const model = new Mlp();
    const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
    const x = torch.randn([16, 4]);
    const y = torch.randint(0, 3, [16]);
    const collectedBefore = torch.memory().numCollectedUndisposed;
    const live: number[] = [];
    for (let step = 0; step < 600; step++) {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      await loss.item();
      loss.dispose();
      if (step % 25 === 0) gc();
      live.push(torch.memory().numTensors);
    }
    // Each step drops 3 intermediates (fc1's output, relu's, the logits): 1800 over the run if
    // nothing freed them. With the turns, what is live at the end is what the first steps had.
    const first = Math.max(...live.slice(0, 200));
    const last = Math.max(...live.slice(400));
    expect(torch.memory().numCollectedUndisposed - collectedBefore).toBeGreaterThan(1000);
    expect(last).toBeLessThanOrEqual(first + 50);
    expect(last - live[0]!).toBeLessThan(600);
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  });
});
