/**
 * webtorch: PyTorch for TypeScript. This file is the public surface only.
 *
 * @example
 * import * as torch from "webtorch";
 * await torch.init({ device: "auto" });
 * const x = torch.randn([3, 4], { requiresGrad: true });
 * x.mul(2).sum().backward();
 */
import "./backends/init.js";

export { Tensor } from "./tensor/tensor.js";
export type { NestedArray, Scalar, TensorOrScalar } from "./tensor/tensor.js";
export type { DType, DTypeName, TensorArray, TypedArray } from "./core/dtype.js";
export { promoteTypes } from "./core/dtype.js";
export type { Shape } from "./core/shape.js";
export { broadcastShapes } from "./core/shape.js";
export {
  TensorError,
  ShapeError,
  DTypeError,
  DeviceError,
  NotImplementedError,
  AutogradError,
  ValueError,
} from "./core/errors.js";
export { tidy, keep, memoryInfo as memory } from "./core/memory.js";
export type { MemoryInfo } from "./core/memory.js";
export { manualSeed, initialSeed, getRngState, setRngState } from "./core/generator.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./autograd/grad-mode.js";
export { init, getDefaultDevice, setDefaultDevice, sync } from "./backends/init.js";
export type { DeviceRequest, InitOptions } from "./backends/init.js";
export type { DeviceName } from "./backends/backend.js";
export { backendStats } from "./ops/dispatch.js";
export * as backends from "./backends/switches.js";
export { setNumThreads, getNumThreads } from "./backends/threads.js";

export {
  tensor,
  zeros,
  ones,
  full,
  empty,
  zerosLike,
  onesLike,
  emptyLike,
  fullLike,
  randLike,
  randnLike,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  randperm,
} from "./tensor/creation.js";
export type { CreationOptions } from "./tensor/creation.js";

export {
  add,
  sub,
  mul,
  div,
  pow,
  neg,
  abs,
  exp,
  exp2,
  log,
  log2,
  log10,
  log1p,
  expm1,
  sqrt,
  rsqrt,
  square,
  reciprocal,
  sin,
  cos,
  tan,
  asin,
  acos,
  atan,
  sinh,
  cosh,
  tanh,
  sigmoid,
  relu,
  erf,
  sign,
  floor,
  ceil,
  round,
  trunc,
  clamp,
  clamp as clip,
  minimum,
  maximum,
  remainder,
  fmod,
  atan2,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  logicalAnd,
  logicalOr,
  logicalXor,
  logicalNot,
  isnan,
  isinf,
  isfinite,
  where,
  addcmul,
  addcdiv,
  lerp,
} from "./ops/elementwise.js";
export {
  sum,
  mean,
  prod,
  amax,
  amin,
  argmax,
  argmin,
  variance as var,
  std,
  all,
  any,
  max,
  min,
} from "./ops/reduce.js";
export { cumsum, cumprod } from "./ops/scan.js";
export { logsumexp, softmax, logSoftmax } from "./ops/softmax.js";
export type { ValuesIndices, VarOptions } from "./ops/reduce.js";
export { matmul, mm, bmm, outer, dot } from "./ops/matmul.js";
export {
  view,
  reshape,
  flatten,
  unflatten,
  squeeze,
  unsqueeze,
  permute,
  transpose,
  t,
  expand,
  repeat,
  narrow,
  select,
  split,
  chunk,
  unbind,
  flip,
  cat,
  stack,
} from "./ops/movement.js";
export type { IndexArg } from "./ops/movement.js";
export {
  gather,
  scatter,
  scatterAdd,
  indexSelect,
  maskedFill,
  tril,
  triu,
  oneHot,
} from "./ops/indexing.js";
export { conv1d, conv2d } from "./ops/conv.js";
export type { Conv1dOptions, Conv2dOptions } from "./ops/conv.js";
export { maxPool1d, maxPool2d, maxPool2dWithIndices, avgPool1d, avgPool2d } from "./ops/pool.js";
export type { MaxPool2dOptions, AvgPool2dOptions } from "./ops/pool.js";

export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * from "./io/index.js";

export * as autograd from "./autograd/index.js";
export * as data from "./data/index.js";
export * as datasets from "./datasets/index.js";
export * as transforms from "./data/transforms.js";
