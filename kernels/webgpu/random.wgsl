// random.wgsl: Philox4x32-10 uniform and normal numbers, the same stream as src/core/philox.ts
// (see its module comment for the counter mapping; uniforms are bit-identical to the CPU's,
// normals agree to a few ulps).
//
// Bindings (group 0):
//   @binding(0) out     read_write  array<f32>  contiguous float32 output from outOffset
//   @binding(1) params  uniform     RandomParams
// RandomParams (declared once in src/backends/webgpu/random.ts and prepended to this source):
// numel; key0, key1 (the seed's low and high words); offLo, offHi (the stream index of element 0,
// as two u32 words); normal (0: uniform in [0, 1), 1: standard normal); outOffset.
//
// Dispatch geometry: workgroup_size 256, one invocation per element (each computes the philox
// block of its own stream index); grid (min(G, 65535), ceil(G / 65535)) over G = ceil(numel / 256).

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: RandomParams;

const TWO_POW_M24: f32 = 5.9604644775390625e-8;
const HALF_PI: f32 = 1.5707963267948966;
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;

// high 32 bits of a * b from 16-bit halves; every sum fits in a u32 (see philox.ts mulhi32)
fn mulhi32(a: u32, b: u32) -> u32 {
  let aLo = a & 0xffffu;
  let aHi = a >> 16u;
  let bLo = b & 0xffffu;
  let bHi = b >> 16u;
  let loLo = aLo * bLo;
  let hiLo = aHi * bLo;
  let loHi = aLo * bHi;
  let hiHi = aHi * bHi;
  let cross = (loLo >> 16u) + (hiLo & 0xffffu) + loHi;
  return hiHi + (hiLo >> 16u) + (cross >> 16u);
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0; round < 10; round = round + 1) {
    if (round > 0) {
      k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
    }
    let hi0 = mulhi32(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi32(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}

// ln(x) for x in (0, 1] to about 1 ulp, also near 1 (where WGSL's log only promises an
// absolute error): x = m 2^e, m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m - 1) / (m + 1)).
fn logAccurate(x: f32) -> f32 {
  let bits = bitcast<u32>(x);
  var e = i32((bits >> 23u) & 0xffu) - 127;
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > 1.41421356) {
    m = m * 0.5;
    e = e + 1;
  }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let p = s2 * (0.66666667 + s2 * (0.4 + s2 * (0.28571429 + s2 * 0.22222222)));
  let fe = f32(e);
  return fe * LN2_HI + (fe * LN2_LO + (2.0 * s + s * p));
}

// (cos, sin) of 2 pi u for u = k 2^-24 in [0, 1), to about 1 ulp: the quadrant is split off
// exactly (4u - q is exact), the rest is a polynomial on [-pi/4, pi/4].
fn cosSinTurns(u: f32) -> vec2<f32> {
  let q = round(u * 4.0);
  let a = (u * 4.0 - q) * HALF_PI;
  let a2 = a * a;
  let s = a * (1.0 + a2 * (-1.6666667e-1 + a2 * (8.3333333e-3 + a2 * (-1.9841270e-4 + a2 * 2.7557319e-6))));
  let c = 1.0 + a2 * (-0.5 + a2 * (4.1666667e-2 + a2 * (-1.3888889e-3 + a2 * (2.4801587e-5 + a2 * -2.7557319e-7))));
  switch (u32(q) & 3u) {
    case 0u: {
      return vec2<f32>(c, s);
    }
    case 1u: {
      return vec2<f32>(-s, c);
    }
    case 2u: {
      return vec2<f32>(-c, -s);
    }
    default: {
      return vec2<f32>(s, -c);
    }
  }
}

@compute @workgroup_size(256)
fn random(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * (nwg.x * 256u);
  if (i >= params.numel) {
    return;
  }
  // stream index n = offset + i as two words, with carry
  let nLo = params.offLo + i;
  let nHi = params.offHi + select(0u, 1u, nLo < i);
  let counter = vec4<u32>((nLo >> 2u) | (nHi << 30u), nHi >> 2u, 0u, 0u);
  let lane = nLo & 3u;
  let w = philox(counter, vec2<u32>(params.key0, params.key1));
  var v: f32;
  if (params.normal == 0u) {
    v = f32(w[lane] >> 8u) * TWO_POW_M24;
  } else {
    let p = lane & 2u;
    let u1 = f32((w[p] >> 8u) + 1u) * TWO_POW_M24;
    let u2 = f32(w[p + 1u] >> 8u) * TWO_POW_M24;
    let r = sqrt(-2.0 * logAccurate(u1));
    let cs = cosSinTurns(u2);
    v = r * select(cs.y, cs.x, (lane & 1u) == 0u);
  }
  out[params.outOffset + i] = v;
}
