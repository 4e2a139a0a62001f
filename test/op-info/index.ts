import { CONV } from "./conv.js";
import { CREATION } from "./creation.js";
import { ELEMENTWISE } from "./elementwise.js";
import { INDEXING } from "./indexing.js";
import { LINALG } from "./linalg.js";
import { MOVEMENT } from "./movement.js";
import type { Family, OpInfo } from "./op-info.js";
import { REDUCE } from "./reduce.js";
import { RNN } from "./rnn.js";
import { float64Twin, type Sample } from "./sample.js";

/**
 * THE op list: every public op, once. Goldens (per backend), in-place variants, float64 and
 * gradcheck all loop over it, `generate.py` reads its JSON export, and `coverage.test.ts` fails
 * when a public function or Tensor method has no entry here (or no reasoned exemption).
 */
export const OP_LIST: readonly OpInfo[] = [
  ...ELEMENTWISE,
  ...REDUCE,
  ...LINALG,
  ...MOVEMENT,
  ...INDEXING,
  ...CONV,
  ...CREATION,
  ...RNN,
];

export const FAMILIES: readonly Family[] = [
  "elementwise",
  "reduce",
  "linalg",
  "movement",
  "indexing",
  "conv",
  "creation",
  "rnn",
];

/** How many of an op's samples get a float64 twin (PyTorch computes those in float64). */
const FLOAT64_TWINS = 2;

/**
 * Every sample the list runs for `info`: its own, then float64 twins of its first float32
 * samples when it claims float64 (so every op that claims float64 has float64 goldens).
 */
export function samplesOf(info: OpInfo): Sample[] {
  if (info.noFloat64) return [...info.samples];
  const twins = info.samples
    .map(float64Twin)
    .filter((s): s is Sample => s !== null)
    .slice(0, FLOAT64_TWINS);
  return [...info.samples, ...twins];
}

export type { OpInfo } from "./op-info.js";
