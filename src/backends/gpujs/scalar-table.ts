/**
 * The elementwise primitives as gpu.js expressions, by the name of their row in
 * `ops/elementwise/unary-table.ts` and `binary-table.ts`. The CPU's `js` functions are not
 * spliced in: a bundler's minifier may rewrite their text into forms gpu.js does not parse, and
 * some call helpers (erf) that gpu.js cannot see. These use only what gpu.js compiles to GLSL:
 * arithmetic, comparisons, `?:` and its list of Math functions.
 *
 * NaN and infinities follow IEEE rules in the `webasm`/`cpu` modes; WebGL only promises them
 * where the GPU does (FEATURES.md).
 */

/** f(x) for each unary primitive. */
export const UNARY_EXPR: Readonly<Record<string, string>> = {
  copy: "x",
  neg: "-x",
  abs: "Math.abs(x)",
  exp: "Math.exp(x)",
  exp2: "Math.pow(2.0, x)",
  log: "Math.log(x)",
  log2: "Math.log2(x)",
  log10: "Math.log10(x)",
  log1p: "Math.log1p(x)",
  expm1: "Math.expm1(x)",
  sqrt: "Math.sqrt(x)",
  rsqrt: "1.0 / Math.sqrt(x)",
  square: "x * x",
  reciprocal: "1.0 / x",
  sin: "Math.sin(x)",
  cos: "Math.cos(x)",
  tan: "Math.tan(x)",
  asin: "Math.asin(x)",
  acos: "Math.acos(x)",
  atan: "Math.atan(x)",
  sinh: "Math.sinh(x)",
  cosh: "Math.cosh(x)",
  // NOTE: WebGL's tanh (sinh/cosh) overflows to NaN for |x| past ~44; tanh(±20) is ±1 in float32
  tanh: "(x > 20.0 ? 1.0 : (x < -20.0 ? -1.0 : Math.tanh(x)))",
  sigmoid: "1.0 / (1.0 + Math.exp(-x))",
  relu: "(x > 0.0 ? x : (x != x ? x : 0.0))",
  // Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, within float32's tolerance here)
  erf: "(x >= 0.0 ? 1.0 : -1.0) * (1.0 - (((((1.061405429 * (1.0 / (1.0 + 0.3275911 * Math.abs(x))) - 1.453152027) * (1.0 / (1.0 + 0.3275911 * Math.abs(x))) + 1.421413741) * (1.0 / (1.0 + 0.3275911 * Math.abs(x))) - 0.284496736) * (1.0 / (1.0 + 0.3275911 * Math.abs(x))) + 0.254829592) * (1.0 / (1.0 + 0.3275911 * Math.abs(x)))) * Math.exp(-x * x))",
  sign: "(x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0))",
  floor: "Math.floor(x)",
  ceil: "Math.ceil(x)",
  // half to even, as PyTorch rounds
  round:
    "(Math.floor(x + 0.5) - x == 0.5 && Math.floor(x + 0.5) - 2.0 * Math.floor((x + 0.5) / 2.0) != 0.0 ? Math.floor(x + 0.5) - 1.0 : Math.floor(x + 0.5))",
  trunc: "Math.trunc(x)",
  logicalNot: "(x == 0.0 ? 1.0 : 0.0)",
  isnan: "(x != x ? 1.0 : 0.0)",
  isinf: "(x == x && x - x != x - x ? 1.0 : 0.0)",
  isfinite: "(x - x == x - x ? 1.0 : 0.0)",
};

/** fmod(a, b) as C computes it (a - b trunc(a / b), but a itself for a finite a and infinite b). */
const FMOD = "(b == b && b - b != b - b && a - a == a - a ? a : a - b * Math.trunc(a / b))";

/** a^b for a != 1 and b != 0 (see `pow` below). */
const POW_ABS = "Math.pow(Math.abs(a), b)";
const POW_INT = `(b - 2.0 * Math.floor(b / 2.0) == 1.0 ? -${POW_ABS} : ${POW_ABS})`;
const POW_SIGNED = `(a < 0.0 ? (b == Math.floor(b) ? ${POW_INT} : Math.sqrt(a)) : ${POW_ABS})`;
const POW = `(a == Math.floor(a) && b == Math.floor(b) && b > 0.0 && Math.abs(${POW_SIGNED}) < 16777216.0 ? Math.round(${POW_SIGNED}) : ${POW_SIGNED})`;

/** f(a, b) for each binary primitive. */
export const BINARY_EXPR: Readonly<Record<string, string>> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "a / b",
  // C's pow: 1^y = 1 and (-1)^±inf = 1 even for NaN/inf y, and x^0 = 1
  // NOTE: GLSL's pow is exp2(b log2 a): undefined for a < 0, so the sign of a negative base
  // with an integer exponent is applied here (a fractional one gives sqrt(-1), NaN); and inexact
  // for integers (5^2 = 24.99...), so an integer power of an integer is rounded
  pow: `(a == 1.0 || b == 0.0 || (a == -1.0 && b == b && b - b != b - b) ? 1.0 : ${POW})`,
  maximum: "(a != a || b != b ? a + b : (a > b ? a : b))",
  minimum: "(a != a || b != b ? a + b : (a < b ? a : b))",
  clampMin: "(a < b ? b : a)",
  clampMax: "(a > b ? b : a)",
  reluBackward: "(b > 0.0 ? a : 0.0)",
  // Python's %: fmod, moved by b when the signs differ (remainder(-1, inf) = inf, as in PyTorch)
  remainder: `(${FMOD} != 0.0 && (${FMOD} < 0.0 ? 1.0 : 0.0) != (b < 0.0 ? 1.0 : 0.0) ? ${FMOD} + b : ${FMOD})`,
  fmod: FMOD,
  atan2: "Math.atan2(a, b)",
  divTrunc: "Math.trunc(a / b)",
  divFloor: "Math.floor(a / b)",
  eq: "(a == b ? 1.0 : 0.0)",
  ne: "(a != b ? 1.0 : 0.0)",
  lt: "(a < b ? 1.0 : 0.0)",
  le: "(a <= b ? 1.0 : 0.0)",
  gt: "(a > b ? 1.0 : 0.0)",
  ge: "(a >= b ? 1.0 : 0.0)",
  logicalAnd: "(a != 0.0 && b != 0.0 ? 1.0 : 0.0)",
  logicalOr: "(a != 0.0 || b != 0.0 ? 1.0 : 0.0)",
  logicalXor: "((a != 0.0 ? 1.0 : 0.0) != (b != 0.0 ? 1.0 : 0.0) ? 1.0 : 0.0)",
};
