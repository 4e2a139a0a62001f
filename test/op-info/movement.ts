import * as torch from "../../src/index.js";
import type { IndexArg } from "../../src/index.js";
import { op, type OpInfo } from "./op-info.js";
import { bool, f32, i32, noGrad, randint, randn, sample, t, zeros } from "./sample.js";

/**
 * Movement: views and copies that only move data (view, reshape, flatten, squeeze, permute,
 * transpose, expand, repeat, cat, stack, split, chunk, unbind, narrow, select, index, flip, ...).
 * The `*As` ops take a second input only for its shape: it does not require grad.
 */

const viewOps = [
  op({
    name: "view",
    family: "movement",
    call: ([x], kw) => x!.view(kw.shape!),
    torch: "lambda xs, kw: xs[0].view(tuple(kw['shape']))",
    samples: [
      sample("view/basic", [randn(2, 3, 4)], { shape: [6, 4] }),
      sample("view/infer", [randn(2, 3, 4)], { shape: [-1, 12] }),
      sample("view/to_scalar", [randn(1)], { shape: [] }),
      sample("view/from_scalar", [f32(2.5)], { shape: [1, 1] }),
      sample("view/size1_dims", [randn(4, 3)], { shape: [1, 4, 1, 3] }),
      sample("view/transposed_compatible", [t(randn(4, 3, 2), { transpose: [0, 1] })], {
        shape: [3, 4, 2, 1],
      }),
      sample("view/empty", [zeros(0, 4)], { shape: [2, 0, 2] }),
      sample("view/int32", [randint(0, 9, 2, 3)], { shape: [3, 2] }),
    ],
  }),
  op({
    name: "viewAs",
    family: "movement",
    call: ([x, other]) => x!.viewAs(other!),
    torch: "lambda xs, kw: xs[0].view_as(xs[1])",
    samples: [
      sample("viewAs/basic", [randn(2, 3, 4), noGrad(randn(6, 4))]),
      sample("viewAs/to_scalar", [randn(1), noGrad(f32(0))]),
      sample("viewAs/transposed_compatible", [
        t(randn(4, 3, 2), { transpose: [0, 1] }),
        noGrad(randn(3, 4, 2, 1)),
      ]),
    ],
  }),
  op({
    name: "reshape",
    family: "movement",
    call: ([x], kw) => x!.reshape(kw.shape!),
    torch: "lambda xs, kw: xs[0].reshape(tuple(kw['shape']))",
    samples: [
      sample("reshape/contiguous", [randn(2, 3, 4)], { shape: [4, -1] }),
      sample("reshape/transposed_copy", [t(randn(3, 4), { transpose: [0, 1] })], { shape: [12] }),
      sample("reshape/sliced_copy", [t(randn(4, 6), { slice: "::2, 1::2" })], { shape: [3, 2] }),
      sample("reshape/expanded", [t(randn(1, 3), { expand: [2, 3] })], { shape: [6] }),
      sample("reshape/scalar", [f32(1.5)], { shape: [1] }),
      sample(
        "reshape/bool",
        [
          t(
            bool([
              [true, false],
              [false, true],
            ]),
            { transpose: [0, 1] },
          ),
        ],
        { shape: [4] },
      ),
    ],
  }),
  op({
    name: "reshapeAs",
    family: "movement",
    call: ([x, other]) => x!.reshapeAs(other!),
    torch: "lambda xs, kw: xs[0].reshape_as(xs[1])",
    samples: [
      sample("reshapeAs/basic", [randn(2, 3, 4), noGrad(randn(4, 6))]),
      sample("reshapeAs/transposed_copy", [
        t(randn(3, 4), { transpose: [0, 1] }),
        noGrad(randn(12)),
      ]),
      sample("reshapeAs/int32", [randint(0, 9, 2, 3), randint(0, 9, 3, 2)]),
    ],
  }),
  op({
    name: "flatten",
    family: "movement",
    call: ([x], kw) => x!.flatten(kw.startDim, kw.endDim),
    torch: "lambda xs, kw: torch.flatten(xs[0], kw.get('startDim', 0), kw.get('endDim', -1))",
    samples: [
      sample("flatten/all", [randn(2, 3, 4)]),
      sample("flatten/start1", [randn(2, 3, 4)], { startDim: 1 }),
      sample("flatten/middle", [randn(2, 3, 4, 2)], { startDim: 1, endDim: 2 }),
      sample("flatten/negative", [randn(2, 3, 4)], { startDim: -2, endDim: -1 }),
      sample("flatten/scalar", [f32(3)]),
      sample("flatten/transposed", [t(randn(3, 4), { transpose: [0, 1] })]),
    ],
  }),
  op({
    name: "unflatten",
    family: "movement",
    call: ([x], kw) => x!.unflatten(kw.dim as number, kw.sizes!),
    torch: "lambda xs, kw: torch.unflatten(xs[0], kw['dim'], tuple(kw['sizes']))",
    samples: [
      sample("unflatten/basic", [randn(2, 12)], { dim: 1, sizes: [3, 4] }),
      sample("unflatten/infer", [randn(2, 12)], { dim: -1, sizes: [2, -1, 3] }),
      sample("unflatten/dim0", [randn(6, 2)], { dim: 0, sizes: [3, 2] }),
    ],
  }),
  op({
    name: "squeeze",
    family: "movement",
    call: ([x], kw) => x!.squeeze(kw.dim as number | undefined),
    torch: "lambda xs, kw: xs[0].squeeze() if 'dim' not in kw else xs[0].squeeze(kw['dim'])",
    samples: [
      sample("squeeze/all", [randn(1, 3, 1, 2)]),
      sample("squeeze/dim", [randn(1, 3, 1, 2)], { dim: 2 }),
      sample("squeeze/dim_not_1", [randn(1, 3, 1, 2)], { dim: 1 }),
      sample("squeeze/neg_dim", [randn(2, 1)], { dim: -1 }),
      sample("squeeze/scalar", [f32(3)]),
      sample("squeeze/to_scalar", [randn(1, 1)]),
    ],
  }),
  op({
    name: "unsqueeze",
    family: "movement",
    call: ([x], kw) => x!.unsqueeze(kw.dim as number),
    torch: "lambda xs, kw: xs[0].unsqueeze(kw['dim'])",
    samples: [
      sample("unsqueeze/dim0", [randn(2, 3)], { dim: 0 }),
      sample("unsqueeze/dim_last", [randn(2, 3)], { dim: 2 }),
      sample("unsqueeze/neg", [randn(2, 3)], { dim: -2 }),
      sample("unsqueeze/scalar", [f32(3)], { dim: 0 }),
      sample("unsqueeze/transposed", [t(randn(3, 2), { transpose: [0, 1] })], { dim: 1 }),
    ],
  }),
];

const transposeOps = [
  op({
    name: "permute",
    family: "movement",
    call: ([x], kw) => x!.permute(kw.dims as number[]),
    torch: "lambda xs, kw: xs[0].permute(*kw['dims'])",
    samples: [
      sample("permute/3d", [randn(2, 3, 4)], { dims: [2, 0, 1] }),
      sample("permute/negative", [randn(2, 3, 4)], { dims: [-1, -3, -2] }),
      sample("permute/identity", [randn(2, 3)], { dims: [0, 1] }),
      sample("permute/4d", [randn(2, 1, 3, 2)], { dims: [3, 1, 0, 2] }),
    ],
  }),
  op({
    name: "transpose",
    family: "movement",
    call: ([x], kw) => x!.transpose(kw.dim0!, kw.dim1!),
    torch: "lambda xs, kw: xs[0].transpose(kw['dim0'], kw['dim1'])",
    samples: [
      sample("transpose/basic", [randn(2, 3)], { dim0: 0, dim1: 1 }),
      sample("transpose/negative", [randn(2, 3, 4)], { dim0: -1, dim1: 0 }),
      sample("transpose/same_dim", [randn(2, 3)], { dim0: 1, dim1: 1 }),
    ],
  }),
  op({
    name: "swapaxes",
    family: "movement",
    call: ([x], kw) => x!.swapaxes(kw.dim0!, kw.dim1!),
    torch: "lambda xs, kw: torch.swapaxes(xs[0], kw['dim0'], kw['dim1'])",
    samples: [
      sample("swapaxes/basic", [randn(2, 3)], { dim0: 0, dim1: 1 }),
      sample("swapaxes/negative", [randn(2, 3, 4)], { dim0: -1, dim1: 0 }),
      sample("swapaxes/transposed", [t(randn(3, 2, 4), { transpose: [0, 1] })], {
        dim0: 1,
        dim1: 2,
      }),
    ],
  }),
  op({
    name: "t",
    family: "movement",
    call: ([x]) => x!.t(),
    torch: "lambda xs, kw: xs[0].t()",
    samples: [
      sample("t/2d", [randn(2, 3)]),
      sample("t/1d", [randn(4)]),
      sample("t/scalar", [f32(3)]),
    ],
  }),
  op({
    name: "mT",
    family: "movement",
    call: ([x]) => x!.mT,
    torch: "lambda xs, kw: xs[0].mT",
    samples: [
      sample("mT/2d", [randn(2, 3)]),
      sample("mT/3d", [randn(2, 3, 4)]),
      sample("mT/transposed", [t(randn(4, 3), { transpose: [0, 1] })]),
    ],
  }),
];

const expandOps = [
  op({
    name: "expand",
    family: "movement",
    call: ([x], kw) => x!.expand(kw.shape!),
    torch: "lambda xs, kw: xs[0].expand(tuple(kw['shape']))",
    samples: [
      sample("expand/basic", [randn(3, 1)], { shape: [3, 4] }),
      sample("expand/new_dims", [randn(3)], { shape: [2, 4, 3] }),
      sample("expand/minus_one", [randn(1, 3)], { shape: [2, -1] }),
      sample("expand/scalar", [f32(1.5)], { shape: [2, 3] }),
      sample("expand/transposed", [t(randn(1, 3), { transpose: [0, 1] })], { shape: [2, 3, 4] }),
      sample("expand/same", [randn(2, 3)], { shape: [2, 3] }),
    ],
  }),
  op({
    name: "expandAs",
    family: "movement",
    call: ([x, other]) => x!.expandAs(other!),
    torch: "lambda xs, kw: xs[0].expand_as(xs[1])",
    samples: [
      sample("expandAs/basic", [randn(3, 1), noGrad(randn(3, 4))]),
      sample("expandAs/new_dims", [randn(3), noGrad(randn(2, 4, 3))]),
      sample("expandAs/scalar", [f32(1.5), noGrad(randn(2, 3))]),
    ],
  }),
  op({
    name: "broadcastTo",
    family: "movement",
    call: ([x], kw) => x!.broadcastTo(kw.shape!),
    torch: "lambda xs, kw: torch.broadcast_to(xs[0], tuple(kw['shape']))",
    samples: [
      sample("broadcastTo/basic", [randn(3, 1)], { shape: [3, 4] }),
      sample("broadcastTo/new_dims", [randn(3)], { shape: [2, 4, 3] }),
      sample("broadcastTo/minus_one", [randn(1, 3)], { shape: [2, -1] }),
      sample("broadcastTo/transposed", [t(randn(1, 3), { transpose: [0, 1] })], {
        shape: [2, 3, 4],
      }),
    ],
  }),
  op({
    name: "repeat",
    family: "movement",
    call: ([x], kw) => x!.repeat(kw.sizes!),
    torch: "lambda xs, kw: xs[0].repeat(*kw['sizes'])",
    samples: [
      sample("repeat/basic", [randn(2, 3)], { sizes: [2, 2] }),
      sample("repeat/new_dims", [randn(3)], { sizes: [2, 1, 2] }),
      sample("repeat/ones", [randn(2, 3)], { sizes: [1, 1] }),
      sample("repeat/transposed", [t(randn(3, 2), { transpose: [0, 1] })], { sizes: [1, 3] }),
      sample("repeat/zero", [randn(2, 3)], { sizes: [0, 2] }),
      sample("repeat/int32", [randint(0, 5, 3)], { sizes: [2] }),
    ],
  }),
];

const joinSplitOps = [
  op({
    name: "cat",
    family: "movement",
    call: (ins, kw) => torch.cat(ins, kw.dim as number | undefined),
    torch: "lambda xs, kw: torch.cat(xs, kw.get('dim', 0))",
    samples: [
      sample("cat/dim0", [randn(2, 3), randn(1, 3), randn(3, 3)], { dim: 0 }),
      sample("cat/dim1", [randn(2, 3), randn(2, 1)], { dim: 1 }),
      sample("cat/neg_dim", [randn(2, 3, 2), randn(2, 3, 1)], { dim: -1 }),
      sample("cat/transposed", [t(randn(3, 2), { transpose: [0, 1] }), randn(2, 2)], { dim: 1 }),
      sample("cat/empty_piece", [randn(2, 3), zeros(0, 3), randn(1, 3)], { dim: 0 }),
      sample("cat/single", [randn(2, 3)], { dim: 1 }),
      sample("cat/int32_float32", [randint(0, 5, 2, 2), randn(1, 2)], { dim: 0 }),
      sample("cat/int32", [randint(0, 5, 2, 2), randint(0, 5, 2, 2)], { dim: 1 }),
      sample("cat/bool_int32", [bool([true, false]), i32([3, 4])], { dim: 0 }),
    ],
  }),
  op({
    name: "stack",
    family: "movement",
    call: (ins, kw) => torch.stack(ins, kw.dim as number | undefined),
    torch: "lambda xs, kw: torch.stack(xs, kw.get('dim', 0))",
    samples: [
      sample("stack/dim0", [randn(2, 3), randn(2, 3)], { dim: 0 }),
      sample("stack/dim_last", [randn(2, 3), randn(2, 3), randn(2, 3)], { dim: 2 }),
      sample("stack/neg_dim", [randn(2, 3), randn(2, 3)], { dim: -2 }),
      sample("stack/scalars", [f32(1), f32(2)], { dim: 0 }),
      sample("stack/transposed", [t(randn(3, 2), { transpose: [0, 1] }), randn(2, 3)], {
        dim: 1,
      }),
    ],
  }),
  op({
    name: "split",
    family: "movement",
    call: ([x], kw) => x!.split(kw.splitSizeOrSections!, kw.dim as number | undefined),
    torch:
      "lambda xs, kw: torch.split(xs[0], to_tuple(kw['splitSizeOrSections']), kw.get('dim', 0))",
    samples: [
      sample("split/size", [randn(5, 2)], { splitSizeOrSections: 2, dim: 0 }),
      sample("split/sections", [randn(2, 6)], { splitSizeOrSections: [1, 3, 2], dim: 1 }),
      sample("split/neg_dim", [randn(2, 3, 4)], { splitSizeOrSections: 3, dim: -1 }),
      sample("split/zero_section", [randn(4, 2)], { splitSizeOrSections: [0, 4], dim: 0 }),
    ],
  }),
  op({
    name: "chunk",
    family: "movement",
    call: ([x], kw) => x!.chunk(kw.chunks!, kw.dim as number | undefined),
    torch: "lambda xs, kw: torch.chunk(xs[0], kw['chunks'], kw.get('dim', 0))",
    samples: [
      sample("chunk/even", [randn(6, 2)], { chunks: 3 }),
      sample("chunk/uneven", [randn(5, 2)], { chunks: 3 }),
      sample("chunk/more_than_size", [randn(2, 3)], { chunks: 4, dim: 1 }),
      sample("chunk/neg_dim", [randn(2, 7)], { chunks: 2, dim: -1 }),
    ],
  }),
  op({
    name: "unbind",
    family: "movement",
    call: ([x], kw) => x!.unbind(kw.dim as number | undefined),
    torch: "lambda xs, kw: torch.unbind(xs[0], kw.get('dim', 0))",
    samples: [
      sample("unbind/dim0", [randn(3, 2)]),
      sample("unbind/dim1", [randn(2, 3)], { dim: 1 }),
    ],
  }),
];

const sliceOps = [
  op({
    name: "narrow",
    family: "movement",
    call: ([x], kw) => x!.narrow(kw.dim as number, kw.start!, kw.length!),
    torch: "lambda xs, kw: xs[0].narrow(kw['dim'], kw['start'], kw['length'])",
    samples: [
      sample("narrow/basic", [randn(4, 5)], { dim: 1, start: 1, length: 3 }),
      sample("narrow/neg_dim", [randn(4, 5)], { dim: -2, start: 2, length: 2 }),
      sample("narrow/neg_start", [randn(6)], { dim: 0, start: -3, length: 2 }),
      sample("narrow/empty", [randn(3, 2)], { dim: 0, start: 1, length: 0 }),
      sample("narrow/transposed", [t(randn(5, 4), { transpose: [0, 1] })], {
        dim: 1,
        start: 1,
        length: 3,
      }),
    ],
  }),
  op({
    name: "select",
    family: "movement",
    call: ([x], kw) => x!.select(kw.dim as number, kw.index as number),
    torch: "lambda xs, kw: xs[0].select(kw['dim'], kw['index'])",
    samples: [
      sample("select/basic", [randn(3, 4)], { dim: 0, index: 1 }),
      sample("select/neg_index", [randn(3, 4)], { dim: 1, index: -1 }),
      sample("select/neg_dim", [randn(2, 3, 4)], { dim: -2, index: 2 }),
      sample("select/1d_to_scalar", [randn(4)], { dim: 0, index: 3 }),
      sample("select/transposed", [t(randn(4, 3), { transpose: [0, 1] })], { dim: 0, index: 2 }),
    ],
  }),
  op({
    name: "index",
    family: "movement",
    call: ([x], kw) => x!.index(...(kw.index as IndexArg[])),
    torch: "lambda xs, kw: xs[0][index_tuple(kw['index'])]",
    samples: [
      sample("index/colon_last", [randn(2, 3, 4)], { index: [":", -1, ":"] }),
      sample("index/step_slice", [randn(2, 6)], { index: [":", "1:5:2"] }),
      sample("index/newaxis_ellipsis", [randn(2, 3, 4)], { index: [null, "...", 1] }),
      sample("index/ellipsis_middle", [randn(2, 3, 4)], { index: [0, "...", "::3"] }),
      sample("index/negative_slice", [randn(5)], { index: ["-3:"] }),
      sample("index/negative_stop", [randn(5, 2)], { index: [":-1", 1] }),
      sample("index/out_of_range_slice", [randn(4)], { index: ["2:100"] }),
      sample("index/empty_slice", [randn(4, 2)], { index: ["3:1"] }),
      sample("index/all_ints", [randn(3, 4)], { index: [1, 2] }),
      sample("index/newaxis_end", [randn(3)], { index: [":", null] }),
      sample("index/transposed", [t(randn(4, 3), { transpose: [0, 1] })], {
        index: ["1:", "::2"],
      }),
      sample("index/nested_slice_layout", [t(randn(6, 5), { slice: "1:, ::2" })], {
        index: ["::2", "1:"],
      }),
      sample("index/scalar_ellipsis", [f32(2)], { index: ["..."] }),
      sample("index/scalar_newaxis", [f32(2)], { index: [null] }),
    ],
  }),
  op({
    name: "flip",
    family: "movement",
    call: ([x], kw) => x!.flip(kw.dims!),
    torch:
      "lambda xs, kw: torch.flip(xs[0], to_tuple(kw['dims']) if isinstance(kw['dims'], list) else (kw['dims'],))",
    samples: [
      sample("flip/dim0", [randn(3, 4)], { dims: 0 }),
      sample("flip/both", [randn(3, 4)], { dims: [0, 1] }),
      sample("flip/neg", [randn(2, 3, 4)], { dims: [-1] }),
      sample("flip/transposed", [t(randn(4, 3), { transpose: [0, 1] })], { dims: [1] }),
      sample("flip/int32", [randint(0, 9, 5)], { dims: [0] }),
    ],
  }),
];

const copyOps = [
  op({
    name: "contiguous",
    family: "movement",
    call: ([x]) => x!.contiguous(),
    torch: "lambda xs, kw: xs[0].contiguous()",
    samples: [
      sample("contiguous/transposed", [t(randn(3, 4), { transpose: [0, 1] })]),
      sample("contiguous/already", [randn(3, 4)]),
      sample("contiguous/sliced", [t(randn(4, 6), { slice: "1:3, ::2" })]),
      sample("contiguous/expanded", [t(randn(3, 1), { expand: [3, 4] })]),
    ],
  }),
  op({
    name: "clone",
    family: "movement",
    call: ([x]) => x!.clone(),
    torch: "lambda xs, kw: xs[0].clone()",
    samples: [
      sample("clone/basic", [randn(2, 3)]),
      sample("clone/transposed", [t(randn(3, 2), { transpose: [0, 1] })]),
      sample("clone/scalar", [f32(1.25)]),
      sample("clone/bool", [bool([true, false])]),
    ],
  }),
];

export const MOVEMENT: OpInfo[] = [
  ...viewOps,
  ...transposeOps,
  ...expandOps,
  ...joinSplitOps,
  ...sliceOps,
  ...copyOps,
];
