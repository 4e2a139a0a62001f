import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { applyLayout, baseTensor } from "../golden/fixtures.js";
import { OP_LIST } from "../op-info/index.js";
import type { Kw, OpInfo } from "../op-info/op-info.js";
import { gradcheckable, type Sample } from "../op-info/sample.js";
import { withLeakCheck } from "../util/leaks.js";

/**
 * Gradcheck of every differentiable op of the op list (HOUSE-STYLE section 9, layer 4): each
 * sample whose gradient PyTorch's goldens compare is also checked by central finite differences
 * in float64 on the CPU, on the same inputs cast to float64. Samples on a kink or a tie say why
 * they are left out (`noGradcheck`), and so do ops that are not differentiable.
 */

/** The sample with its float32 inputs as float64 (finite differences need the precision). */
function inFloat64(s: Sample): Sample {
  return {
    ...s,
    inputs: s.inputs.map((i) => (i.dtype === "float32" ? { ...i, dtype: "float64" } : i)),
  };
}

/** The op as a function of its base tensors, its floating outputs flattened into one. */
function asFunction(info: OpInfo, s: Sample): (...bases: Tensor[]) => Tensor {
  return (...bases) => {
    const ins = bases.map((b, k) => applyLayout(b, s.inputs[k]!.layout));
    const result = info.call(ins, s.kwargs as Kw);
    // an op may return its input itself (contiguous() of contiguous data): gradcheck disposes
    // what the function returns, so hand it a copy
    const outs = (Array.isArray(result) ? result : [result])
      .filter((o) => o.isFloatingPoint())
      .map((o) => (bases.includes(o) || ins.includes(o) ? o.clone() : o));
    return outs.length === 1 ? outs[0]! : torch.cat(outs.map((o) => o.reshape([-1])));
  };
}

describe("gradcheck (float64 finite differences) of every op in the op list", () => {
  withLeakCheck();
  for (const info of OP_LIST) {
    if (info.noGradcheck) continue;
    const samples = info.samples.filter(gradcheckable).map(inFloat64);
    if (samples.length === 0) continue;
    describe(info.name, () => {
      for (const s of samples) {
        it(s.name, () => {
          torch.tidy(() => {
            const bases = s.inputs.map((i) => baseTensor(s, i));
            expect(torch.autograd.gradcheck(asFunction(info, s), bases)).toBe(true);
          });
        });
      }
    });
  }
});

describe("the op list's gradcheck coverage", () => {
  it("every differentiable op has at least one gradcheckable sample", () => {
    const none = OP_LIST.filter((o) => !o.noGradcheck && !o.samples.some(gradcheckable));
    expect(none.map((o) => o.name)).toEqual([]);
  });
});
