/**
 * Prints the misuse fuzzer's tally (test/util/fuzz.ts): calls, typed errors (and how many name
 * the op), raw errors, silent accepts, leaks and changed inputs, then every call that was not a
 * typed error naming its op. `npm run fuzz`; `-- --all` lists the typed errors' messages too.
 */
import * as torch from "../src/index.js";
import { applyLayout, baseTensor } from "../test/golden/fixtures.js";
import { OP_LIST } from "../test/op-info/index.js";
import { fuzzCalls, namesOp, runFuzzCall, tally } from "../test/util/fuzz.js";
import { nnFuzzCalls } from "../test/util/fuzz-nn.js";

const all = process.argv.includes("--all");
const calls = [
  ...fuzzCalls(OP_LIST, {
    inputs: (s, own) => s.inputs.map((i) => own(applyLayout(own(baseTensor(s, i)), i.layout))),
  }),
  ...nnFuzzCalls(torch),
];
const results = calls.map((c) => runFuzzCall(torch, c));
for (const r of results) {
  const good = r.outcome === "typed" && namesOp(r.call.op, r.message) && !r.leaked && !r.changed;
  if (r.outcome === "n/a" || (good && !all)) continue;
  const flags = [r.leaked ? `leaked ${r.leaked}` : "", r.changed ? "changed its input" : ""]
    .filter(Boolean)
    .join(", ");
  console.log(`${r.outcome.padEnd(6)} ${r.call.op.name} (${r.call.what}) ${flags}: ${r.message}`);
}
console.log(JSON.stringify(tally(results)));
