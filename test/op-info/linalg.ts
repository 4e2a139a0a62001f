import * as torch from "../../src/index.js";
import { op, type OpInfo } from "./op-info.js";
import { f32, INF, NAN, randn, sample, t, zeros } from "./sample.js";

/** Linear algebra: matmul (every rank pairing, broadcast batches, layouts), mm, bmm, outer, dot. */

const matmulOp = op({
  name: "matmul",
  innerProducts: true,
  family: "linalg",
  call: ([a, b]) => torch.matmul(a!, b!),
  torch: "lambda xs, kw: torch.matmul(xs[0], xs[1])",
  samples: [
    sample("matmul/1d_1d", [randn(5), randn(5)]),
    sample("matmul/1d_2d", [randn(3), randn(3, 4)]),
    sample("matmul/2d_1d", [randn(3, 4), randn(4)]),
    sample("matmul/2d_2d", [randn(3, 4), randn(4, 5)]),
    sample("matmul/2d_2d_single_row", [randn(1, 4), randn(4, 1)]),
    sample("matmul/3d_3d", [randn(2, 3, 4), randn(2, 4, 2)]),
    sample("matmul/3d_2d", [randn(2, 3, 4), randn(4, 5)]),
    sample("matmul/2d_3d", [randn(3, 4), randn(2, 4, 2)]),
    sample("matmul/1d_3d", [randn(3), randn(2, 3, 4)]),
    sample("matmul/3d_1d", [randn(2, 3, 4), randn(4)]),
    sample("matmul/broadcast_batch", [randn(2, 1, 3, 4), randn(3, 4, 2)]),
    sample("matmul/broadcast_batch_both", [randn(2, 1, 2, 3), randn(1, 3, 3, 2)]),
    sample("matmul/transposed_a", [t(randn(4, 3), { transpose: [0, 1] }), randn(4, 5)]),
    sample("matmul/transposed_b", [randn(3, 4), t(randn(5, 4), { transpose: [0, 1] })]),
    sample("matmul/transposed_both", [
      t(randn(4, 3), { transpose: [0, 1] }),
      t(randn(5, 4), { transpose: [0, 1] }),
    ]),
    sample("matmul/batched_transposed", [
      t(randn(2, 4, 3), { transpose: [1, 2] }),
      t(randn(3, 2, 4), { permute: [1, 2, 0] }),
    ]),
    sample("matmul/sliced", [
      t(randn(6, 4), { slice: "::2, :" }),
      t(randn(4, 6), { slice: ":, 1::2" }),
    ]),
    sample("matmul/expanded", [t(randn(1, 3, 4), { expand: [2, 3, 4] }), randn(2, 4, 2)]),
    sample("matmul/empty_k", [zeros(2, 0), zeros(0, 3)]),
    sample("matmul/empty_m", [zeros(0, 4), randn(4, 3)]),
    sample("matmul/larger", [randn(8, 8), randn(8, 8)]),
    sample(
      "matmul/inf_nan",
      [
        f32([
          [1, INF],
          [NAN, 1],
        ]),
        f32([
          [1, 0],
          [1, 1],
        ]),
      ],
      {},
      { grad: false },
    ),
  ],
});

const mmOp = op({
  name: "mm",
  innerProducts: true,
  family: "linalg",
  call: ([a, b]) => torch.mm(a!, b!),
  torch: "lambda xs, kw: torch.mm(xs[0], xs[1])",
  samples: [
    sample("mm/basic", [randn(3, 4), randn(4, 2)]),
    sample("mm/transposed", [
      t(randn(4, 3), { transpose: [0, 1] }),
      t(randn(2, 4), { transpose: [0, 1] }),
    ]),
  ],
});

const bmmOp = op({
  name: "bmm",
  innerProducts: true,
  family: "linalg",
  call: ([a, b]) => torch.bmm(a!, b!),
  torch: "lambda xs, kw: torch.bmm(xs[0], xs[1])",
  samples: [
    sample("bmm/basic", [randn(2, 3, 4), randn(2, 4, 2)]),
    sample("bmm/transposed", [t(randn(2, 4, 3), { transpose: [1, 2] }), randn(2, 4, 2)]),
    sample("bmm/permuted", [t(randn(3, 2, 4), { permute: [1, 0, 2] }), randn(2, 4, 3)]),
  ],
});

const outerOp = op({
  name: "outer",
  family: "linalg",
  call: ([a, b]) => torch.outer(a!, b!),
  torch: "lambda xs, kw: torch.outer(xs[0], xs[1])",
  samples: [
    sample("outer/basic", [randn(3), randn(4)]),
    sample("outer/sliced", [t(randn(6), { slice: "::2" }), randn(2)]),
    sample("outer/empty", [zeros(0), randn(3)]),
  ],
});

const dotOp = op({
  name: "dot",
  innerProducts: true,
  family: "linalg",
  call: ([a, b]) => torch.dot(a!, b!),
  torch: "lambda xs, kw: torch.dot(xs[0], xs[1])",
  samples: [
    sample("dot/basic", [randn(6), randn(6)]),
    sample("dot/sliced", [t(randn(8), { slice: "1::2" }), randn(4)]),
  ],
});

export const LINALG: OpInfo[] = [matmulOp, mmOp, bmmOp, outerOp, dotOp];
