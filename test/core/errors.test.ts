/**
 * One test per validation path in src/ (`grep -rn "throw new" src`): the error class, the exact
 * message (`<op>: <what is wrong>; got <values>`, shapes as `[2, 3]`), that the failed call left
 * its inputs unchanged (values, shape, version, grad) and that it leaked nothing.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { memorySnapshot, expectSameMemory } from "../util/leaks.js";

const F = torch.nn.functional;

type ErrorClass = new (...args: never[]) => Error;
type Ctx = InstanceType<typeof torch.autograd.FunctionCtx>;

interface Case {
  name: string;
  /** The inputs (made inside the case's leak check, disposed after). */
  make: () => Tensor[];
  call: (inputs: Tensor[]) => unknown;
  cls: ErrorClass;
  msg: RegExp;
}

const t = torch.tensor;
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const f32 = (shape: number[]) =>
  torch.tensor(
    Float32Array.from({ length: count(shape) }, (_, i) => i),
    { shape },
  );
const f64 = (shape: number[]) =>
  torch.tensor(
    Float64Array.from({ length: count(shape) }, (_, i) => i),
    { shape },
  );
const i32 = (shape: number[]) => torch.zeros(shape, { dtype: "int32" });
const leaf = (shape: number[]) => torch.ones(shape, { requiresGrad: true });

interface InputState {
  shape: number[];
  strides: number[];
  values: number[];
  version: number;
  grad: number[] | null;
  requiresGrad: boolean;
  disposed: boolean;
}

function stateOf(x: Tensor): InputState {
  return {
    shape: [...x.shape],
    strides: [...x.strides],
    values: x.isDisposed ? [] : Array.from(x.dataSync()),
    version: x.version,
    grad: x.grad && !x.grad.isDisposed ? Array.from(x.grad.dataSync()) : null,
    requiresGrad: x.requiresGrad,
    disposed: x.isDisposed,
  };
}

/** Runs a case: the right class and message, inputs unchanged, nothing leaked. */
function runCase(c: Case): void {
  const before = memorySnapshot();
  const inputs = c.make();
  const states = inputs.map(stateOf);
  let caught: unknown = null;
  try {
    c.call(inputs);
  } catch (e) {
    caught = e;
  }
  expect(caught, `${c.name} should throw`).toBeInstanceOf(c.cls);
  expect(caught).toBeInstanceOf(Error);
  expect((caught as Error).message).toMatch(c.msg);
  if (caught instanceof torch.TensorError)
    expect((caught as Error).message.startsWith(`${caught.op}: `)).toBe(true);
  expect(inputs.map(stateOf), "a failed op must leave its inputs unchanged").toEqual(states);
  for (const x of inputs) {
    if (x.gradFn) torch.autograd.releaseGraph(x);
    x.dispose();
  }
  expectSameMemory(before, `${c.name}: leaked`);
}

function suite(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases) it(c.name, () => runCase(c));
  });
}

// ---- shapes, broadcasting, dims ----

suite("errors: broadcasting and dims", [
  {
    name: "mul of non-broadcastable shapes",
    make: () => [f32([2, 3]), f32([4])],
    call: ([a, b]) => a!.mul(b!),
    cls: torch.ShapeError,
    msg: /^mul: shapes \[2, 3\] and \[4\] are not broadcastable \(dim -1: 3 vs 4\)$/,
  },
  {
    name: "add names the first mismatching dim from the right",
    make: () => [f32([2, 3, 4]), f32([5, 1, 4])],
    call: ([a, b]) => torch.add(a!, b!),
    cls: torch.ShapeError,
    msg: /^add: shapes \[2, 3, 4\] and \[5, 1, 4\] are not broadcastable \(dim -3: 2 vs 5\)$/,
  },
  {
    name: "where broadcasts cond against the branches",
    make: () => [torch.ones([3], { dtype: "bool" }), f32([2]), f32([2])],
    call: ([c, a, b]) => torch.where(c!, a!, b!),
    cls: torch.ShapeError,
    msg: /^where: shapes \[3\] and \[2\] are not broadcastable \(dim -1: 3 vs 2\)$/,
  },
  {
    name: "broadcastShapes directly",
    make: () => [],
    call: () => torch.broadcastShapes([2, 3], [3, 2], "myop"),
    cls: torch.ShapeError,
    msg: /^myop: shapes \[2, 3\] and \[3, 2\] are not broadcastable \(dim -1: 3 vs 2\)$/,
  },
  {
    name: "sum over a dim out of range",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.sum(2),
    cls: torch.ValueError,
    msg: /^sum: dim 2 is out of range for a tensor of 2 dimensions \(expected in \[-2, 1\]\)$/,
  },
  {
    name: "negative dim out of range (1-D wording)",
    make: () => [f32([3])],
    call: ([a]) => a!.softmax(-2),
    cls: torch.ValueError,
    msg: /^softmax: dim -2 is out of range for a tensor of 1 dimension \(expected in \[-1, 0\]\)$/,
  },
  {
    name: "a non-integer dim",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.size(0.5),
    cls: torch.ValueError,
    msg: /^size: dim 0\.5 is out of range/,
  },
  {
    name: "a repeated dim in a reduction",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.sum([0, -2]),
    cls: torch.ValueError,
    msg: /^sum: dim \[0, -2\] has a repeated dimension$/,
  },
]);

// ---- views and reshapes ----

suite("errors: views and reshapes", [
  {
    name: "view of an incompatible (transposed) layout",
    make: () => [f32([2, 3])],
    call: ([a]) => {
      const tr = a!.t();
      try {
        return tr.view(6);
      } finally {
        tr.dispose();
      }
    },
    cls: torch.ShapeError,
    msg: /^view: view size \[6\] is not compatible with input of shape \[3, 2\] and strides \[1, 3\]; use reshape\(\.\.\.\) instead$/,
  },
  {
    name: "reshape to a size with the wrong element count",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.reshape(4, 2),
    cls: torch.ShapeError,
    msg: /^reshape: shape \[4, 2\] is invalid for input of size 6 \(shape \[2, 3\]\)$/,
  },
  {
    name: "reshape with -1 that does not divide",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.reshape(-1, 4),
    cls: torch.ShapeError,
    msg: /^reshape: shape \[-1, 4\] is invalid for input of size 6 \(shape \[2, 3\]\)$/,
  },
  {
    name: "view with two -1",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.view(-1, -1),
    cls: torch.ShapeError,
    msg: /^view: only one dimension can be inferred; got \[-1, -1\]$/,
  },
  {
    name: "reshape with a negative size other than -1",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.reshape(-2, 3),
    cls: torch.ShapeError,
    msg: /^reshape: invalid size -2 in \[-2, 3\]$/,
  },
  {
    name: "unflatten sizes that do not multiply to the dim",
    make: () => [f32([2, 6])],
    call: ([a]) => a!.unflatten(1, [4, 2]),
    cls: torch.ShapeError,
    msg: /^unflatten: shape \[4, 2\] is invalid for input of size 6 \(shape \[2, 6\]\)$/,
  },
  {
    name: "flatten with startDim after endDim",
    make: () => [f32([2, 3, 4])],
    call: ([a]) => a!.flatten(2, 1),
    cls: torch.ValueError,
    msg: /^flatten: startDim 2 cannot come after endDim 1$/,
  },
  {
    name: "permute with the wrong number of dims",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.permute(1, 0, 2),
    cls: torch.ShapeError,
    msg: /^permute: number of dims 3 doesn't match the input's 2 \(shape \[2, 3\]\); got dims \[1, 0, 2\]$/,
  },
  {
    name: "permute with a repeated dim",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.permute(1, -1),
    cls: torch.ValueError,
    msg: /^permute: repeated dim in \[1, -1\]$/,
  },
  {
    name: "t() of a 3-D tensor",
    make: () => [f32([2, 3, 4])],
    call: ([a]) => a!.t(),
    cls: torch.ShapeError,
    msg: /^t: expects a tensor with <= 2 dimensions, but got shape \[2, 3, 4\]; use transpose\(dim0, dim1\)$/,
  },
  {
    name: "expand to fewer dims",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.expand(3),
    cls: torch.ShapeError,
    msg: /^expand: the number of sizes \[3\] must be at least the tensor's number of dims \(shape \[2, 3\]\)$/,
  },
  {
    name: "expand a non-1 dim",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.expand(4, 4, 3),
    cls: torch.ShapeError,
    msg: /^expand: the expanded size 4 must match the existing size 2 at dim 1 \(shape \[2, 3\] to \[4, 4, 3\]\)$/,
  },
  {
    name: "expand to a negative size",
    make: () => [f32([1, 3])],
    call: ([a]) => a!.expand(-2, 3),
    cls: torch.ValueError,
    msg: /^expand: invalid size \[-2, 3\]: sizes must be non-negative integers$/,
  },
  {
    name: "repeat with fewer sizes than dims",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.repeat(2),
    cls: torch.ShapeError,
    msg: /^repeat: number of repeat dims 1 can't be smaller than the number of tensor dims 2$/,
  },
  {
    name: "repeat with a negative count",
    make: () => [f32([2])],
    call: ([a]) => a!.repeat(-1),
    cls: torch.ValueError,
    msg: /^repeat: invalid size \[-1\]/,
  },
]);

// ---- slicing and indexing ----

suite("errors: narrow, select, index, split, cat, stack", [
  {
    name: "narrow past the end",
    make: () => [f32([2, 5])],
    call: ([a]) => a!.narrow(1, 3, 3),
    cls: torch.ValueError,
    msg: /^narrow: start 3 \+ length 3 exceeds dimension size 5 \(dim 1 of \[2, 5\]\)$/,
  },
  {
    name: "narrow with a negative length",
    make: () => [f32([5])],
    call: ([a]) => a!.narrow(0, 1, -1),
    cls: torch.ValueError,
    msg: /^narrow: start 1 \+ length -1 exceeds dimension size 5/,
  },
  {
    name: "select an index out of range",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.select(1, 3),
    cls: torch.ValueError,
    msg: /^select: index 3 is out of range for dimension 1 with size 3 \(shape \[2, 3\]\)$/,
  },
  {
    name: "select a negative index out of range",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.select(0, -3),
    cls: torch.ValueError,
    msg: /^select: index -3 is out of range for dimension 0 with size 2/,
  },
  {
    name: "index an integer out of bounds",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.index(":", 3),
    cls: torch.ValueError,
    msg: /^index: index 3 is out of bounds for dimension 1 with size 3$/,
  },
  {
    name: "index with too many indices",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.index(0, 0, 0),
    cls: torch.ValueError,
    msg: /^index: too many indices for a tensor of dimension 2 \(shape \[2, 3\]\): got 3$/,
  },
  {
    name: "index with two ellipses",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.index("...", 0, "..."),
    cls: torch.ValueError,
    msg: /^index: an index can only have a single ellipsis \("\.\.\."\)$/,
  },
  {
    name: "index with a malformed slice",
    make: () => [f32([4])],
    call: ([a]) => a!.index("1"),
    cls: torch.ValueError,
    msg: /^index: invalid slice "1"; expected "start:stop" or "start:stop:step"$/,
  },
  {
    name: "index with a non-integer slice bound",
    make: () => [f32([4])],
    call: ([a]) => a!.index("a:2"),
    cls: torch.ValueError,
    msg: /^index: invalid slice "a:2": a is not an integer$/,
  },
  {
    name: "index with a non-positive step",
    make: () => [f32([4])],
    call: ([a]) => a!.index("::-1"),
    cls: torch.ValueError,
    msg: /^index: slice step must be positive; got "::-1"$/,
  },
  {
    name: "index with an unsupported index type",
    make: () => [f32([4])],
    call: ([a]) => a!.index(true as unknown as number),
    cls: torch.ValueError,
    msg: /^index: unsupported index true; use numbers, "a:b:c" slices, null or "\.\.\."; for tensor indices use indexSelect or gather$/,
  },
  {
    name: "split with a non-positive size",
    make: () => [f32([4])],
    call: ([a]) => a!.split(0),
    cls: torch.ValueError,
    msg: /^split: split size must be a positive integer; got 0$/,
  },
  {
    name: "split sections that do not sum to the dim",
    make: () => [f32([2, 5])],
    call: ([a]) => a!.split([2, 2], 1),
    cls: torch.ShapeError,
    msg: /^split: split sizes \[2, 2\] sum to 4, but dimension 1 has size 5 \(shape \[2, 5\]\)$/,
  },
  {
    name: "chunk into zero chunks",
    make: () => [f32([4])],
    call: ([a]) => a!.chunk(0),
    cls: torch.ValueError,
    msg: /^chunk: chunks must be a positive integer; got 0$/,
  },
  {
    name: "cat of an empty list",
    make: () => [],
    call: () => torch.cat([]),
    cls: torch.ValueError,
    msg: /^cat: expected a non-empty list of tensors$/,
  },
  {
    name: "cat with mismatched sizes off the cat dim",
    make: () => [f32([2, 3]), f32([2, 4])],
    call: ([a, b]) => torch.cat([a!, b!], 0),
    cls: torch.ShapeError,
    msg: /^cat: sizes of tensors must match except in dimension 0: got \[2, 3\] and \[2, 4\] \(dim 1\)$/,
  },
  {
    name: "cat with different ranks",
    make: () => [f32([2, 3]), f32([3])],
    call: ([a, b]) => torch.cat([a!, b!], 0),
    cls: torch.ShapeError,
    msg: /^cat: tensors must have the same number of dimensions: got \[2, 3\] and \[3\]$/,
  },
  {
    name: "cat along a dim out of range",
    make: () => [f32([2, 3]), f32([2, 3])],
    call: ([a, b]) => torch.cat([a!, b!], 2),
    cls: torch.ValueError,
    msg: /^cat: dim 2 is out of range for a tensor of 2 dimensions/,
  },
  {
    name: "stack of an empty list",
    make: () => [],
    call: () => torch.stack([]),
    cls: torch.ValueError,
    msg: /^stack: expected a non-empty list of tensors$/,
  },
  {
    name: "stack of different shapes",
    make: () => [f32([2, 3]), f32([3, 2])],
    call: ([a, b]) => torch.stack([a!, b!]),
    cls: torch.ShapeError,
    msg: /^stack: expects each tensor to be equal size, but got \[2, 3\] and \[3, 2\]$/,
  },
]);

suite("errors: gather, scatter, indexSelect, masks, triangles, oneHot", [
  {
    name: "gather with a float index",
    make: () => [f32([2, 3]), f32([2, 1])],
    call: ([a, i]) => a!.gather(1, i!),
    cls: torch.DTypeError,
    msg: /^gather: index must be int32 \(PyTorch's long\); got float32\. Write torch\.tensor\(\[0, 2, 1\], \{ dtype: \"int32\" \}\) or convert with t\.long\(\)$/,
  },
  {
    name: "gather with an index of another rank",
    make: () => [f32([2, 3]), i32([2])],
    call: ([a, i]) => a!.gather(1, i!),
    cls: torch.ShapeError,
    msg: /^gather: index \[2\] must have as many dimensions as the input \[2, 3\]$/,
  },
  {
    name: "gather with an index larger than the input off dim",
    make: () => [f32([2, 3]), i32([3, 1])],
    call: ([a, i]) => a!.gather(1, i!),
    cls: torch.ShapeError,
    msg: /^gather: index \[3, 1\] is larger than the input \[2, 3\] at dimension 0$/,
  },
  {
    name: "gather with an index value out of bounds",
    make: () => [f32([2, 3]), t([[0], [3]], { dtype: "int32" })],
    call: ([a, i]) => a!.gather(1, i!),
    cls: torch.ValueError,
    msg: /^gather: index 3 is out of bounds for dimension 1 with size 3$/,
  },
  {
    name: "scatter with an index larger than src",
    make: () => [f32([2, 3]), i32([2, 2]), f32([2, 1])],
    call: ([a, i, s]) => a!.scatter(1, i!, s!),
    cls: torch.ShapeError,
    msg: /^scatter: index \[2, 2\] is larger than src \[2, 1\] at dimension 1$/,
  },
  {
    name: "scatterAdd with an int64-like float index",
    make: () => [f32([2, 3]), f32([2, 2]), f32([2, 2])],
    call: ([a, i, s]) => a!.scatterAdd(1, i!, s!),
    cls: torch.DTypeError,
    msg: /^scatterAdd: index must be int32 \(PyTorch's long\); got float32\. Write torch\.tensor\(\[0, 2, 1\], \{ dtype: \"int32\" \}\) or convert with t\.long\(\)$/,
  },
  {
    name: "scatterAdd with an index value out of bounds",
    make: () => [f32([2, 3]), t([[5], [0]], { dtype: "int32" }), f32([2, 1])],
    call: ([a, i, s]) => a!.scatterAdd(1, i!, s!),
    cls: torch.ValueError,
    msg: /^scatterAdd: index 5 is out of bounds for dimension 1 with size 3$/,
  },
  {
    name: "indexSelect with a 2-D index",
    make: () => [f32([2, 3]), i32([1, 1])],
    call: ([a, i]) => a!.indexSelect(1, i!),
    cls: torch.ShapeError,
    msg: /^indexSelect: index must be 1-D; got shape \[1, 1\]$/,
  },
  {
    name: "indexSelect with a bool index",
    make: () => [f32([2, 3]), torch.ones([2], { dtype: "bool" })],
    call: ([a, i]) => a!.indexSelect(1, i!),
    cls: torch.DTypeError,
    msg: /^indexSelect: index must be int32 \(PyTorch's long\); got bool\. Write torch\.tensor\(\[0, 2, 1\], \{ dtype: \"int32\" \}\) or convert with t\.long\(\)$/,
  },
  {
    name: "maskedFill with an int mask",
    make: () => [f32([2, 3]), i32([2, 3])],
    call: ([a, m]) => a!.maskedFill(m!, 0),
    cls: torch.DTypeError,
    msg: /^maskedFill: mask must be a bool tensor; got int32$/,
  },
  {
    name: "maskedFill with a 1-d value tensor",
    make: () => [f32([2, 3]), torch.ones([2, 3], { dtype: "bool" }), f32([2])],
    call: ([a, m, v]) => a!.maskedFill(m!, v!),
    cls: torch.ShapeError,
    msg: /^maskedFill: only a 0-dimensional value tensor is supported; got a value of shape \[2\]$/,
  },
  {
    name: "maskedFill_ with a 1-d value tensor",
    make: () => [f32([2, 3]), torch.ones([2, 3], { dtype: "bool" }), f32([3])],
    call: ([a, m, v]) => a!.maskedFill_(m!, v!),
    cls: torch.ShapeError,
    msg: /^maskedFill_: only a 0-dimensional value tensor is supported; got a value of shape \[3\]$/,
  },
  {
    name: "maskedFill_ with a 1-d value tensor on a graph",
    make: () => {
      const x = leaf([2, 3]);
      return [x.mul(1), torch.ones([2, 3], { dtype: "bool" }), f32([3]), x];
    },
    call: ([a, m, v]) => a!.maskedFill_(m!, v!),
    cls: torch.ShapeError,
    msg: /^maskedFill_: only a 0-dimensional value tensor is supported; got a value of shape \[3\]$/,
  },
  {
    name: "maskedFill with a string value",
    make: () => [f32([2, 3]), torch.ones([2, 3], { dtype: "bool" })],
    call: ([a, m]) => a!.maskedFill(m!, "1" as unknown as number),
    cls: torch.TensorError,
    msg: /^maskedFill: value must be a Tensor or a number; got /,
  },
  {
    name: "where with a float condition",
    make: () => [f32([2]), f32([2]), f32([2])],
    call: ([c, a, b]) => torch.where(c!, a!, b!),
    cls: torch.DTypeError,
    msg: /^where: condition must be a bool tensor; got float32$/,
  },
  {
    name: "tril of a 1-D tensor",
    make: () => [f32([3])],
    call: ([a]) => a!.tril(),
    cls: torch.ShapeError,
    msg: /^tril: input must have at least 2 dimensions; got shape \[3\]$/,
  },
  {
    name: "triu of a 0-D tensor",
    make: () => [torch.tensor(1.5)],
    call: ([a]) => a!.triu(),
    cls: torch.ShapeError,
    msg: /^triu: input must have at least 2 dimensions; got shape \[\]$/,
  },
  {
    name: "oneHot of floats",
    make: () => [f32([3])],
    call: ([a]) => torch.oneHot(a!, 3),
    cls: torch.DTypeError,
    msg: /^oneHot: class indices must be int32 \(PyTorch's long\); got float32\. Write torch\.tensor\(\[0, 2, 1\], \{ dtype: \"int32\" \}\) or convert with t\.long\(\)$/,
  },
  {
    name: "oneHot of an empty tensor without numClasses",
    make: () => [i32([0])],
    call: ([a]) => torch.oneHot(a!),
    cls: torch.ValueError,
    msg: /^oneHot: cannot infer numClasses from an empty tensor; pass numClasses$/,
  },
]);

// ---- elementwise and dtypes ----

suite("errors: elementwise, reductions and dtypes", [
  {
    name: "sub of bool tensors",
    make: () => [torch.ones([2], { dtype: "bool" }), torch.ones([2], { dtype: "bool" })],
    call: ([a, b]) => a!.sub(b!),
    cls: torch.DTypeError,
    msg: /^sub: not supported for bool tensors$/,
  },
  {
    name: "neg of a bool tensor",
    make: () => [torch.ones([2], { dtype: "bool" })],
    call: ([a]) => a!.neg(),
    cls: torch.DTypeError,
    msg: /^neg: not supported for bool tensors$/,
  },
  {
    name: "div with an unknown roundingMode",
    make: () => [f32([2])],
    call: ([a]) => a!.div(2, { roundingMode: "ceil" as "floor" }),
    cls: torch.ValueError,
    msg: /^div: roundingMode must be "trunc" or "floor"; got ceil$/,
  },
  {
    name: "clamp without bounds",
    make: () => [f32([2])],
    call: ([a]) => a!.clamp(),
    cls: torch.ValueError,
    msg: /^clamp: at least one of min and max must be given$/,
  },
  {
    name: "mean of an int tensor",
    make: () => [i32([2, 3])],
    call: ([a]) => a!.mean(),
    cls: torch.DTypeError,
    msg: /^mean: could not infer output dtype: input dtype must be floating point; got int32$/,
  },
  {
    name: "var of an int tensor",
    make: () => [i32([3])],
    call: ([a]) => a!.var(),
    cls: torch.DTypeError,
    msg: /^var: expected a floating-point tensor; got int32$/,
  },
  {
    name: "std of a bool tensor",
    make: () => [torch.ones([3], { dtype: "bool" })],
    call: ([a]) => a!.std(),
    cls: torch.DTypeError,
    msg: /^var: expected a floating-point tensor; got bool$/,
  },
  {
    name: "amax over an empty dim",
    make: () => [f32([0, 3])],
    call: ([a]) => a!.amax(0),
    cls: torch.ValueError,
    msg: /^amax: cannot reduce over a zero-size dimension \(shape \[0, 3\]\); the operation has no identity$/,
  },
  {
    name: "argmax of an empty tensor",
    make: () => [f32([0])],
    call: ([a]) => a!.argmax(),
    cls: torch.ValueError,
    msg: /^argmax: cannot reduce over a zero-size dimension \(shape \[0\]\)/,
  },
  {
    name: "max(dim) over an empty dim",
    make: () => [f32([2, 0])],
    call: ([a]) => a!.max(1),
    cls: torch.ValueError,
    msg: /^argmax: cannot reduce over a zero-size dimension \(shape \[2, 0\]\)/,
  },
]);

// ---- matmul ----

suite("errors: matmul, mm, bmm, outer, dot", [
  {
    name: "matmul inner dimensions",
    make: () => [f32([2, 3]), f32([4, 5])],
    call: ([a, b]) => a!.matmul(b!),
    cls: torch.ShapeError,
    msg: /^matmul: inner dimensions differ: \[2, 3\] @ \[4, 5\]$/,
  },
  {
    name: "matmul 1-D @ 2-D inner dimensions",
    make: () => [f32([3]), f32([4, 5])],
    call: ([a, b]) => torch.matmul(a!, b!),
    cls: torch.ShapeError,
    msg: /^matmul: inner dimensions differ: \[3\] @ \[4, 5\]$/,
  },
  {
    name: "matmul batch dims that do not broadcast",
    make: () => [f32([2, 2, 3]), f32([3, 3, 4])],
    call: ([a, b]) => a!.matmul(b!),
    cls: torch.ShapeError,
    msg: /^matmul: shapes \[2\] and \[3\] are not broadcastable \(dim -1: 2 vs 3\)$/,
  },
  {
    name: "matmul of int tensors",
    make: () => [i32([2, 2]), i32([2, 2])],
    call: ([a, b]) => a!.matmul(b!),
    cls: torch.DTypeError,
    msg: /^matmul: expected floating-point tensors; got int32 and int32$/,
  },
  {
    name: "matmul of float32 and float64",
    make: () => [f32([2, 2]), f64([2, 2])],
    call: ([a, b]) => a!.matmul(b!),
    cls: torch.DTypeError,
    msg: /^matmul: expected both tensors to have the same dtype; got float32 and float64$/,
  },
  {
    name: "matmul with a 0-d operand",
    make: () => [torch.tensor(2.5), f32([2])],
    call: ([a, b]) => a!.matmul(b!),
    cls: torch.ShapeError,
    msg: /^matmul: both arguments need at least 1 dimension; got \[\] and \[2\]$/,
  },
  {
    name: "mm of a 1-D tensor",
    make: () => [f32([3]), f32([3, 2])],
    call: ([a, b]) => a!.mm(b!),
    cls: torch.ShapeError,
    msg: /^mm: expects 2-D tensors; got \[3\] and \[3, 2\]$/,
  },
  {
    name: "mm inner dimensions",
    make: () => [f32([2, 3]), f32([2, 3])],
    call: ([a, b]) => torch.mm(a!, b!),
    cls: torch.ShapeError,
    msg: /^mm: inner dimensions differ: \[2, 3\] @ \[2, 3\]$/,
  },
  {
    name: "bmm of 2-D tensors",
    make: () => [f32([2, 3]), f32([3, 2])],
    call: ([a, b]) => a!.bmm(b!),
    cls: torch.ShapeError,
    msg: /^bmm: expects 3-D tensors; got \[2, 3\] and \[3, 2\]$/,
  },
  {
    name: "bmm batch sizes",
    make: () => [f32([2, 2, 3]), f32([3, 3, 2])],
    call: ([a, b]) => a!.bmm(b!),
    cls: torch.ShapeError,
    msg: /^bmm: batch sizes differ: \[2, 2, 3\] and \[3, 3, 2\]$/,
  },
  {
    name: "bmm inner dimensions",
    make: () => [f32([2, 2, 3]), f32([2, 2, 2])],
    call: ([a, b]) => a!.bmm(b!),
    cls: torch.ShapeError,
    msg: /^bmm: inner dimensions differ: \[2, 2, 3\] @ \[2, 2, 2\]$/,
  },
  {
    name: "bmm of int tensors",
    make: () => [i32([1, 2, 2]), i32([1, 2, 2])],
    call: ([a, b]) => a!.bmm(b!),
    cls: torch.DTypeError,
    msg: /^bmm: expected floating-point tensors; got int32 and int32$/,
  },
  {
    name: "outer of a 2-D tensor",
    make: () => [f32([2, 2]), f32([2])],
    call: ([a, b]) => a!.outer(b!),
    cls: torch.ShapeError,
    msg: /^outer: expects 1-D tensors; got \[2, 2\] and \[2\]$/,
  },
  {
    name: "dot of a 2-D tensor",
    make: () => [f32([2, 2]), f32([2])],
    call: ([a, b]) => a!.dot(b!),
    cls: torch.ShapeError,
    msg: /^dot: expects 1-D tensors; got \[2, 2\] and \[2\]$/,
  },
  {
    name: "dot of different lengths",
    make: () => [f32([2]), f32([3])],
    call: ([a, b]) => a!.dot(b!),
    cls: torch.ShapeError,
    msg: /^dot: inconsistent tensor size: \[2\] and \[3\]$/,
  },
]);

// ---- convolution and pooling ----

suite("errors: conv and pooling", [
  {
    name: "conv2d channel mismatch",
    make: () => [f32([1, 3, 5, 5]), f32([2, 4, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!),
    cls: torch.ShapeError,
    msg: /^conv2d: expected input \[1, 3, 5, 5\] to have 4 channels \(weight \[2, 4, 3, 3\], groups 1\), but got 3 channels$/,
  },
  {
    name: "conv2d channel mismatch with groups",
    make: () => [f32([1, 4, 5, 5]), f32([4, 1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!, null, { groups: 2 }),
    cls: torch.ShapeError,
    msg: /^conv2d: expected input \[1, 4, 5, 5\] to have 2 channels \(weight \[4, 1, 3, 3\], groups 2\), but got 4 channels$/,
  },
  {
    name: "conv2d groups that do not divide the channels",
    make: () => [f32([1, 3, 5, 5]), f32([4, 1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!, null, { groups: 2 }),
    cls: torch.ValueError,
    msg: /^conv2d: groups 2 must divide both in_channels 3 and out_channels 4$/,
  },
  {
    name: "conv2d groups of zero",
    make: () => [f32([1, 2, 5, 5]), f32([2, 2, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!, null, { groups: 0 }),
    cls: torch.ValueError,
    msg: /^conv2d: groups 0 must divide/,
  },
  {
    name: "conv2d of a 2-D input",
    make: () => [f32([5, 5]), f32([1, 1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!),
    cls: torch.ShapeError,
    msg: /^conv2d: expected 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input; got \[5, 5\]$/,
  },
  {
    name: "conv2d with a 3-D weight",
    make: () => [f32([1, 1, 5, 5]), f32([1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!),
    cls: torch.ShapeError,
    msg: /^conv2d: weight must be 4-D \(out, in\/groups, kH, kW\); got \[1, 3, 3\]$/,
  },
  {
    name: "conv2d of int input",
    make: () => [i32([1, 1, 5, 5]), f32([1, 1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!),
    cls: torch.DTypeError,
    msg: /^conv2d: expected input and weight of the same floating dtype; got int32 and float32$/,
  },
  {
    name: "conv2d input smaller than the kernel",
    make: () => [f32([1, 1, 2, 2]), f32([1, 1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!),
    cls: torch.ShapeError,
    msg: /^conv2d: input \[1, 1, 2, 2\] is too small for kernel \[1, 1, 3, 3\] with padding \[0, 0\] and dilation \[1, 1\]$/,
  },
  {
    name: "conv2d with a bias of the wrong size",
    make: () => [f32([1, 1, 4, 4]), f32([2, 1, 3, 3]), f32([3])],
    call: ([x, w, b]) => torch.conv2d(x!, w!, b!),
    cls: torch.ShapeError,
    msg: /^conv2d: bias must have shape \[2\]; got \[3\]$/,
  },
  {
    name: "conv2d with a non-integer stride",
    make: () => [f32([1, 1, 4, 4]), f32([1, 1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!, null, { stride: 1.5 }),
    cls: torch.ValueError,
    msg: /^conv2d: stride must be integers; got 1\.5$/,
  },
  {
    name: "conv2d with stride 0",
    make: () => [f32([1, 1, 4, 4]), f32([1, 1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!, null, { stride: 0 }),
    cls: torch.ValueError,
    msg: /^conv2d: stride and dilation must be >= 1 and padding >= 0; got stride \[0, 0\], padding \[0, 0\], dilation \[1, 1\]$/,
  },
  {
    name: "conv2d with negative padding",
    make: () => [f32([1, 1, 4, 4]), f32([1, 1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!, null, { padding: [-1, 0] }),
    cls: torch.ValueError,
    msg: /^conv2d: stride and dilation must be >= 1 and padding >= 0; got stride \[1, 1\], padding \[-1, 0\], dilation \[1, 1\]$/,
  },
  {
    name: 'conv2d padding "same" with a stride',
    make: () => [f32([1, 1, 4, 4]), f32([1, 1, 3, 3])],
    call: ([x, w]) => torch.conv2d(x!, w!, null, { padding: "same", stride: 2 }),
    cls: torch.ValueError,
    msg: /^conv2d: padding "same" is not supported for strided convolutions \(stride \[2, 2\]\)$/,
  },
  {
    name: "conv1d with a 4-D weight",
    make: () => [f32([1, 1, 5]), f32([1, 1, 1, 3])],
    call: ([x, w]) => torch.conv1d(x!, w!),
    cls: torch.ShapeError,
    msg: /^conv1d: weight must be 3-D \(out, in\/groups, k\); got \[1, 1, 1, 3\]$/,
  },
  {
    name: "conv1d of a 4-D input",
    make: () => [f32([1, 1, 1, 5]), f32([1, 1, 3])],
    call: ([x, w]) => torch.conv1d(x!, w!),
    cls: torch.ShapeError,
    msg: /^conv1d: expected 2-D \(C, L\) or 3-D \(N, C, L\) input; got \[1, 1, 1, 5\]$/,
  },
  {
    name: "conv1d channel mismatch (reported by conv2d)",
    make: () => [f32([1, 2, 5]), f32([1, 3, 3])],
    call: ([x, w]) => torch.conv1d(x!, w!),
    cls: torch.ShapeError,
    msg: /^conv2d: expected input \[1, 2, 1, 5\] to have 3 channels/,
  },
  {
    name: "maxPool2d padding larger than half the kernel",
    make: () => [f32([1, 1, 4, 4])],
    call: ([x]) => torch.maxPool2d(x!, 2, { padding: 2 }),
    cls: torch.ValueError,
    msg: /^maxPool2d: padding should be at most half of the kernel size; got padding \[2, 2\] and kernel \[2, 2\]$/,
  },
  {
    name: "maxPool2d of a 2-D input",
    make: () => [f32([4, 4])],
    call: ([x]) => torch.maxPool2d(x!, 2),
    cls: torch.ShapeError,
    msg: /^maxPool2d: expected 4-D \(N, C, H, W\) input; got \[4, 4\]$/,
  },
  {
    name: "maxPool2d of a 3-D input names the batched shape",
    make: () => [f32([1, 4, 4])],
    call: ([x]) => torch.maxPool2d(x!, 2, { padding: 2 }),
    cls: torch.ValueError,
    msg: /^maxPool2d: padding should be at most half of the kernel size; got padding \[2, 2\] and kernel \[2, 2\]$/,
  },
  {
    name: "maxPool2d input smaller than the kernel",
    make: () => [f32([1, 1, 2, 2])],
    call: ([x]) => torch.maxPool2d(x!, 3),
    cls: torch.ShapeError,
    msg: /^maxPool2d: input \[1, 1, 2, 2\] is too small for kernel \[3, 3\]$/,
  },
  {
    name: "maxPool2d of an int tensor",
    make: () => [i32([1, 1, 4, 4])],
    call: ([x]) => torch.maxPool2d(x!, 2),
    cls: torch.DTypeError,
    msg: /^maxPool2d: expected a floating-point input; got int32$/,
  },
  {
    name: "maxPool2d with a non-integer kernel",
    make: () => [f32([1, 1, 4, 4])],
    call: ([x]) => torch.maxPool2d(x!, 1.5),
    cls: torch.ValueError,
    msg: /^maxPool2d: kernelSize must be integers; got 1\.5$/,
  },
  {
    name: "avgPool2d padding larger than half the kernel",
    make: () => [f32([1, 1, 4, 4])],
    call: ([x]) => torch.avgPool2d(x!, 3, { padding: 2 }),
    cls: torch.ValueError,
    msg: /^avgPool2d: padding should be at most half of the kernel size; got padding \[2, 2\] and kernel \[3, 3\]$/,
  },
  {
    name: "maxPool1d of a 4-D input",
    make: () => [f32([1, 1, 4, 4])],
    call: ([x]) => torch.maxPool1d(x!, 2),
    cls: torch.ShapeError,
    msg: /^maxPool1d: expected 3-D \(N, C, L\) input; got \[1, 1, 4, 4\]$/,
  },
  {
    name: "avgPool1d of a 2-D input",
    make: () => [f32([4, 4])],
    call: ([x]) => torch.avgPool1d(x!, 2),
    cls: torch.ShapeError,
    msg: /^avgPool1d: expected 3-D \(N, C, L\) input; got \[4, 4\]$/,
  },
  {
    name: "convTranspose2d of int input",
    make: () => [i32([1, 1, 3, 3]), f32([1, 1, 2, 2])],
    call: ([x, w]) => F.convTranspose2d(x!, w!),
    cls: torch.DTypeError,
    msg: /^convTranspose2d: expected input and weight of the same floating dtype; got int32 and float32$/,
  },
  {
    name: "convTranspose2d of a 3-D input",
    make: () => [f32([1, 3, 3]), f32([1, 1, 2, 2])],
    call: ([x, w]) => F.convTranspose2d(x!, w!),
    cls: torch.ShapeError,
    msg: /^convTranspose2d: expected 4-D input \(N, C, H, W\) and weight \(C_in, C_out\/groups, kH, kW\); got \[1, 3, 3\] and \[1, 1, 2, 2\]$/,
  },
  {
    name: "convTranspose2d channel mismatch",
    make: () => [f32([1, 2, 3, 3]), f32([3, 1, 2, 2])],
    call: ([x, w]) => F.convTranspose2d(x!, w!),
    cls: torch.ShapeError,
    msg: /^convTranspose2d: weight \[3, 1, 2, 2\] expects 3 input channels; got input \[1, 2, 3, 3\]$/,
  },
  {
    name: "convTranspose2d groups that do not divide the channels",
    make: () => [f32([1, 3, 3, 3]), f32([3, 1, 2, 2])],
    call: ([x, w]) => F.convTranspose2d(x!, w!, null, { groups: 2 }),
    cls: torch.ValueError,
    msg: /^convTranspose2d: groups 2 must divide in_channels 3$/,
  },
  {
    name: "convTranspose2d outputPadding not below stride",
    make: () => [f32([1, 1, 3, 3]), f32([1, 1, 2, 2])],
    call: ([x, w]) => F.convTranspose2d(x!, w!, null, { stride: 2, outputPadding: 2 }),
    cls: torch.ValueError,
    msg: /^convTranspose2d: outputPadding \[2, 2\] must be smaller than stride \[2, 2\] or dilation \[1, 1\]$/,
  },
  {
    name: "convTranspose2d output size not positive",
    make: () => [f32([1, 1, 1, 1]), f32([1, 1, 1, 1])],
    call: ([x, w]) => F.convTranspose2d(x!, w!, null, { padding: 1 }),
    cls: torch.ShapeError,
    msg: /^convTranspose2d: the output size \[-1, -1\] is not positive for input \[1, 1, 1, 1\]$/,
  },
  {
    name: "convTranspose2d with a bias of the wrong size",
    make: () => [f32([1, 1, 2, 2]), f32([1, 2, 2, 2]), f32([3])],
    call: ([x, w, b]) => F.convTranspose2d(x!, w!, b!),
    cls: torch.ShapeError,
    msg: /^convTranspose2d: bias must have shape \[2\]; got \[3\]$/,
  },
  {
    name: "convTranspose2d with a non-integer outputPadding",
    make: () => [f32([1, 1, 2, 2]), f32([1, 1, 2, 2])],
    call: ([x, w]) => F.convTranspose2d(x!, w!, null, { stride: 2, outputPadding: 0.5 }),
    cls: torch.ValueError,
    msg: /^convTranspose2d: outputPadding must be integers; got 0\.5$/,
  },
]);

// ---- in-place ops ----

suite("errors: in-place ops", [
  {
    name: "add_ that would broadcast the output",
    make: () => [f32([3]), f32([2, 3])],
    call: ([a, b]) => a!.add_(b!),
    cls: torch.ShapeError,
    msg: /^add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]$/,
  },
  {
    name: "mul_ of an int tensor by a fraction",
    make: () => [i32([3])],
    call: ([a]) => a!.mul_(1.5),
    cls: torch.DTypeError,
    msg: /^mul_: result type float32 can't be cast to the desired output type int32$/,
  },
  {
    name: "add_ on a leaf that requires grad",
    make: () => [leaf([3])],
    call: ([a]) => a!.add_(1),
    cls: torch.AutogradError,
    msg: /^add_: a leaf tensor that requires grad is being used in an in-place operation; wrap it in torch\.noGrad\(\(\) => \.\.\.\) or use the out-of-place op$/,
  },
  {
    name: "zero_ on a leaf that requires grad",
    make: () => [leaf([3])],
    call: ([a]) => a!.zero_(),
    cls: torch.AutogradError,
    msg: /^zero_: a leaf tensor that requires grad is being used in an in-place operation/,
  },
  {
    name: "copy_ from a non-broadcastable source",
    make: () => [f32([2, 3]), f32([2])],
    call: ([a, b]) => a!.copy_(b!),
    cls: torch.ShapeError,
    msg: /^copy_: the source's shape must broadcast to the target's; got source \[2\] and target \[2, 3\]$/,
  },
  {
    name: "copy_ from a source with more dims than the target",
    make: () => [f32([3]), f32([2, 3])],
    call: ([a, b]) => a!.copy_(b!),
    cls: torch.ShapeError,
    msg: /^copy_: the source's shape must broadcast to the target's; got source \[2, 3\] and target \[3\]$/,
  },
  {
    name: "copy_ from a source that only broadcasts with the target",
    make: () => [f32([1, 3]), f32([2, 1])],
    call: ([a, b]) => a!.copy_(b!),
    cls: torch.ShapeError,
    msg: /^copy_: the source's shape must broadcast to the target's; got source \[2, 1\] and target \[1, 3\]$/,
  },
  {
    name: "add_ into an expanded (stride-0) view",
    make: () => {
      const b = f32([1, 3]);
      return [b.expand([2, 3]), b];
    },
    call: ([e]) => e!.add_(1),
    cls: torch.TensorError,
    msg: /^add_: unsupported operation: more than one element of the written-to tensor refers to a single memory location; clone\(\) it first$/,
  },
  {
    name: "mul_ into an expanded (stride-0) view",
    make: () => {
      const b = f32([1, 3]);
      return [b.expand([2, 3]), b];
    },
    call: ([e, b]) => e!.mul_(b!),
    cls: torch.TensorError,
    msg: /^mul_: unsupported operation: more than one element of the written-to tensor refers to a single memory location; clone\(\) it first$/,
  },
  {
    name: "clamp_ into an expanded (stride-0) view",
    make: () => {
      const b = f32([1, 3]);
      return [b.expand([2, 3]), b];
    },
    call: ([e]) => e!.clamp_(0, 1),
    cls: torch.TensorError,
    msg: /^clamp_: unsupported operation: more than one element of the written-to tensor refers to a single memory location; clone\(\) it first$/,
  },
  {
    name: "copy_ into an expanded (stride-0) view",
    make: () => {
      const b = f32([1, 3]);
      return [b.expand([2, 3]), b, f32([2, 3])];
    },
    call: ([e, , src]) => e!.copy_(src!),
    cls: torch.TensorError,
    msg: /^copy_: unsupported operation: more than one element of the written-to tensor refers to a single memory location; clone\(\) it first$/,
  },
  {
    name: "uniform_ into an expanded (stride-0) view",
    make: () => {
      const b = f32([1, 3]);
      return [b.expand([2, 3]), b];
    },
    call: ([e]) => e!.uniform_(),
    cls: torch.TensorError,
    msg: /^uniform_: unsupported operation: more than one element of the written-to tensor refers to a single memory location; clone\(\) it first$/,
  },
  {
    name: "maskedFill_ into an expanded (stride-0) view",
    make: () => {
      const b = f32([1, 3]);
      return [b.expand([2, 3]), b, torch.ones([2, 3], { dtype: "bool" })];
    },
    call: ([e, , m]) => e!.maskedFill_(m!, 1),
    cls: torch.TensorError,
    msg: /^maskedFill_: unsupported operation: more than one element of the written-to tensor refers to a single memory location; clone\(\) it first$/,
  },

  {
    name: "uniform_ of an int tensor",
    make: () => [i32([3])],
    call: ([a]) => a!.uniform_(),
    cls: torch.DTypeError,
    msg: /^uniform_: expected a floating-point tensor; got int32$/,
  },
  {
    name: "normal_ of a bool tensor",
    make: () => [torch.zeros([3], { dtype: "bool" })],
    call: ([a]) => a!.normal_(),
    cls: torch.DTypeError,
    msg: /^normal_: expected a floating-point tensor; got bool$/,
  },
]);

// ---- autograd ----

suite("errors: autograd", [
  {
    name: "backward of a tensor that does not require grad",
    make: () => [f32([1])],
    call: ([a]) => a!.backward(),
    cls: torch.AutogradError,
    msg: /^backward: element 0 of tensors does not require grad and does not have a gradFn$/,
  },
  {
    name: "backward of a non-scalar without a gradient",
    make: () => [leaf([2])],
    call: ([a]) => {
      const y = a!.mul(2);
      try {
        y.backward();
      } finally {
        torch.autograd.releaseGraph(y);
        y.dispose();
      }
    },
    cls: torch.AutogradError,
    msg: /^backward: grad can be implicitly created only for scalar outputs; got an output of shape \[2\]$/,
  },
  {
    name: "backward with a gradient of the wrong shape",
    make: () => [leaf([2]), f32([3])],
    call: ([a, g]) => {
      const y = a!.mul(2);
      try {
        y.backward(g);
      } finally {
        torch.autograd.releaseGraph(y);
        y.dispose();
      }
    },
    cls: torch.ShapeError,
    msg: /^backward: mismatch in shape: gradient has shape \[3\] but output 0 has shape \[2\]$/,
  },
  {
    name: "autograd.grad for an input that does not require grad",
    make: () => [leaf([2]), f32([2])],
    call: ([a, b]) => {
      const y = a!.sum();
      try {
        torch.autograd.grad([y], [b!]);
      } finally {
        torch.autograd.releaseGraph(y);
        y.dispose();
      }
    },
    cls: torch.AutogradError,
    msg: /^autograd\.grad: one of the inputs \(shape \[2\]\) does not require grad$/,
  },
  {
    name: "autograd.grad for an unused input",
    make: () => [leaf([2]), leaf([3])],
    call: ([a, b]) => {
      const y = a!.sum();
      try {
        torch.autograd.grad([y], [a!, b!]);
      } finally {
        y.dispose();
      }
    },
    cls: torch.AutogradError,
    msg: /^autograd\.grad: input 1 \(shape \[3\]\) was not used in the graph; pass \{ allowUnused: true \} to get null$/,
  },
  {
    name: "requiresGrad_ on an int tensor",
    make: () => [i32([2])],
    call: ([a]) => a!.requiresGrad_(),
    cls: torch.DTypeError,
    msg: /^requiresGrad_: only floating-point tensors can require gradients; got int32$/,
  },
  {
    name: "requiresGrad = true on a bool tensor",
    make: () => [torch.ones([2], { dtype: "bool" })],
    call: ([a]) => {
      a!.requiresGrad = true;
    },
    cls: torch.DTypeError,
    msg: /^requiresGrad_: only floating-point tensors can require gradients; got bool$/,
  },
  {
    name: "requiresGrad_ on a non-leaf",
    make: () => [leaf([2])],
    call: ([a]) => {
      const y = a!.mul(2);
      try {
        y.requiresGrad_(false);
      } finally {
        torch.autograd.releaseGraph(y);
        y.dispose();
      }
    },
    cls: torch.AutogradError,
    msg: /^requiresGrad_: you can only change requiresGrad of leaf tensors; use detach\(\) to make a leaf from a non-leaf$/,
  },
  {
    name: "retainGrad on a tensor that does not require grad",
    make: () => [f32([2])],
    call: ([a]) => a!.retainGrad(),
    cls: torch.AutogradError,
    msg: /^retainGrad: cannot retain the gradient of a tensor that does not require grad$/,
  },
  {
    name: "registerHook on a tensor that does not require grad",
    make: () => [f32([2])],
    call: ([a]) => a!.registerHook(() => undefined),
    cls: torch.AutogradError,
    msg: /^registerHook: cannot register a hook on a tensor that does not require grad$/,
  },
  {
    name: "gradcheck of float32 inputs",
    make: () => [leaf([2])],
    call: ([a]) => torch.autograd.gradcheck((x) => x.mul(2), [a!]),
    cls: torch.DTypeError,
    msg: /^gradcheck: inputs that require grad must be contiguous float64 CPU tensors; got float32 on cpu with shape \[2\]$/,
  },
  {
    name: "a custom Function without forward",
    make: () => [leaf([2])],
    call: ([a]) => {
      class NoForward extends torch.autograd.Function {}
      NoForward.apply(a!);
    },
    cls: torch.AutogradError,
    msg: /^Function: subclasses must implement static forward\(ctx, \.\.\.args\)$/,
  },
  {
    name: "a custom Function whose backward returns too few gradients",
    make: () => [leaf([2]), leaf([2])],
    call: ([a, b]) => {
      class Add2 extends torch.autograd.Function {
        static override forward(_ctx: Ctx, x: unknown, y: unknown): Tensor {
          return (x as Tensor).add(y as Tensor);
        }
        static override backward(_ctx: Ctx, g: Tensor | null): Tensor | null {
          return g!.mul(1);
        }
      }
      const out = Add2.apply(a!, b!) as Tensor;
      const y = out.sum();
      try {
        y.backward();
      } finally {
        y.dispose();
        out.dispose();
      }
    },
    cls: torch.AutogradError,
    msg: /^Add2: backward returned 1 gradients, but forward took 2 arguments$/,
  },
  {
    name: "a custom Function without backward",
    make: () => [leaf([2])],
    call: ([a]) => {
      class NoBackward extends torch.autograd.Function {
        static override forward(_ctx: Ctx, x: unknown): Tensor {
          return (x as Tensor).mul(2);
        }
      }
      const out = NoBackward.apply(a!) as Tensor;
      const y = out.sum();
      try {
        y.backward();
      } finally {
        y.dispose();
        out.dispose();
      }
    },
    cls: torch.AutogradError,
    msg: /^Function: subclasses must implement static backward\(ctx, \.\.\.grads\)$/,
  },
]);

// ---- readback, disposal, creation, devices ----

suite("errors: readback, disposal, creation and devices", [
  {
    name: "item() of many elements",
    make: () => [f32([2, 3])],
    call: ([a]) => a!.itemSync(),
    cls: torch.ValueError,
    msg: /^item: a tensor with 6 elements cannot be converted to a number \(shape \[2, 3\]\)$/,
  },
  {
    name: "dataSync on a disposed tensor",
    make: () => [],
    call: () => {
      const a = f32([2]);
      a.dispose();
      a.dataSync();
    },
    cls: torch.TensorError,
    msg: /^dataSync: a float32 tensor of shape \[2\] was used after dispose\(\)$/,
  },
  {
    name: "an op on a disposed tensor names the op",
    make: () => [f32([2])],
    call: ([b]) => {
      const a = f32([2, 2]);
      a.dispose();
      a.matmul(b!);
    },
    cls: torch.TensorError,
    msg: /^matmul: a float32 tensor of shape \[2, 2\] was used after dispose\(\)$/,
  },
  {
    name: "mul with a disposed operand",
    make: () => [f32([2])],
    call: ([a]) => {
      const b = f32([2]);
      b.dispose();
      a!.mul(b);
    },
    cls: torch.TensorError,
    msg: /^mul: a float32 tensor of shape \[2\] was used after dispose\(\)$/,
  },
  {
    name: "an in-place op on a disposed tensor",
    make: () => [],
    call: () => {
      const a = f32([2]);
      a.dispose();
      a.add_(1);
    },
    cls: torch.TensorError,
    msg: /^add_: a float32 tensor of shape \[2\] was used after dispose\(\)$/,
  },
  {
    name: "detach of a disposed tensor",
    make: () => [],
    call: () => {
      const a = f32([2]);
      a.dispose();
      a.detach();
    },
    cls: torch.TensorError,
    msg: /^detach: a float32 tensor of shape \[2\] was used after dispose\(\)$/,
  },
  {
    name: "a tensor on a device that is not initialised",
    make: () => [],
    call: () => torch.zeros([2], { device: "gpujs" }),
    cls: torch.DeviceError,
    msg: /^full: device "gpujs" is not initialised; call await torch\.init\(\{ device: "gpujs" \}\) first$/,
  },
  {
    name: "tensor() of ragged nested arrays",
    make: () => [],
    call: () => torch.tensor([[1, 2], [3]] as unknown as torch.NestedArray),
    cls: torch.ShapeError,
    msg: /^tensor: expected a sequence of length 2 at dim 1 \(shape \[2, 2\]\); got length 1$/,
  },
  {
    name: "tensor() of a typed array with the wrong shape",
    make: () => [],
    call: () => torch.tensor(new Float32Array(3), { shape: [2, 2] }),
    cls: torch.ShapeError,
    msg: /^tensor: shape \[2, 2\] needs 4 elements; the array has 3$/,
  },
  {
    name: "tensor() of an unsupported typed array",
    make: () => [],
    call: () => torch.tensor(new BigInt64Array(3) as unknown as Int32Array),
    cls: torch.DTypeError,
    msg: /^tensor: unsupported typed array BigInt64Array; use Float32Array, Float64Array or an integer typed array \(Int8\/16\/32, Uint8\/16\/32, Uint8Clamped\)$/,
  },
  {
    name: "zeros of a negative size",
    make: () => [],
    call: () => torch.zeros(2, -1),
    cls: torch.ValueError,
    msg: /^zeros: invalid size \[2, -1\]: sizes must be non-negative integers$/,
  },
  {
    name: "eye of a fractional size",
    make: () => [],
    call: () => torch.eye(2.5),
    cls: torch.ValueError,
    msg: /^eye: invalid size \[2\.5, 2\.5\]/,
  },
  {
    name: "arange with step 0",
    make: () => [],
    call: () => torch.arange(0, 3, 0),
    cls: torch.ValueError,
    msg: /^arange: step must be non-zero and finite; got 0$/,
  },
  {
    name: "arange with an inconsistent step",
    make: () => [],
    call: () => torch.arange(3, 0, 1),
    cls: torch.ValueError,
    msg: /^arange: upper bound and step sign are inconsistent: start 3, end 0, step 1$/,
  },
  {
    name: "linspace with fractional steps",
    make: () => [],
    call: () => torch.linspace(0, 1, 2.5),
    cls: torch.ValueError,
    msg: /^linspace: number of steps must be a non-negative integer; got 2\.5$/,
  },
  {
    name: "randn with an int dtype",
    make: () => [],
    call: () => torch.randn([2], { dtype: "int32" }),
    cls: torch.DTypeError,
    msg: /^randn: expected a floating-point dtype; got int32$/,
  },
  {
    name: "randint with low >= high",
    make: () => [],
    call: () => torch.randint(3, 1, [2]),
    cls: torch.ValueError,
    msg: /^randint: expected integers low < high; got low 3, high 1$/,
  },
  {
    name: "randperm of a negative n",
    make: () => [],
    call: () => torch.randperm(-2),
    cls: torch.ValueError,
    msg: /^randperm: n must be a non-negative integer; got -2$/,
  },
  {
    name: "manualSeed of a negative seed",
    make: () => [],
    call: () => torch.manualSeed(-1),
    cls: RangeError,
    msg: /^manualSeed: seed must be a non-negative safe integer; got -1$/,
  },
]);

describe("errors: classes", () => {
  it("every typed error extends TensorError and Error, with a name and an op", () => {
    for (const [Cls, name] of [
      [torch.ShapeError, "ShapeError"],
      [torch.DTypeError, "DTypeError"],
      [torch.DeviceError, "DeviceError"],
      [torch.NotImplementedError, "NotImplementedError"],
      [torch.AutogradError, "AutogradError"],
      [torch.ValueError, "ValueError"],
    ] as const) {
      const e = new Cls("myop", "went wrong; got 3");
      expect(e).toBeInstanceOf(torch.TensorError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(name);
      expect(e.op).toBe("myop");
      expect(e.message).toBe("myop: went wrong; got 3");
    }
  });

  it("a thrown ShapeError carries the op name", () => {
    const a = torch.ones([2, 3]);
    const b = torch.ones([4]);
    try {
      a.mul(b);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(torch.ShapeError);
      expect((e as torch.ShapeError).op).toBe("mul");
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

describe("errors: failed calls leak nothing", () => {
  // Each of these fails today: the op allocates before it validates, or does not dispose its
  // temporaries when a later step throws.
  const leakCases: [string, () => Tensor[], (xs: Tensor[]) => unknown][] = [
    // Regression test, fixed bug (ops/indexing.ts gather / cpu indexing kernel): out is allocated before the kernel checks index values.
    [
      "gather with an out-of-range index value",
      () => [f32([2, 3]), t([[0], [3]], { dtype: "int32" })],
      ([a, i]) => a!.gather(1, i!),
    ],
    // Regression test, fixed bug (ops/conv.ts conv2d): the bias shape is checked after the convolution output exists.
    [
      "conv2d with a bad bias",
      () => [f32([1, 1, 4, 4]), f32([2, 1, 3, 3]), f32([3])],
      ([x, w, b]) => torch.conv2d(x!, w!, b!),
    ],
    // Regression test, fixed bug (autograd/engine.ts execute): when a node's backward throws, the gradients already computed
    // and waiting in the engine's buffers (here sum's expanded gradient) are never disposed.
    [
      "a backward that throws (a custom Function whose backward fails)",
      () => [leaf([2, 3])],
      ([x]) => {
        class Failing extends torch.autograd.Function {
          static override forward(_ctx: torch.autograd.FunctionCtx, t: Tensor): Tensor {
            return t.mul(2);
          }
          static override backward(): Tensor {
            throw new torch.ValueError("Failing", "backward refuses");
          }
        }
        const doubled = x!.mul(3);
        const out = Failing.apply(doubled) as Tensor;
        const y = out.sum();
        try {
          y.backward();
        } finally {
          torch.autograd.releaseGraph(y);
          y.dispose();
          out.dispose();
          doubled.dispose();
        }
      },
    ],
    // Regression test, fixed bug (ops/conv.ts convTranspose2d): same, the bias is checked after the output exists.
    [
      "convTranspose2d with a bad bias",
      () => [f32([1, 1, 2, 2]), f32([1, 2, 2, 2]), f32([3])],
      ([x, w, b]) => F.convTranspose2d(x!, w!, b!),
    ],
    // Regression test, fixed bug (ops/conv.ts conv1d): the unsqueezed input/weight views are not disposed when conv2d throws.
    [
      "conv1d with a channel mismatch",
      () => [f32([1, 2, 5]), f32([1, 3, 3])],
      ([x, w]) => torch.conv1d(x!, w!),
    ],
    // Regression test, fixed bug (ops/conv.ts maxPool2d): the unsqueezed view of a 3-D input leaks when pooling throws.
    [
      "maxPool2d of a 3-D input with too much padding",
      () => [f32([1, 4, 4])],
      ([x]) => torch.maxPool2d(x!, 2, { padding: 2 }),
    ],
    // Regression test, fixed bug (ops/reduce.ts argReduce): the flattened view leaks when the reduce throws.
    ["argmax of an empty tensor", () => [f32([0])], ([x]) => x!.argmax()],
    // Regression test, fixed bug (ops/indexing.ts scatterAdd / cpu indexing kernel): out is allocated before index values are checked.
    [
      "scatterAdd with an out-of-range index value",
      () => [f32([2, 3]), t([[5], [0]], { dtype: "int32" }), f32([2, 1])],
      ([a, i, s]) => a!.scatterAdd(1, i!, s!),
    ],
    // Regression test, fixed bug (autograd/engine.ts grad): gradients already captured are not disposed when an unused input throws.
    [
      "autograd.grad with an unused input",
      () => [leaf([2]), leaf([3])],
      ([a, b]) => {
        const y = a!.sum();
        try {
          return torch.autograd.grad([y], [a!, b!]);
        } finally {
          y.dispose();
        }
      },
    ],
    // Regression test, fixed bug (ops/matmul.ts matmul): the unsqueezed 1-D operand leaks when a later check throws.
    [
      "matmul of 1-D with a bad inner dim",
      () => [f32([3]), f32([4, 5])],
      ([a, b]) => a!.matmul(b!),
    ],
  ];
  for (const [name, make, call] of leakCases) {
    it(`${name} leaks nothing`, () => {
      const before = memorySnapshot();
      const xs = make();
      expect(() => call(xs)).toThrow();
      for (const x of xs) x.dispose();
      expectSameMemory(before, name);
    });
  }
});
