import type { Gradient, SavesSpec } from "../../autograd/gradient.js";
import type { DType } from "../../core/dtype.js";
import type { Shape } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { reduceGradTo } from "../broadcast.js";
import type { ScalarBinaryOp } from "../prims.js";
import { keepDtype, numeric, toBool, toFloat, type DTypeRule } from "./dtype-rules.js";
import {
  add,
  div,
  eq,
  floor,
  ge,
  gt,
  le,
  log,
  logicalAnd,
  lt,
  mul,
  neg,
  pow,
  reluBackward,
  square,
  sub,
  trunc,
} from "./functions.js";
import { where } from "./run.js";

/**
 * The binary elementwise primitives, one row each: the scalar function, the dtype rule (given the
 * promoted input dtype), and the gradient with what it saves. Broadcasting is the runner's job
 * (`binary` in `run.ts`): a row's backward returns gradients at the broadcast shape, and the
 * gradient built here sums each back to its input's shape and dtype.
 */

/** A binary primitive as the runner and the kernels see it. */
export interface BinaryDef extends ScalarBinaryOp {
  /** The output dtype given the promoted input dtype. */
  readonly dtype: DTypeRule;
  /** Its gradient; null where it has none (comparisons, logical ops). */
  readonly gradient: Gradient<BroadcastAttrs> | null;
}

/** What a broadcasting op records: each input's shape and dtype, to bring its gradient back to. */
export interface BroadcastAttrs {
  readonly aShape: Shape;
  readonly aDtype: DType;
  readonly bShape: Shape;
  readonly bDtype: DType;
}

/** One row of the table, as written. */
interface BinarySpec extends ScalarBinaryOp {
  readonly dtype: DTypeRule;
  /** What backward reads: the inputs, the output, all three, or nothing. */
  readonly saves: "inputs" | "out" | "all" | "none";
  /** Gradients for a and b at the broadcast shape, from the saved tensors (see `saves`). */
  readonly backward?: (
    g: Tensor,
    a: Tensor,
    b: Tensor,
    out: Tensor,
  ) => [Tensor | null, Tensor | null];
}

const SAVES: Record<BinarySpec["saves"], SavesSpec | undefined> = {
  inputs: { inputs: [0, 1] },
  out: { outputs: [0] },
  all: { inputs: [0, 1], outputs: [0] },
  none: undefined,
};

/** What a backward function gets for a tensor its row does not save (it never reads it). */
const NOT_SAVED = undefined as unknown as Tensor;

/** A piecewise-constant op (the rounded divisions): the operands' dtype, a zero gradient. */
function stepOp(name: string, js: (a: number, b: number) => number, wgsl: string): BinaryDef {
  return binaryOp({
    name,
    js,
    wgsl,
    dtype: keepDtype,
    saves: "none",
    backward: (g) => [mul(g, 0), mul(g, 0)],
  });
}

/** A comparison or logical op: a bool output, and no gradient. */
function testOp(name: string, js: (a: number, b: number) => number, wgsl: string): BinaryDef {
  return binaryOp({ name, js, wgsl, dtype: toBool, saves: "none" });
}

/** Builds a table row's gradient once, at load, so that running the op allocates nothing for it. */
function binaryOp(spec: BinarySpec): BinaryDef {
  const { saves, backward, ...scalar } = spec;
  if (!backward) return { ...scalar, gradient: null };
  const inputsSaved = saves === "inputs" || saves === "all";
  const gradient: Gradient<BroadcastAttrs> = {
    name: spec.name,
    saves: SAVES[saves],
    backward: ([g], saved, ctx) => {
      const a = inputsSaved ? saved[0]! : NOT_SAVED;
      const b = inputsSaved ? saved[1]! : NOT_SAVED;
      const out = saves === "out" ? saved[0]! : saves === "all" ? saved[2]! : NOT_SAVED;
      const [ga, gb] = backward(g!, a, b, out);
      const { aShape, aDtype, bShape, bDtype } = ctx.attrs;
      return [
        ctx.needsInputGrad(0) && ga ? reduceGradTo(ga, aShape, aDtype) : null,
        ctx.needsInputGrad(1) && gb ? reduceGradTo(gb, bShape, bDtype) : null,
      ];
    },
  };
  return { ...scalar, gradient };
}

/** The binary primitives. */
export const BINARY = {
  add: binaryOp({
    name: "add",
    js: (a, b) => a + b,
    wgsl: "a + b",
    dtype: keepDtype,
    saves: "none",
    backward: (g) => [g, g],
  }),
  sub: binaryOp({
    name: "sub",
    js: (a, b) => a - b,
    wgsl: "a - b",
    dtype: numeric,
    saves: "none",
    backward: (g) => [g, neg(g)],
  }),
  // d(ab) = b da + a db
  mul: binaryOp({
    name: "mul",
    js: (a, b) => a * b,
    wgsl: "a * b",
    dtype: keepDtype,
    saves: "inputs",
    backward: (g, a, b) => [mul(g, b), mul(g, a)],
  }),
  // d(a/b) = da/b - a/b^2 db
  div: binaryOp({
    name: "div",
    js: (a, b) => a / b,
    wgsl: "a / b",
    dtype: toFloat,
    saves: "inputs",
    backward: (g, a, b) => [div(g, b), neg(div(mul(g, a), square(b)))],
  }),
  // d(a^b) = b a^(b-1) da + a^b ln(a) db; the db term is 0 where a == 0 and b >= 0, as in PyTorch
  pow: binaryOp({
    name: "pow",
    // C's pow: 1^y = 1 and (-1)^±inf = 1 even for NaN/inf y, where Math.pow gives NaN
    js: (a, b) =>
      a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b),
    wgsl: "powT(a, b)",
    dtype: keepDtype,
    saves: "all",
    backward: (g, a, b, out) => [
      where(eq(b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1))))),
      where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(g, mul(out, log(a)))),
    ],
  }),
  // NaN-propagating; ties split the gradient in half, as PyTorch does
  maximum: binaryOp({
    name: "maximum",
    js: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
    wgsl: "maxNaNT(a, b)",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => tieSplit(g, gt(a, b), eq(a, b)),
  }),
  minimum: binaryOp({
    name: "minimum",
    js: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
    wgsl: "minNaNT(a, b)",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => tieSplit(g, lt(a, b), eq(a, b)),
  }),
  // clamp(a, min=b): gradient to a where a >= b (inclusive, as PyTorch's clamp)
  clampMin: binaryOp({
    name: "clampMin",
    js: (a, b) => (a < b ? b : a),
    wgsl: "select(a, b, ltT(a, b))",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => [mul(g, ge(a, b)), mul(g, lt(a, b))],
  }),
  clampMax: binaryOp({
    name: "clampMax",
    js: (a, b) => (a > b ? b : a),
    wgsl: "select(a, b, gtT(a, b))",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => [mul(g, le(a, b)), mul(g, gt(a, b))],
  }),
  // relu's gradient: g where y > 0, else 0 (PyTorch's threshold_backward(g, y, 0)), one pass
  // instead of a comparison and a multiply by its bools. NaN in g passes where y > 0; a NaN y
  // gives 0. Its own gradient: the same mask on the incoming gradient, none to y.
  reluBackward: binaryOp({
    name: "reluBackward",
    js: (g, y) => (y > 0 ? g : 0),
    wgsl: "select(T(0), a, gtT(b, T(0)))",
    dtype: numeric,
    saves: "inputs",
    backward: (gg, _g, y) => [reluBackward(gg, y), null],
  }),
  // Python's % (sign of the divisor), as PyTorch computes it: fmod, moved by b when the signs
  // differ (so remainder(1, inf) = 1 and remainder(-1, inf) = inf, where a - floor(a/b) b is NaN)
  remainder: binaryOp({
    name: "remainder",
    js: (a, b) => {
      const r = a % b;
      return r !== 0 && r < 0 !== b < 0 ? r + b : r;
    },
    wgsl: "remainderT(a, b)",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => [g, neg(mul(g, floor(div(a, b))))],
  }),
  // C's fmod (sign of the dividend): a - trunc(a/b) b
  fmod: binaryOp({
    name: "fmod",
    js: (a, b) => a % b,
    wgsl: "fmodT(a, b)",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => [g, neg(mul(g, trunc(div(a, b))))],
  }),
  // d atan2(a, b) = (b da - a db) / (a^2 + b^2)
  atan2: binaryOp({
    name: "atan2",
    js: (a, b) => Math.atan2(a, b),
    wgsl: "atan2F(a, b)",
    dtype: toFloat,
    saves: "inputs",
    backward: (g, a, b) => {
      const r = add(square(a), square(b));
      return [div(mul(g, b), r), neg(div(mul(g, a), r))];
    },
  }),
  // rounded quotients are piecewise constant: zero gradient
  divTrunc: stepOp("divTrunc", (a, b) => Math.trunc(a / b), "divTruncT(a, b)"),
  divFloor: stepOp("divFloor", (a, b) => Math.floor(a / b), "divFloorT(a, b)"),
  eq: testOp("eq", (a, b) => +(a === b), "eqT(a, b)"),
  ne: testOp("ne", (a, b) => +(a !== b), "neT(a, b)"),
  lt: testOp("lt", (a, b) => +(a < b), "ltT(a, b)"),
  le: testOp("le", (a, b) => +(a <= b), "leT(a, b)"),
  gt: testOp("gt", (a, b) => +(a > b), "gtT(a, b)"),
  ge: testOp("ge", (a, b) => +(a >= b), "geT(a, b)"),
  // NOTE: NaN is nonzero, hence true, as in PyTorch
  logicalAnd: testOp("logicalAnd", (a, b) => +(a !== 0 && b !== 0), "truthyT(a) && truthyT(b)"),
  logicalOr: testOp("logicalOr", (a, b) => +(a !== 0 || b !== 0), "truthyT(a) || truthyT(b)"),
  logicalXor: testOp(
    "logicalXor",
    (a, b) => +((a !== 0) !== (b !== 0)),
    "truthyT(a) != truthyT(b)",
  ),
} as const;

/** Gradient of maximum/minimum: all to the winner, half each on ties. */
function tieSplit(g: Tensor, aWins: Tensor, tie: Tensor): [Tensor, Tensor] {
  const half = mul(g, 0.5);
  const ga = where(aWins, g, where(tie, half, 0));
  const gb = sub(g, ga);
  return [ga, gb];
}
