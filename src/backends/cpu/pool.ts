import type { FloatArray } from "./gemm.js";

// NOTE: a placeholder so the backend loads; replaced by the tested kernel.

export interface Pool2dGeometry {
  n: number; c: number; h: number; w: number; kh: number; kw: number; strideH: number; strideW: number;
  padH: number; padW: number; dilH: number; dilW: number; outH: number; outW: number;
}

export function maxPool2dForward(g: Pool2dGeometry, x: FloatArray, out: FloatArray, indices: Int32Array): void {
  for (let p = 0; p < g.n * g.c; p++)
    for (let oy = 0; oy < g.outH; oy++)
      for (let ox = 0; ox < g.outW; ox++) {
        let best = -Infinity;
        let arg = -1;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.strideH - g.padH + ky * g.dilH;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.strideW - g.padW + kx * g.dilW;
            if (ix < 0 || ix >= g.w) continue;
            const v = x[(p * g.h + iy) * g.w + ix]!;
            if (v > best || v !== v || arg < 0) {
              best = v;
              arg = iy * g.w + ix;
              if (v !== v) break;
            }
          }
        }
        const o = (p * g.outH + oy) * g.outW + ox;
        out[o] = best;
        indices[o] = arg;
      }
}
