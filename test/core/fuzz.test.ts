/**
 * The misuse fuzzer over the whole op list, nn, nn.functional and optim (test/util/fuzz.ts and
 * fuzz-nn.ts, issue 9): every bad call is a
 * typed webtorch error whose message starts with the op's name, leaks nothing and changes no
 * input. `npm run fuzz` prints the tally and any call that falls short.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { applyLayout, baseTensor } from "../golden/fixtures.js";
import { OP_LIST } from "../op-info/index.js";
import { fuzzCalls, namesOp, runFuzzCall, tally } from "../util/fuzz.js";
import { nnFuzzCalls } from "../util/fuzz-nn.js";

const opCalls = fuzzCalls(OP_LIST, {
  inputs: (s, own) => s.inputs.map((i) => own(applyLayout(own(baseTensor(s, i)), i.layout))),
});
const calls = [...opCalls, ...nnFuzzCalls(torch)];

describe("misuse fuzzer", () => {
  it("covers every op of the list, and nn, nn.functional and optim", () => {
    expect(new Set(opCalls.map((c) => c.op.name)).size).toBe(OP_LIST.length);
    expect(calls.length).toBeGreaterThan(2500);
  });

  it("every bad call is a typed error naming the op, leaks nothing and changes no input", () => {
    const results = calls.map((c) => runFuzzCall(torch, c));
    const bad = results
      .filter(
        (r) =>
          r.outcome === "raw" ||
          r.outcome === "silent" ||
          (r.outcome === "typed" && !namesOp(r.call.op, r.message)) ||
          r.leaked > 0 ||
          r.changed,
      )
      .map((r) => `${r.outcome} ${r.call.op.name} (${r.call.what}): ${r.message}`);
    expect(bad).toEqual([]);
    const t = tally(results);
    expect(t.typedNamingOp).toBe(t.calls);
  });
});
