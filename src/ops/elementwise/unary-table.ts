import type { Gradient, SavesSpec } from "../../autograd/gradient.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { ScalarUnaryOp } from "../prims.js";
import { erf as erfScalar, roundHalfEven } from "../scalar-math.js";
import { keepDtype, numeric, toBool, toFloat, type DTypeRule } from "./dtype-rules.js";
import {
  add,
  cos,
  cosh,
  div,
  eq,
  exp,
  mul,
  neg,
  pow,
  reluBackward,
  rsqrt,
  sign,
  sin,
  sinh,
  square,
  sub,
} from "./functions.js";
import { where } from "./run.js";

/**
 * The unary elementwise primitives, one row each: the scalar function (`js` for the CPU, `wgsl`
 * for WebGPU; the generic elementwise kernels splice it in), the dtype rule, and the gradient
 * with what it saves. A new unary op is one row here plus its public function in `functions.ts`.
 */

/** A unary primitive as the runner (`unary` in `run.ts`) and the kernels see it. */
export interface UnaryDef extends ScalarUnaryOp {
  readonly dtype: DTypeRule;
  /** Its gradient; null where it has none (isnan, logicalNot, ...). */
  readonly gradient: Gradient | null;
}

/** One row of the table, as written. */
interface UnarySpec extends ScalarUnaryOp {
  readonly dtype: DTypeRule;
  /** What backward reads: the input x, the output, both, or nothing. */
  readonly saves: "x" | "out" | "both" | "none";
  /** d(out)/d(x) applied to g; `x` and `out` are the saved input and output (see `saves`). */
  readonly backward?: (g: Tensor, x: Tensor, out: Tensor) => Tensor;
}

const SAVES: Record<UnarySpec["saves"], SavesSpec | undefined> = {
  x: { inputs: [0] },
  out: { outputs: [0] },
  both: { inputs: [0], outputs: [0] },
  none: undefined,
};

/** Builds a table row's gradient once, at load, so that running the op allocates nothing for it. */
function unaryOp(spec: UnarySpec): UnaryDef {
  const { saves, backward, ...scalar } = spec;
  if (!backward) return { ...scalar, gradient: null };
  const gradient: Gradient = {
    name: spec.name,
    saves: SAVES[saves],
    backward: ([g], saved) => {
      const x = saves === "x" || saves === "both" ? saved[0]! : NOT_SAVED;
      const out = saves === "out" ? saved[0]! : saves === "both" ? saved[1]! : NOT_SAVED;
      return [backward(g!, x, out)];
    },
  };
  return { ...scalar, gradient };
}

/** What a backward function gets for a tensor its row does not save (it never reads it). */
const NOT_SAVED = undefined as unknown as Tensor;

/** A piecewise-constant op (floor, sign, ...): the input's dtype, and a zero gradient. */
function stepOp(name: string, js: (x: number) => number, wgsl: string): UnaryDef {
  return unaryOp({ name, js, wgsl, dtype: keepDtype, saves: "none", backward: (g) => mul(g, 0) });
}

/** A test (isnan, logicalNot, ...): a bool output, and no gradient. */
function testOp(name: string, js: (x: number) => number, wgsl: string): UnaryDef {
  return unaryOp({ name, js, wgsl, dtype: toBool, saves: "none" });
}

const LN2 = Math.LN2;
const LN10 = Math.LN10;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The unary primitives. `js` must be self-contained: a backend may compile it into a loop. */
export const UNARY = {
  // d/dx (-x) = -1
  neg: unaryOp({
    name: "neg",
    js: (x) => -x,
    wgsl: "-x",
    dtype: numeric,
    saves: "none",
    backward: (g) => neg(g),
  }),
  // d/dx |x| = sign(x)
  abs: unaryOp({
    name: "abs",
    js: (x) => Math.abs(x),
    wgsl: "abs(x)",
    dtype: keepDtype,
    saves: "x",
    backward: (g, x) => mul(g, sign(x)),
  }),
  // d/dx e^x = e^x
  exp: unaryOp({
    name: "exp",
    js: (x) => Math.exp(x),
    wgsl: "expF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, out),
  }),
  // d/dx 2^x = 2^x ln 2
  exp2: unaryOp({
    name: "exp2",
    js: (x) => Math.pow(2, x),
    wgsl: "exp2F(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, mul(out, LN2)),
  }),
  // d/dx ln x = 1/x
  log: unaryOp({
    name: "log",
    js: (x) => Math.log(x),
    wgsl: "logF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, x),
  }),
  log2: unaryOp({
    name: "log2",
    js: (x) => Math.log2(x),
    wgsl: "log2F(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, mul(x, LN2)),
  }),
  log10: unaryOp({
    name: "log10",
    js: (x) => Math.log10(x),
    wgsl: "log10F(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, mul(x, LN10)),
  }),
  // d/dx ln(1+x) = 1/(1+x)
  log1p: unaryOp({
    name: "log1p",
    js: (x) => Math.log1p(x),
    wgsl: "log1pF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, add(x, 1)),
  }),
  // d/dx (e^x - 1) = e^x = out + 1
  expm1: unaryOp({
    name: "expm1",
    js: (x) => Math.expm1(x),
    wgsl: "expm1F(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, add(out, 1)),
  }),
  // d/dx sqrt(x) = 1 / (2 sqrt(x))
  sqrt: unaryOp({
    name: "sqrt",
    js: (x) => Math.sqrt(x),
    wgsl: "sqrtF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => div(g, mul(out, 2)),
  }),
  // sqrt with gradient 0 where the output is 0 (std of constant data), as PyTorch's std_backward
  stdSqrt: unaryOp({
    name: "sqrt",
    js: (x) => Math.sqrt(x),
    wgsl: "sqrtF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => where(eq(out, 0), 0, div(g, mul(out, 2))),
  }),
  // d/dx x^-1/2 = -1/2 x^-3/2 = -1/2 out^3
  rsqrt: unaryOp({
    name: "rsqrt",
    js: (x) => 1 / Math.sqrt(x),
    wgsl: "1.0 / sqrtF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, mul(pow(out, 3), -0.5)),
  }),
  // d/dx x^2 = 2x
  square: unaryOp({
    name: "square",
    js: (x) => x * x,
    wgsl: "x * x",
    dtype: keepDtype,
    saves: "x",
    backward: (g, x) => mul(g, mul(x, 2)),
  }),
  // d/dx 1/x = -1/x^2 = -out^2
  reciprocal: unaryOp({
    name: "reciprocal",
    js: (x) => 1 / x,
    wgsl: "1.0 / x",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, neg(square(out))),
  }),
  sin: unaryOp({
    name: "sin",
    js: (x) => Math.sin(x),
    wgsl: "sin(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, cos(x)),
  }),
  cos: unaryOp({
    name: "cos",
    js: (x) => Math.cos(x),
    wgsl: "cos(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, neg(sin(x))),
  }),
  // d/dx tan x = 1 + tan^2 x
  tan: unaryOp({
    name: "tan",
    js: (x) => Math.tan(x),
    wgsl: "tan(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, add(square(out), 1)),
  }),
  // d/dx asin x = 1/sqrt(1-x^2)
  asin: unaryOp({
    name: "asin",
    js: (x) => Math.asin(x),
    wgsl: "asinF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, rsqrt(sub(1, square(x)))),
  }),
  acos: unaryOp({
    name: "acos",
    js: (x) => Math.acos(x),
    wgsl: "acosF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => neg(mul(g, rsqrt(sub(1, square(x))))),
  }),
  // d/dx atan x = 1/(1+x^2)
  atan: unaryOp({
    name: "atan",
    js: (x) => Math.atan(x),
    wgsl: "atan(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, add(square(x), 1)),
  }),
  sinh: unaryOp({
    name: "sinh",
    js: (x) => Math.sinh(x),
    wgsl: "sinhF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, cosh(x)),
  }),
  cosh: unaryOp({
    name: "cosh",
    js: (x) => Math.cosh(x),
    wgsl: "coshF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, sinh(x)),
  }),
  // d/dx tanh x = 1 - tanh^2 x
  tanh: unaryOp({
    name: "tanh",
    js: (x) => Math.tanh(x),
    wgsl: "tanhF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, sub(1, square(out))),
  }),
  // d/dx s(x) = s(x)(1 - s(x)); 1/(1+e^-x) saturates to exactly 0 and 1 without NaN
  sigmoid: unaryOp({
    name: "sigmoid",
    js: (x) => 1 / (1 + Math.exp(-x)),
    wgsl: "sigmoidF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, mul(out, sub(1, out))),
  }),
  // d/dx max(x, 0) = [x > 0]. NOTE: branch-free (a branch on random signs is ~4x slower);
  // -inf needs its own case since (-inf + inf) is NaN.
  relu: unaryOp({
    name: "relu",
    js: (x) => (x === -Infinity ? 0 : (x + Math.abs(x)) * 0.5),
    wgsl: "select(x, T(0), ltT(x, T(0)))",
    dtype: numeric,
    saves: "out",
    backward: (g, _x, out) => reluBackward(g, out),
  }),
  // d/dx erf x = 2/sqrt(pi) e^(-x^2)
  erf: unaryOp({
    name: "erf",
    js: erfScalar,
    wgsl: "erfF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)),
  }),
  // piecewise constant: zero gradient
  sign: stepOp("sign", (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), "signT(x)"),
  floor: stepOp("floor", (x) => Math.floor(x), "floorT(x)"),
  ceil: stepOp("ceil", (x) => Math.ceil(x), "ceilT(x)"),
  // PyTorch rounds half to even, as WGSL's round() does
  round: stepOp("round", roundHalfEven, "roundT(x)"),
  trunc: stepOp("trunc", (x) => Math.trunc(x), "truncT(x)"),
  // NOTE: NaN is nonzero, hence true, as in PyTorch (JS would call it falsy)
  logicalNot: testOp("logicalNot", (x) => +(x === 0), "!truthyT(x)"),
  isnan: testOp("isnan", (x) => +(x !== x), "isNanT(x)"),
  isinf: testOp("isinf", (x) => +(x === Infinity || x === -Infinity), "isInfT(x)"),
  isfinite: testOp("isfinite", (x) => +Number.isFinite(x), "isFiniteT(x)"),
} as const;
