import type { Backend } from "../backends/backend.js";
import { isFloat, promoteTypes, scalarResultType, type DType } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { takeCounters } from "../core/generator.js";
import { broadcastShapes, fmtShape, shapesEqual, type Shape } from "../core/shape.js";
import type { Tensor, TensorOrScalar } from "../tensor/tensor.js";
import {
  backendOf,
  emptyTensor,
  needsGrad,
  rawView,
  record,
  runKernel,
  tensorFromArray,
  composite,
} from "./dispatch.js";
import { expandStrides, sumTo } from "./broadcast.js";
import type { ScalarBinaryOp, ScalarUnaryOp } from "./prims.js";
import { erf as erfScalar, roundHalfEven } from "./scalar-math.js";

/**
 * Elementwise ops. Each primitive is declared once: its scalar function (for the generic
 * elementwise kernels of every backend), its dtype rule and its gradient (written with Tensor ops,
 * so it can itself be differentiated). Broadcasting is resolved here, in the frontend: inputs
 * reach kernels as stride-0 views of the output's shape, and gradients are summed back to each
 * input's shape (the gradient of an expand).
 */

type DTypeRule = (dtype: DType, op: string) => DType;

/** exp, log, sin, ...: integers and bools compute in the default float dtype, as in PyTorch. */
const toFloat: DTypeRule = (d) => (isFloat(d) ? d : "float32");
const same: DTypeRule = (d) => d;
const numeric: DTypeRule = (d, op) => {
  if (d === "bool") throw new DTypeError(op, `not supported for bool tensors`);
  return d;
};
const toBool: DTypeRule = () => "bool";

export interface UnaryDef extends ScalarUnaryOp {
  readonly dtype: DTypeRule;
  /** d(out)/d(x) applied to g; `x` and `out` are the saved input and output (see `saves`). */
  readonly backward?: (g: Tensor, x: Tensor, out: Tensor) => Tensor;
  readonly saves: "x" | "out" | "both" | "none";
}

export interface BinaryDef extends ScalarBinaryOp {
  /** The output dtype given the promoted input dtype. */
  readonly dtype: DTypeRule;
  /** Gradients for a and b, at the broadcast shape (the frontend sums them to each input's shape). */
  readonly backward?: (
    g: Tensor,
    a: Tensor,
    b: Tensor,
    out: Tensor,
  ) => [Tensor | null, Tensor | null];
  readonly saves: "inputs" | "out" | "all" | "none";
}

const LN2 = Math.LN2;
const LN10 = Math.LN10;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function unaryDef(d: UnaryDef): UnaryDef {
  return d;
}

/** The unary primitives. `js` must be self-contained: a backend may compile it into a loop. */
export const UNARY = {
  // d/dx (-x) = -1
  neg: unaryDef({
    name: "neg",
    js: (x) => -x,
    wgsl: "-x",
    dtype: numeric,
    saves: "none",
    backward: (g) => neg(g),
  }),
  // d/dx |x| = sign(x)
  abs: unaryDef({
    name: "abs",
    js: (x) => Math.abs(x),
    wgsl: "abs(x)",
    dtype: same,
    saves: "x",
    backward: (g, x) => mul(g, sign(x)),
  }),
  // d/dx e^x = e^x
  exp: unaryDef({
    name: "exp",
    js: (x) => Math.exp(x),
    wgsl: "exp(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, out),
  }),
  // d/dx 2^x = 2^x ln 2
  exp2: unaryDef({
    name: "exp2",
    js: (x) => Math.pow(2, x),
    wgsl: "exp2(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, mul(out, LN2)),
  }),
  // d/dx ln x = 1/x
  log: unaryDef({
    name: "log",
    js: (x) => Math.log(x),
    wgsl: "logF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, x),
  }),
  log2: unaryDef({
    name: "log2",
    js: (x) => Math.log2(x),
    wgsl: "log2F(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, mul(x, LN2)),
  }),
  log10: unaryDef({
    name: "log10",
    js: (x) => Math.log10(x),
    wgsl: "log10F(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, mul(x, LN10)),
  }),
  // d/dx ln(1+x) = 1/(1+x)
  log1p: unaryDef({
    name: "log1p",
    js: (x) => Math.log1p(x),
    wgsl: "log1pF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, add(x, 1)),
  }),
  // d/dx (e^x - 1) = e^x = out + 1
  expm1: unaryDef({
    name: "expm1",
    js: (x) => Math.expm1(x),
    wgsl: "expm1F(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, add(out, 1)),
  }),
  // d/dx sqrt(x) = 1 / (2 sqrt(x))
  sqrt: unaryDef({
    name: "sqrt",
    js: (x) => Math.sqrt(x),
    wgsl: "sqrtF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => div(g, mul(out, 2)),
  }),
  // sqrt whose gradient is 0 where the output is 0 (std of constant data), as PyTorch's std_backward
  stdSqrt: unaryDef({
    name: "sqrt",
    js: (x) => Math.sqrt(x),
    wgsl: "sqrtF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => where(eq(out, 0), 0, div(g, mul(out, 2))),
  }),
  // d/dx x^-1/2 = -1/2 x^-3/2 = -1/2 out^3
  rsqrt: unaryDef({
    name: "rsqrt",
    js: (x) => 1 / Math.sqrt(x),
    wgsl: "1.0 / sqrtF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, mul(pow(out, 3), -0.5)),
  }),
  // d/dx x^2 = 2x
  square: unaryDef({
    name: "square",
    js: (x) => x * x,
    wgsl: "x * x",
    dtype: same,
    saves: "x",
    backward: (g, x) => mul(g, mul(x, 2)),
  }),
  // d/dx 1/x = -1/x^2 = -out^2
  reciprocal: unaryDef({
    name: "reciprocal",
    js: (x) => 1 / x,
    wgsl: "1.0 / x",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, neg(square(out))),
  }),
  sin: unaryDef({
    name: "sin",
    js: (x) => Math.sin(x),
    wgsl: "sin(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, cos(x)),
  }),
  cos: unaryDef({
    name: "cos",
    js: (x) => Math.cos(x),
    wgsl: "cos(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, neg(sin(x))),
  }),
  // d/dx tan x = 1 + tan^2 x
  tan: unaryDef({
    name: "tan",
    js: (x) => Math.tan(x),
    wgsl: "tan(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, add(square(out), 1)),
  }),
  // d/dx asin x = 1/sqrt(1-x^2)
  asin: unaryDef({
    name: "asin",
    js: (x) => Math.asin(x),
    wgsl: "asinF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, rsqrt(sub(1, square(x)))),
  }),
  acos: unaryDef({
    name: "acos",
    js: (x) => Math.acos(x),
    wgsl: "acosF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => neg(mul(g, rsqrt(sub(1, square(x))))),
  }),
  // d/dx atan x = 1/(1+x^2)
  atan: unaryDef({
    name: "atan",
    js: (x) => Math.atan(x),
    wgsl: "atan(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => div(g, add(square(x), 1)),
  }),
  sinh: unaryDef({
    name: "sinh",
    js: (x) => Math.sinh(x),
    wgsl: "sinhF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, cosh(x)),
  }),
  cosh: unaryDef({
    name: "cosh",
    js: (x) => Math.cosh(x),
    wgsl: "coshF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, sinh(x)),
  }),
  // d/dx tanh x = 1 - tanh^2 x
  tanh: unaryDef({
    name: "tanh",
    js: (x) => Math.tanh(x),
    wgsl: "tanhF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, sub(1, square(out))),
  }),
  // d/dx s(x) = s(x)(1 - s(x)); 1/(1+e^-x) saturates to exactly 0 and 1 without NaN
  sigmoid: unaryDef({
    name: "sigmoid",
    js: (x) => 1 / (1 + Math.exp(-x)),
    wgsl: "sigmoidF(x)",
    dtype: toFloat,
    saves: "out",
    backward: (g, _x, out) => mul(g, mul(out, sub(1, out))),
  }),
  // d/dx max(x, 0) = [x > 0]. NOTE: branch-free (a branch on random signs is ~4x slower);
  // -inf needs its own case since (-inf + inf) is NaN.
  relu: unaryDef({
    name: "relu",
    js: (x) => (x === -Infinity ? 0 : (x + Math.abs(x)) * 0.5),
    wgsl: "select(x, T(0), ltT(x, T(0)))",
    dtype: numeric,
    saves: "out",
    backward: (g, _x, out) => mul(g, gt(out, 0)),
  }),
  // d/dx erf x = 2/sqrt(pi) e^(-x^2)
  erf: unaryDef({
    name: "erf",
    js: erfScalar,
    wgsl: "erfF(x)",
    dtype: toFloat,
    saves: "x",
    backward: (g, x) => mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)),
  }),
  // piecewise constant: zero gradient
  sign: unaryDef({
    name: "sign",
    js: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
    wgsl: "signT(x)",
    dtype: same,
    saves: "none",
    backward: (g) => mul(g, 0),
  }),
  floor: unaryDef({
    name: "floor",
    js: (x) => Math.floor(x),
    wgsl: "floorT(x)",
    dtype: same,
    saves: "none",
    backward: (g) => mul(g, 0),
  }),
  ceil: unaryDef({
    name: "ceil",
    js: (x) => Math.ceil(x),
    wgsl: "ceilT(x)",
    dtype: same,
    saves: "none",
    backward: (g) => mul(g, 0),
  }),
  // PyTorch rounds half to even, as WGSL's round() does
  round: unaryDef({
    name: "round",
    js: roundHalfEven,
    wgsl: "roundT(x)",
    dtype: same,
    saves: "none",
    backward: (g) => mul(g, 0),
  }),
  trunc: unaryDef({
    name: "trunc",
    js: (x) => Math.trunc(x),
    wgsl: "truncT(x)",
    dtype: same,
    saves: "none",
    backward: (g) => mul(g, 0),
  }),
  // NOTE: NaN is nonzero, hence true, as in PyTorch (JS would call it falsy)
  logicalNot: unaryDef({
    name: "logicalNot",
    js: (x) => (x === 0 ? 1 : 0),
    wgsl: "!truthyT(x)",
    dtype: toBool,
    saves: "none",
  }),
  isnan: unaryDef({
    name: "isnan",
    js: (x) => (x !== x ? 1 : 0),
    wgsl: "isNanT(x)",
    dtype: toBool,
    saves: "none",
  }),
  isinf: unaryDef({
    name: "isinf",
    js: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
    wgsl: "isInfT(x)",
    dtype: toBool,
    saves: "none",
  }),
  isfinite: unaryDef({
    name: "isfinite",
    js: (x) => (Number.isFinite(x) ? 1 : 0),
    wgsl: "isFiniteT(x)",
    dtype: toBool,
    saves: "none",
  }),
} as const;

/** Copy (and dtype conversion: the store converts; bool outputs store x != 0). */
export const COPY: ScalarUnaryOp = { name: "copy", js: (x) => x, wgsl: "x" };

function binaryDef(d: BinaryDef): BinaryDef {
  return d;
}

const arith: DTypeRule = (d) => d;
const trueDiv: DTypeRule = (d) => (isFloat(d) ? d : "float32");
const floatOnly: DTypeRule = (d) => (isFloat(d) ? d : "float32");

/** The binary primitives. */
export const BINARY = {
  add: binaryDef({
    name: "add",
    js: (a, b) => a + b,
    wgsl: "a + b",
    dtype: arith,
    saves: "none",
    backward: (g) => [g, g],
  }),
  sub: binaryDef({
    name: "sub",
    js: (a, b) => a - b,
    wgsl: "a - b",
    dtype: numeric,
    saves: "none",
    backward: (g) => [g, neg(g)],
  }),
  // d(ab) = b da + a db
  mul: binaryDef({
    name: "mul",
    js: (a, b) => a * b,
    wgsl: "a * b",
    dtype: arith,
    saves: "inputs",
    backward: (g, a, b) => [mul(g, b), mul(g, a)],
  }),
  // d(a/b) = da/b - a/b^2 db
  div: binaryDef({
    name: "div",
    js: (a, b) => a / b,
    wgsl: "a / b",
    dtype: trueDiv,
    saves: "inputs",
    backward: (g, a, b) => [div(g, b), neg(div(mul(g, a), square(b)))],
  }),
  // d(a^b) = b a^(b-1) da + a^b ln(a) db; the db term is 0 where a == 0 and b >= 0, as in PyTorch
  pow: binaryDef({
    name: "pow",
    // C's pow: 1^y = 1 and (-1)^±inf = 1 even for NaN/inf y, where Math.pow gives NaN
    js: (a, b) =>
      a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b),
    wgsl: "powT(a, b)",
    dtype: arith,
    saves: "all",
    backward: (g, a, b, out) => [
      where(eq(b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1))))),
      where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(g, mul(out, log(a)))),
    ],
  }),
  // NaN-propagating; ties split the gradient in half, as PyTorch does
  maximum: binaryDef({
    name: "maximum",
    js: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
    wgsl: "maxNaNT(a, b)",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => tieSplit(g, gt(a, b), eq(a, b)),
  }),
  minimum: binaryDef({
    name: "minimum",
    js: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
    wgsl: "minNaNT(a, b)",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => tieSplit(g, lt(a, b), eq(a, b)),
  }),
  // clamp(a, min=b): gradient to a where a >= b (inclusive, as PyTorch's clamp)
  clampMin: binaryDef({
    name: "clampMin",
    js: (a, b) => (a < b ? b : a),
    wgsl: "select(a, b, ltT(a, b))",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => [mul(g, ge(a, b)), mul(g, lt(a, b))],
  }),
  clampMax: binaryDef({
    name: "clampMax",
    js: (a, b) => (a > b ? b : a),
    wgsl: "select(a, b, gtT(a, b))",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => [mul(g, le(a, b)), mul(g, gt(a, b))],
  }),
  // Python's % (sign of the divisor): a - floor(a/b) b
  remainder: binaryDef({
    name: "remainder",
    js: (a, b) => a - Math.floor(a / b) * b,
    wgsl: "remainderT(a, b)",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => [g, neg(mul(g, floor(div(a, b))))],
  }),
  // C's fmod (sign of the dividend): a - trunc(a/b) b
  fmod: binaryDef({
    name: "fmod",
    js: (a, b) => a % b,
    wgsl: "fmodT(a, b)",
    dtype: numeric,
    saves: "inputs",
    backward: (g, a, b) => [g, neg(mul(g, trunc(div(a, b))))],
  }),
  // d atan2(a, b) = (b da - a db) / (a^2 + b^2)
  atan2: binaryDef({
    name: "atan2",
    js: (a, b) => Math.atan2(a, b),
    wgsl: "atan2F(a, b)",
    dtype: floatOnly,
    saves: "inputs",
    backward: (g, a, b) => {
      const r = add(square(a), square(b));
      return [div(mul(g, b), r), neg(div(mul(g, a), r))];
    },
  }),
  divTrunc: binaryDef({
    name: "divTrunc",
    js: (a, b) => Math.trunc(a / b),
    wgsl: "divTruncT(a, b)",
    dtype: arith,
    saves: "none",
    backward: (g) => [mul(g, 0), mul(g, 0)],
  }),
  divFloor: binaryDef({
    name: "divFloor",
    js: (a, b) => Math.floor(a / b),
    wgsl: "divFloorT(a, b)",
    dtype: arith,
    saves: "none",
    backward: (g) => [mul(g, 0), mul(g, 0)],
  }),
  eq: binaryDef({
    name: "eq",
    js: (a, b) => (a === b ? 1 : 0),
    wgsl: "eqT(a, b)",
    dtype: toBool,
    saves: "none",
  }),
  ne: binaryDef({
    name: "ne",
    js: (a, b) => (a !== b ? 1 : 0),
    wgsl: "neT(a, b)",
    dtype: toBool,
    saves: "none",
  }),
  lt: binaryDef({
    name: "lt",
    js: (a, b) => (a < b ? 1 : 0),
    wgsl: "ltT(a, b)",
    dtype: toBool,
    saves: "none",
  }),
  le: binaryDef({
    name: "le",
    js: (a, b) => (a <= b ? 1 : 0),
    wgsl: "leT(a, b)",
    dtype: toBool,
    saves: "none",
  }),
  gt: binaryDef({
    name: "gt",
    js: (a, b) => (a > b ? 1 : 0),
    wgsl: "gtT(a, b)",
    dtype: toBool,
    saves: "none",
  }),
  ge: binaryDef({
    name: "ge",
    js: (a, b) => (a >= b ? 1 : 0),
    wgsl: "geT(a, b)",
    dtype: toBool,
    saves: "none",
  }),
  logicalAnd: binaryDef({
    name: "logicalAnd",
    js: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
    wgsl: "truthyT(a) && truthyT(b)",
    dtype: toBool,
    saves: "none",
  }),
  logicalOr: binaryDef({
    name: "logicalOr",
    js: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
    wgsl: "truthyT(a) || truthyT(b)",
    dtype: toBool,
    saves: "none",
  }),
  logicalXor: binaryDef({
    name: "logicalXor",
    js: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
    wgsl: "truthyT(a) != truthyT(b)",
    dtype: toBool,
    saves: "none",
  }),
} as const;

/** Gradient of maximum/minimum: all to the winner, half each on ties. */
function tieSplit(g: Tensor, aWins: Tensor, tie: Tensor): [Tensor, Tensor] {
  const half = mul(g, 0.5);
  const ga = where(aWins, g, where(tie, half, 0));
  const gb = sub(g, ga);
  return [ga, gb];
}

// ---- the frontend ----

/** A JS number as a 0-d tensor of `dtype` on `backend` (PyTorch's wrapped number). */
export function scalarTensor(value: number | boolean, dtype: DType, backend: Backend): Tensor {
  const data =
    dtype === "float64"
      ? new Float64Array([+value])
      : dtype === "int32"
        ? new Int32Array([+value])
        : dtype === "bool"
          ? new Uint8Array([value ? 1 : 0])
          : new Float32Array([+value]);
  return tensorFromArray(backend, dtype, [], data, "tensor");
}

/** Runs a unary primitive: out = f(x). */
export function unary(def: UnaryDef, x: Tensor): Tensor {
  const backend = backendOf(def.name, x);
  const out = emptyTensor(backend, def.dtype(x.dtype, def.name), x.shape, def.name);
  runKernel(backend, "unary", { op: def, x, out });
  if (def.backward && needsGrad(x)) {
    const backward = def.backward;
    const s = def.saves;
    const saved = s === "x" ? [x] : s === "out" ? [out] : s === "both" ? [x, out] : [];
    record(
      def.name,
      [x],
      [out],
      ([g], sv) => {
        const xs = s === "x" || s === "both" ? sv[0]! : (undefined as unknown as Tensor);
        const os = s === "out" ? sv[0]! : s === "both" ? sv[1]! : (undefined as unknown as Tensor);
        return [backward(g!, xs, os)];
      },
      saved,
    );
  }
  return out;
}

/** The result dtype of a binary op on these operands (JS numbers are weak). */
function operandType(a: TensorOrScalar, b: TensorOrScalar): DType {
  if (typeof a !== "object" && typeof b !== "object") return scalarsType(a, b);
  if (typeof a !== "object") return scalarResultType((b as Tensor).dtype, a);
  if (typeof b !== "object") return scalarResultType(a.dtype, b);
  // PyTorch: a 0-d tensor beside a dimensioned one only matters if its category is higher
  if (a.ndim === 0 && b.ndim > 0) return category(a.dtype) > category(b.dtype) ? a.dtype : b.dtype;
  if (b.ndim === 0 && a.ndim > 0) return category(b.dtype) > category(a.dtype) ? b.dtype : a.dtype;
  return promoteTypes(a.dtype, b.dtype);
}

/** Two JS values (e.g. `where(c, 2, 0)`): bools stay bool, integers are int32, else float32. */
function scalarsType(a: number | boolean, b: number | boolean): DType {
  if (typeof a === "boolean" && typeof b === "boolean") return "bool";
  return [a, b].every((v) => typeof v === "boolean" || Number.isInteger(v)) ? "int32" : "float32";
}

/** bool < integer < floating point */
function category(d: DType): number {
  return d === "bool" ? 0 : d === "int32" ? 1 : 2;
}

function asTensor(x: TensorOrScalar, dtype: DType, backend: Backend): Tensor {
  return typeof x === "object" ? x : scalarTensor(x, dtype, backend);
}

/** Runs a binary primitive with broadcasting: out = f(a, b). */
export function binary(def: BinaryDef, a0: TensorOrScalar, b0: TensorOrScalar): Tensor {
  const tensors = [a0, b0].filter((v): v is Tensor => typeof v === "object");
  const backend = backendOf(def.name, ...tensors);
  const promoted = operandType(a0, b0);
  const outDtype = def.dtype(promoted, def.name);
  const a = asTensor(a0, promoted, backend);
  const b = asTensor(b0, promoted, backend);
  const shape = shapesEqual(a.shape, b.shape)
    ? a.shape
    : broadcastShapes(a.shape, b.shape, def.name);
  const out = emptyTensor(backend, outDtype, shape, def.name);
  runKernel(backend, "binary", {
    op: def,
    a: broadcastView(a, shape),
    b: broadcastView(b, shape),
    out,
  });
  if (def.backward && needsGrad(a, b)) recordBinary(def, a, b, out);
  if (a !== a0) a.dispose();
  if (b !== b0) b.dispose();
  return out;
}

function broadcastView(t: Tensor, shape: Shape) {
  return shapesEqual(t.shape, shape)
    ? t
    : rawView(t, shape, expandStrides(t.shape, t.strides, shape));
}

function recordBinary(def: BinaryDef, a: Tensor, b: Tensor, out: Tensor): void {
  const backward = def.backward!;
  const s = def.saves;
  const saved = s === "inputs" ? [a, b] : s === "out" ? [out] : s === "all" ? [a, b, out] : [];
  const aShape = a.shape;
  const bShape = b.shape;
  const aNeeds = a.requiresGrad;
  const bNeeds = b.requiresGrad;
  const aDtype = a.dtype;
  const bDtype = b.dtype;
  record(
    def.name,
    [a, b],
    [out],
    ([g], sv) => {
      const none = undefined as unknown as Tensor;
      const [sa, sb, so] =
        s === "inputs"
          ? [sv[0]!, sv[1]!, none]
          : s === "out"
            ? [none, none, sv[0]!]
            : s === "all"
              ? [sv[0]!, sv[1]!, sv[2]!]
              : [none, none, none];
      const [ga, gb] = backward(g!, sa, sb, so);
      return [
        aNeeds && ga ? gradFor(ga, aShape, aDtype) : null,
        bNeeds && gb ? gradFor(gb, bShape, bDtype) : null,
      ];
    },
    saved,
  );
}

/** A gradient at the broadcast shape and promoted dtype, brought back to an input's shape and dtype. */
function gradFor(g: Tensor, shape: Shape, dtype: DType): Tensor {
  const s = sumTo(g, shape);
  return s.dtype === dtype ? s : cast(s, dtype);
}

// ---- the public elementwise functions ----

export const neg = (x: Tensor): Tensor => unary(UNARY.neg, x);
export const abs = (x: Tensor): Tensor => unary(UNARY.abs, x);
export const exp = (x: Tensor): Tensor => unary(UNARY.exp, x);
export const exp2 = (x: Tensor): Tensor => unary(UNARY.exp2, x);
export const log = (x: Tensor): Tensor => unary(UNARY.log, x);
export const log2 = (x: Tensor): Tensor => unary(UNARY.log2, x);
export const log10 = (x: Tensor): Tensor => unary(UNARY.log10, x);
export const log1p = (x: Tensor): Tensor => unary(UNARY.log1p, x);
export const expm1 = (x: Tensor): Tensor => unary(UNARY.expm1, x);
export const sqrt = (x: Tensor): Tensor => unary(UNARY.sqrt, x);
export const rsqrt = (x: Tensor): Tensor => unary(UNARY.rsqrt, x);
export const square = (x: Tensor): Tensor => unary(UNARY.square, x);
export const reciprocal = (x: Tensor): Tensor => unary(UNARY.reciprocal, x);
export const sin = (x: Tensor): Tensor => unary(UNARY.sin, x);
export const cos = (x: Tensor): Tensor => unary(UNARY.cos, x);
export const tan = (x: Tensor): Tensor => unary(UNARY.tan, x);
export const asin = (x: Tensor): Tensor => unary(UNARY.asin, x);
export const acos = (x: Tensor): Tensor => unary(UNARY.acos, x);
export const atan = (x: Tensor): Tensor => unary(UNARY.atan, x);
export const sinh = (x: Tensor): Tensor => unary(UNARY.sinh, x);
export const cosh = (x: Tensor): Tensor => unary(UNARY.cosh, x);
export const tanh = (x: Tensor): Tensor => unary(UNARY.tanh, x);
export const sigmoid = (x: Tensor): Tensor => unary(UNARY.sigmoid, x);
export const relu = (x: Tensor): Tensor => unary(UNARY.relu, x);
export const erf = (x: Tensor): Tensor => unary(UNARY.erf, x);
export const sign = (x: Tensor): Tensor => unary(UNARY.sign, x);
export const floor = (x: Tensor): Tensor => unary(UNARY.floor, x);
export const ceil = (x: Tensor): Tensor => unary(UNARY.ceil, x);
export const round = (x: Tensor): Tensor => unary(UNARY.round, x);
export const trunc = (x: Tensor): Tensor => unary(UNARY.trunc, x);
export const logicalNot = (x: Tensor): Tensor => unary(UNARY.logicalNot, x);
export const isnan = (x: Tensor): Tensor => unary(UNARY.isnan, x);
export const isinf = (x: Tensor): Tensor => unary(UNARY.isinf, x);
export const isfinite = (x: Tensor): Tensor => unary(UNARY.isfinite, x);

/** a + alpha * b */
export function add(a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  if (alpha === 1) return binary(BINARY.add, a, b);
  const scaled = mul(b, alpha);
  const out = binary(BINARY.add, a, scaled);
  scaled.dispose();
  return out;
}
/** a - alpha * b */
export function sub(a: TensorOrScalar, b: TensorOrScalar, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  if (alpha === 1) return binary(BINARY.sub, a, b);
  const scaled = mul(b, alpha);
  const out = binary(BINARY.sub, a, scaled);
  scaled.dispose();
  return out;
}
export const mul = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.mul, a, b);
/** True division, or rounded with `roundingMode` ("trunc" or "floor", as `//`). */
export function div(
  a: TensorOrScalar,
  b: TensorOrScalar,
  options?: { roundingMode?: "trunc" | "floor" },
): Tensor {
  const mode = options?.roundingMode;
  if (mode === undefined) return binary(BINARY.div, a, b);
  if (mode === "trunc") return binary(BINARY.divTrunc, a, b);
  if (mode === "floor") return binary(BINARY.divFloor, a, b);
  throw new ValueError("div", `roundingMode must be "trunc" or "floor"; got ${String(mode)}`);
}
export const pow = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.pow, a, b);
export const maximum = (a: TensorOrScalar, b: TensorOrScalar): Tensor =>
  binary(BINARY.maximum, a, b);
export const minimum = (a: TensorOrScalar, b: TensorOrScalar): Tensor =>
  binary(BINARY.minimum, a, b);
export const remainder = (a: TensorOrScalar, b: TensorOrScalar): Tensor =>
  binary(BINARY.remainder, a, b);
export const fmod = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.fmod, a, b);
export const atan2 = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.atan2, a, b);
export const eq = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.eq, a, b);
export const ne = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.ne, a, b);
export const lt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.lt, a, b);
export const le = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.le, a, b);
export const gt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.gt, a, b);
export const ge = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary(BINARY.ge, a, b);
export const logicalAnd = (a: TensorOrScalar, b: TensorOrScalar): Tensor =>
  binary(BINARY.logicalAnd, a, b);
export const logicalOr = (a: TensorOrScalar, b: TensorOrScalar): Tensor =>
  binary(BINARY.logicalOr, a, b);
export const logicalXor = (a: TensorOrScalar, b: TensorOrScalar): Tensor =>
  binary(BINARY.logicalXor, a, b);

/** Clamps into [min, max]; either bound may be omitted, NaN propagates. */
export function clamp(
  x: Tensor,
  min?: number | Tensor | null,
  max?: number | Tensor | null,
): Tensor {
  return composite("clamp", [x], () => {
    const hasMin = min !== undefined && min !== null;
    const hasMax = max !== undefined && max !== null;
    if (!hasMin && !hasMax)
      throw new ValueError("clamp", "at least one of min and max must be given");
    if (!hasMax) return binary(BINARY.clampMin, x, min!);
    if (!hasMin) return binary(BINARY.clampMax, x, max!);
    const lo = binary(BINARY.clampMin, x, min!);
    const out = binary(BINARY.clampMax, lo, max!);
    lo.dispose();
    return out;
  });
}

/** input + value * t1 * t2 */
export function addcmul(
  input: Tensor,
  t1: Tensor,
  t2: Tensor,
  options?: { value?: number },
): Tensor {
  return composite("addcmul", [input, t1, t2], () => {
    const p = mul(t1, t2);
    const out = add(input, p, { alpha: options?.value ?? 1 });
    p.dispose();
    return out;
  });
}

/** input + value * t1 / t2 */
export function addcdiv(
  input: Tensor,
  t1: Tensor,
  t2: Tensor,
  options?: { value?: number },
): Tensor {
  return composite("addcdiv", [input, t1, t2], () => {
    const q = div(t1, t2);
    const out = add(input, q, { alpha: options?.value ?? 1 });
    q.dispose();
    return out;
  });
}

/** start + weight * (end - start) */
export function lerp(start: Tensor, end: Tensor, weight: number | Tensor): Tensor {
  return composite("lerp", [start, end], () => {
    const d = sub(end, start);
    const w = mul(d, weight);
    const out = add(start, w);
    d.dispose();
    w.dispose();
    return out;
  });
}

/** cond ? a : b, with broadcasting; the gradient flows to the branch that was taken. */
export function where(cond: Tensor, a0: TensorOrScalar, b0: TensorOrScalar): Tensor {
  const tensors = [cond, a0, b0].filter((v): v is Tensor => typeof v === "object");
  const backend = backendOf("where", ...tensors);
  if (cond.dtype !== "bool")
    throw new DTypeError("where", `condition must be a bool tensor; got ${cond.dtype}`);
  const dtype = operandType(a0, b0);
  const a = asTensor(a0, dtype, backend);
  const b = asTensor(b0, dtype, backend);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, "where"), b.shape, "where");
  const out = emptyTensor(backend, dtype, shape, "where");
  runKernel(backend, "where", {
    cond: broadcastView(cond, shape),
    a: broadcastView(a, shape),
    b: broadcastView(b, shape),
    out,
  });
  if (needsGrad(a, b)) {
    const [aShape, bShape, aDtype, bDtype, aNeeds, bNeeds] = [
      a.shape,
      b.shape,
      a.dtype,
      b.dtype,
      a.requiresGrad,
      b.requiresGrad,
    ];
    record(
      "where",
      [null, a, b],
      [out],
      ([g], [c]) => [
        null,
        aNeeds ? gradFor(where(c!, g!, 0), aShape, aDtype) : null,
        bNeeds ? gradFor(where(c!, 0, g!), bShape, bDtype) : null,
      ],
      [cond],
    );
  }
  if (a !== a0) a.dispose();
  if (b !== b0) b.dispose();
  return out;
}

/** Converts to `dtype` (differentiable between float dtypes). */
export function cast(x: Tensor, dtype: DType): Tensor {
  const backend = backendOf("to", x);
  const out = emptyTensor(backend, dtype, x.shape, "to");
  runKernel(backend, "unary", { op: COPY, x, out });
  if (isFloat(dtype) && needsGrad(x)) {
    const from = x.dtype;
    record("to", [x], [out], ([g]) => [cast(g!, from)]);
  }
  return out;
}

// ---- in-place ----

/**
 * Runs `compute(self)` and writes the result into `self`'s storage (bumping its version), so that
 * every view of that storage sees it. With autograd, `self` takes the result's place in the graph;
 * the op reads a copy of self, so what the op saved for backward is not the overwritten storage.
 */
export function inPlace<T extends Tensor>(self: T, op: string, compute: (t: Tensor) => Tensor): T {
  self.checkInPlace(op);
  const input = needsGrad(self) ? copyOf(self) : self;
  const result = compute(input);
  if (input !== self) input.dispose();
  if (!shapesEqual(result.shape, self.shape)) {
    result.dispose();
    throw new ShapeError(
      op,
      `output with shape ${fmtShape(self.shape)} doesn't match the broadcast shape ${fmtShape(result.shape)}`,
    );
  }
  if (isFloat(result.dtype) && !isFloat(self.dtype)) {
    result.dispose();
    throw new DTypeError(
      op,
      `result type ${result.dtype} can't be cast to the desired output type ${self.dtype}`,
    );
  }
  runKernel(self.backend, "unary", { op: COPY, x: result, out: self });
  self.storage.version++;
  self.rebase(result);
  result.dispose();
  return self;
}

/**
 * `self op= other` for a binary primitive. Without autograd, and when the result keeps self's
 * shape and dtype, the kernel writes straight into self (no allocation, no copy: what optimizer
 * loops and `p.sub_(...)` need); otherwise it goes through `inPlace`.
 */
export function binaryInPlace<T extends Tensor>(
  self: T,
  op: string,
  def: BinaryDef,
  other: TensorOrScalar,
): T {
  self.checkInPlace(op);
  const direct =
    !needsGrad(self, typeof other === "object" ? other : null) &&
    def.dtype(operandType(self, other), op) === self.dtype &&
    (typeof other !== "object" ||
      (other.device === self.device &&
        broadcastsTo(other.shape, self.shape) &&
        !overlapsDifferently(self, other)));
  if (!direct) return inPlace(self, op, (t) => binary(def, t, other));
  const b = typeof other === "object" ? other : scalarTensor(other, self.dtype, self.backend);
  runKernel(self.backend, "binary", {
    op: def,
    a: self,
    b: broadcastView(b, self.shape),
    out: self,
  });
  if (b !== other) b.dispose();
  self.storage.version++;
  return self;
}

/** Whether `other` reads self's storage through another layout (writing in place would corrupt it). */
function overlapsDifferently(self: Tensor, other: Tensor): boolean {
  if (other.storage !== self.storage) return false;
  return !(
    other.offset === self.offset &&
    shapesEqual(other.shape, self.shape) &&
    other.strides.every((s, i) => s === self.strides[i])
  );
}

function broadcastsTo(shape: Shape, target: Shape): boolean {
  if (shape.length > target.length) return false;
  const lead = target.length - shape.length;
  return shape.every((s, i) => s === 1 || s === target[lead + i]);
}

function copyOf(t: Tensor): Tensor {
  const out = emptyTensor(t.backend, t.dtype, t.shape, "clone");
  runKernel(t.backend, "unary", { op: COPY, x: t, out });
  record("clone", [t], [out], ([g]) => [g]);
  return out;
}

export function fillInPlace<T extends Tensor>(self: T, value: number, op: string): T {
  self.checkInPlace(op);
  runKernel(self.backend, "fill", { value, out: self });
  self.storage.version++;
  if (self.gradFn) self.detach_();
  return self;
}

/** self <- src (broadcast to self's shape and converted to its dtype). */
export function copyInPlace<T extends Tensor>(self: T, src: Tensor): T {
  self.checkInPlace("copy_");
  backendOf("copy_", self, src);
  if (!shapesEqual(src.shape, self.shape)) broadcastShapes(self.shape, src.shape, "copy_");
  runKernel(self.backend, "unary", { op: COPY, x: broadcastView(src, self.shape), out: self });
  self.storage.version++;
  if (needsGrad(src)) {
    const srcShape = src.shape;
    record("copy", [src], [self], ([g]) => [sumTo(g!, srcShape)]);
  } else if (self.gradFn) self.detach_();
  return self;
}

export function randomInPlace<T extends Tensor>(
  self: T,
  dist: "uniform" | "normal",
  a: number,
  b: number,
  op: string,
): T {
  self.checkInPlace(op);
  if (!isFloat(self.dtype))
    throw new DTypeError(op, `expected a floating-point tensor; got ${self.dtype}`);
  const backend = self.backend;
  const r = emptyTensor(backend, self.dtype, self.shape, op);
  runKernel(backend, "random", { dist, ...takeCounters(r.numel()), out: r });
  // uniform: low + (high - low) u; normal: mean + std z
  const scale = dist === "uniform" ? b - a : b;
  const scaled = mul(r, scale);
  const shifted = add(scaled, a);
  runKernel(backend, "unary", { op: COPY, x: shifted, out: self });
  self.storage.version++;
  r.dispose();
  scaled.dispose();
  shifted.dispose();
  return self;
}
