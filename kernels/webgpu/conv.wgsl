// conv.wgsl: 2-D convolution (NCHW input, OIHW weight, as PyTorch), forward and both gradients.
//
// Bindings (group 0), per entry point (x input, w weight, y = gradOut; all float32, contiguous,
// starting at their `...Offset` element; `dst` is written whole):
//   conv2dForward, conv2dForwardDirect:         0 x      1 w        2 dst = out     3 params
//   conv2dGradInput, conv2dGradInputDirect:     0 y      1 w        2 dst = gradIn  3 params
//   conv2dGradWeight, conv2dGradWeightReduce:   0 x      1 y        2 dst = gradW   3 params
// Uniform struct ConvParams, declared once in src/backends/webgpu/conv.ts (CONV_PARAMS) and
// prepended to this source: the geometry n, cIn, h, w, cOut, kh, kw, groups, outH, outW,
// strideH/W, padH/W, dilH/W (read from the views' shapes; the frontend computed the output size),
// the element offsets xOffset, wOffset, yOffset, dstOffset of the views, and `colStart`, the first
// GEMM column of this dispatch.
//
// Implicit GEMM (no im2col buffer): per group g (workgroup z), with cg = cIn / groups,
// og = cOut / groups, taps = kh * kw, P = outH * outW:
//   forward      out[b, g*og + o, p]    = sum_{r = (c, ki, kj)} W[o, r] * X[r, (b, p)]
//                rows o < og, columns (b, p) < n * P, reduction r < cg * taps
//   grad input   gIn[b, g*cg + c, q]    = sum_{r = (o, ki, kj)} W[o, c, ki, kj] * Y[r, (b, q)]
//                rows c < cg, columns (b, q = ih * w + iw) < n * h * w, reduction r < og * taps;
//                Y[r, (b, q)] is gradOut at (oh, ow) = ((ih + padH - ki*dilH) / strideH, ...)
//                when that division is exact and in range, else 0
//   grad weight  gW[g*og + o, r]        = sum_{(b, p)} Y[o, (b, p)] * X[r, (b, p)]
//                rows o < og, columns r = (c, ki, kj) < cg * taps, reduction n * P
// where X[r, (b, p)] is the input element under tap r of output p (0 in the padding). The
// operand tiles are gathered straight from x, w and gradOut into workgroup memory.
//
// Dispatch geometry:
//   GEMM entry points (conv2dForward, conv2dGradInput, conv2dGradWeight): workgroup (16, 16, 1)
//     = 256 invocations; grid (ceil(columns / 64), ceil(rows / 64), groups); each workgroup
//     computes a 64 x 64 output tile, each invocation 4 x 4 (rows ty*4.., columns tx*4..),
//     walking the reduction in steps of 16 (tiles of 64 x 16 and 16 x 64 in workgroup memory,
//     the next step's elements fetched into registers while the current tiles are multiplied).
//     Columns beyond 65535 * 64 take several dispatches (`colStart`).
//   conv2dForwardDirect / conv2dGradInputDirect (few channels per group, e.g. depthwise): one
//     invocation per output element, workgroup 256, grid (min(W, 65535), ceil(W / 65535)) for
//     W = ceil(elements / 256).
//   conv2dGradWeightReduce (few output channels or taps per group): one workgroup of 256 per
//     weight element, grid (min(E, 65535), ceil(E / 65535)); the invocations split the n * P
//     products, then add their partial sums in a fixed tree (deterministic).

@group(0) @binding(0) var<storage, read> src0: array<f32>;
@group(0) @binding(1) var<storage, read> src1: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> params: ConvParams;

const WORKGROUP_SIZE = 256u;
const BM = 64u;
const BN = 64u;
const BK = 16u;

var<workgroup> tileA: array<vec4<f32>, BK * BM / 4u>;
var<workgroup> tileB: array<vec4<f32>, BK * BN / 4u>;
var<workgroup> partial: array<f32, WORKGROUP_SIZE>;
var<private> acc: array<vec4<f32>, 4>;

fn setTileA(k: u32, m: u32, v: f32) {
  tileA[k * (BM / 4u) + m / 4u][m % 4u] = v;
}

fn setTileB(k: u32, n: u32, v: f32) {
  tileB[k * (BN / 4u) + n / 4u][n % 4u] = v;
}

// NOTE: `acc` is only ever indexed by constants, so that no compiler needs to keep it in memory.
fn clearAcc() {
  acc = array<vec4<f32>, 4>();
}

// acc[i] += A row (ty*4 + i) times B columns tx*4 .. tx*4 + 3, over the BK staged k.
fn multiplyTiles(tx: u32, ty: u32) {
  for (var k = 0u; k < BK; k++) {
    let av = tileA[k * (BM / 4u) + ty];
    let bv = tileB[k * (BN / 4u) + tx];
    acc[0] = fma(vec4<f32>(av.x), bv, acc[0]);
    acc[1] = fma(vec4<f32>(av.y), bv, acc[1]);
    acc[2] = fma(vec4<f32>(av.z), bv, acc[2]);
    acc[3] = fma(vec4<f32>(av.w), bv, acc[3]);
  }
}

// Input element (b, c, ih, iw), or 0 in the padding.
fn inputAt(b: u32, c: u32, ih: i32, iw: i32) -> f32 {
  if (ih < 0 || iw < 0 || u32(ih) >= params.h || u32(iw) >= params.w) {
    return 0.0;
  }
  return src0[params.xOffset + ((b * params.cIn + c) * params.h + u32(ih)) * params.w + u32(iw)];
}

// ---- the GEMM entry points ----
//
// Each invocation stages 4 elements of each operand tile per reduction step: the A-tile element
// e = tid + 256 * l (l = 0..3) at (row e / BK, k e % BK), and the B-tile element (k tid / 64 +
// 4 * l, column tid % 64), or (k e % BK, column e / BK) where consecutive invocations should walk
// the reduction instead. The next step's elements are fetched into registers (a vec4) before the
// current tiles are multiplied, so that global-memory latency overlaps the arithmetic.

fn commitAByRow(v: vec4<f32>, tid: u32) {
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    setTileA(e % BK, e / BK, v[l]);
  }
}

fn commitBByColumn(v: vec4<f32>, tid: u32) {
  for (var l = 0u; l < 4u; l++) {
    setTileB(tid / BN + l * (WORKGROUP_SIZE / BN), tid % BN, v[l]);
  }
}

fn commitBByK(v: vec4<f32>, tid: u32) {
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    setTileB(e % BK, e / BK, v[l]);
  }
}

// A GEMM column's decoded position, fixed for the whole reduction: image `img` and the input
// row / column `ih`, `iw` of its output pixel's tap (0, 0) (forward) or of its input pixel plus
// padding (grad input).
struct Column {
  valid: bool,
  img: u32,
  ih: i32,
  iw: i32,
}

// ---- forward ----

// A = the weights of group g: rows o, reduction r = (c, ki, kj), contiguous.
fn fetchForwardA(g: u32, og: u32, red: u32, m0: u32, k0: u32, tid: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    let m = m0 + e / BK;
    let r = k0 + e % BK;
    if (m < og && r < red) {
      v[l] = src1[params.wOffset + (g * og + m) * red + r];
    }
  }
  return v;
}

// B = the input under tap r of this invocation's output column.
fn fetchForwardB(g: u32, cg: u32, red: u32, col: Column, k0: u32, tid: u32) -> vec4<f32> {
  let taps = params.kh * params.kw;
  var v = vec4<f32>(0.0);
  for (var l = 0u; l < 4u; l++) {
    let r = k0 + tid / BN + l * (WORKGROUP_SIZE / BN);
    if (col.valid && r < red) {
      let t = r % taps;
      let ih = col.ih + i32((t / params.kw) * params.dilH);
      let iw = col.iw + i32((t % params.kw) * params.dilW);
      v[l] = inputAt(col.img, g * cg + r / taps, ih, iw);
    }
  }
  return v;
}

// out[b, g*og + o, p] for the columns c0 .. c0 + 3 = (b, p).
fn storeForward(g: u32, og: u32, o: u32, c0: u32, v: vec4<f32>) {
  let P = params.outH * params.outW;
  if (o >= og) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    let c = c0 + j;
    if (c < params.n * P) {
      dst[params.dstOffset + ((c / P) * params.cOut + g * og + o) * P + c % P] = v[j];
    }
  }
}

@compute @workgroup_size(16, 16, 1)
fn conv2dForward(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * 16u + tx;
  let g = wid.z;
  let cg = params.cIn / params.groups;
  let og = params.cOut / params.groups;
  let red = cg * params.kh * params.kw;
  let P = params.outH * params.outW;
  let cols = params.n * P;
  let m0 = wid.y * BM;
  let n0 = params.colStart + wid.x * BN;
  let c = n0 + tid % BN;
  let p = c % P;
  let col = Column(
    c < cols,
    c / P,
    i32((p / params.outW) * params.strideH) - i32(params.padH),
    i32((p % params.outW) * params.strideW) - i32(params.padW),
  );
  clearAcc();
  var nextA = fetchForwardA(g, og, red, m0, 0u, tid);
  var nextB = fetchForwardB(g, cg, red, col, 0u, tid);
  for (var k0 = 0u; k0 < red; k0 += BK) {
    commitAByRow(nextA, tid);
    commitBByColumn(nextB, tid);
    workgroupBarrier();
    if (k0 + BK < red) {
      nextA = fetchForwardA(g, og, red, m0, k0 + BK, tid);
      nextB = fetchForwardB(g, cg, red, col, k0 + BK, tid);
    }
    multiplyTiles(tx, ty);
    workgroupBarrier();
  }
  let o = m0 + ty * 4u;
  let c0 = n0 + tx * 4u;
  storeForward(g, og, o, c0, acc[0]);
  storeForward(g, og, o + 1u, c0, acc[1]);
  storeForward(g, og, o + 2u, c0, acc[2]);
  storeForward(g, og, o + 3u, c0, acc[3]);
}

// ---- gradient with respect to the input ----

// A = the weights of group g, transposed: rows c, reduction r = (o, ki, kj).
fn fetchGradInputA(g: u32, cg: u32, og: u32, red: u32, m0: u32, k0: u32, tid: u32) -> vec4<f32> {
  let taps = params.kh * params.kw;
  var v = vec4<f32>(0.0);
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    let m = m0 + e / BK;
    let r = k0 + e % BK;
    if (m < cg && r < red) {
      v[l] = src1[params.wOffset + ((g * og + r / taps) * cg + m) * taps + r % taps];
    }
  }
  return v;
}

// B = gradOut at the output pixel that sees this invocation's input pixel through tap r, if any.
fn fetchGradInputB(g: u32, og: u32, red: u32, col: Column, k0: u32, tid: u32) -> vec4<f32> {
  let taps = params.kh * params.kw;
  let P = params.outH * params.outW;
  let yBase = params.yOffset + (col.img * params.cOut + g * og) * P;
  var v = vec4<f32>(0.0);
  for (var l = 0u; l < 4u; l++) {
    let r = k0 + tid / BN + l * (WORKGROUP_SIZE / BN);
    if (col.valid && r < red) {
      let t = r % taps;
      let th = col.ih - i32((t / params.kw) * params.dilH);
      let tw = col.iw - i32((t % params.kw) * params.dilW);
      if (th >= 0 && tw >= 0) {
        let oh = u32(th) / params.strideH;
        let ow = u32(tw) / params.strideW;
        if (oh * params.strideH == u32(th) && ow * params.strideW == u32(tw) &&
            oh < params.outH && ow < params.outW) {
          v[l] = src0[yBase + (r / taps) * P + oh * params.outW + ow];
        }
      }
    }
  }
  return v;
}

// gradIn[b, g*cg + ci, q] for the columns c0 .. c0 + 3 = (b, q).
fn storeGradInput(g: u32, cg: u32, ci: u32, c0: u32, v: vec4<f32>) {
  let HW = params.h * params.w;
  if (ci >= cg) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    let c = c0 + j;
    if (c < params.n * HW) {
      dst[params.dstOffset + ((c / HW) * params.cIn + g * cg + ci) * HW + c % HW] = v[j];
    }
  }
}

@compute @workgroup_size(16, 16, 1)
fn conv2dGradInput(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * 16u + tx;
  let g = wid.z;
  let cg = params.cIn / params.groups;
  let og = params.cOut / params.groups;
  let red = og * params.kh * params.kw;
  let HW = params.h * params.w;
  let cols = params.n * HW;
  let m0 = wid.y * BM;
  let n0 = params.colStart + wid.x * BN;
  let c = n0 + tid % BN;
  let q = c % HW;
  // The input pixel plus padding: tap (ki, kj) comes from output ((ih - ki*dilH) / strideH, ...).
  let ihp = i32(q / params.w + params.padH);
  let iwp = i32(q % params.w + params.padW);
  let col = Column(c < cols, c / HW, ihp, iwp);
  clearAcc();
  var nextA = fetchGradInputA(g, cg, og, red, m0, 0u, tid);
  var nextB = fetchGradInputB(g, og, red, col, 0u, tid);
  for (var k0 = 0u; k0 < red; k0 += BK) {
    commitAByRow(nextA, tid);
    commitBByColumn(nextB, tid);
    workgroupBarrier();
    if (k0 + BK < red) {
      nextA = fetchGradInputA(g, cg, og, red, m0, k0 + BK, tid);
      nextB = fetchGradInputB(g, og, red, col, k0 + BK, tid);
    }
    multiplyTiles(tx, ty);
    workgroupBarrier();
  }
  let ci = m0 + ty * 4u;
  let c0 = n0 + tx * 4u;
  storeGradInput(g, cg, ci, c0, acc[0]);
  storeGradInput(g, cg, ci + 1u, c0, acc[1]);
  storeGradInput(g, cg, ci + 2u, c0, acc[2]);
  storeGradInput(g, cg, ci + 3u, c0, acc[3]);
}

// ---- gradient with respect to the weight ----

// A = gradOut: rows o, reduction s = (b, p); consecutive invocations read consecutive p.
fn fetchGradWeightA(g: u32, og: u32, red: u32, m0: u32, k0: u32, tid: u32) -> vec4<f32> {
  let P = params.outH * params.outW;
  var v = vec4<f32>(0.0);
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    let m = m0 + e / BK;
    let s = k0 + e % BK;
    if (m < og && s < red) {
      v[l] = src1[params.yOffset + ((s / P) * params.cOut + g * og + m) * P + s % P];
    }
  }
  return v;
}

// B = the input under tap r = (c, ki, kj) of output s = (b, p); consecutive invocations walk p.
fn fetchGradWeightB(g: u32, cg: u32, red: u32, cols: u32, n0: u32, k0: u32, tid: u32) -> vec4<f32> {
  let taps = params.kh * params.kw;
  let P = params.outH * params.outW;
  var v = vec4<f32>(0.0);
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    let s = k0 + e % BK;
    let r = n0 + e / BK;
    if (s < red && r < cols) {
      let t = r % taps;
      let p = s % P;
      let ih = i32((p / params.outW) * params.strideH + (t / params.kw) * params.dilH) -
        i32(params.padH);
      let iw = i32((p % params.outW) * params.strideW + (t % params.kw) * params.dilW) -
        i32(params.padW);
      v[l] = inputAt(s / P, g * cg + r / taps, ih, iw);
    }
  }
  return v;
}

// gradW[g*og + o, r] for r = r0 .. r0 + 3.
fn storeGradWeight(g: u32, og: u32, cols: u32, o: u32, r0: u32, v: vec4<f32>) {
  if (o >= og) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    if (r0 + j < cols) {
      dst[params.dstOffset + (g * og + o) * cols + r0 + j] = v[j];
    }
  }
}

@compute @workgroup_size(16, 16, 1)
fn conv2dGradWeight(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * 16u + tx;
  let g = wid.z;
  let cg = params.cIn / params.groups;
  let og = params.cOut / params.groups;
  let cols = cg * params.kh * params.kw;
  let red = params.n * params.outH * params.outW;
  let m0 = wid.y * BM;
  let n0 = params.colStart + wid.x * BN;
  clearAcc();
  var nextA = fetchGradWeightA(g, og, red, m0, 0u, tid);
  var nextB = fetchGradWeightB(g, cg, red, cols, n0, 0u, tid);
  for (var k0 = 0u; k0 < red; k0 += BK) {
    commitAByRow(nextA, tid);
    commitBByK(nextB, tid);
    workgroupBarrier();
    if (k0 + BK < red) {
      nextA = fetchGradWeightA(g, og, red, m0, k0 + BK, tid);
      nextB = fetchGradWeightB(g, cg, red, cols, n0, k0 + BK, tid);
    }
    multiplyTiles(tx, ty);
    workgroupBarrier();
  }
  let o = m0 + ty * 4u;
  let r0 = n0 + tx * 4u;
  storeGradWeight(g, og, cols, o, r0, acc[0]);
  storeGradWeight(g, og, cols, o + 1u, r0, acc[1]);
  storeGradWeight(g, og, cols, o + 2u, r0, acc[2]);
  storeGradWeight(g, og, cols, o + 3u, r0, acc[3]);
}

// ---- direct kernels for few channels per group (depthwise and the like) ----

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid.x;
}

@compute @workgroup_size(256, 1, 1)
fn conv2dForwardDirect(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let idx = flatIndex(wid, nwg, lid);
  let P = params.outH * params.outW;
  if (idx >= params.n * params.cOut * P) {
    return;
  }
  let cg = params.cIn / params.groups;
  let og = params.cOut / params.groups;
  let taps = params.kh * params.kw;
  let p = idx % P;
  let co = (idx / P) % params.cOut;
  let bImg = idx / (P * params.cOut);
  let g = co / og;
  let ihBase = i32((p / params.outW) * params.strideH) - i32(params.padH);
  let iwBase = i32((p % params.outW) * params.strideW) - i32(params.padW);
  var s = 0.0;
  for (var c = 0u; c < cg; c++) {
    let wBase = params.wOffset + (co * cg + c) * taps;
    for (var ki = 0u; ki < params.kh; ki++) {
      let ih = ihBase + i32(ki * params.dilH);
      for (var kj = 0u; kj < params.kw; kj++) {
        let iw = iwBase + i32(kj * params.dilW);
        s = fma(inputAt(bImg, g * cg + c, ih, iw), src1[wBase + ki * params.kw + kj], s);
      }
    }
  }
  dst[params.dstOffset + idx] = s;
}

@compute @workgroup_size(256, 1, 1)
fn conv2dGradInputDirect(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let idx = flatIndex(wid, nwg, lid);
  let HW = params.h * params.w;
  if (idx >= params.n * params.cIn * HW) {
    return;
  }
  let cg = params.cIn / params.groups;
  let og = params.cOut / params.groups;
  let taps = params.kh * params.kw;
  let P = params.outH * params.outW;
  let q = idx % HW;
  let ci = (idx / HW) % params.cIn;
  let bImg = idx / (HW * params.cIn);
  let g = ci / cg;
  let c = ci % cg;
  let ihp = i32(q / params.w + params.padH);
  let iwp = i32(q % params.w + params.padW);
  var s = 0.0;
  for (var o = 0u; o < og; o++) {
    let co = g * og + o;
    let yBase = params.yOffset + (bImg * params.cOut + co) * P;
    let wBase = params.wOffset + (co * cg + c) * taps;
    for (var ki = 0u; ki < params.kh; ki++) {
      let th = ihp - i32(ki * params.dilH);
      if (th < 0) {
        break;
      }
      let oh = u32(th) / params.strideH;
      if (oh * params.strideH != u32(th) || oh >= params.outH) {
        continue;
      }
      for (var kj = 0u; kj < params.kw; kj++) {
        let tw = iwp - i32(kj * params.dilW);
        if (tw < 0) {
          break;
        }
        let ow = u32(tw) / params.strideW;
        if (ow * params.strideW != u32(tw) || ow >= params.outW) {
          continue;
        }
        s = fma(src0[yBase + oh * params.outW + ow], src1[wBase + ki * params.kw + kj], s);
      }
    }
  }
  dst[params.dstOffset + idx] = s;
}

@compute @workgroup_size(256, 1, 1)
fn conv2dGradWeightReduce(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  // One workgroup per weight element (co, c, ki, kj); uniform across the workgroup.
  let e = wid.y * nwg.x + wid.x;
  let cg = params.cIn / params.groups;
  let og = params.cOut / params.groups;
  let taps = params.kh * params.kw;
  let P = params.outH * params.outW;
  let total = params.cOut * cg * taps;
  let valid = e < total;
  let t = e % taps;
  let c = (e / taps) % cg;
  let co = e / (taps * cg);
  let g = co / og;
  let ki = t / params.kw;
  let kj = t % params.kw;
  var s = 0.0;
  if (valid) {
    for (var q = lid.x; q < params.n * P; q += WORKGROUP_SIZE) {
      let bImg = q / P;
      let p = q % P;
      let ih = i32((p / params.outW) * params.strideH + ki * params.dilH) - i32(params.padH);
      let iw = i32((p % params.outW) * params.strideW + kj * params.dilW) - i32(params.padW);
      let y = src1[params.yOffset + (bImg * params.cOut + co) * P + p];
      s = fma(y, inputAt(bImg, g * cg + c, ih, iw), s);
    }
  }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var half = WORKGROUP_SIZE / 2u; half > 0u; half /= 2u) {
    if (lid.x < half) {
      partial[lid.x] += partial[lid.x + half];
    }
    workgroupBarrier();
  }
  if (valid && lid.x == 0u) {
    dst[params.dstOffset + e] = partial[0];
  }
}
