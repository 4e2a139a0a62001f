/**
 * F.scaledDotProductAttention, nn.MultiheadAttention and the seeds' hand-written SelfAttention
 * against PyTorch (test/golden/gen_nn_attention.py: outputs, every input and parameter gradient,
 * state-dict keys and printouts), on cpu and webgpu; plus init, options and error messages.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import { describeBackends } from "../util/backends.js";
import {
  decodeOn,
  expectClose,
  golden,
  runModuleCase,
  tolerance,
  type SdpaCase,
} from "../util/golden-attention.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn } = torch;
const F = nn.functional;

/** Asserts that no op fell back to the CPU while the block's tests ran on a GPU device. */
function withNoFallback(device: DeviceName): void {
  let before = 0;
  const fallbacks = () =>
    Object.values(torch.backendStats().fallbacks).reduce((sum, n) => sum + n, 0);
  beforeEach(() => {
    before = fallbacks();
  });
  afterEach(() => {
    if (device !== "cpu") expect(fallbacks() - before, "ops that fell back to the CPU").toBe(0);
  });
}

async function runSdpaCase(c: SdpaCase, device: DeviceName): Promise<void> {
  const tol = tolerance(device);
  const [q, k, v] = c.inputs.map((t) => decodeOn(t, device, true)) as [Tensor, Tensor, Tensor];
  const mask = c.kwargs.attnMask ? decodeOn(c.kwargs.attnMask, device) : null;
  const go = decodeOn(c.grad_output, device);
  try {
    const out = F.scaledDotProductAttention(q, k, v, {
      attnMask: mask,
      isCausal: c.kwargs.isCausal,
      scale: c.kwargs.scale,
    });
    await expectClose(out, c.output, tol, `${c.name} output`);
    out.backward(go);
    out.dispose();
    for (const [i, t] of [q, k, v].entries())
      await expectClose(t.grad, c.input_grads[i]!, tol, `${c.name} grad of input ${i}`);
  } finally {
    for (const t of [q, k, v, go, mask]) t?.dispose();
  }
}

const mhaCases = golden.modules.filter(
  (c) => c.module.type === "MultiheadAttention" || c.module.type === "SelfAttention",
);

describeBackends(`attention vs PyTorch ${golden.torch_version}`, (device) => {
  withLeakCheck();
  withNoFallback(device);
  it("has the fixtures", () => {
    expect(golden.sdpa.length).toBeGreaterThanOrEqual(9);
    expect(mhaCases.length).toBeGreaterThanOrEqual(20);
  });
  it.each(golden.sdpa.map((c) => [c.name, c] as const))("%s", (_n, c) => runSdpaCase(c, device));
  it.each(mhaCases.map((c) => [c.name, c] as const))("%s", (_n, c) => runModuleCase(c, device));
});
