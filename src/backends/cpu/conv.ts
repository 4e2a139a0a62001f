import type { FloatArray } from "./gemm.js";

// NOTE: a direct-loop placeholder so the backend loads; the im2col + gemm kernels replace it.

export interface Conv2dGeometry {
  n: number; cIn: number; h: number; w: number; cOut: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number; dilH: number; dilW: number; groups: number; outH: number; outW: number;
}

export function conv2dGeometry(xShape: readonly number[], wShape: readonly number[], stride: [number, number], padding: [number, number], dilation: [number, number], groups: number): Conv2dGeometry {
  const [n, cIn, h, w] = xShape as [number, number, number, number];
  const [cOut, , kh, kw] = wShape as [number, number, number, number];
  const outH = Math.floor((h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
  const outW = Math.floor((w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
  return { n, cIn, h, w, cOut, kh, kw, strideH: stride[0], strideW: stride[1], padH: padding[0], padW: padding[1], dilH: dilation[0], dilW: dilation[1], groups, outH, outW };
}

/** Visits every (output, input, weight) index triple of the convolution. */
function forEachTap(g: Conv2dGeometry, visit: (o: number, i: number, wi: number) => void): void {
  const cpg = g.cIn / g.groups;
  const opg = g.cOut / g.groups;
  for (let b = 0; b < g.n; b++)
    for (let oc = 0; oc < g.cOut; oc++) {
      const grp = Math.floor(oc / opg);
      for (let oy = 0; oy < g.outH; oy++)
        for (let ox = 0; ox < g.outW; ox++) {
          const o = ((b * g.cOut + oc) * g.outH + oy) * g.outW + ox;
          for (let ic = 0; ic < cpg; ic++)
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = oy * g.strideH - g.padH + ky * g.dilH;
              if (iy < 0 || iy >= g.h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = ox * g.strideW - g.padW + kx * g.dilW;
                if (ix < 0 || ix >= g.w) continue;
                const i = ((b * g.cIn + grp * cpg + ic) * g.h + iy) * g.w + ix;
                const wi = ((oc * cpg + ic) * g.kh + ky) * g.kw + kx;
                visit(o, i, wi);
              }
            }
        }
    }
}

export function conv2dForward(g: Conv2dGeometry, x: FloatArray, w: FloatArray, out: FloatArray): void {
  out.fill(0);
  forEachTap(g, (o, i, wi) => (out[o] += x[i]! * w[wi]!));
}

export function conv2dGradInput(g: Conv2dGeometry, gradOut: FloatArray, w: FloatArray, gradIn: FloatArray): void {
  gradIn.fill(0);
  forEachTap(g, (o, i, wi) => (gradIn[i] += gradOut[o]! * w[wi]!));
}

export function conv2dGradWeight(g: Conv2dGeometry, x: FloatArray, gradOut: FloatArray, gradW: FloatArray): void {
  gradW.fill(0);
  forEachTap(g, (o, i, wi) => (gradW[wi] += gradOut[o]! * x[i]!));
}
