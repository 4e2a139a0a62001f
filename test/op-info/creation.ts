import * as torch from "../../src/index.js";
import type { DeviceName } from "../../src/index.js";
import { op, type Kw, type OpInfo } from "./op-info.js";
import { f64, i32, INF, sample, zeros } from "./sample.js";
import type { SampleKwargs } from "./sample.js";

/**
 * Creation (values only): arange, linspace, eye, full, zeros, ones, tensor on the device under
 * test, and zerosLike/onesLike/fullLike of an input. No gradients are compared. (The all-ones
 * tril/triu masks live with tril/triu in `indexing.ts`.)
 */

/** The options every creation call passes: the sample's dtype, if any, and the device. */
const dtypeOpt = (kw: Kw, device?: DeviceName) => ({
  ...(kw.dtype ? { dtype: kw.dtype } : {}),
  ...(device ? { device } : {}),
});
const NOT_DIFFERENTIABLE = "creates a tensor: no input to differentiate";
/** A creation sample: no inputs (or the one `*Like` copies the shape of), no gradients. */
const c = (name: string, kw: SampleKwargs, inputs: Parameters<typeof sample>[1] = []) =>
  sample(name, inputs, kw, { grad: false });

const arangeOp = op({
  name: "arange",
  family: "creation",
  call: (_, kw, device) =>
    torch.arange(kw.args![0]!, kw.args![1], kw.args![2], dtypeOpt(kw, device)),
  torch: "lambda xs, kw: torch.arange(*kw['args'], **dtype_kw(kw))",
  noGradcheck: NOT_DIFFERENTIABLE,
  samples: [
    c("arange/end", { args: [5] }),
    c("arange/start_end", { args: [1, 5] }),
    c("arange/negative_step", { args: [10, 0, -3] }),
    c("arange/float_step", { args: [0, 1, 0.25] }),
    c("arange/float_step_inexact", { args: [-1, 1, 0.3] }),
    c("arange/float_start", { args: [0.5, 4] }),
    c("arange/float_negative_step", { args: [1.5, -1, -0.5] }),
    c("arange/tenths", { args: [0, 1, 0.1] }),
    c("arange/empty", { args: [0] }),
    c("arange/empty_range", { args: [3, 3] }),
    c("arange/dtype_float32", { args: [4], dtype: "float32" }),
    c("arange/dtype_float64", { args: [0, 1, 0.1], dtype: "float64" }),
  ],
});

const linspaceOp = op({
  name: "linspace",
  family: "creation",
  call: (_, kw, device) => torch.linspace(kw.start!, kw.end!, kw.steps!, dtypeOpt(kw, device)),
  torch: "lambda xs, kw: torch.linspace(kw['start'], kw['end'], kw['steps'], **dtype_kw(kw))",
  noGradcheck: NOT_DIFFERENTIABLE,
  samples: [
    c("linspace/basic", { start: 0, end: 1, steps: 5 }),
    c("linspace/negative", { start: -1, end: 1, steps: 7 }),
    c("linspace/descending", { start: 3, end: -2.5, steps: 6 }),
    c("linspace/thirds", { start: 0, end: 1, steps: 4 }),
    c("linspace/one_step", { start: 2.5, end: 7, steps: 1 }),
    c("linspace/zero_steps", { start: 0, end: 1, steps: 0 }),
    c("linspace/many", { start: -3.3, end: 7.1, steps: 33 }),
    c("linspace/float64", { start: 0, end: 1, steps: 7, dtype: "float64" }),
  ],
});

const eyeOp = op({
  name: "eye",
  family: "creation",
  call: (_, kw, device) => torch.eye(kw.args![0]!, kw.args![1], dtypeOpt(kw, device)),
  torch: "lambda xs, kw: torch.eye(*kw['args'], **dtype_kw(kw))",
  noGradcheck: NOT_DIFFERENTIABLE,
  samples: [
    c("eye/square", { args: [3] }),
    c("eye/wide", { args: [2, 4] }),
    c("eye/tall", { args: [4, 2] }),
    c("eye/empty", { args: [0] }),
    c("eye/int32", { args: [3], dtype: "int32" }),
    c("eye/bool", { args: [2], dtype: "bool" }),
  ],
});

/**
 * By design JS numbers make float32 (`1.0 === 1` in JS, as in TF.js and jax-js), where Python's
 * ints make int64: without a sample dtype, PyTorch's side passes float32 unless the values are
 * bools (PyTorch then agrees: bool).
 */
const JS_NUMBERS = (values: string) =>
  `(dtype_kw(kw) or ({} if torch.tensor(${values}).dtype == torch.bool else {'dtype': torch.float32}))`;
const fillOps = [
  op({
    name: "full",
    family: "creation",
    call: (_, kw, device) => torch.full(kw.shape!, kw.value!, dtypeOpt(kw, device)),
    // JS numbers make float32: PyTorch's full(shape, 7) is int64, so its side passes float32
    torch: `lambda xs, kw: torch.full(tuple(kw['shape']), kw['value'], **${JS_NUMBERS("kw['value']")})`,
    noGradcheck: NOT_DIFFERENTIABLE,
    samples: [
      c("full/float", { shape: [2, 3], value: 7.5 }),
      c("full/int_value", { shape: [2, 2], value: 7 }),
      c("full/bool_value", { shape: [3], value: true }),
      c("full/dtype_int32", { shape: [2], value: -3, dtype: "int32" }),
      c("full/dtype_float32", { shape: [2], value: 2, dtype: "float32" }),
      c("full/dtype_int64", { shape: [2], value: 5, dtype: "int64" }),
      c("full/scalar_shape", { shape: [], value: 1.5 }),
      c("full/empty", { shape: [0, 2], value: 1.5 }),
      c("full/inf", { shape: [2], value: -INF }),
    ],
  }),
  op({
    name: "zeros",
    family: "creation",
    call: (_, kw, device) => torch.zeros(kw.shape!, dtypeOpt(kw, device)),
    torch: "lambda xs, kw: torch.zeros(tuple(kw['shape']), **dtype_kw(kw))",
    noGradcheck: NOT_DIFFERENTIABLE,
    samples: [
      c("zeros/basic", { shape: [2, 3] }),
      c("zeros/int32", { shape: [3], dtype: "int32" }),
    ],
  }),
  op({
    name: "ones",
    family: "creation",
    call: (_, kw, device) => torch.ones(kw.shape!, dtypeOpt(kw, device)),
    torch: "lambda xs, kw: torch.ones(tuple(kw['shape']), **dtype_kw(kw))",
    noGradcheck: NOT_DIFFERENTIABLE,
    samples: [
      c("ones/basic", { shape: [2, 1, 2] }),
      c("ones/bool", { shape: [2], dtype: "bool" }),
      c("ones/scalar", { shape: [] }),
    ],
  }),
];

const tensorOp = op({
  name: "tensor",
  family: "creation",
  call: (_, kw, device) => torch.tensor(kw.data!, dtypeOpt(kw, device)),
  // JS numbers make float32: PyTorch's tensor([[1, 2]]) is int64, so its side passes float32
  torch: `lambda xs, kw: torch.tensor(kw['data'], **${JS_NUMBERS("kw['data']")})`,
  noGradcheck: NOT_DIFFERENTIABLE,
  samples: [
    c("tensor/ints", {
      data: [
        [1, 2],
        [3, 4],
      ],
    }),
    c("tensor/ints_dtype_int32", { data: [0, 2, 1], dtype: "int32" }),
    c("tensor/ints_dtype_long", { data: [0, 2, 1], dtype: "long" }),
    c("tensor/scalar_int", { data: 3 }),
    c("tensor/bool_scalar", { data: true }),
    c("tensor/floats", {
      data: [
        [1.5, 2],
        [3, 4],
      ],
    }),
    c("tensor/bools", { data: [true, false] }),
    c("tensor/scalar", { data: 2.5 }),
    c("tensor/empty", { data: [] }),
    c("tensor/dtype_float32_from_ints", { data: [1, 2, 3], dtype: "float32" }),
    c("tensor/dtype_int32_from_floats", { data: [1.7, -1.7, 2.5], dtype: "int32" }),
    c("tensor/dtype_bool_from_floats", { data: [0, 0.5, -2], dtype: "bool" }),
  ],
});

/** The `*Like` ops: the input gives shape and dtype (and device) only. */
const likeOps = [
  op({
    name: "zerosLike",
    family: "creation",
    call: ([x]) => torch.zerosLike(x!),
    torch: "lambda xs, kw: torch.zeros_like(xs[0])",
    noGradcheck: NOT_DIFFERENTIABLE,
    samples: [c("zerosLike/int32", {}, [i32([[1, 2, 3]])])],
  }),
  op({
    name: "onesLike",
    family: "creation",
    call: ([x]) => torch.onesLike(x!),
    torch: "lambda xs, kw: torch.ones_like(xs[0])",
    noGradcheck: NOT_DIFFERENTIABLE,
    // float64 kept on purpose: onesLike must keep its input's dtype
    samples: [
      c("onesLike/float64", {}, [
        f64([
          [0, 0],
          [0, 0],
        ]),
      ]),
    ],
  }),
  op({
    name: "fullLike",
    family: "creation",
    call: ([x], kw) => torch.fullLike(x!, kw.value!),
    torch: "lambda xs, kw: torch.full_like(xs[0], kw['value'])",
    noGradcheck: NOT_DIFFERENTIABLE,
    samples: [
      c("fullLike/float32", { value: 3.25 }, [zeros(2, 3)]),
      c("fullLike/int32_float_value", { value: 3.75 }, [i32([0, 0, 0])]),
    ],
  }),
];

export const CREATION: OpInfo[] = [arangeOp, linspaceOp, eyeOp, ...fillOps, tensorOp, ...likeOps];
