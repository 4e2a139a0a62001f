/**
 * `torch.nn.init`: in-place initialisers. Each fills a tensor (usually a `Parameter`) under
 * no-grad from the global generator (`torch.manualSeed` reproduces it) and returns it.
 *
 * @example
 * nn.init.kaimingNormal_(conv.weight, { mode: "fanOut", nonlinearity: "relu" });
 * nn.init.zeros_(conv.bias!);
 */
import { ShapeError, ValueError } from "../core/errors.js";
import { noGrad } from "../autograd/grad-mode.js";
import type { Tensor } from "../tensor/tensor.js";
import { rand, randn, tensor } from "../tensor/creation.js";
import { erf } from "../ops/scalar-math.js";

/** The nonlinearities `calculateGain` knows, in PyTorch's spelling (camelCase also accepted). */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "convTranspose1d"
  | "convTranspose2d"
  | "convTranspose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "leakyRelu"
  | "selu";

/**
 * The recommended gain for a nonlinearity (PyTorch's table): 1 for linear/conv/sigmoid, 5/3 for
 * tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope `param`, default 0.01),
 * 3/4 for selu.
 *
 * @example
 * nn.init.calculateGain("leaky_relu", 0.2); // 1.3867504905630728
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "convTranspose1d":
    case "convTranspose2d":
    case "convTranspose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu":
    case "leakyRelu": {
      const slope = param ?? 0.01;
      if (typeof slope !== "number" || !Number.isFinite(slope)) {
        throw new ValueError(
          "calculateGain",
          `negative slope ${String(slope)} is not a valid number`,
        );
      }
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      nonlinearity satisfies never;
      throw new ValueError(
        "calculateGain",
        `unsupported nonlinearity ${JSON.stringify(nonlinearity)}`,
      );
  }
}

/**
 * PyTorch's `_calculate_fan_in_and_fan_out`: for a weight `(out, in, *kernel)`, fanIn is
 * `in * prod(kernel)` and fanOut is `out * prod(kernel)`.
 *
 * @example
 * nn.init.calculateFanInAndFanOut(torch.empty([30, 20])); // { fanIn: 20, fanOut: 30 }
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2)
    throw new ShapeError(
      "calculateFanInAndFanOut",
      `fan in and fan out can not be computed for a tensor with fewer than 2 dimensions; got ${t.ndim === 0 ? "[]" : `[${t.shape.join(", ")}]`}`,
    );
  const receptive = t.shape.slice(2).reduce((p, s) => p * s, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

/** "fanIn" (default; preserves the forward variance) or "fanOut" (the backward's). */
export type FanMode = "fanIn" | "fanOut" | "fan_in" | "fan_out";

function fanFor(t: Tensor, mode: FanMode, op: string): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  if (mode === "fanIn" || mode === "fan_in") return fanIn;
  if (mode === "fanOut" || mode === "fan_out") return fanOut;
  throw new ValueError(
    op,
    `mode ${JSON.stringify(mode)} not supported, please use one of "fanIn", "fanOut"`,
  );
}

/**
 * Fills `t` (any shape) with values from U(a, b), as PyTorch's `nn.init.uniform_` (default
 * U(0, 1)).
 *
 * @example
 * nn.init.uniform_(w, -0.1, 0.1);
 */
export function uniform_<T extends Tensor>(t: T, a = 0, b = 1): T {
  if (!(a <= b))
    throw new ValueError("uniform_", `expects a range [a, b) with a <= b; got a=${a}, b=${b}`);
  return noGrad(() => t.uniform_(a, b));
}

/**
 * Fills `t` (any shape) with values from N(mean, std^2), as PyTorch's `nn.init.normal_` (default
 * N(0, 1)).
 *
 * @example
 * nn.init.normal_(w, 0, 0.02);
 */
export function normal_<T extends Tensor>(t: T, mean = 0, std = 1): T {
  if (!(std >= 0)) throw new ValueError("normal_", `expects std >= 0; got std=${std}`);
  return noGrad(() => t.normal_(mean, std));
}

/**
 * Fills `t` (any shape) with `value`, as PyTorch's `nn.init.constant_`.
 *
 * @example
 * nn.init.constant_(bn.weight!, 0.5);
 */
export function constant_<T extends Tensor>(t: T, value: number): T {
  return noGrad(() => t.fill_(value));
}

/**
 * Fills `t` (any shape) with ones, as PyTorch's `nn.init.ones_`.
 *
 * @example
 * nn.init.ones_(ln.weight!);
 */
export function ones_<T extends Tensor>(t: T): T {
  return constant_(t, 1);
}

/**
 * Fills `t` (any shape) with zeros, as PyTorch's `nn.init.zeros_`.
 *
 * @example
 * nn.init.zeros_(linear.bias!);
 */
export function zeros_<T extends Tensor>(t: T): T {
  return constant_(t, 0);
}

/**
 * Fills a 2-D `t` `(m, n)` with the identity matrix (ones on the diagonal of a non-square matrix),
 * as PyTorch's `nn.init.eye_`.
 *
 * @example
 * nn.init.eye_(torch.empty([3, 5]));
 */
export function eye_<T extends Tensor>(t: T): T {
  if (t.ndim !== 2)
    throw new ShapeError("eye_", `only 2-D tensors are supported; got [${t.shape.join(", ")}]`);
  const [r, c] = t.shape as [number, number];
  const data = new Float64Array(r * c);
  for (let i = 0; i < Math.min(r, c); i++) data[i * c + i] = 1;
  return copyIn(t, data);
}

/** Copies float64 values (row-major, `t`'s shape) into `t`, on its device. */
function copyIn<T extends Tensor>(t: T, data: Float64Array): T {
  return noGrad(() => {
    const src = tensor(data, { shape: t.shape, dtype: t.dtype, device: "cpu" });
    const moved = src.to(t.device);
    t.copy_(moved);
    if (moved !== src) moved.dispose();
    src.dispose();
    return t;
  });
}

/** The gain, given as a number or as `{ gain }` (default 1). */
function gainOf(g: number | { gain?: number } | undefined): number {
  return typeof g === "number" ? g : (g?.gain ?? 1);
}

/**
 * Glorot/Xavier uniform, as PyTorch's `nn.init.xavier_uniform_`: U(-a, a) with
 * `a = gain * sqrt(6 / (fanIn + fanOut))` (default gain 1). `t` is at least 2-D, `(out, in, *kernel)`.
 *
 * @example
 * nn.init.xavierUniform_(w, nn.init.calculateGain("tanh"));
 */
export function xavierUniform_<T extends Tensor>(t: T, gain: number | { gain?: number } = 1): T {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = gainOf(gain) * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return uniform_(t, -a, a);
}

/**
 * Glorot/Xavier normal, as PyTorch's `nn.init.xavier_normal_`: N(0, std^2) with
 * `std = gain * sqrt(2 / (fanIn + fanOut))` (default gain 1). `t` is at least 2-D, `(out, in, *kernel)`.
 *
 * @example
 * nn.init.xavierNormal_(w);
 */
export function xavierNormal_<T extends Tensor>(t: T, gain: number | { gain?: number } = 1): T {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gainOf(gain) * Math.sqrt(2 / (fanIn + fanOut)));
}

/** The options of the Kaiming initialisers, with PyTorch's defaults. */
export interface KaimingOptions {
  /** The negative slope of the leaky_relu that follows (only used with it; default 0). */
  a?: number;
  /** Which fan the variance preserves (default "fanIn"). */
  mode?: FanMode;
  /** The nonlinearity that follows, for its gain (default "leaky_relu", as PyTorch). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, options: KaimingOptions, op: string): number {
  const fan = fanFor(t, options.mode ?? "fanIn", op);
  const gain = calculateGain(options.nonlinearity ?? "leaky_relu", options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform, as PyTorch's `nn.init.kaiming_uniform_`: U(-b, b) with
 * `b = gain * sqrt(3 / fan)`. `nn.Linear` and `nn.Conv2d` use it with `a = sqrt(5)`, which gives
 * `b = 1 / sqrt(fanIn)`. `t` is at least 2-D, `(out, in, *kernel)`.
 *
 * @example
 * nn.init.kaimingUniform_(w, { a: Math.sqrt(5) });
 * nn.init.kaimingUniform_(w, { mode: "fanOut", nonlinearity: "relu" });
 */
export function kaimingUniform_<T extends Tensor>(t: T, options: KaimingOptions = {}): T {
  if (t.numel() === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t, options, "kaimingUniform_");
  return uniform_(t, -bound, bound);
}

/**
 * He/Kaiming normal, as PyTorch's `nn.init.kaiming_normal_`: N(0, std^2) with
 * `std = gain / sqrt(fan)`. `t` is at least 2-D, `(out, in, *kernel)`.
 *
 * @example
 * nn.init.kaimingNormal_(w, { mode: "fanOut", nonlinearity: "relu" });
 */
export function kaimingNormal_<T extends Tensor>(t: T, options: KaimingOptions = {}): T {
  if (t.numel() === 0) return t;
  return normal_(t, 0, kaimingStd(t, options, "kaimingNormal_"));
}

/**
 * Fills `t` with a (semi-)orthogonal matrix, as PyTorch: the Q of the QR decomposition of a
 * standard normal `(rows, cols)` matrix (transposed when rows < cols), with the signs of R's
 * diagonal folded in so that Q is unique; then scaled by `gain`. Dims after the first are
 * flattened. The QR is a Householder QR in float64 on the CPU.
 *
 * @example
 * nn.init.orthogonal_(lstm.weight_hh_l0);
 */
export function orthogonal_<T extends Tensor>(t: T, gain: number | { gain?: number } = 1): T {
  if (t.ndim < 2)
    throw new ShapeError(
      "orthogonal_",
      `only tensors with 2 or more dimensions are supported; got [${t.shape.join(", ")}]`,
    );
  if (t.numel() === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  const g = randn([rows, cols], { dtype: "float64", device: "cpu" });
  const a = g.dataSync() as Float64Array;
  g.dispose();
  // work on the tall matrix m x n (m >= n)
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const A = new Float64Array(m * n);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) A[tall ? i * n + j : j * n + i] = a[i * cols + j]!;
  const q = householderQ(A, m, n);
  const out = new Float64Array(rows * cols);
  const s = gainOf(gain);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) out[i * cols + j] = s * (tall ? q[i * n + j]! : q[j * n + i]!);
  return copyIn(t, out);
}

/**
 * The reduced Q (m x n, m >= n) of A = QR with diag(R) >= 0, by Householder reflections. `A`
 * (row-major m x n) is overwritten.
 */
function householderQ(A: Float64Array, m: number, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const rDiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += A[i * n + k]! * A[i * n + k]!;
    norm = Math.sqrt(norm);
    const x0 = A[k * n + k]!;
    const alpha = x0 >= 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = A[i * n + k]!;
    v[0] = x0 - alpha;
    let vnorm = 0;
    for (let i = 0; i < v.length; i++) vnorm += v[i]! * v[i]!;
    vnorm = Math.sqrt(vnorm);
    if (vnorm > 0) for (let i = 0; i < v.length; i++) v[i]! /= vnorm;
    // A[k:, k:] -= 2 v (v^T A[k:, k:])
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * A[i * n + j]!;
      for (let i = k; i < m; i++) A[i * n + j]! -= 2 * v[i - k]! * dot;
    }
    rDiag[k] = A[k * n + k]!;
    vs.push(v);
  }
  // Q = H_0 ... H_{n-1} applied to the first n columns of the identity
  const Q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * Q[i * n + j]!;
      for (let i = k; i < m; i++) Q[i * n + j]! -= 2 * v[i - k]! * dot;
    }
  }
  // sign correction (PyTorch: q *= sign(diag(r))) makes the factorisation unique
  for (let j = 0; j < n; j++) {
    if (rDiag[j]! < 0) for (let i = 0; i < m; i++) Q[i * n + j] = -Q[i * n + j]!;
  }
  return Q;
}

/** The options of `truncNormal_`, with PyTorch's defaults. */
export interface TruncNormalOptions {
  /** The mean of the normal before truncation (default 0). */
  mean?: number;
  /** Its standard deviation (default 1). */
  std?: number;
  /** The lower cutoff (default -2). */
  a?: number;
  /** The upper cutoff (default 2). */
  b?: number;
}

/**
 * Fills `t` (any shape) with N(mean, std^2) truncated to [a, b], by inverse-CDF sampling (as
 * PyTorch's `nn.init.trunc_normal_`).
 *
 * @example
 * nn.init.truncNormal_(w, { std: 0.02 });
 */
export function truncNormal_<T extends Tensor>(t: T, options: TruncNormalOptions = {}): T {
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  const a = options.a ?? -2;
  const b = options.b ?? 2;
  if (!(a < b)) throw new ValueError("truncNormal_", `expects a < b; got a=${a}, b=${b}`);
  if (!(std >= 0)) throw new ValueError("truncNormal_", `expects std >= 0; got std=${std}`);
  const cdf = (x: number) => (1 + erf(x / Math.SQRT2)) / 2;
  const lo = cdf((a - mean) / std);
  const hi = cdf((b - mean) / std);
  const u = rand([t.numel()], { dtype: "float64", device: "cpu" });
  const data = u.dataSync() as Float64Array;
  u.dispose();
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const p = lo + (hi - lo) * data[i]!;
    const v = mean + std * Math.SQRT2 * erfinv(2 * p - 1);
    out[i] = Math.min(Math.max(v, a), b);
  }
  return copyIn(t, out);
}

/** The inverse error function: Giles' approximation refined by two Newton steps. */
function erfinv(y: number): number {
  if (y <= -1) return -Infinity;
  if (y >= 1) return Infinity;
  let w = -Math.log((1 - y) * (1 + y));
  let x: number;
  if (w < 5) {
    w -= 2.5;
    let p = 2.81022636e-8;
    for (const c of [
      3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164,
      0.246640727, 1.50140941,
    ])
      p = c + p * w;
    x = p * y;
  } else {
    w = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    for (const c of [
      0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
      1.00167406, 2.83297682,
    ])
      p = c + p * w;
    x = p * y;
  }
  for (let i = 0; i < 2; i++) {
    const e = erf(x) - y;
    x -= e / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  }
  return x;
}
