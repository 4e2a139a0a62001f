import type * as torch from "../../src/index.js";
import type { DeviceName, DType, IndexArg, Tensor } from "../../src/index.js";
import type { Tolerance } from "../util/tolerance.js";
import type { Sample } from "./sample.js";

/**
 * The op list's entry type (PyTorch's OpInfo, `common_methods_invocations.py`): one entry per
 * public op says how to call it in webtorch and in PyTorch, which samples test it, on which
 * backends and dtypes it is claimed, and its tolerances. Every runner loops over the list:
 * `test/golden/golden.test.ts` (PyTorch's values, forward and backward, per backend, plus the
 * in-place variants), `test/autograd/gradcheck.test.ts` (float64 finite differences) and
 * `test/op-info/coverage.test.ts` (every public function and Tensor method has an entry).
 */

/** The op families; each is one golden fixture file, `test/golden/<family>.json`. */
export type Family =
  "elementwise" | "reduce" | "linalg" | "movement" | "indexing" | "conv" | "creation" | "rnn";

export type Pair = number | [number, number];

/** The union of every option the samples use, in webtorch's (camelCase) names. */
export interface Kw {
  other?: number;
  self?: number;
  alpha?: number;
  roundingMode?: "trunc" | "floor";
  min?: number;
  max?: number;
  value?: number;
  weight?: number;
  dim?: number | number[] | null;
  keepdim?: boolean;
  correction?: number;
  p?: number;
  shape?: number[];
  sizes?: number[];
  dims?: number | number[];
  dim0?: number;
  dim1?: number;
  startDim?: number;
  endDim?: number;
  splitSizeOrSections?: number | number[];
  chunks?: number;
  start?: number;
  end?: number;
  length?: number;
  /** select's index, or index()'s arguments */
  index?: number | IndexArg[];
  diagonal?: number;
  numClasses?: number;
  stride?: Pair;
  padding?: Pair | "same" | "valid";
  dilation?: Pair;
  groups?: number;
  kernelSize?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number;
  args?: number[];
  steps?: number;
  dtype?: DType;
  data?: torch.NestedArray;
}

/** An op's inputs, already laid out (views applied) on the device under test. */
export type Ins = Tensor[];
export type OpResult = Tensor | Tensor[];

/** The backends the list runs on; a new backend gets the whole suite by joining this list. */
export const BACKENDS = ["cpu", "webgpu", "gpujs"] as const satisfies readonly DeviceName[];
export type TestBackend = (typeof BACKENDS)[number];

export interface OpInfo {
  /** The op's name: `torch.<name>` and/or `Tensor.prototype.<name>`. */
  readonly name: string;
  readonly family: Family;
  /** The webtorch call on laid-out inputs. Creation ops create on `device`. */
  readonly call: (ins: Ins, kw: Kw, device?: DeviceName) => OpResult;
  /**
   * The PyTorch call, as a Python expression `generate.py` evaluates to a function of
   * `(xs, kw)`: `xs` the laid-out inputs, `kw` the sample's options (its helpers, such as
   * `unary`, `binop` and `reduce_op`, are defined there).
   */
  readonly torch: string;
  readonly samples: readonly Sample[];
  /**
   * The in-place variant (`add_`, ...), checked against the same goldens: it runs on a clone of
   * input 0 for every sample whose output has input 0's shape and dtype.
   */
  readonly inplace?: {
    readonly method: string;
    readonly call: (ins: Ins, kw: Kw) => Tensor;
    /** Whether the variant takes this sample's arguments (say, only number bounds). */
    readonly applies?: (s: Sample) => boolean;
  };
  /**
   * Inputs PyTorch also takes as None (a bias): the misuse fuzzer (test/util/fuzz.ts) accepts
   * null and undefined there.
   */
  readonly optional?: readonly number[];
  /** Other public names this entry tests (aliases such as `clip`). */
  readonly aliases?: readonly string[];
  /** Why float64 is not claimed (every op claims float64 on the CPU unless this says why not). */
  readonly noFloat64?: string;
  /** Why the op's gradient is not checked by finite differences (non-differentiable ops). */
  readonly noGradcheck?: string;
  /** Backends that do not claim the op, or some samples of it: backend -> sample name -> why. */
  readonly skip?: Partial<Record<TestBackend, Record<string, string>>>;
  /**
   * Sums products over an inner dimension (matmul, convolution, average pooling): compared with
   * the looser `CPU_VS_TORCH_MATMUL` tolerances, since summation order shows more.
   */
  readonly innerProducts?: boolean;
  /** Looser tolerances against PyTorch, per backend, each with its reason in a comment. */
  readonly tol?: Partial<Record<TestBackend, Tolerance>>;
}

/** Declares an entry (a typed identity, so entries read as data). */
export const op = (info: OpInfo): OpInfo => info;
