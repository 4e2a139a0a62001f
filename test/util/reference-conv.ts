/**
 * Test oracles of the CPU conv2d and max-pool kernels (`src/backends/cpu/{conv,pool}.ts`): direct
 * loops with a bounds check per tap, plus geometry builders that apply PyTorch's output-size
 * rule on their own (the kernels take the output size from the output's shape).
 */
import type { FloatArray } from "../../src/backends/cpu/gemm.js";
import {
  conv2dGeometry,
  pool2dGeometry,
  type Conv2dGeometry,
  type Pool2dGeometry,
} from "../../src/core/conv-geometry.js";

type Pair = [number, number];

/**
 * The geometry of a conv2d of input `xShape` and weight `wShape`, with PyTorch's output size
 * `floor((H + 2p - d(k-1) - 1) / s) + 1`.
 *
 * @example
 * const g = conv2dGeometryFor([64, 1, 28, 28], [32, 1, 3, 3], [1, 1], [1, 1], [1, 1], 1);
 */
export function conv2dGeometryFor(
  xShape: readonly number[],
  wShape: readonly number[],
  stride: Pair,
  padding: Pair,
  dilation: Pair,
  groups: number,
): Conv2dGeometry {
  const outH = outputSize(xShape[2]!, wShape[2]!, stride[0], padding[0], dilation[0], false);
  const outW = outputSize(xShape[3]!, wShape[3]!, stride[1], padding[1], dilation[1], false);
  const yShape = [xShape[0]!, wShape[0]!, outH, outW];
  return conv2dGeometry(xShape, wShape, yShape, { stride, padding, dilation, groups });
}

/**
 * The geometry of a max pool of input `xShape` with PyTorch's output size, ceil mode included (in
 * ceil mode the last window is dropped if it would start in the right/bottom padding).
 *
 * @example
 * const g = pool2dGeometryFor([64, 32, 28, 28], [2, 2], [2, 2], [0, 0], [1, 1], false);
 */
export function pool2dGeometryFor(
  xShape: readonly number[],
  kernelSize: Pair,
  stride: Pair,
  padding: Pair,
  dilation: Pair,
  ceilMode: boolean,
): Pool2dGeometry {
  const outH = outputSize(xShape[2]!, kernelSize[0], stride[0], padding[0], dilation[0], ceilMode);
  const outW = outputSize(xShape[3]!, kernelSize[1], stride[1], padding[1], dilation[1], ceilMode);
  const yShape = [xShape[0]!, xShape[1]!, outH, outW];
  return pool2dGeometry(xShape, yShape, { kernelSize, stride, padding, dilation });
}

/** PyTorch's output size of one dimension of a conv or pool. */
function outputSize(
  size: number,
  k: number,
  stride: number,
  pad: number,
  dil: number,
  ceilMode: boolean,
): number {
  const span = size + 2 * pad - dil * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

/**
 * Test oracle for `conv2dForward`: the direct seven-deep loop.
 *
 * @example
 * conv2dForwardReference(g, x, w, expected);
 */
export function conv2dForwardReference(
  g: Conv2dGeometry,
  x: FloatArray,
  w: FloatArray,
  out: FloatArray,
): void {
  const { n, cIn, cOut, groups, kh, kw, outH, outW } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < cOut; co++) {
      const gi = Math.floor(co / og);
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          let s = 0;
          for (let c = 0; c < cg; c++) {
            for (let ki = 0; ki < kh; ki++) {
              for (let kj = 0; kj < kw; kj++) {
                const xi = inputIndex(g, b, gi * cg + c, oh, ow, ki, kj);
                if (xi >= 0) s += x[xi] * w[((co * cg + c) * kh + ki) * kw + kj];
              }
            }
          }
          out[((b * cOut + co) * outH + oh) * outW + ow] = s;
        }
      }
    }
  }
}

/**
 * Test oracle for `conv2dGradInput`: scatters every gradOut element through the weight.
 *
 * @example
 * conv2dGradInputReference(g, gradOut, w, expected);
 */
export function conv2dGradInputReference(
  g: Conv2dGeometry,
  gradOut: FloatArray,
  w: FloatArray,
  gradIn: FloatArray,
): void {
  const { n, cIn, cOut, groups, kh, kw, outH, outW } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  gradIn.fill(0, 0, n * cIn * g.h * g.w);
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < cOut; co++) {
      const gi = Math.floor(co / og);
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const go = gradOut[((b * cOut + co) * outH + oh) * outW + ow];
          for (let c = 0; c < cg; c++) {
            for (let ki = 0; ki < kh; ki++) {
              for (let kj = 0; kj < kw; kj++) {
                const xi = inputIndex(g, b, gi * cg + c, oh, ow, ki, kj);
                if (xi >= 0) gradIn[xi] += go * w[((co * cg + c) * kh + ki) * kw + kj];
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Test oracle for `conv2dGradWeight`: for each weight, the sum over the batch and the
 * output plane of gradOut times the input it touched.
 *
 * @example
 * conv2dGradWeightReference(g, x, gradOut, expected);
 */
export function conv2dGradWeightReference(
  g: Conv2dGeometry,
  x: FloatArray,
  gradOut: FloatArray,
  gradW: FloatArray,
): void {
  const { n, cIn, cOut, groups, kh, kw, outH, outW } = g;
  const cg = cIn / groups;
  const og = cOut / groups;
  for (let co = 0; co < cOut; co++) {
    const gi = Math.floor(co / og);
    for (let c = 0; c < cg; c++) {
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          let s = 0;
          for (let b = 0; b < n; b++) {
            for (let oh = 0; oh < outH; oh++) {
              for (let ow = 0; ow < outW; ow++) {
                const xi = inputIndex(g, b, gi * cg + c, oh, ow, ki, kj);
                if (xi >= 0) s += gradOut[((b * cOut + co) * outH + oh) * outW + ow] * x[xi];
              }
            }
          }
          gradW[((co * cg + c) * kh + ki) * kw + kj] = s;
        }
      }
    }
  }
}

/** Flat index of the input element seen by output (oh, ow) through tap (ki, kj); -1 in padding. */
function inputIndex(
  g: Conv2dGeometry,
  b: number,
  c: number,
  oh: number,
  ow: number,
  ki: number,
  kj: number,
): number {
  const ih = oh * g.strideH - g.padH + ki * g.dilH;
  const iw = ow * g.strideW - g.padW + kj * g.dilW;
  if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return -1;
  return ((b * g.cIn + c) * g.h + ih) * g.w + iw;
}

/**
 * Test oracle for `maxPool2dForward`: the direct loop with a bounds check per tap.
 *
 * @example
 * maxPool2dForwardReference(g, x, expectedOut, expectedIdx);
 */
export function maxPool2dForwardReference(
  g: Pool2dGeometry,
  x: FloatArray,
  out: FloatArray,
  indices: Int32Array,
): void {
  const { h, w, kh, kw, outH, outW } = g;
  for (let p = 0; p < g.n * g.c; p++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let best = -Infinity;
        let arg = -1;
        for (let ki = 0; ki < kh; ki++) {
          const ih = oh * g.strideH - g.padH + ki * g.dilH;
          if (ih < 0 || ih >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const iw = ow * g.strideW - g.padW + kj * g.dilW;
            if (iw < 0 || iw >= w) continue;
            const v = x[(p * h + ih) * w + iw];
            if (arg < 0 || v > best || Number.isNaN(v)) {
              best = v;
              arg = ih * w + iw;
            }
          }
        }
        const o = (p * outH + oh) * outW + ow;
        out[o] = best;
        indices[o] = arg;
      }
    }
  }
}
