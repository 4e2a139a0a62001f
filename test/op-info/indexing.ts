import * as torch from "../../src/index.js";
import { op, type OpInfo } from "./op-info.js";
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
  scalar,
  sample,
  t,
  zeros,
  type Gen,
} from "./sample.js";

/**
 * Indexing: gather, scatter, scatterAdd, indexSelect, maskedFill, tril/triu, oneHot and where.
 * Indices are int32 inputs (never differentiated); values get gradients.
 */

const noGrad = { grad: false } as const;
/** Outputs that are -inf whatever the input: their finite differences are -inf - -inf = NaN. */
const nonFiniteOut = { noGradcheck: "non-finite outputs: finite differences give NaN" } as const;
const ones = (...shape: number[]): Gen => map(zeros(...shape), () => 1);

const gatherOp = op({
  name: "gather",
  family: "indexing",
  call: ([x, idx], kw) => x!.gather(kw.dim as number, idx!),
  torch: "lambda xs, kw: torch.gather(xs[0], kw['dim'], xs[1])",
  samples: [
    sample(
      "gather/dim1",
      [
        randn(3, 4),
        i32([
          [0, 3],
          [1, 1],
          [2, 0],
        ]),
      ],
      { dim: 1 },
    ),
    sample(
      "gather/dim0",
      [
        randn(3, 4),
        i32([
          [0, 2, 1, 0],
          [2, 2, 0, 1],
        ]),
      ],
      { dim: 0 },
    ),
    sample("gather/neg_dim", [randn(2, 3, 4), randint(0, 4, 2, 3, 2)], { dim: -1 }),
    sample(
      "gather/repeated_grad",
      [
        randn(2, 3),
        i32([
          [0, 0, 0, 2],
          [1, 1, 2, 1],
        ]),
      ],
      { dim: 1 },
    ),
    sample("gather/smaller_index", [randn(4, 5), i32([[1], [0]])], { dim: 1 }),
    sample(
      "gather/transposed",
      [
        t(randn(4, 3), { transpose: [0, 1] }),
        i32([
          [0, 3],
          [2, 1],
          [1, 1],
        ]),
      ],
      { dim: 1 },
    ),
    sample(
      "gather/int32",
      [
        i32([
          [5, 6, 7],
          [8, 9, 10],
        ]),
        i32([
          [2, 0],
          [1, 1],
        ]),
      ],
      { dim: 1 },
    ),
    sample("gather/1d", [randn(5), i32([4, 0, 0, 2])], { dim: 0 }),
    sample("gather/empty_index", [randn(2, 3), i32([[], []])], { dim: 1 }),
  ],
});

const scatterOps = [
  op({
    name: "scatter",
    family: "indexing",
    call: ([x, idx, src], kw) => x!.scatter(kw.dim as number, idx!, src ?? kw.value!),
    torch:
      "lambda xs, kw: torch.scatter(xs[0], kw['dim'], xs[1], xs[2] if len(xs) > 2 else kw['value'])",
    samples: [
      sample(
        "scatter/dim1",
        [
          randn(3, 4),
          i32([
            [0, 3],
            [1, 2],
            [2, 0],
          ]),
          randn(3, 2),
        ],
        {
          dim: 1,
        },
      ),
      sample("scatter/dim0", [randn(3, 4), i32([[0, 2, 1, 0]]), randn(1, 4)], { dim: 0 }),
      sample(
        "scatter/value",
        [
          randn(3, 4),
          i32([
            [0, 3],
            [1, 2],
            [2, 0],
          ]),
        ],
        {
          dim: 1,
          value: 9.5,
        },
      ),
      sample(
        "scatter/neg_dim",
        [
          randn(2, 4),
          i32([
            [3, 1],
            [0, 2],
          ]),
          randn(2, 2),
        ],
        { dim: -1 },
      ),
      sample(
        "scatter/int32",
        [
          i32([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          i32([[2], [0]]),
          i32([[7], [8]]),
        ],
        {
          dim: 1,
        },
      ),
    ],
  }),
  op({
    name: "scatterAdd",
    family: "indexing",
    call: ([x, idx, src], kw) => x!.scatterAdd(kw.dim as number, idx!, src!),
    torch: "lambda xs, kw: torch.scatter_add(xs[0], kw['dim'], xs[1], xs[2])",
    samples: [
      sample(
        "scatterAdd/dim1",
        [
          randn(3, 4),
          i32([
            [0, 3],
            [1, 2],
            [2, 0],
          ]),
          randn(3, 2),
        ],
        {
          dim: 1,
        },
      ),
      sample(
        "scatterAdd/repeated",
        [
          randn(2, 4),
          i32([
            [1, 1, 1],
            [0, 3, 0],
          ]),
          randn(2, 3),
        ],
        {
          dim: 1,
        },
      ),
      sample(
        "scatterAdd/dim0",
        [
          zeros(3, 2),
          i32([
            [0, 1],
            [2, 0],
            [0, 0],
          ]),
          randn(3, 2),
        ],
        {
          dim: 0,
        },
      ),
      sample("scatterAdd/3d", [randn(2, 3, 2), randint(0, 3, 2, 2, 2), randn(2, 2, 2)], {
        dim: 1,
      }),
      sample("scatterAdd/int32", [i32([[1, 2, 3]]), i32([[0, 0, 2]]), i32([[5, 6, 7]])], {
        dim: 1,
      }),
    ],
  }),
];

const indexSelectOp = op({
  name: "indexSelect",
  family: "indexing",
  call: ([x, idx], kw) => x!.indexSelect(kw.dim as number, idx!),
  torch: "lambda xs, kw: torch.index_select(xs[0], kw['dim'], xs[1])",
  samples: [
    sample("indexSelect/dim0", [randn(4, 3), i32([3, 0, 1])], { dim: 0 }),
    sample("indexSelect/dim1_repeated", [randn(2, 4), i32([1, 1, 3, 1])], { dim: 1 }),
    sample("indexSelect/neg_dim", [randn(2, 3, 4), i32([0, 3])], { dim: -1 }),
    sample("indexSelect/1d", [randn(5), i32([4, 4, 0])], { dim: 0 }),
    sample("indexSelect/empty", [randn(3, 2), i32([])], { dim: 0 }),
    sample("indexSelect/transposed", [t(randn(3, 4), { transpose: [0, 1] }), i32([2, 0])], {
      dim: 1,
    }),
    sample("indexSelect/scalar_index", [randn(3, 2), i32(1)], { dim: 0 }),
    sample(
      "indexSelect/int32",
      [
        i32([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
        i32([2, 0]),
      ],
      { dim: 0 },
    ),
  ],
});

const maskedFillOp = op({
  name: "maskedFill",
  family: "indexing",
  // the value: kw.value (a number) or a third input (a 0-d tensor)
  call: ([x, mask, v], kw) => x!.maskedFill(mask!, v ?? kw.value!),
  torch: "lambda xs, kw: xs[0].masked_fill(xs[1], xs[2] if len(xs) > 2 else kw['value'])",
  inplace: {
    method: "maskedFill_",
    call: ([x, mask, v], kw) => x!.maskedFill_(mask!, v ?? kw.value!),
  },
  samples: [
    sample("maskedFill/tensor_value", [randn(2, 3), bool([0, 1, 1]), scalar(randn(1))]),
    sample(
      "maskedFill/same_shape",
      [
        randn(2, 3),
        bool([
          [1, 0, 1],
          [0, 0, 1],
        ]),
      ],
      { value: -1.5 },
    ),
    sample("maskedFill/broadcast_row", [randn(2, 3), bool([0, 1, 1])], { value: 0 }),
    sample("maskedFill/broadcast_col", [randn(2, 3), bool([[1], [0]])], { value: 2 }),
    sample(
      "maskedFill/neg_inf",
      [
        randn(3, 3),
        bool([
          [0, 1, 1],
          [0, 0, 1],
          [0, 0, 0],
        ]),
      ],
      { value: -INF },
      nonFiniteOut,
    ),
    sample(
      "maskedFill/transposed",
      [
        t(randn(3, 2), { transpose: [0, 1] }),
        bool([
          [1, 0, 1],
          [0, 1, 0],
        ]),
      ],
      { value: 7 },
    ),
    sample(
      "maskedFill/int32",
      [
        i32([
          [1, 2],
          [3, 4],
        ]),
        bool([
          [1, 0],
          [0, 1],
        ]),
      ],
      { value: -9 },
    ),
    sample("maskedFill/scalar_mask", [randn(2, 2), bool(true)], { value: 1 }),
  ],
});

/** tril/triu: the random samples, then the all-ones masks models build (formerly creation's). */
const triangleOps = (["tril", "triu"] as const).map((name) =>
  op({
    name,
    family: "indexing",
    call: ([x], kw) => x![name](kw.diagonal),
    torch: `lambda xs, kw: torch.${name}(xs[0], kw.get('diagonal', 0))`,
    samples: [
      sample(`${name}/square`, [randn(4, 4)]),
      sample(`${name}/wide`, [randn(3, 5)]),
      sample(`${name}/tall_diag1`, [randn(5, 3)], { diagonal: 1 }),
      sample(`${name}/diag_neg1`, [randn(4, 4)], { diagonal: -1 }),
      sample(`${name}/diag_big`, [randn(3, 3)], { diagonal: 5 }),
      sample(`${name}/batched`, [randn(2, 3, 3)]),
      sample(`${name}/transposed`, [t(randn(4, 3), { transpose: [0, 1] })]),
      sample(`${name}/int32`, [randint(1, 9, 3, 3)]),
      sample(`${name}/bool`, [as(ones(3, 3), "bool")], { diagonal: 0 }),
      ...(name === "tril"
        ? [
            sample("tril/ones", [ones(3, 4)], {}, noGrad),
            sample("tril/ones_diag_neg1", [ones(4, 4)], { diagonal: -1 }, noGrad),
          ]
        : [
            sample("triu/ones_diag1", [ones(3, 3)], { diagonal: 1 }, noGrad),
            sample("triu/ones_bool_causal_mask", [as(ones(4, 4), "bool")], { diagonal: 1 }, noGrad),
          ]),
    ],
  }),
);

const ONE_HOT_INFER =
  "oneHot without numClasses reads the max back synchronously (itemSync in src/ops/indexing.ts); a GPU tensor can only be read with await";
const oneHotOp = op({
  name: "oneHot",
  family: "indexing",
  call: ([x], kw) => torch.oneHot(x!, kw.numClasses),
  torch: "lambda xs, kw: F.one_hot(xs[0], kw.get('numClasses', -1))",
  noGradcheck: "integer input and output: not differentiable",
  skip: { webgpu: { "oneHot/infer": ONE_HOT_INFER }, gpujs: { "oneHot/infer": ONE_HOT_INFER } },
  samples: [
    sample("oneHot/infer", [i32([0, 2, 1, 2])]),
    sample(
      "oneHot/given",
      [
        i32([
          [0, 3],
          [1, 1],
        ]),
      ],
      { numClasses: 5 },
    ),
    sample("oneHot/scalar", [i32(2)], { numClasses: 3 }),
    sample("oneHot/empty", [i32([])], { numClasses: 3 }),
  ],
});

const whereOp = op({
  name: "where",
  family: "indexing",
  call: ([cond, ...rest], kw) =>
    torch.where(cond!, kw.self ?? rest.shift()!, kw.other ?? rest.shift()!),
  torch: "where_op",
  samples: [
    sample("where/same_shape", [
      bool([
        [1, 0, 1],
        [0, 1, 1],
      ]),
      randn(2, 3),
      randn(2, 3),
    ]),
    sample("where/broadcast", [bool([[1], [0]]), randn(3), randn(2, 1)]),
    sample("where/broadcast_cond", [bool([1, 0, 1]), randn(2, 3), randn(2, 3)]),
    sample("where/scalar_other", [bool([1, 0, 1]), randn(3)], { other: 0 }),
    sample("where/scalar_self", [bool([1, 0, 1]), randn(3)], { self: -2.5 }),
    sample("where/scalar_tensors", [bool([1, 0, 1]), f32(1.5), f32(-1.5)]),
    sample("where/transposed", [
      bool([
        [1, 0],
        [0, 1],
        [1, 1],
      ]),
      t(randn(2, 3), { transpose: [0, 1] }),
      randn(3, 2),
    ]),
    sample("where/int32", [bool([1, 0, 1]), i32([1, 2, 3]), i32([7, 8, 9])]),
    sample("where/int32_float32", [bool([1, 0, 1]), i32([1, 2, 3]), randn(3)]),
    sample("where/nan_branch", [bool([1, 0, 1]), f32([1, NAN, 2]), f32([INF, 3, NAN])]),
    sample("where/empty", [as(zeros(0, 3), "bool"), zeros(0, 3), randn(3)]),
  ],
});

export const INDEXING: OpInfo[] = [
  gatherOp,
  ...scatterOps,
  indexSelectOp,
  maskedFillOp,
  ...triangleOps,
  oneHotOp,
  whereOp,
];
