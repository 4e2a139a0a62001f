import * as torch from "../../src/index.js";
import type { TensorOrScalar } from "../../src/index.js";
import { op, type Ins, type Kw, type OpInfo } from "./op-info.js";
import {
  as,
  bool,
  f32,
  i32,
  INF,
  map,
  NAN,
  randint,
  randn,
  sample,
  scalar,
  signedUniform,
  t,
  uniform,
  zeros,
  type Gen,
  type Sample,
} from "./sample.js";

/** Elementwise ops: unary, binary (tensor or JS-number operands), comparisons, ternary. */

/** A binary op's operands: two tensors, or a tensor and a JS number (`other` or `self`). */
export function operands(ins: Ins, kw: Kw): [TensorOrScalar, TensorOrScalar] {
  if (kw.self !== undefined) return [kw.self, ins[0]!];
  if (kw.other !== undefined) return [ins[0]!, kw.other];
  return [ins[0]!, ins[1]!];
}

const SPECIAL = [NAN, INF, -INF, 0, -0, 1, -1, 0.5, -2.5, 2.5, 1.5, -0.5, 3.7, -3.7, 100, -100];

/** The domain each unary op is differentiable on. */
const DOMAIN: Record<string, [number, number]> = {
  log: [0.1, 3],
  log2: [0.1, 3],
  log10: [0.1, 3],
  sqrt: [0.1, 3],
  rsqrt: [0.1, 3],
  reciprocal: [0.2, 3],
  log1p: [-0.9, 3],
  asin: [-0.9, 0.9],
  acos: [-0.9, 0.9],
  tan: [-1.2, 1.2],
};
const STEPS = new Set(["floor", "ceil", "round", "trunc", "sign", "frac"]);
const INT_OK = new Set([
  "neg",
  "abs",
  "sign",
  "square",
  "exp",
  "log",
  "sqrt",
  "sin",
  "sigmoid",
  "relu",
  "floor",
  "round",
  "reciprocal",
  "erf",
  "tanh",
  "logicalNot",
  "isnan",
  "isfinite",
  "cos",
  "exp2",
]);
const PREDICATES = new Set(["logicalNot", "isnan", "isinf", "isfinite"]);

function unaryInput(name: string, ...shape: number[]): Gen {
  const domain = DOMAIN[name];
  if (domain) return uniform(domain[0], domain[1], ...shape);
  if (STEPS.has(name)) return map(randn(...shape), (v) => v * 3);
  return randn(...shape);
}

/** The samples every unary op gets: random, 0-d, transposed, special values, empty, int32. */
function unarySamples(name: string): Sample[] {
  const grad = !PREDICATES.has(name);
  const s = [
    sample(`${name}/basic`, [unaryInput(name, 2, 3)], {}, { grad }),
    sample(`${name}/scalar`, [scalar(unaryInput(name, 1))], {}, { grad }),
    sample(`${name}/transposed`, [t(unaryInput(name, 3, 2), { transpose: [0, 1] })], {}, { grad }),
    sample(`${name}/special`, [f32(SPECIAL)], {}, { grad: false }),
  ];
  if (!["isnan", "isinf", "isfinite"].includes(name))
    s.push(sample(`${name}/empty`, [zeros(0, 3)], {}, { grad }));
  if (INT_OK.has(name))
    s.push(
      sample(`${name}/int32`, [
        ["log", "sqrt"].includes(name) ? randint(1, 9, 2, 3) : randint(-4, 5, 2, 3),
      ]),
    );
  return s;
}

/** Extra unary samples, by op. */
const UNARY_EXTRA: Record<string, Sample[]> = {
  abs: [sample("abs/negative_zero_grad", [f32([-0, 0, -2, 3])], {}, { noGradcheck: "kink at 0" })],
  relu: [sample("relu/zero_grad", [f32([0, -1, 2, -0])], {}, { noGradcheck: "kink at 0" })],
  sigmoid: [sample("sigmoid/saturate", [f32([-100, -20, 0, 20, 100])])],
  tanh: [sample("tanh/saturate", [f32([-100, -20, 0, 20, 100])])],
  exp: [sample("exp/large", [f32([80, 88, 89, -100, -104])], {}, { grad: false })],
  log: [sample("log/zero_and_negative", [f32([0, -0, -1, 1])], {}, { grad: false })],
  sqrt: [sample("sqrt/negative", [f32([-1, 0, 4])], {}, { grad: false })],
  round: [
    sample(
      "round/half_even",
      [f32([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 2.5000002])],
      {},
      {
        noGradcheck: "steps at the half-integers",
      },
    ),
  ],
  erf: [sample("erf/wide", [f32([-6, -3, -1, -0.1, 0, 0.1, 1, 3, 6])])],
  expm1: [sample("expm1/tiny", [f32([1e-10, -1e-7, 1e-5, 0])])],
  log1p: [sample("log1p/tiny", [f32([1e-10, -1e-7, 1e-5, 0])])],
  logicalNot: [
    sample("logicalNot/bool", [bool([true, false, true])]),
    sample("logicalNot/float", [f32([0, 1.5, NAN, -0])]),
  ],
  isinf: [sample("isinf/int32", [i32([0, 1, -2])])],
};

const unary = (
  name: string,
  method: (x: torch.Tensor) => torch.Tensor,
  torchName: string,
  extra: Partial<OpInfo> = {},
): OpInfo =>
  op({
    name,
    family: "elementwise",
    call: ([x]) => method(x!),
    torch: `unary(${torchName})`,
    samples: [...unarySamples(name), ...(UNARY_EXTRA[name] ?? [])],
    ...(PREDICATES.has(name) ? { noGradcheck: "a predicate: bool output" } : {}),
    ...extra,
  });

const inplaceUnary = (method: string) => ({
  method,
  call: ([x]: Ins) => (x as unknown as Record<string, () => torch.Tensor>)[method]!(),
});

// ---- binary ----

const BINARY = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "minimum",
  "maximum",
  "remainder",
  "fmod",
  "atan2",
] as const;

/** Broadcasting, 0-d, layouts, empties and JS-number operands, for every arithmetic binary op. */
function binarySamples(name: string): Sample[] {
  const pos = name === "pow";
  const divisor = ["div", "remainder", "fmod"].includes(name);
  const a = (...s: number[]) => (pos ? uniform(0.5, 2, ...s) : randn(...s));
  const b = (...s: number[]) => (divisor ? signedUniform(0.5, 2, ...s) : randn(...s));
  const jumps = ["remainder", "fmod"].includes(name) ? { noGradcheck: "jumps" } : {};
  const c = (what: string, ins: Gen[], kw: Kw = {}) => sample(`${name}/${what}`, ins, kw, jumps);
  return [
    c("same_shape", [a(2, 3), b(2, 3)]),
    c("broadcast_row", [a(2, 3), b(3)]),
    c("broadcast_col_row", [a(2, 1), b(1, 3)]),
    c("broadcast_left", [a(3), b(2, 3)]),
    c("broadcast_3d", [a(2, 1, 3), b(4, 1)]),
    c("scalar_tensor", [a(2, 3), scalar(b(1))]),
    c("scalar_tensor_left", [scalar(a(1)), b(2, 3)]),
    c("both_scalar", [scalar(a(1)), scalar(b(1))]),
    c("size1_dims", [a(1, 3, 1), b(1, 1, 2)]),
    c("transposed", [t(a(3, 2), { transpose: [0, 1] }), b(2, 3)]),
    c("both_transposed", [t(a(3, 2), { transpose: [0, 1] }), t(b(3, 2), { transpose: [1, 0] })]),
    c("sliced", [t(a(4, 3), { slice: "::2, :" }), b(2, 3)]),
    c("expanded", [t(a(1, 3), { expand: [2, 3] }), b(2, 3)]),
    c("empty", [a(0, 3), b(3)]),
    c("scalar_other", [a(2, 3)], { other: pos ? 2.5 : 1.5 }),
    c("scalar_other_negative", [a(2, 3)], { other: pos ? -1.5 : -0.75 }),
    c("scalar_self", [pos ? randn(2, 3) : b(2, 3)], { self: pos ? 2 : 1.25 }),
  ];
}

/** int32 operands and int32/float mixes, for the ops that take them. */
function intSamples(name: string): Sample[] {
  const ia = (...s: number[]) => randint(-6, 7, ...s);
  const inz = (...s: number[]) => as(map(signedUniform(1, 5, ...s), Math.trunc), "int32");
  const divisor = ["remainder", "fmod", "div"].includes(name);
  return [
    sample(`${name}/int32`, [ia(2, 3), divisor ? inz(2, 3) : ia(2, 3)]),
    sample(`${name}/int32_float32`, [ia(2, 3), divisor ? uniform(0.5, 2, 2, 3) : randn(2, 3)]),
    sample(`${name}/int32_scalar_int`, [ia(2, 3)], { other: 3 }),
    sample(`${name}/int32_scalar_float`, [ia(2, 3)], { other: 2.5 }),
  ];
}
const INT_BINARY = new Set(["add", "sub", "mul", "maximum", "minimum", "remainder", "fmod", "div"]);

const noGrad = { grad: false } as const;
const BINARY_EXTRA: Record<string, Sample[]> = {
  add: [
    sample("add/alpha", [randn(2, 3), randn(2, 3)], { alpha: 2.5 }),
    sample("add/alpha_broadcast", [randn(2, 3), randn(3)], { alpha: -0.5 }),
    sample("add/scalar_other_inf", [randn(2, 3)], { other: INF }, noGrad),
    sample(
      "add/nan_inf",
      [f32([NAN, INF, -INF, INF, 1, 0]), f32([1, 1, 1, -INF, NAN, -0])],
      {},
      noGrad,
    ),
    sample("add/bool_int32", [bool([true, false, true]), i32([3, 4, -5])]),
    sample("add/bool_bool", [bool([true, false, true, false]), bool([true, true, false, false])]),
    sample("add/bool_scalar_int", [bool([true, false])], { other: 2 }),
    sample("add/float32_float64", [randn(2, 3), as(randn(2, 3), "float64")]),
    sample("add/float32_float64_0dim", [randn(2, 3), as(scalar(randn(1)), "float64")]),
    sample("add/int32_float32_0dim", [randint(-6, 7, 2, 3), scalar(randn(1))]),
  ],
  sub: [sample("sub/alpha", [randn(2, 3), randn(2, 3)], { alpha: 3 })],
  mul: [
    sample("mul/scalar_other_nan", [randn(2, 3)], { other: NAN }, noGrad),
    sample(
      "mul/nan_inf",
      [f32([NAN, INF, -INF, INF, 0, 0]), f32([1, 2, -1, 0, INF, -1])],
      {},
      noGrad,
    ),
    sample("mul/bool_float32", [bool([true, false, true]), randn(3)]),
    sample("mul/float32_int32_0dim", [randn(2, 3), i32(3)]),
  ],
  div: [
    sample("div/by_zero", [f32([1, -1, 0, NAN, INF]), f32([0, 0, 0, 1, INF])], {}, noGrad),
    sample("div/negative_zero", [f32([1, -1]), f32([-0, -0])], {}, noGrad),
    sample("div/int32_true_division", [i32([7, -7, 6, 1]), i32([2, 2, 3, -4])]),
    sample("div/int32_scalar_int_true_division", [i32([7, -7, 6, 1])], { other: 2 }),
    ...(["trunc", "floor"] as const).flatMap((mode) => {
      const steps = { noGradcheck: "rounding steps" };
      return [
        sample(
          `div/${mode}_float`,
          [f32([7.5, -7.5, 6, -0.5, 1, -1]), f32([2, 2, -4, 3, -3, 0.3])],
          { roundingMode: mode },
          steps,
        ),
        sample(`div/${mode}_int32`, [i32([7, -7, 6, -1, 0, 9]), i32([2, 2, -4, 3, -3, 3])], {
          roundingMode: mode,
        }),
        sample(
          `div/${mode}_scalar`,
          [f32([7.5, -7.5, 6, -0.5])],
          { other: 2, roundingMode: mode },
          steps,
        ),
        sample(`div/${mode}_int32_scalar`, [i32([7, -7, 6, -1])], { other: 2, roundingMode: mode }),
        sample(
          `div/${mode}_broadcast_grad`,
          [map(randn(2, 3), (v) => v * 4), uniform(0.5, 2, 3)],
          { roundingMode: mode },
          steps,
        ),
      ];
    }),
  ],
  remainder: [
    sample(
      "remainder/negative_float",
      [f32([-7.5, 7.5, -7.5, 7.5, -0, 3]), f32([2, -2, -2, 2, 2, 1.5])],
      {},
      { noGradcheck: "jumps" },
    ),
    sample("remainder/int32_negative", [i32([-7, 7, -7, 7, 0, -6]), i32([2, -2, -2, 2, 3, 3])]),
    // PyTorch's values: fmod moved by b when the signs differ (1 % inf = 1, -1 % inf = inf); the
    // gradient of b is skipped: floor(-1 / inf) is -0 here and PyTorch's floor division gives -1
    sample(
      "remainder/inf_divisor",
      [f32([1, -1, 0, INF, 5, -5]), f32([INF, INF, INF, INF, -INF, -INF])],
      {},
      { grad: false },
    ),
  ],
  fmod: [
    sample(
      "fmod/negative_float",
      [f32([-7.5, 7.5, -7.5, 7.5, -0, 3]), f32([2, -2, -2, 2, 2, 1.5])],
      {},
      { noGradcheck: "jumps" },
    ),
    sample("fmod/int32_negative", [i32([-7, 7, -7, 7, 0, -6]), i32([2, -2, -2, 2, 3, 3])]),
  ],
  pow: [
    sample(
      "pow/negative_base_int_exponent",
      [f32([-2, -3, -0.5, -1, 2, -2]), f32([2, 3, -1, 5, -2, 0])],
      {},
      { noGradcheck: "the exponent's gradient is NaN at a negative base" },
    ),
    sample("pow/negative_base_fractional", [f32([-2, -0.5, 2]), f32([0.5, 1.5, 0.5])], {}, noGrad),
    sample("pow/zero_zero", [f32([0, 0, 0, 2]), f32([0, 1, -1, 0])], {}, noGrad),
    sample(
      "pow/zero_base_grad",
      [f32([0, 0, 0, 1]), f32([0, 1, 2, 0])],
      {},
      { noGradcheck: "0^y has no derivative in y" },
    ),
    sample("pow/scalar_square", [randn(2, 3)], { other: 2 }),
    sample("pow/scalar_cube_negative_base", [randn(2, 3)], { other: 3 }),
    sample("pow/scalar_negative_int", [signedUniform(0.5, 2, 2, 3)], { other: -2 }),
    sample("pow/scalar_half", [uniform(0.1, 3, 2, 3)], { other: 0.5 }),
    sample("pow/scalar_zero_exponent", [f32([0, -1, 2])], { other: 0 }),
    sample("pow/int32", [i32([2, -3, 0, 1, 5]), i32([3, 3, 0, 7, 2])]),
    sample("pow/int32_scalar", [i32([2, -3, 0, 1, 5])], { other: 2 }),
    sample("pow/int32_scalar_float", [i32([2, 3, 0, 1, 5])], { other: 0.5 }),
    sample(
      "pow/scalar_self_negative",
      [f32([2, 3, -1, 0.5])],
      { self: -2 },
      { noGradcheck: "NaN gradient at a negative base" },
    ),
    sample(
      "pow/inf_nan",
      [f32([INF, -INF, NAN, NAN, 0.5, 2, -INF, 0]), f32([2, 3, 0, 1, INF, -INF, -1, -2])],
      {},
      noGrad,
    ),
    sample(
      "pow/one_base_nan_inf",
      [f32([1, 1, 1, -1, -1]), f32([NAN, INF, -INF, INF, -INF])],
      {},
      noGrad,
    ),
  ],
  atan2: [
    sample(
      "atan2/quadrants",
      [f32([0, 0, -0, 1, -1, 1, -1, INF]), f32([0, -1, -1, 0, 0, -1, -1, INF])],
      {},
      noGrad,
    ),
    sample("atan2/int32", [i32([1, -1, 2]), i32([1, 1, -3])]),
  ],
};
for (const name of ["minimum", "maximum"]) {
  BINARY_EXTRA[name] = [
    sample(`${name}/nan`, [f32([NAN, 1, NAN, INF, -INF]), f32([1, NAN, NAN, 1, 1])], {}, noGrad),
    sample(
      `${name}/ties_grad`,
      [f32([1, 2, 3, -1]), f32([1, 1, 3, 0])],
      {},
      { noGradcheck: "ties" },
    ),
  ];
}

const PY_BINARY: Record<(typeof BINARY)[number], string> = {
  add: "add_op",
  sub: "sub_op",
  mul: "binop(lambda a, b: a * b)",
  div: "div_op",
  pow: "binop(torch.pow)",
  minimum: "binop(torch.minimum, True)",
  maximum: "binop(torch.maximum, True)",
  remainder: "binop(torch.remainder, True)",
  fmod: "binop(torch.fmod, True)",
  atan2: "binop(torch.atan2, True)",
};

const alphaOpt = (kw: Kw) => (kw.alpha === undefined ? undefined : { alpha: kw.alpha });
const CALL_BINARY: Record<(typeof BINARY)[number], OpInfo["call"]> = {
  add: (ins, kw) => torch.add(...operands(ins, kw), alphaOpt(kw)),
  sub: (ins, kw) => torch.sub(...operands(ins, kw), alphaOpt(kw)),
  mul: (ins, kw) => torch.mul(...operands(ins, kw)),
  div: (ins, kw) =>
    torch.div(
      ...operands(ins, kw),
      kw.roundingMode ? { roundingMode: kw.roundingMode } : undefined,
    ),
  pow: (ins, kw) => torch.pow(...operands(ins, kw)),
  minimum: (ins, kw) => torch.minimum(...operands(ins, kw)),
  maximum: (ins, kw) => torch.maximum(...operands(ins, kw)),
  remainder: (ins, kw) => torch.remainder(...operands(ins, kw)),
  fmod: (ins, kw) => torch.fmod(...operands(ins, kw)),
  atan2: (ins, kw) => torch.atan2(...operands(ins, kw)),
};

/** In-place binary variants: `x.add_(other, { alpha })`, ... (tensor-first operands only). */
const INPLACE_BINARY: Partial<Record<(typeof BINARY)[number], OpInfo["inplace"]>> = {
  add: { method: "add_", call: ([x, y], kw) => x!.add_(y ?? kw.other!, alphaOpt(kw)) },
  sub: { method: "sub_", call: ([x, y], kw) => x!.sub_(y ?? kw.other!, alphaOpt(kw)) },
  mul: { method: "mul_", call: ([x, y], kw) => x!.mul_(y ?? kw.other!) },
  div: {
    method: "div_",
    call: ([x, y], kw) => x!.div_(y ?? kw.other!),
    applies: (s) => s.kwargs.roundingMode === undefined,
  },
  pow: { method: "pow_", call: ([x, y], kw) => x!.pow_(y ?? kw.other!) },
};

const binaryOps = BINARY.map((name) =>
  op({
    name,
    family: "elementwise",
    call: CALL_BINARY[name],
    torch: PY_BINARY[name],
    samples: [
      ...binarySamples(name),
      ...(INT_BINARY.has(name) ? intSamples(name) : []),
      ...(BINARY_EXTRA[name] ?? []),
    ],
    ...(INPLACE_BINARY[name] ? { inplace: INPLACE_BINARY[name] } : {}),
  }),
);

// ---- comparisons and logic ----

const COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"] as const;
const comparisonOps = COMPARISONS.map((name) =>
  op({
    name,
    family: "elementwise",
    call: (ins, kw) => torch[name](...operands(ins, kw)),
    torch: `binop(torch.${name})`,
    noGradcheck: "a comparison: bool output",
    samples: [
      sample(`${name}/float_nan`, [
        f32([1, 2, NAN, INF, -INF, 0, -0, 3]),
        f32([1, 3, NAN, INF, 0, -0, 0, 2]),
      ]),
      sample(`${name}/broadcast`, [
        as(randint(0, 3, 2, 3), "float32"),
        as(randint(0, 3, 3), "float32"),
      ]),
      sample(`${name}/scalar_other`, [f32([1, 2, 2.5, NAN])], { other: 2 }),
      sample(`${name}/int32_float32`, [i32([1, 2, 3]), f32([1, 2.5, 2.9])]),
      sample(`${name}/int32`, [i32([1, 2, 3, -1]), i32([1, 3, 2, -1])]),
      sample(`${name}/int32_scalar_float`, [i32([1, 2, 3])], { other: 2.5 }),
      sample(`${name}/bool`, [bool([true, false, true, false]), bool([true, true, false, false])]),
      sample(`${name}/transposed`, [
        t(as(randint(0, 3, 3, 2), "float32"), { transpose: [0, 1] }),
        as(randint(0, 3, 2, 3), "float32"),
      ]),
      sample(`${name}/empty`, [zeros(0, 2), zeros(1, 2)]),
    ],
  }),
);

const LOGICAL = {
  logicalAnd: "logical_and",
  logicalOr: "logical_or",
  logicalXor: "logical_xor",
} as const;
const logicalOps = (Object.keys(LOGICAL) as (keyof typeof LOGICAL)[]).map((name) =>
  op({
    name,
    family: "elementwise",
    call: (ins, kw) => torch[name](...operands(ins, kw)),
    torch: `binop(torch.${LOGICAL[name]}, True)`,
    noGradcheck: "a logical op: bool output",
    samples: [
      sample(`${name}/bool`, [bool([true, false, true, false]), bool([true, true, false, false])]),
      sample(`${name}/float`, [f32([0, 1.5, NAN, -0, 2, 0]), f32([0, 0, 1, 1, -3, NAN])]),
      sample(`${name}/int32_broadcast`, [
        i32([
          [0, 1, 2],
          [3, 0, -1],
        ]),
        i32([1, 0, 0]),
      ]),
      sample(`${name}/bool_float`, [bool([true, false, true]), f32([0, 2, 0.5])]),
    ],
  }),
);

// ---- clamp and the ternary composites ----

const clampX = map(randn(3, 4), (v) => v * 2);
const clampOp = op({
  name: "clamp",
  family: "elementwise",
  aliases: ["clip"],
  call: ([x, lo, hi], kw) => (lo ? x!.clamp(lo, hi) : x!.clamp(kw.min, kw.max)),
  torch: "clamp_op",
  inplace: {
    method: "clamp_",
    call: ([x], kw) => x!.clamp_(kw.min, kw.max),
    applies: (s) => s.inputs.length === 1,
  },
  samples: [
    sample("clamp/min_only", [clampX], { min: -0.5 }),
    sample("clamp/max_only", [clampX], { max: 0.5 }),
    sample("clamp/both", [clampX], { min: -0.5, max: 0.5 }),
    sample("clamp/min_greater_than_max", [clampX], { min: 1, max: -1 }),
    sample("clamp/nan_inf", [f32([NAN, INF, -INF, 0.3])], { min: -1, max: 1 }, noGrad),
    sample("clamp/inf_bounds", [f32([NAN, INF, -INF, 0.3, 5])], { min: -INF, max: 1 }, noGrad),
    sample(
      "clamp/boundary_grad",
      [f32([-1, -0.5, 0, 0.5, 1])],
      { min: -0.5, max: 0.5 },
      {
        noGradcheck: "kinks at the bounds",
      },
    ),
    sample("clamp/int32", [randint(-5, 6, 2, 3)], { min: -2, max: 3 }),
    sample("clamp/int32_float_bound", [randint(-5, 6, 2, 3)], { min: -2.5 }, noGrad),
    sample("clamp/scalar_input", [f32(1.7)], { max: 1 }),
    sample("clamp/transposed", [t(randn(3, 2), { transpose: [0, 1] })], { min: -0.3, max: 0.4 }),
    sample("clamp/tensor_bounds", [
      randn(2, 3),
      map(randn(3), (v) => -0.3 + v * 0.1),
      f32([[0.4], [0.4]]),
    ]),
    sample("clamp/empty", [zeros(0, 3)], { min: 0 }),
  ],
});

const ternaryOps = [
  op({
    name: "addcmul",
    family: "elementwise",
    call: ([x, a, b], kw) => torch.addcmul(x!, a!, b!, { value: kw.value }),
    torch: "lambda xs, kw: torch.addcmul(xs[0], xs[1], xs[2], value=kw.get('value', 1))",
    inplace: {
      method: "addcmul_",
      call: ([x, a, b], kw) => x!.addcmul_(a!, b!, { value: kw.value }),
    },
    samples: [
      sample("addcmul/basic", [randn(2, 3), randn(2, 3), randn(2, 3)], { value: 0.5 }),
      sample("addcmul/broadcast", [randn(3), randn(2, 1), randn(2, 3)]),
    ],
  }),
  op({
    name: "addcdiv",
    family: "elementwise",
    call: ([x, a, b], kw) => torch.addcdiv(x!, a!, b!, { value: kw.value }),
    torch: "lambda xs, kw: torch.addcdiv(xs[0], xs[1], xs[2], value=kw.get('value', 1))",
    inplace: {
      method: "addcdiv_",
      call: ([x, a, b], kw) => x!.addcdiv_(a!, b!, { value: kw.value }),
    },
    samples: [
      sample("addcdiv/basic", [randn(2, 3), randn(2, 3), uniform(0.5, 2, 2, 3)], { value: -2 }),
      sample("addcdiv/broadcast", [randn(2, 3), randn(3), uniform(0.5, 2, 2, 1)]),
    ],
  }),
  op({
    name: "lerp",
    family: "elementwise",
    call: ([x, end, w], kw) => x!.lerp(end!, w ?? kw.weight!),
    torch: "lambda xs, kw: torch.lerp(xs[0], xs[1], xs[2] if len(xs) > 2 else kw['weight'])",
    inplace: {
      method: "lerp_",
      call: ([x, end], kw) => x!.lerp_(end!, kw.weight!),
      applies: (s) => s.inputs.length === 2,
    },
    samples: [
      sample("lerp/scalar_weight", [randn(2, 3), randn(2, 3)], { weight: 0.3 }),
      sample("lerp/tensor_weight", [randn(2, 3), randn(2, 3), uniform(0, 1, 2, 3)]),
      sample("lerp/broadcast", [randn(2, 3), randn(3)], { weight: 0.75 }),
    ],
  }),
];

// ---- the unary table ----

type UnaryName =
  | "neg"
  | "abs"
  | "exp"
  | "exp2"
  | "log"
  | "log2"
  | "log10"
  | "log1p"
  | "expm1"
  | "sqrt"
  | "rsqrt"
  | "square"
  | "reciprocal"
  | "sin"
  | "cos"
  | "tan"
  | "asin"
  | "acos"
  | "atan"
  | "sinh"
  | "cosh"
  | "tanh"
  | "sigmoid"
  | "relu"
  | "erf"
  | "sign"
  | "floor"
  | "ceil"
  | "round"
  | "trunc"
  | "logicalNot"
  | "isnan"
  | "isinf"
  | "isfinite";

/** webtorch name -> PyTorch function (where the names differ). */
const UNARY_TORCH: Partial<Record<UnaryName, string>> = {
  logicalNot: "torch.logical_not",
};
const UNARY_INPLACE = new Set(["neg", "sqrt", "exp", "relu"]);
const UNARY_NAMES: UnaryName[] = [
  "neg",
  "abs",
  "exp",
  "exp2",
  "log",
  "log2",
  "log10",
  "log1p",
  "expm1",
  "sqrt",
  "rsqrt",
  "square",
  "reciprocal",
  "sin",
  "cos",
  "tan",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "tanh",
  "sigmoid",
  "relu",
  "erf",
  "sign",
  "floor",
  "ceil",
  "round",
  "trunc",
  "logicalNot",
  "isnan",
  "isinf",
  "isfinite",
];

/**
 * WGSL promises sin and cos only to an absolute error of 2^-11 on [-pi, pi] (the WGSL spec's
 * "Floating Point Accuracy"): lavapipe is exact here, but SwiftShader (Chromium's WebGPU without a
 * GPU, test/browser/) is off by up to ~2e-4.
 */
const WGSL_TRIG_TOL = { webgpu: { rtol: 1e-4, atol: 2 ** -11 } };

const unaryOps = UNARY_NAMES.map((name) =>
  unary(name, (x) => x[name](), UNARY_TORCH[name] ?? `torch.${name}`, {
    ...(UNARY_INPLACE.has(name) ? { inplace: inplaceUnary(`${name}_`) } : {}),
    ...(name === "sin" || name === "cos" ? { tol: WGSL_TRIG_TOL } : {}),
  }),
);

/** `frac` is a Tensor method only (x - trunc(x)). */
const fracOp = unary("frac", (x) => x.frac(), "torch.frac", {
  samples: unarySamples("frac").filter((s) => !s.name.endsWith("/int32")),
});

/** `rsub` and `floorDivide` are Tensor methods (PyTorch's `torch.rsub`, `torch.floor_divide`). */
const tensorMethodBinaryOps = [
  op({
    name: "rsub",
    family: "elementwise",
    call: ([x, y], kw) => x!.rsub(y ?? kw.other!),
    torch: "lambda xs, kw: torch.rsub(xs[0], xs[1] if len(xs) > 1 else kw['other'])",
    samples: [
      sample("rsub/same_shape", [randn(2, 3), randn(2, 3)]),
      sample("rsub/broadcast", [randn(2, 3), randn(3)]),
      sample("rsub/scalar_other", [randn(2, 3)], { other: 1.5 }),
      sample("rsub/int32", [randint(-6, 7, 2, 3), randint(-6, 7, 2, 3)]),
    ],
  }),
  op({
    name: "floorDivide",
    family: "elementwise",
    call: ([x, y], kw) => x!.floorDivide(y ?? kw.other!),
    // PyTorch 1.13's floor_divide rounds toward -inf (div with rounding_mode="floor")
    torch: "lambda xs, kw: torch.floor_divide(xs[0], xs[1] if len(xs) > 1 else kw['other'])",
    noGradcheck: "piecewise constant: PyTorch has no derivative for floor_divide",
    samples: [
      sample(
        "floorDivide/float",
        [f32([7.5, -7.5, 6, -0.5, 1, -1]), f32([2, 2, -4, 3, -3, 0.3])],
        {},
        noGrad,
      ),
      sample("floorDivide/int32", [i32([7, -7, 6, -1, 0, 9]), i32([2, 2, -4, 3, -3, 3])]),
      sample("floorDivide/scalar_other", [f32([7.5, -7.5, 6, -0.5])], { other: 2 }, noGrad),
      sample(
        "floorDivide/broadcast",
        [map(randn(2, 3), (v) => v * 4), uniform(0.5, 2, 3)],
        {},
        noGrad,
      ),
    ],
  }),
];

export const ELEMENTWISE: OpInfo[] = [
  ...unaryOps,
  fracOp,
  ...binaryOps,
  ...tensorMethodBinaryOps,
  ...comparisonOps,
  ...logicalOps,
  clampOp,
  ...ternaryOps,
];
