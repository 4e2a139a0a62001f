import type { Tensor } from "../../src/index.js";
import { op, type OpInfo } from "./op-info.js";
import {
  bool,
  distinct,
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
  zeros,
  type Gen,
  type Sample,
  type SampleKwargs,
} from "./sample.js";

/** Reductions: sum/mean/prod/amax/amin, max/min, argmax/argmin, var/std, logsumexp, softmax,
 * cumulative sums and products, all/any and norm. */

/** max/min along a dim return (values, indices); the runners compare both. */
const pair = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];
const noGrad = { grad: false } as const;
const ties = { noGradcheck: "ties: PyTorch splits the gradient among equal extremes" } as const;

// ---- sum, mean, prod, amax, amin ----

type Simple = "sum" | "mean" | "prod" | "amax" | "amin";

/** The random inputs of each simple reduction: no ties for amax/amin, no zeros for prod. */
function simpleInput(name: Simple): (...shape: number[]) => Gen {
  if (name === "amax" || name === "amin") return distinct;
  if (name === "prod") return (...s) => signedUniform(0.5, 1.5, ...s);
  return randn;
}

/** All elements, dims, keepdim, 0-d, layouts, dim lists (not prod: one dim only) and int32. */
function simpleSamples(name: Simple): Sample[] {
  const make = simpleInput(name);
  const c = (what: string, ins: Gen[], kw: SampleKwargs = {}) => sample(`${name}/${what}`, ins, kw);
  const s = [
    c("all", [make(2, 3, 4)]),
    c("dim0", [make(2, 3, 4)], { dim: 0 }),
    c("dim_neg1", [make(2, 3, 4)], { dim: -1 }),
    c("dim1_keepdim", [make(2, 3, 4)], { dim: 1, keepdim: true }),
    c("scalar", [scalar(make(1))]),
    c("scalar_dim0", [scalar(make(1))], { dim: 0 }),
    c("size1_dim", [make(3, 1)], { dim: 1 }),
    c("transposed", [t(make(4, 3), { transpose: [0, 1] })], { dim: 1 }),
    c("sliced", [t(make(4, 6), { slice: "1:, ::2" })], { dim: 0 }),
    c("1d", [make(7)], { dim: 0 }),
  ];
  if (name !== "prod")
    s.push(
      c("dims_list", [make(2, 3, 4)], { dim: [0, 2] }),
      c("dims_list_keepdim_neg", [make(2, 3, 4)], { dim: [-1, -3], keepdim: true }),
      c("all_keepdim", [make(2, 3)], { dim: null, keepdim: true }),
    );
  if (name !== "mean")
    s.push(c("int32", [randint(-3, 4, 3, 4)], { dim: 1 }), c("int32_all", [randint(-3, 4, 3, 4)]));
  return s;
}

const SIMPLE_EXTRA: Record<Simple, Sample[]> = {
  sum: [
    sample(
      "sum/bool",
      [
        bool([
          [true, false, true],
          [true, true, true],
        ]),
      ],
      { dim: 1 },
    ),
    sample("sum/bool_all", [bool([true, false, true])]),
    sample("sum/empty_all", [zeros(0, 3)]),
    sample("sum/empty_dim0", [zeros(0, 3)], { dim: 0 }),
    sample("sum/empty_dim1", [zeros(0, 3)], { dim: 1 }),
    sample(
      "sum/inf",
      [
        f32([
          [1, INF, 2],
          [INF, -INF, 0],
          [NAN, 1, 1],
        ]),
      ],
      { dim: 1 },
      noGrad,
    ),
    sample("sum/large_1d", [randn(64)]),
    // PyTorch 1.13: an empty dim list reduces every dim (torch.ones(2, 3).sum([]) is 6)
    sample("sum/dims_empty_list", [randn(2, 3)], { dim: [] }),
    sample("sum/dims_empty_list_keepdim", [randn(2, 3)], { dim: [], keepdim: true }),
  ],
  mean: [
    sample("mean/empty_all", [zeros(0, 3)], {}, noGrad),
    sample("mean/dims_empty_list", [randn(2, 3)], { dim: [] }),
    sample(
      "mean/nan",
      [
        f32([
          [1, NAN, 2],
          [1, 2, 3],
        ]),
      ],
      { dim: 1 },
      noGrad,
    ),
  ],
  prod: [
    sample("prod/bool_all", [bool([true, false, true])]),
    sample("prod/empty_dim0", [zeros(0, 3)], { dim: 0 }),
    sample(
      "prod/inf_zero",
      [
        f32([
          [INF, 0],
          [INF, -2],
          [NAN, 0],
        ]),
      ],
      { dim: 1 },
      noGrad,
    ),
    sample(
      "prod/with_zero_grad",
      [
        f32([
          [2, 0, 3],
          [1.5, -2, 0.5],
        ]),
      ],
      { dim: 1 },
    ),
    sample("prod/two_zeros_grad", [f32([0, 2, 0, 3])]),
  ],
  amax: [],
  amin: [],
};
for (const name of ["amax", "amin"] as const) {
  SIMPLE_EXTRA[name] = [
    sample(
      `${name}/nan`,
      [
        f32([
          [1, NAN, 2],
          [INF, 1, 0],
          [-INF, -INF, -INF],
        ]),
      ],
      { dim: 1 },
      noGrad,
    ),
    sample(
      `${name}/ties_grad`,
      [
        f32([
          [1, 3, 3],
          [2, 2, 2],
        ]),
      ],
      { dim: 1 },
      ties,
    ),
    sample(
      `${name}/ties_grad_all`,
      [
        f32([
          [1, 3, 3],
          [-1, 3, -1],
        ]),
      ],
      {},
      ties,
    ),
    sample(`${name}/dims_empty_list`, [randn(2, 3)], { dim: [] }),
  ];
}

const SIMPLE_CALL: Record<Simple, OpInfo["call"]> = {
  sum: ([x], kw) => x!.sum(kw.dim, kw.keepdim),
  mean: ([x], kw) => x!.mean(kw.dim, kw.keepdim),
  prod: ([x], kw) => x!.prod(kw.dim as number | null | undefined, kw.keepdim),
  amax: ([x], kw) => x!.amax(kw.dim, kw.keepdim),
  amin: ([x], kw) => x!.amin(kw.dim, kw.keepdim),
};

const simpleOps = (["sum", "mean", "prod", "amax", "amin"] as const).map((name) =>
  op({
    name,
    family: "reduce",
    call: SIMPLE_CALL[name],
    torch: `reduce_op(torch.${name})`,
    samples: [...simpleSamples(name), ...SIMPLE_EXTRA[name]],
  }),
);

// ---- max, min (all elements, or values and indices along a dim) ----

const maxMinOps = (["max", "min"] as const).map((name) =>
  op({
    name,
    family: "reduce",
    call: ([x], kw) =>
      kw.dim === undefined ? x![name]() : pair(x![name](kw.dim as number, kw.keepdim)),
    torch: `maxmin_op(torch.${name})`,
    samples: [
      sample(`${name}/all`, [distinct(3, 4)]),
      sample(
        `${name}/all_ties_grad`,
        [
          f32([
            [1, 5, -5],
            [5, -5, 2],
          ]),
        ],
        {},
        ties,
      ),
      sample(`${name}/all_nan`, [f32([1, NAN, 3])], {}, noGrad),
      sample(`${name}/dim1`, [distinct(3, 4)], { dim: 1 }),
      sample(`${name}/dim0_keepdim`, [distinct(3, 4)], { dim: 0, keepdim: true }),
      sample(`${name}/dim_neg1_3d`, [distinct(2, 3, 4)], { dim: -1 }),
      sample(`${name}/dim_transposed`, [t(distinct(4, 3), { transpose: [0, 1] })], { dim: 1 }),
      sample(`${name}/scalar_dim0`, [f32(1.5)], { dim: 0 }),
      sample(
        `${name}/nan_dim`,
        [
          f32([
            [1, NAN, 2],
            [INF, 1, 0],
            [-INF, -INF, 5],
          ]),
        ],
        { dim: 1 },
        noGrad,
      ),
      sample(
        `${name}/int32_dim`,
        [
          i32([
            [3, 1, 4],
            [1, 5, 9],
          ]),
        ],
        { dim: 1 },
      ),
      sample(
        `${name}/ties_first_index`,
        [
          f32([
            [2, 7, 7, 1],
            [1, 1, 0, 1],
          ]),
        ],
        { dim: 1 },
        noGrad,
      ),
    ],
  }),
);

// ---- argmax, argmin ----

const argOps = (["argmax", "argmin"] as const).map((name) =>
  op({
    name,
    family: "reduce",
    call: ([x], kw) => x![name](kw.dim as number | null | undefined, kw.keepdim),
    torch: `reduce_op(torch.${name})`,
    noGradcheck: "an index output: not differentiable",
    samples: [
      sample(`${name}/all`, [distinct(3, 4)]),
      sample(`${name}/dim1`, [distinct(3, 4)], { dim: 1 }),
      sample(`${name}/dim0_keepdim`, [distinct(3, 4)], { dim: 0, keepdim: true }),
      sample(`${name}/dim_neg1`, [distinct(2, 3, 4)], { dim: -1 }),
      sample(`${name}/transposed`, [t(distinct(4, 3), { transpose: [0, 1] })], { dim: 0 }),
      sample(
        `${name}/ties`,
        [
          f32([
            [2, 7, 7, 1],
            [1, 1, 0, 1],
          ]),
        ],
        { dim: 1 },
      ),
      sample(`${name}/ties_all`, [
        f32([
          [2, 7, 7, 0],
          [7, 0, 0, 1],
        ]),
      ]),
      sample(
        `${name}/nan`,
        [
          f32([
            [1, NAN, 2],
            [INF, 1, NAN],
            [-INF, -INF, 5],
          ]),
        ],
        { dim: 1 },
      ),
      sample(
        `${name}/int32`,
        [
          i32([
            [3, 1, 4],
            [1, 5, 9],
          ]),
        ],
        { dim: 0 },
      ),
      sample(`${name}/scalar`, [f32(2)]),
      sample(`${name}/all_keepdim`, [distinct(2, 3)], { dim: null, keepdim: true }),
    ],
  }),
);

// ---- var, std ----

const varStdOps = (["var", "std"] as const).map((name) =>
  op({
    name,
    family: "reduce",
    call: ([x], kw) => x![name](kw.dim, { correction: kw.correction, keepdim: kw.keepdim }),
    torch: `var_op(torch.${name})`,
    samples: [
      ...[0, 1].flatMap((correction) => [
        sample(`${name}/all_correction${correction}`, [randn(3, 4)], { correction }),
        sample(`${name}/dim1_correction${correction}`, [randn(3, 4)], { dim: 1, correction }),
        sample(`${name}/dims_list_keepdim_correction${correction}`, [randn(2, 3, 4)], {
          dim: [0, 2],
          correction,
          keepdim: true,
        }),
      ]),
      sample(`${name}/dim_neg1_keepdim`, [randn(2, 3, 4)], { dim: -1, keepdim: true }),
      // values only: PyTorch 1.13's var backward takes dim=[] as no dim (its gradient is -inf; the
      // 1.13 forward reduces every dim, and so do webtorch's value and gradient)
      sample(`${name}/dims_empty_list`, [randn(2, 3)], { dim: [] }, noGrad),
      sample(`${name}/transposed`, [t(randn(4, 3), { transpose: [0, 1] })], { dim: 0 }),
      sample(`${name}/single_element_correction1`, [randn(3, 1)], { dim: 1 }, noGrad),
      sample(
        `${name}/single_element_correction0`,
        [randn(3, 1)],
        { dim: 1, correction: 0 },
        name === "std" ? { noGradcheck: "sqrt at 0: the deviation of one element is 0" } : {},
      ),
      sample(`${name}/large_offset`, [map(randn(8), (v) => v + 1000)], { dim: 0 }, { ref64: true }),
    ],
  }),
);

// ---- logsumexp, softmax, logSoftmax ----

const logsumexpOp = op({
  name: "logsumexp",
  family: "reduce",
  call: ([x], kw) => x!.logsumexp(kw.dim!, kw.keepdim),
  torch: "lambda xs, kw: torch.logsumexp(xs[0], dims(kw), keepdim=kw.get('keepdim', False))",
  samples: [
    sample("logsumexp/dim1", [randn(3, 4)], { dim: 1 }),
    sample("logsumexp/dim0_keepdim", [randn(3, 4)], { dim: 0, keepdim: true }),
    sample("logsumexp/dims_list", [randn(2, 3, 4)], { dim: [0, 2] }),
    sample("logsumexp/dim_neg1", [randn(2, 3, 4)], { dim: -1 }),
    // ref64: PyTorch's float32 backward is exp(x - result) with result ~ 1000 (ulp 6e-5)
    sample(
      "logsumexp/large",
      [
        f32([
          [1000, 1000, 999],
          [-1000, -1001, -1000.5],
        ]),
      ],
      { dim: 1 },
      { ref64: true },
    ),
    sample(
      "logsumexp/neg_inf",
      [
        f32([
          [-INF, 0, 1],
          [-INF, -INF, -INF],
        ]),
      ],
      { dim: 1 },
      noGrad,
    ),
    sample(
      "logsumexp/neg_inf_grad",
      [
        f32([
          [-INF, 0, 1],
          [-INF, 2, -INF],
        ]),
      ],
      { dim: 1 },
    ),
    sample(
      "logsumexp/pos_inf_nan",
      [
        f32([
          [INF, 0],
          [NAN, 1],
          [INF, -INF],
        ]),
      ],
      { dim: 1 },
      noGrad,
    ),
    sample("logsumexp/transposed", [t(randn(4, 3), { transpose: [0, 1] })], { dim: 1 }),
    sample("logsumexp/scalar", [f32(0.7)], { dim: 0 }),
    sample(
      "logsumexp/int32",
      [
        i32([
          [1, 2],
          [3, 4],
        ]),
      ],
      { dim: 1 },
    ),
    sample("logsumexp/empty_dim", [zeros(2, 0)], { dim: 1 }, noGrad),
  ],
});

const SOFTMAX = { softmax: "softmax", logSoftmax: "log_softmax" } as const;
const softmaxOps = (["softmax", "logSoftmax"] as const).map((name) =>
  op({
    name,
    family: "reduce",
    call: ([x], kw) => x![name](kw.dim as number),
    torch: `lambda xs, kw: torch.${SOFTMAX[name]}(xs[0], kw['dim'])`,
    samples: [
      sample(`${name}/dim1`, [randn(3, 4)], { dim: 1 }),
      sample(`${name}/dim0`, [randn(3, 4)], { dim: 0 }),
      sample(`${name}/dim_neg1_3d`, [randn(2, 3, 4)], { dim: -1 }),
      sample(`${name}/dim1_3d`, [randn(2, 3, 4)], { dim: 1 }),
      sample(
        `${name}/large_logits`,
        [
          f32([
            [1000, 999, 998],
            [-1000, 0, 1000],
          ]),
        ],
        { dim: 1 },
      ),
      // a +inf input makes its slice NaN, as PyTorch's kernel (x - max is NaN there)
      sample(
        `${name}/pos_inf`,
        [
          f32([
            [INF, 0, 1],
            [2, -1, 0],
          ]),
        ],
        { dim: 1 },
        { grad: false },
      ),
      sample(
        `${name}/neg_inf`,
        [
          f32([
            [-INF, 0, 1],
            [2, -INF, -INF],
          ]),
        ],
        { dim: 1 },
      ),
      sample(
        `${name}/all_neg_inf_row`,
        [
          f32([
            [-INF, -INF],
            [0, 1],
          ]),
        ],
        { dim: 1 },
        noGrad,
      ),
      sample(`${name}/transposed`, [t(randn(4, 3), { transpose: [0, 1] })], { dim: 1 }),
      sample(`${name}/scalar`, [f32(0.7)], { dim: 0 }),
      sample(`${name}/size1_dim`, [randn(3, 1)], { dim: 1 }),
      sample(`${name}/empty`, [zeros(0, 3)], { dim: 1 }),
    ],
  }),
);

// ---- cumsum, cumprod ----

const cumulativeOps = (["cumsum", "cumprod"] as const).map((name) => {
  const make = (...s: number[]) =>
    name === "cumprod" ? signedUniform(0.5, 1.5, ...s) : randn(...s);
  return op({
    name,
    family: "reduce",
    call: ([x], kw) => x![name](kw.dim as number),
    torch: `lambda xs, kw: torch.${name}(xs[0], kw['dim'])`,
    samples: [
      sample(`${name}/dim0`, [make(3, 4)], { dim: 0 }),
      sample(`${name}/dim1`, [make(3, 4)], { dim: 1 }),
      sample(`${name}/dim_neg1_3d`, [make(2, 3, 4)], { dim: -1 }),
      sample(`${name}/transposed`, [t(make(4, 3), { transpose: [0, 1] })], { dim: 1 }),
      sample(`${name}/1d`, [make(8)], { dim: 0 }),
      sample(`${name}/scalar`, [f32(1.5)], { dim: 0 }),
      sample(`${name}/int32`, [randint(-3, 4, 2, 4)], { dim: 1 }),
      sample(`${name}/bool`, [bool([true, false, true, true])], { dim: 0 }),
      sample(`${name}/empty`, [zeros(0, 3)], { dim: 1 }),
      sample(`${name}/nan_inf`, [f32([1, NAN, 2, INF, -INF])], { dim: 0 }, noGrad),
      ...(name === "cumprod"
        ? [
            sample("cumprod/with_zero_grad", [f32([2, 0, 3, 0.5])], { dim: 0 }),
            sample(
              "cumprod/two_zeros_grad",
              [
                f32([
                  [2, 0, 3, 0, 4],
                  [0, 1.5, 0, 2, 0.5],
                ]),
              ],
              {
                dim: 1,
              },
            ),
          ]
        : []),
    ],
  });
});

// ---- all, any ----

const logicalReduceOps = (["all", "any"] as const).map((name) => {
  const bools = bool([
    [true, false, true],
    [true, true, true],
  ]);
  return op({
    name,
    family: "reduce",
    call: ([x], kw) => x![name](kw.dim as number | null | undefined, kw.keepdim),
    torch: `reduce_op(torch.${name})`,
    noGradcheck: "a logical reduction: bool output",
    samples: [
      sample(`${name}/bool_all`, [bools]),
      sample(`${name}/bool_dim1`, [bools], { dim: 1 }),
      sample(`${name}/bool_dim0_keepdim`, [bools], { dim: 0, keepdim: true }),
      sample(
        `${name}/float`,
        [
          f32([
            [0, 1, NAN],
            [2, -0, 3],
          ]),
        ],
        { dim: 1 },
      ),
      sample(
        `${name}/int32`,
        [
          i32([
            [0, 1, 2],
            [3, 4, -5],
          ]),
        ],
        { dim: 1 },
      ),
      sample(`${name}/empty`, [bool([])]),
      sample(`${name}/empty_dim`, [bool([[], []])], { dim: 1 }),
      sample(`${name}/scalar`, [bool(true)]),
      sample(
        `${name}/transposed`,
        [
          t(
            bool([
              [true, false],
              [true, true],
              [false, true],
            ]),
            { transpose: [0, 1] },
          ),
        ],
        { dim: 1 },
      ),
    ],
  });
});

// ---- norm ----

const NORM_P: [number, string][] = [
  [1, "p1"],
  [2, "p2"],
  [INF, "pinf"],
];
const normOp = op({
  name: "norm",
  family: "reduce",
  call: ([x], kw) => x!.norm(kw.p, kw.dim, kw.keepdim),
  torch:
    "lambda xs, kw: torch.norm(xs[0], p=kw.get('p', 2), dim=dims(kw), keepdim=kw.get('keepdim', False))",
  // distinct inputs: no zeros (kinks of |x|) and no ties of |x| (the inf-norm's max)
  samples: [
    ...NORM_P.flatMap(([p, pn]) => [
      sample(`norm/${pn}_all`, [distinct(3, 4)], { p }),
      sample(`norm/${pn}_dim1`, [distinct(3, 4)], { p, dim: 1 }),
      sample(`norm/${pn}_dim0_keepdim`, [distinct(3, 4)], { p, dim: 0, keepdim: true }),
      sample(`norm/${pn}_dims_list`, [distinct(2, 3, 4)], { p, dim: [1, 2] }),
    ]),
    sample("norm/p3_dim1", [distinct(3, 4)], { p: 3, dim: 1 }),
    sample("norm/p2_transposed", [t(distinct(4, 3), { transpose: [0, 1] })], { p: 2, dim: 1 }),
    // a zero norm has gradient 0 (PyTorch masks it), not NaN
    sample("norm/zero_grad", [zeros(2, 3)], {}, { noGradcheck: "kink of |x| at 0" }),
    sample(
      "norm/zero_row_dim1",
      [
        f32([
          [0, 0, 0],
          [3, -4, 1],
        ]),
      ],
      { dim: 1 },
      { noGradcheck: "kink of |x| at 0" },
    ),
    sample("norm/p3_zero_grad", [zeros(2, 3)], { p: 3 }, { noGradcheck: "kink of |x| at 0" }),
  ],
});

export const REDUCE: OpInfo[] = [
  ...simpleOps,
  ...maxMinOps,
  ...argOps,
  ...varStdOps,
  logsumexpOp,
  ...softmaxOps,
  ...cumulativeOps,
  ...logicalReduceOps,
  normOp,
];
