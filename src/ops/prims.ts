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
  | "optimStep"
  | "check"
  | "rnnCell"
  | "rnnCellBackward";

/** The scalar form of an elementwise op; generic elementwise kernels splice it in. */
export interface ScalarUnaryOp {
  readonly name: string;
  /** f(x) on one element; must be pure and self-contained (backends may inline its source). */
  readonly js: (x: number) => number;
  /**
   * The same as a WGSL expression of `x`, of the compute type `T`, for the WebGPU backend; it may
   * call the helpers of `kernels/webgpu/elementwise.wgsl` (`isNanT`, `powT`, `maxNaNT`, ...).
   */
  readonly wgsl?: string;
}

/** The scalar form of a binary elementwise op; generic elementwise kernels splice it in. */
export interface ScalarBinaryOp {
  readonly name: string;
  readonly js: (a: number, b: number) => number;
  /** The WGSL expression of `a` and `b` (compute type `T`; same helpers as above). */
  readonly wgsl?: string;
}

/** What the `reduce` primitive computes over its axes. */
export type ReduceOp = "sum" | "prod" | "max" | "min" | "argmax" | "argmin";
/** What the `scan` primitive accumulates along its axis. */
export type ScanOp = "cumsum" | "cumprod";

/** The attributes of the conv primitives, as `(h, w)` pairs. */
export interface Conv2dAttrs {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/** The attributes of `maxPool2d`, as `(h, w)` pairs. */
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
   * backend adds one kernel and one WGSL file; `kind` picks the update and fixes the named
   * `scalars` (see {@link OptimStepScalars}) and the order of `state` (AdamW is `adam` with
   * decoupled weight decay; Momentum is `sgd`). All views have param's shape and dtype
   * (float32/float64) and are contiguous (the frontend runs the composite of elementwise ops
   * otherwise). See `ops/optim-step.ts` for the exact update each kind computes.
   */
  optimStep: OptimStepScalars & { param: View; grad: View; state: readonly View[] };
  /**
   * A device-side assert (CUDA's): every value of `x` must satisfy `rule`. A backend that can
   * read synchronously (the CPU) throws `report(value, index)` for the first value that breaks
   * it (`index` row-major over x's shape); a GPU backend checks on the device and makes the next
   * read (or `torch.sync()`) throw it. Writes nothing.
   */
  check: { x: View; rule: ValueRule; report: ViolationReport };
  /**
   * One step of an LSTM or GRU cell's gate math, fused (cuDNN's recipe: the matmuls stay matmuls,
   * everything after them is one kernel). See {@link RnnCellArgs}.
   */
  rnnCell: RnnCellArgs;
  /** The hand-written gradient of `rnnCell`, fused. See {@link RnnCellBackwardArgs}. */
  rnnCellBackward: RnnCellBackwardArgs;
}

/**
 * A rule on values, for the `check` primitive (one per kind of data-dependent error PyTorch
 * raises): `index` a class or position in [0, size) (or equal to `except`, crossEntropy's
 * ignoreIndex); `nonzero` an integer divisor; `probability` a value in [0, 1], NaN failing (the
 * input of binaryCrossEntropy); `int32` a float that converts to int32 (finite, in range, not
 * NaN).
 */
export type ValueRule =
  | { readonly kind: "index"; readonly size: number; readonly except?: number }
  | { readonly kind: "nonzero" }
  | { readonly kind: "probability" }
  | { readonly kind: "int32" };

/** The error for the first value that breaks a rule (`index` row-major over the checked view). */
export type ViolationReport = (value: number, index: number) => Error;

/** Whether `v` breaks `rule` (the CPU kernel's test; the WGSL kernel spells the same tests). */
export function violates(rule: ValueRule, v: number): boolean {
  switch (rule.kind) {
    case "index":
      return (v < 0 || v >= rule.size) && v !== rule.except;
    case "nonzero":
      return v === 0;
    case "probability":
      return !(v >= 0 && v <= 1);
    case "int32":
      return !(v >= -2147483648 && v < 2147483648);
    default:
      return rule satisfies never;
  }
}

/**
 * The fused cells' forward, with PyTorch's gate orders and names (`_thnn_fused_lstm_cell`,
 * `_thnn_fused_gru_cell`). Every view is contiguous (any offset) and of one float dtype; B is the
 * batch and H the hidden size, read from `cx`'s (LSTM) or `hx`'s (GRU) shape `[B, H]`:
 *
 * - `lstm`: `gates` [B, 4H] is the pre-activation sum `x W_ih^T + b_ih + h W_hh^T + b_hh`, gate
 *   order i, f, g, o. i = s(gates_i), f = s(gates_f), g = tanh(gates_g), o = s(gates_o);
 *   writes `cy = f * cx + i * g` and `hy = o * tanh(cy)`, both [B, H].
 * - `gru`: `gi = x W_ih^T + b_ih` and `gh = h W_hh^T + b_hh`, [B, 3H], gate order r, z, n.
 *   r = s(gi_r + gh_r), z = s(gi_z + gh_z), n = tanh(gi_n + r * gh_n); writes
 *   `hy = (1 - z) * n + z * hx` [B, H].
 */
export type RnnCellArgs =
  | { kind: "lstm"; gates: View; cx: View; hy: View; cy: View }
  | { kind: "gru"; gi: View; gh: View; hx: View; hy: View };

/**
 * The fused cells' backward: the forward's inputs again (the kernel recomputes the activations
 * from them), the gradients of its outputs, and the views it writes, of its inputs' shapes.
 *
 * - `lstm`: `gradHy` and `gradCy` [B, H], either null when no gradient reached that output
 *   (read as zeros); writes `gradGates` [B, 4H] and `gradCx` [B, H].
 * - `gru`: `gradHy` [B, H]; writes `gradGi`, `gradGh` [B, 3H] and `gradHx` [B, H].
 */
export type RnnCellBackwardArgs =
  | {
      kind: "lstm";
      gates: View;
      cx: View;
      gradHy: View | null;
      gradCy: View | null;
      gradGates: View;
      gradCx: View;
    }
  | {
      kind: "gru";
      gi: View;
      gh: View;
      hx: View;
      gradHy: View;
      gradGi: View;
      gradGh: View;
      gradHx: View;
    };

/**
 * The scalars of each `optimStep` kind, by name, with the state views each kind takes:
 *
 * - `sgd`: state `[]`, or `[momentumBuffer]` when momentum != 0
 * - `adam`: state `[expAvg, expAvgSq]`, plus `maxExpAvgSq` with amsgrad
 * - `adagrad`: state `[sum]`
 * - `rmsprop`: state `[squareAvg]`, then `gradAvg` if centered, then `momentumBuffer` if
 *   momentum > 0
 *
 * Values derived from the hyper-parameters (step sizes, bias corrections) are computed once, in
 * double precision, by the frontend; a backend packs them as it needs (the WebGPU backend into a
 * uniform struct per kind, by these names).
 */
export type OptimStepScalars =
  | { kind: "sgd"; scalars: SgdScalars }
  | { kind: "adam"; scalars: AdamScalars }
  | { kind: "adagrad"; scalars: AdagradScalars }
  | { kind: "rmsprop"; scalars: RmspropScalars };

/** SGD with momentum, dampening, Nesterov, weight decay (L2) and maximize. */
export interface SgdScalars {
  /** -lr */
  readonly negLr: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly maximize: boolean;
  /** The momentum buffer is new: it becomes a copy of the (decayed) gradient. */
  readonly firstStep: boolean;
}

/** Adam and AdamW at step t. */
export interface AdamScalars {
  /** -lr / (1 - beta1^t) */
  readonly negStepSize: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** sqrt(1 - beta2^t) */
  readonly biasCorrection2Sqrt: number;
  /** 1 - lr * weightDecay: AdamW's shrink of the parameter */
  readonly decay: number;
  readonly maximize: boolean;
  /** AdamW: shrink the parameter by `decay` instead of adding an L2 term to the gradient. */
  readonly decoupled: boolean;
}

/** Adagrad at step t. */
export interface AdagradScalars {
  /** -lr / (1 + (t - 1) * lrDecay) */
  readonly negClr: number;
  readonly weightDecay: number;
  readonly eps: number;
  readonly maximize: boolean;
}

/** RMSprop, optionally centered and with momentum. */
export interface RmspropScalars {
  /** -lr */
  readonly negLr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly maximize: boolean;
}

/**
 * A backend's kernel for primitive `P`: it writes its output views and returns (a GPU enqueues).
 */
export type Kernel<P extends Prim> = (args: KernelArgs[P]) => void;
/** A kernel for every primitive (the CPU backend's table must be complete). */
export type KernelTable = { [P in Prim]: Kernel<P> };
