// pool.wgsl: 2-D max pooling with indices (NCHW), forward only (the backward is a scatter-add).
//
// Bindings (group 0):
//   @binding(0) x        read        float32, contiguous (n, c, h, w) from `xOffset`
//   @binding(1) out      read_write  float32, contiguous (n, c, outH, outW) from `outOffset`
//   @binding(2) indices  read_write  int32, same shape, from `indicesOffset`: the flat
//                                    ih * w + iw position of the maximum within its plane
//   @binding(3) params   uniform PoolParams, declared once in src/backends/webgpu/pool.ts
//                        (POOL_PARAMS) and prepended to this source: planes (n * c), h, w,
//                        outH, outW (the output's shape), kh, kw, strideH/W, padH/W, dilH/W,
//                        and the offsets xOffset, outOffset, indicesOffset
//
// Dispatch geometry: one invocation per output element; workgroup 256; grid
//   (min(W, 65535), ceil(W / 65535)) for W = ceil(n * c * outH * outW / 256).
//
// Semantics are PyTorch's CPU kernel (and `maxPool2dForward` in backends/cpu/pool.ts): padding
// never wins (it is -inf), ties keep the first maximum in row-major window order, and a NaN
// wins over any number, the last NaN of the window winning. NaN is tested on the bits, since
// WGSL lets an implementation assume that floats are never NaN.

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<i32>;
@group(0) @binding(3) var<uniform> params: PoolParams;

const WORKGROUP_SIZE = 256u;
const NEG_INF_BITS = 0xff800000u;

fn isNan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// First tap t >= 0 with start + t * dil >= 0 (as firstTap in backends/cpu/pool.ts).
fn firstTap(start: i32, dil: u32) -> u32 {
  if (start >= 0) {
    return 0u;
  }
  return (u32(-start) + dil - 1u) / dil;
}

// One past the last tap t < k with start + t * dil < size, at least firstTap (as endTap).
fn endTap(start: i32, dil: u32, k: u32, size: u32) -> u32 {
  var end = 0u;
  if (start < i32(size)) {
    end = min(k, u32(i32(size) - 1 - start) / dil + 1u);
  }
  return max(end, firstTap(start, dil));
}

@compute @workgroup_size(256, 1, 1)
fn maxPool2d(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let idx = (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid.x;
  let outPlane = params.outH * params.outW;
  if (idx >= params.planes * outPlane) {
    return;
  }
  let plane = idx / outPlane;
  let oh = (idx % outPlane) / params.outW;
  let ow = idx % params.outW;
  let ihStart = i32(oh * params.strideH) - i32(params.padH);
  let iwStart = i32(ow * params.strideW) - i32(params.padW);
  let ih0 = ihStart + i32(firstTap(ihStart, params.dilH) * params.dilH);
  let ih1 = ihStart + i32(endTap(ihStart, params.dilH, params.kh, params.h) * params.dilH);
  let iw0 = iwStart + i32(firstTap(iwStart, params.dilW) * params.dilW);
  let iw1 = iwStart + i32(endTap(iwStart, params.dilW, params.kw, params.w) * params.dilW);
  let base = params.xOffset + plane * params.h * params.w;
  // NOTE: -inf has no WGSL literal, and a const-expression bitcast to it is a shader error; the
  // bitcast of a variable is evaluated at run time.
  var negInfBits = NEG_INF_BITS;
  var best = bitcast<f32>(negInfBits);
  var bestIsNan = false;
  var arg = ih0 * i32(params.w) + iw0;
  for (var ih = ih0; ih < ih1; ih += i32(params.dilH)) {
    let row = ih * i32(params.w);
    for (var iw = iw0; iw < iw1; iw += i32(params.dilW)) {
      let v = x[base + u32(row + iw)];
      let vIsNan = isNan(v);
      if (vIsNan || (!bestIsNan && v > best)) {
        best = v;
        bestIsNan = vIsNan;
        arg = row + iw;
      }
    }
  }
  out[params.outOffset + idx] = best;
  indices[params.indicesOffset + idx] = arg;
}
