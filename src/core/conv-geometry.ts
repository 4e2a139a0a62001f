import { assertInternal } from "./errors.js";
import { fmtShape, type Shape } from "./shape.js";

/**
 * The geometry of a 2-D convolution or pooling kernel, read from the shapes of the tensors the
 * frontend allocated. The output size rule (PyTorch's `floor((H + 2p - d(k-1) - 1) / s) + 1`,
 * ceil mode, transposed convolutions' `outputPadding`) lives in the frontend only
 * (`ops/conv.ts`): a kernel takes `outH`/`outW` from the output's shape and never recomputes them,
 * so that backends cannot disagree with the frontend or with each other.
 */

/**
 * The three conv2d primitives as passes over the same geometry, each mapping operands
 * (a, b) to `out`:
 * - `"forward"`    (`conv2d`):           (x, w)         -> y
 * - `"gradInput"`  (`conv2dGradInput`):  (gradY, w)     -> gradX
 * - `"gradWeight"` (`conv2dGradWeight`): (x, gradY)     -> gradW
 */
export type Conv2dPass = "forward" | "gradInput" | "gradWeight";

/**
 * Runs any conv2d pass on whole contiguous arrays of type `T` (indexed from 0), overwriting `out`;
 * `a`, `b` and `out` are as {@link Conv2dPass} says. The CPU's algorithms have this signature.
 */
export type Conv2dPassRunner<T> = (pass: Conv2dPass, g: Conv2dGeometry, a: T, b: T, out: T) => void;

/** The sliding window of a 2-D conv or pool, per dimension (H, W), on one plane. */
export interface Window2d {
  /** Input plane. */
  h: number;
  w: number;
  /** Kernel (window) size. */
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilH: number;
  dilW: number;
  /** Output plane. */
  outH: number;
  outW: number;
}

/** A conv2d of input `(n, cIn, h, w)` and weight `(cOut, cIn / groups, kh, kw)`. */
export interface Conv2dGeometry extends Window2d {
  n: number;
  cIn: number;
  cOut: number;
  groups: number;
}

/** A pooling of input `(n, c, h, w)`. */
export interface Pool2dGeometry extends Window2d {
  n: number;
  c: number;
}

/** The window parameters a conv or pool op carries (structurally, its attrs in `ops/prims.ts`). */
interface WindowAttrs {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
}

/**
 * The geometry of conv2d from input `xShape` `(N, C_in, H, W)`, weight `wShape`
 * `(C_out, C_in / groups, kH, kW)` and output `yShape` `(N, C_out, outH, outW)`. The same call
 * serves the gradients: for the input gradient `xShape` is its output's shape, for the weight
 * gradient `wShape` is. The op validated the arguments; an inconsistency throws an `internal:`
 * error.
 *
 * @example
 * const g = conv2dGeometry([64, 1, 28, 28], [32, 1, 3, 3], [64, 32, 28, 28], {
 *   stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1,
 * }); // g.outH === 28
 */
export function conv2dGeometry(
  xShape: Shape,
  wShape: Shape,
  yShape: Shape,
  attrs: WindowAttrs & { readonly groups: number },
): Conv2dGeometry {
  const [n, cIn, h, w] = xShape as [number, number, number, number];
  const [cOut, cPerGroup, kh, kw] = wShape as [number, number, number, number];
  const groups = attrs.groups;
  const g: Conv2dGeometry = { n, cIn, cOut, groups, ...window2d(h, w, kh, kw, yShape, attrs) };
  const consistent =
    xShape.length === 4 &&
    wShape.length === 4 &&
    yShape.length === 4 &&
    Number.isInteger(groups) &&
    groups >= 1 &&
    cIn === cPerGroup * groups &&
    cOut % groups === 0 &&
    yShape[0] === n &&
    yShape[1] === cOut &&
    validWindow(g);
  // NOTE: the message is built only on failure: kernels call this on every run.
  if (!consistent)
    throwInternal(
      `conv2dGeometry: inconsistent x ${fmtShape(xShape)}, w ${fmtShape(wShape)}, out ${fmtShape(yShape)}, ` +
        `stride ${fmtShape(attrs.stride)}, padding ${fmtShape(attrs.padding)}, ` +
        `dilation ${fmtShape(attrs.dilation)}, groups ${groups}`,
    );
  return g;
}

/**
 * The geometry of a 2-D pooling with window `attrs.kernelSize` from input `xShape`
 * `(N, C, H, W)` and output `yShape` `(N, C, outH, outW)`.
 *
 * @example
 * const g = pool2dGeometry([64, 32, 28, 28], [64, 32, 14, 14], {
 *   kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1],
 * }); // g.outH === 14
 */
export function pool2dGeometry(
  xShape: Shape,
  yShape: Shape,
  attrs: WindowAttrs & { readonly kernelSize: readonly [number, number] },
): Pool2dGeometry {
  const [n, c, h, w] = xShape as [number, number, number, number];
  const [kh, kw] = attrs.kernelSize;
  const g: Pool2dGeometry = { n, c, ...window2d(h, w, kh, kw, yShape, attrs) };
  const consistent =
    xShape.length === 4 && yShape.length === 4 && yShape[0] === n && yShape[1] === c;
  if (!consistent || !validWindow(g))
    throwInternal(
      `pool2dGeometry: inconsistent x ${fmtShape(xShape)}, out ${fmtShape(yShape)}, ` +
        `kernel ${fmtShape(attrs.kernelSize)}, stride ${fmtShape(attrs.stride)}, ` +
        `padding ${fmtShape(attrs.padding)}, dilation ${fmtShape(attrs.dilation)}`,
    );
  return g;
}

function window2d(
  h: number,
  w: number,
  kh: number,
  kw: number,
  yShape: Shape,
  { stride, padding, dilation }: WindowAttrs,
): Window2d {
  return {
    h,
    w,
    kh,
    kw,
    strideH: stride[0],
    strideW: stride[1],
    padH: padding[0],
    padW: padding[1],
    dilH: dilation[0],
    dilW: dilation[1],
    outH: yShape[2]!,
    outW: yShape[3]!,
  };
}

function validWindow(g: Window2d): boolean {
  return (
    g.strideH >= 1 &&
    g.strideW >= 1 &&
    g.dilH >= 1 &&
    g.dilW >= 1 &&
    g.padH >= 0 &&
    g.padW >= 0 &&
    g.outH >= 1 &&
    g.outW >= 1
  );
}

function throwInternal(message: string): never {
  assertInternal(false, message);
}
