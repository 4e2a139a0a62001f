import type { View } from "../core/layout.js";

/**
 * The primitives: the only operations a backend implements. Everything else in webtorch
 * (softmax, losses, pooling by averaging, attention, ...) is a composite of these.
 *
 * Every kernel writes into output views that the frontend has allocated with the right shape and
 * dtype (contiguous unless an in-place op passes a view), so a backend never decides shapes.
 */
export type Prim =
  | "unary"
  | "binary"
  | "where"
  | "reduce"
  | "scan"
  | "matmul"
  | "conv2d"
  | "conv2dGradInput"
  | "conv2dGradWeight"
  | "maxPool2d"
  | "gather"
  | "scatter"
  | "cat"
  | "random"
  | "fill"
  | "optimStep";

/** The scalar form of an elementwise op; generic elementwise kernels splice it in. */
export interface ScalarUnaryOp {
  readonly name: string;
  /** f(x) on one element; must be pure and self-contained (backends may inline its source). */
  readonly js: (x: number) => number;
  /**
   * The same as a WGSL expression of `x`, of the compute type `T`, for the WebGPU backend; it may
   * call the helpers of `kernels/elementwise.wgsl` (`isNanT`, `powT`, `maxNaNT`, ...).
   */
  readonly wgsl?: string;
}

export interface ScalarBinaryOp {
  readonly name: string;
  readonly js: (a: number, b: number) => number;
  /** The WGSL expression of `a` and `b` (compute type `T`; same helpers as above). */
  readonly wgsl?: string;
}

export type ReduceOp = "sum" | "prod" | "max" | "min" | "argmax" | "argmin";
export type ScanOp = "cumsum" | "cumprod";

export interface Conv2dAttrs {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

export interface Pool2dAttrs {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
}

/** The arguments of each primitive's kernel. Inputs are strided views unless noted. */
export interface KernelArgs {
  /** out = f(x), elementwise; x has out's shape (broadcast already applied as stride 0). */
  unary: { op: ScalarUnaryOp; x: View; out: View };
  /** out = f(a, b), elementwise; a and b have out's shape. */
  binary: { op: ScalarBinaryOp; a: View; b: View; out: View };
  /** out = cond ? a : b; all have out's shape. */
  where: { cond: View; a: View; b: View; out: View };
  /** Reduces `axes` (sorted, non-empty) away; out is contiguous with x's shape minus those axes. */
  reduce: { op: ReduceOp; x: View; axes: readonly number[]; out: View };
  /** Inclusive scan along `axis`; out contiguous with x's shape. */
  scan: { op: ScanOp; x: View; axis: number; out: View };
  /** out[..., M, N] = a[..., M, K] @ b[..., K, N]; batch dims are equal (may be stride 0). */
  matmul: { a: View; b: View; out: View };
  /** NCHW input, OIHW weight, both contiguous. */
  conv2d: { x: View; w: View; out: View; attrs: Conv2dAttrs };
  conv2dGradInput: { gradOut: View; w: View; out: View; attrs: Conv2dAttrs };
  conv2dGradWeight: { x: View; gradOut: View; out: View; attrs: Conv2dAttrs };
  /** x contiguous NCHW; indices are flat h * W + w offsets into each input plane, as PyTorch's. */
  maxPool2d: { x: View; out: View; indices: View; attrs: Pool2dAttrs };
  /** out[i][j][k] = x[i][index[i][j][k]][k] (for dim 1); index is int32 with out's shape. */
  gather: { x: View; index: View; dim: number; out: View };
  /** out = x, then out[i][index[i][j][k]][k] = src[i][j][k] (or += for "add"). */
  scatter: { x: View; index: View; src: View; dim: number; reduce: "none" | "add"; out: View };
  /** Concatenates along `dim`. */
  cat: { xs: readonly View[]; dim: number; out: View };
  /** Philox random numbers: element i of out (row-major) takes counter `offset + i` under `seed`. */
  random: { dist: "uniform" | "normal"; seed: number; offset: number; out: View };
  /** Every element of out becomes `value`. */
  fill: { value: number; out: View };
  /**
   * One fused optimizer update of one parameter, in place: `param` and every `state` view are read
   * and written, `grad` is read. One primitive for every optimizer (not one per optimizer), so a
   * backend adds one kernel and one WGSL file; `kind` picks the update and fixes the layout of
   * `state` and `scalars` (AdamW is `adam` with decoupled weight decay; Momentum is `sgd`). All
   * views have param's shape and dtype (float32/float64) and are contiguous (the frontend runs the
   * composite of elementwise ops otherwise). Scalars are plain numbers, ready for a uniform buffer:
   *
   * - `sgd`: state `[]` or `[momentumBuffer]` (momentum != 0);
   *   scalars `[negLr, weightDecay, momentum, dampening, nesterov, maximize, firstStep]`
   * - `adam`: state `[expAvg, expAvgSq]`, plus `maxExpAvgSq` with amsgrad; scalars
   *   `[negStepSize, beta1, beta2, eps, weightDecay, biasCorrection2Sqrt, decay, maximize, decoupled]`
   *   where `negStepSize = -lr / (1 - beta1^t)` and `decay = 1 - lr * weightDecay` (AdamW)
   * - `adagrad`: state `[sum]`; scalars `[negClr, weightDecay, eps, maximize]`
   * - `rmsprop`: state `[squareAvg]`, then `gradAvg` if centered, then `momentumBuffer` if
   *   momentum > 0; scalars `[negLr, alpha, eps, weightDecay, momentum, centered, maximize]`
   *
   * Flags are 0 or 1. See `ops/optim-step.ts` for the exact update each kind computes.
   */
  optimStep: {
    kind: "sgd" | "adam" | "adagrad" | "rmsprop";
    param: View;
    grad: View;
    state: readonly View[];
    scalars: readonly number[];
  };
}

export type Kernel<P extends Prim> = (args: KernelArgs[P]) => void;
export type KernelTable = { [P in Prim]: Kernel<P> };
