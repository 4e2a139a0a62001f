import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { op, type Kw, type OpInfo, type Pair } from "./op-info.js";
import { distinct, f32, INF, NAN, randn, sample, t } from "./sample.js";

/**
 * Convolution and pooling: conv1d/conv2d (stride, padding, dilation, groups, "same"/"valid",
 * layouts) and max/avg pooling in 1-D and 2-D. Max pooling inputs are `distinct` (no ties), so
 * the gradient has one answer even where windows overlap.
 */

const pair = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];
const convOpts = ({ stride, padding, dilation, groups }: Kw) => ({
  stride,
  padding,
  dilation,
  groups,
});
const poolOpts = ({ stride, padding, dilation, ceilMode, countIncludePad, divisorOverride }: Kw) =>
  ({ stride, padding, dilation, ceilMode, countIncludePad, divisorOverride }) as {
    stride?: Pair;
    padding?: Pair;
    dilation?: Pair;
    ceilMode?: boolean;
    countIncludePad?: boolean;
    divisorOverride?: number;
  };

const convOps = [
  op({
    name: "conv2d",
    innerProducts: true,
    optional: [2],
    family: "conv",
    call: ([x, w, b], kw) => torch.conv2d(x!, w!, b, convOpts(kw)),
    torch: "lambda xs, kw: F.conv2d(xs[0], xs[1], xs[2] if len(xs) > 2 else None, **conv_kw(kw))",
    samples: [
      sample("conv2d/basic", [randn(1, 2, 5, 5), randn(3, 2, 3, 3), randn(3)]),
      sample("conv2d/no_bias", [randn(2, 2, 4, 4), randn(2, 2, 3, 3)]),
      sample("conv2d/stride2", [randn(1, 2, 6, 6), randn(2, 2, 3, 3), randn(2)], { stride: 2 }),
      sample("conv2d/padding1", [randn(1, 2, 4, 4), randn(2, 2, 3, 3), randn(2)], { padding: 1 }),
      sample("conv2d/stride2_padding1", [randn(1, 1, 5, 5), randn(2, 1, 3, 3)], {
        stride: 2,
        padding: 1,
      }),
      sample("conv2d/dilation2", [randn(1, 2, 6, 6), randn(2, 2, 2, 2), randn(2)], { dilation: 2 }),
      sample("conv2d/dilation_padding", [randn(1, 1, 5, 5), randn(2, 1, 3, 3)], {
        dilation: 2,
        padding: 2,
      }),
      sample("conv2d/groups2", [randn(1, 4, 4, 4), randn(4, 2, 3, 3), randn(4)], { groups: 2 }),
      sample("conv2d/depthwise", [randn(1, 3, 4, 4), randn(3, 1, 3, 3), randn(3)], {
        groups: 3,
        padding: 1,
      }),
      sample("conv2d/depthwise_multiplier", [randn(1, 2, 4, 4), randn(4, 1, 2, 2)], { groups: 2 }),
      sample("conv2d/nonsquare_kernel", [randn(1, 2, 5, 6), randn(2, 2, 2, 3), randn(2)]),
      sample("conv2d/tuple_stride_padding", [randn(1, 1, 5, 6), randn(2, 1, 3, 3)], {
        stride: [2, 1],
        padding: [0, 1],
      }),
      sample("conv2d/tuple_dilation", [randn(1, 1, 6, 6), randn(1, 1, 2, 2)], { dilation: [1, 3] }),
      sample("conv2d/1x1", [randn(2, 3, 3, 3), randn(4, 3, 1, 1), randn(4)]),
      sample("conv2d/kernel_equals_input", [randn(1, 2, 3, 3), randn(2, 2, 3, 3)]),
      sample("conv2d/unbatched", [randn(2, 4, 4), randn(2, 2, 3, 3), randn(2)]),
      sample("conv2d/padding_same", [randn(1, 2, 5, 5), randn(2, 2, 3, 3)], { padding: "same" }),
      sample("conv2d/padding_same_dilated", [randn(1, 1, 6, 6), randn(1, 1, 3, 3)], {
        padding: "same",
        dilation: 2,
      }),
      sample("conv2d/padding_valid", [randn(1, 2, 5, 5), randn(2, 2, 3, 3)], { padding: "valid" }),
      sample("conv2d/padding_same_even_kernel", [randn(1, 1, 5, 5), randn(1, 1, 2, 2)], {
        padding: "same",
      }),
      sample("conv2d/transposed_input", [
        t(randn(1, 2, 5, 4), { transpose: [2, 3] }),
        randn(2, 2, 3, 3),
      ]),
      sample("conv2d/permuted_weight", [
        randn(1, 2, 4, 4),
        t(randn(3, 3, 2, 2), { permute: [3, 2, 0, 1] }),
      ]),
      sample("conv2d/stride_larger_than_kernel", [randn(1, 1, 7, 7), randn(1, 1, 2, 2)], {
        stride: 3,
      }),
    ],
  }),
  op({
    name: "conv1d",
    innerProducts: true,
    optional: [2],
    family: "conv",
    call: ([x, w, b], kw) => torch.conv1d(x!, w!, b, convOpts(kw) as torch.Conv1dOptions),
    torch: "lambda xs, kw: F.conv1d(xs[0], xs[1], xs[2] if len(xs) > 2 else None, **conv_kw(kw))",
    samples: [
      sample("conv1d/basic", [randn(2, 2, 8), randn(3, 2, 3), randn(3)]),
      sample("conv1d/stride_padding", [randn(1, 2, 8), randn(2, 2, 3)], { stride: 2, padding: 1 }),
      sample("conv1d/dilation", [randn(1, 1, 9), randn(2, 1, 3), randn(2)], { dilation: 3 }),
      sample("conv1d/groups", [randn(1, 4, 6), randn(4, 1, 3)], { groups: 4, padding: 1 }),
      sample("conv1d/unbatched", [randn(2, 6), randn(3, 2, 2), randn(3)]),
      sample("conv1d/padding_same", [randn(1, 2, 7), randn(2, 2, 5)], { padding: "same" }),
      sample("conv1d/transposed_input", [t(randn(1, 6, 2), { transpose: [1, 2] }), randn(2, 2, 3)]),
    ],
  }),
];

const maxPool2dOps = [
  op({
    name: "maxPool2d",
    family: "conv",
    call: ([x], kw) => torch.maxPool2d(x!, kw.kernelSize!, poolOpts(kw)),
    torch: "lambda xs, kw: F.max_pool2d(xs[0], to_tuple(kw['kernelSize']), **pool_opts(kw))",
    samples: [
      sample("maxPool2d/k2", [distinct(1, 2, 4, 4)], { kernelSize: 2 }),
      sample("maxPool2d/k3_s2_p1", [distinct(1, 2, 5, 5)], {
        kernelSize: 3,
        stride: 2,
        padding: 1,
      }),
      sample("maxPool2d/k2_s1", [distinct(2, 1, 3, 4)], { kernelSize: 2, stride: 1 }),
      sample("maxPool2d/dilation2", [distinct(1, 1, 6, 6)], { kernelSize: 2, dilation: 2 }),
      sample("maxPool2d/dilation_padding", [distinct(1, 1, 6, 6)], {
        kernelSize: 3,
        dilation: 2,
        padding: 1,
        stride: 2,
      }),
      sample("maxPool2d/ceil_mode", [distinct(1, 1, 5, 5)], { kernelSize: 2, ceilMode: true }),
      sample("maxPool2d/ceil_mode_stride", [distinct(1, 2, 6, 6)], {
        kernelSize: 3,
        stride: 2,
        ceilMode: true,
      }),
      sample("maxPool2d/ceil_mode_padding", [distinct(1, 1, 6, 6)], {
        kernelSize: 3,
        stride: 2,
        padding: 1,
        ceilMode: true,
      }),
      sample("maxPool2d/nonsquare", [distinct(1, 1, 4, 6)], { kernelSize: [2, 3], stride: [2, 1] }),
      sample("maxPool2d/overlap_grad", [distinct(1, 1, 4, 4)], { kernelSize: 3, stride: 1 }),
      sample("maxPool2d/unbatched", [distinct(2, 4, 4)], { kernelSize: 2 }),
      sample("maxPool2d/transposed", [t(distinct(1, 1, 4, 6), { transpose: [2, 3] })], {
        kernelSize: 2,
      }),
      sample(
        "maxPool2d/neg_inf_nan",
        [
          f32([
            [
              [
                [-INF, -INF, 1, NAN],
                [-INF, -INF, 0, 2],
              ],
            ],
          ]),
        ],
        { kernelSize: 2 },
        { grad: false },
      ),
    ],
  }),
  op({
    name: "maxPool2dWithIndices",
    family: "conv",
    call: ([x], kw) => pair(torch.maxPool2dWithIndices(x!, kw.kernelSize!, poolOpts(kw))),
    torch:
      "lambda xs, kw: F.max_pool2d(xs[0], to_tuple(kw['kernelSize']), return_indices=True, **pool_opts(kw))",
    samples: [
      sample("maxPool2dWithIndices/k3_s2_p1", [distinct(1, 2, 5, 5)], {
        kernelSize: 3,
        stride: 2,
        padding: 1,
      }),
    ],
  }),
];

const avgPool2dOp = op({
  name: "avgPool2d",
  innerProducts: true,
  family: "conv",
  call: ([x], kw) => torch.avgPool2d(x!, kw.kernelSize!, poolOpts(kw)),
  torch: "lambda xs, kw: F.avg_pool2d(xs[0], to_tuple(kw['kernelSize']), **pool_opts(kw))",
  samples: [
    sample("avgPool2d/k2", [randn(1, 2, 4, 4)], { kernelSize: 2 }),
    sample("avgPool2d/k3_s2_p1", [randn(1, 2, 5, 5)], { kernelSize: 3, stride: 2, padding: 1 }),
    sample("avgPool2d/k3_s2_p1_exclude_pad", [randn(1, 2, 5, 5)], {
      kernelSize: 3,
      stride: 2,
      padding: 1,
      countIncludePad: false,
    }),
    sample("avgPool2d/k2_s1_p1_exclude_pad", [randn(1, 1, 3, 3)], {
      kernelSize: 2,
      stride: 1,
      padding: 1,
      countIncludePad: false,
    }),
    sample("avgPool2d/nonsquare", [randn(2, 1, 4, 6)], { kernelSize: [2, 3], stride: [1, 3] }),
    sample("avgPool2d/divisor_override", [randn(1, 1, 4, 4)], {
      kernelSize: 2,
      divisorOverride: 3,
    }),
    sample("avgPool2d/ceil_mode", [randn(1, 1, 5, 5)], { kernelSize: 2, ceilMode: true }),
    sample("avgPool2d/transposed", [t(randn(1, 1, 4, 6), { transpose: [2, 3] })], {
      kernelSize: 2,
    }),
  ],
});

const pool1dOps = [
  op({
    name: "maxPool1d",
    family: "conv",
    call: ([x], kw) =>
      torch.maxPool1d(
        x!,
        kw.kernelSize as number,
        poolOpts(kw) as {
          stride?: number;
          padding?: number;
          dilation?: number;
          ceilMode?: boolean;
        },
      ),
    torch: "lambda xs, kw: F.max_pool1d(xs[0], kw['kernelSize'], **pool_opts(kw))",
    samples: [
      sample("maxPool1d/k2", [distinct(1, 2, 8)], { kernelSize: 2 }),
      sample("maxPool1d/k3_s2_p1", [distinct(2, 1, 7)], { kernelSize: 3, stride: 2, padding: 1 }),
      sample("maxPool1d/dilation_ceil", [distinct(1, 1, 8)], {
        kernelSize: 2,
        dilation: 2,
        stride: 2,
        ceilMode: true,
      }),
    ],
  }),
  op({
    name: "avgPool1d",
    innerProducts: true,
    family: "conv",
    call: ([x], kw) =>
      torch.avgPool1d(
        x!,
        kw.kernelSize as number,
        poolOpts(kw) as { stride?: number; padding?: number; countIncludePad?: boolean },
      ),
    torch: "lambda xs, kw: F.avg_pool1d(xs[0], kw['kernelSize'], **pool_opts(kw))",
    samples: [
      sample("avgPool1d/k2", [randn(1, 2, 8)], { kernelSize: 2 }),
      sample("avgPool1d/k3_s2_p1", [randn(2, 1, 7)], { kernelSize: 3, stride: 2, padding: 1 }),
      sample("avgPool1d/exclude_pad", [randn(1, 1, 6)], {
        kernelSize: 3,
        stride: 2,
        padding: 1,
        countIncludePad: false,
      }),
    ],
  }),
];

export const CONV: OpInfo[] = [...convOps, ...maxPool2dOps, avgPool2dOp, ...pool1dOps];
