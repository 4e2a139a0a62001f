/**
 * Writes the op list (test/op-info) as JSON for `generate.py`, which runs each op's PyTorch call
 * on each sample and writes the golden fixtures. Run by `npm run golden` before the Python side;
 * the JSON is a build product (git-ignored): the TypeScript list is the only source.
 */
import { writeFileSync } from "node:fs";

import { OP_LIST, samplesOf } from "../op-info/index.js";
import { requiresGrad, sampleDigest } from "../op-info/sample.js";

/** JSON has no NaN, infinities or negative zero: they travel as strings ("nan", "-0", ...). */
function encodeValue(v: unknown): unknown {
  if (typeof v === "number" && !Number.isFinite(v))
    return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (Object.is(v, -0)) return "-0";
  if (Array.isArray(v)) return v.map(encodeValue);
  return v;
}

const ops = OP_LIST.map((info) => ({
  name: info.name,
  family: info.family,
  torch: info.torch,
  samples: samplesOf(info).map((s) => ({
    name: s.name,
    inputs: s.inputs.map((i) => ({
      data: i.data.map(encodeValue),
      shape: i.shape,
      dtype: i.dtype,
      requires_grad: requiresGrad(s, i),
      layout: i.layout,
    })),
    kwargs: Object.fromEntries(Object.entries(s.kwargs).map(([k, v]) => [k, encodeValue(v)])),
    grad: s.grad,
    ref64: s.ref64 ?? false,
    digest: sampleDigest(s),
  })),
}));

const path = new URL("./op-list.json", import.meta.url);
writeFileSync(path, JSON.stringify({ ops }) + "\n");
const count = ops.reduce((n, o) => n + o.samples.length, 0);
console.log(`op-list.json: ${ops.length} ops, ${count} samples`);
