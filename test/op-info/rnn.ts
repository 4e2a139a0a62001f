import {
  gruCellComposite,
  gruCellFused,
  lstmCellComposite,
  lstmCellFused,
} from "../../src/ops/rnn-cell.js";
import { op, type OpInfo } from "./op-info.js";
import { map, randn, sample, t, zeros, type Gen } from "./sample.js";

/**
 * The recurrent cells' gate math (src/ops/rnn-cell.ts): the fused LSTM and GRU cell primitives
 * and their composites (the fused kernels' oracle). Internal ops, not on the public surface (the
 * nn modules call them); PyTorch 1.13 has no public fused-cell function that takes gates, so the
 * reference is PyTorch's formula in torch ops (`lstm_cell` and `gru_cell` in generate.py, which
 * checks them against `torch.lstm_cell` / `torch.gru_cell` first).
 */

/** Values at +-30: every gate saturated (sigmoid 0 or 1, tanh +-1), gradients ~1e-13. */
const saturated = (...shape: number[]): Gen => map(randn(...shape), (v) => (v < 0 ? -30 : 30));

const lstmSamples = (prefix: string) => [
  sample(`${prefix}/b1_h1`, [randn(1, 4), randn(1, 1)]),
  sample(`${prefix}/b3_h5`, [randn(3, 20), randn(3, 5)]),
  sample(`${prefix}/h64`, [randn(2, 256), randn(2, 64)]),
  sample(`${prefix}/saturated`, [saturated(3, 12), map(randn(3, 3), (v) => 10 * v)]),
  sample(`${prefix}/transposed`, [
    t(randn(8, 2), { transpose: [0, 1] }),
    t(randn(2, 2), { transpose: [0, 1] }),
  ]),
  // gates a contiguous view at an offset, c a strided column slice
  sample(`${prefix}/sliced`, [
    t(randn(3, 8), { slice: "1:, :" }),
    t(randn(2, 4), { slice: ":, 1:3" }),
  ]),
  sample(`${prefix}/empty_batch`, [zeros(0, 8), zeros(0, 2)]),
];

const gruSamples = (prefix: string) => [
  sample(`${prefix}/b1_h1`, [randn(1, 3), randn(1, 3), randn(1, 1)]),
  sample(`${prefix}/b3_h5`, [randn(3, 15), randn(3, 15), randn(3, 5)]),
  sample(`${prefix}/h64`, [randn(2, 192), randn(2, 192), randn(2, 64)]),
  sample(`${prefix}/saturated`, [saturated(3, 9), saturated(3, 9), randn(3, 3)]),
  sample(`${prefix}/transposed`, [
    t(randn(6, 2), { transpose: [0, 1] }),
    randn(2, 6),
    t(randn(2, 2), { transpose: [0, 1] }),
  ]),
  sample(`${prefix}/sliced`, [
    t(randn(3, 6), { slice: "1:, :" }),
    t(randn(2, 8), { slice: ":, 1:7" }),
    t(randn(2, 4), { slice: ":, ::2" }),
  ]),
  sample(`${prefix}/empty_batch`, [zeros(0, 6), zeros(0, 6), zeros(0, 2)]),
];

export const RNN: OpInfo[] = [
  op({
    name: "lstmCell", // internal: lstmCellFused (ops/rnn-cell.ts), the rnnCell primitive
    family: "rnn",
    call: ([gates, c]) => lstmCellFused(gates!, c!),
    torch: "lambda xs, kw: lstm_cell(xs[0], xs[1])",
    samples: lstmSamples("lstmCell"),
  }),
  op({
    name: "lstmCellComposite", // internal: the fused cell's oracle, checked against PyTorch too
    // its errors are the fused op's (it checks the same arguments as "lstmCell")
    aliases: ["lstmCell"],
    family: "rnn",
    call: ([gates, c]) => lstmCellComposite(gates!, c!),
    torch: "lambda xs, kw: lstm_cell(xs[0], xs[1])",
    samples: lstmSamples("lstmCellComposite").filter((_, k) => k === 1 || k === 3),
  }),
  op({
    name: "gruCell", // internal: gruCellFused (ops/rnn-cell.ts), the rnnCell primitive
    family: "rnn",
    call: ([gi, gh, h]) => gruCellFused(gi!, gh!, h!),
    torch: "lambda xs, kw: gru_cell(xs[0], xs[1], xs[2])",
    samples: gruSamples("gruCell"),
  }),
  op({
    name: "gruCellComposite", // internal: the fused cell's oracle, checked against PyTorch too
    aliases: ["gruCell"],
    family: "rnn",
    call: ([gi, gh, h]) => gruCellComposite(gi!, gh!, h!),
    torch: "lambda xs, kw: gru_cell(xs[0], xs[1], xs[2])",
    samples: gruSamples("gruCellComposite").filter((_, k) => k === 1 || k === 3),
  }),
];
