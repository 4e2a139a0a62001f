// elementwise.wgsl: the generic strided elementwise kernel (unary, binary, where, copy, fill).
//
// src/backends/webgpu/elementwise.ts assembles one shader per (expression, compute type,
// arity, aliasing) from the sections of this file (a line `//!section NAME` starts a section):
//   common        helpers on f32 (bit-level NaN/Inf tests, log, erf, log1p, expm1, pow, ...)
//   f32, i32, u32 helpers on the compute type T, one section per type with the same names
//                 (isNanT, truthyT, eqT, signT, floorT, maxNaNT, remainderT, powT, ...), so one
//                 expression such as `maxNaNT(a, b)` compiles for every dtype
//   kernel        the entry point; {{T}}, {{R}}, {{BINDINGS}}, {{TO_F32}}, {{TO_I32}},
//                 {{TO_BOOL}}, {{LOADS}} and {{EXPR}} are filled in by the generator
// The scalar expressions themselves come from the op registry (`wgsl` in src/ops/elementwise.ts):
// `x` (unary) or `a`, `b` (binary), all of type T, yielding a T, or a bool for predicates (R).
//
// Storage types are not compiled in: every buffer is bound as array<u32> and converted through a
// uniform type code (0: f32, 1: i32, 2: u32 for bool), so dtype combinations share pipelines
// (few shaders matter: a software driver such as lavapipe spends ~50 ms compiling each one).
//
// NOTE: WGSL lets implementations assume no NaN or Inf in builtins (min, max, sign, clamp, pow,
// log of 0 or of a negative) and comparisons, so everything that must follow IEEE / PyTorch
// semantics tests the bits itself.
//
// Bindings (group 0), generated:
//   @binding(0)     out     read_write  array<u32>   the output's elements (f32, i32 or 0/1 bits)
//   @binding(1..k)  in1..k  read        array<u32>   one per input that does not alias `out`
//   @binding(k+1)   params  uniform     Params
// An input whose storage is the output's is read through `out` (WebGPU forbids binding one buffer
// both writable and read-only in one dispatch).
//
// Params: numel; rank (of the coalesced shape, <= 6); value (the bits of a fill value); types
// (2-bit type codes: out in bits 0-1, input j in bits 2j..2j+1); offsets and strides (in
// elements, possibly 0 or negative) of out (x) and of inputs 1..3 (y, z, w).
//
// Dispatch geometry: workgroup_size 256, one invocation per output element; the grid is
// (min(groups, 65535), ceil(groups / 65535)), element i = global.x + global.y * (grid.x * 256).

//!section common
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const LOG2E: f32 = 1.4426950408889634;
const LOG10E: f32 = 0.4342944819032518;

// NOTE: the bit patterns go through a `var` so that no constant evaluation sees a NaN or an Inf
// (a shader-creation error in WGSL).
fn nanF() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}
fn infF() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}
fn isNanF(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}
// exp and exp2 that keep a NaN: WGSL leaves the result of a NaN argument indeterminate, and
// SwiftShader (Chromium's WebGPU without a GPU) gives +inf for exp(NaN), so sigmoid, cosh and
// softmax lost their NaNs there (the browser golden run, test/browser/).
fn expF(x: f32) -> f32 {
  return select(exp(x), x, isNanF(x));
}
fn exp2F(x: f32) -> f32 {
  return select(exp2(x), x, isNanF(x));
}
fn isInfF(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u;
}
fn signBitF(x: f32) -> bool {
  return (bitcast<u32>(x) >> 31u) == 1u;
}

// ln(x) for finite x > 0 to about 1 ulp (also near 1, where WGSL only promises an absolute error):
// x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) with s = (m - 1) / (m + 1).
fn logPositive(x0: f32) -> f32 {
  var x = x0;
  var e = 0;
  if (x < 1.17549435e-38) {
    // subnormal: scale by 2^23 first
    x = x * 8388608.0;
    e = -23;
  }
  let bits = bitcast<u32>(x);
  e = e + i32((bits >> 23u) & 0xffu) - 127;
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > 1.41421356) {
    m = m * 0.5;
    e = e + 1;
  }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let p = s2 * (0.66666667 + s2 * (0.4 + s2 * (0.28571429 + s2 * 0.22222222)));
  let lnm = 2.0 * s + s * p;
  let fe = f32(e);
  return fe * LN2_HI + (fe * LN2_LO + lnm);
}

// ln with IEEE edge values: ln(0) = -inf, ln(x < 0) = NaN, ln(inf) = inf, ln(NaN) = NaN.
fn logF(x: f32) -> f32 {
  if (isNanF(x) || x < 0.0) {
    return nanF();
  }
  if (x == 0.0) {
    return -infF();
  }
  if (isInfF(x)) {
    return x;
  }
  return logPositive(x);
}

fn log2F(x: f32) -> f32 {
  return logF(x) * LOG2E;
}

fn log10F(x: f32) -> f32 {
  return logF(x) * LOG10E;
}

// sqrt with sqrt(x < 0) = NaN (WGSL leaves it undefined); sqrt(-0) = -0.
fn sqrtF(x: f32) -> f32 {
  if (x < 0.0 || isNanF(x)) {
    return nanF();
  }
  return sqrt(x);
}

// ln(1 + x), accurate for small x (Goldberg: ln(u) * x / (u - 1) with u = 1 + x rounded).
fn log1pF(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) {
    return x;
  }
  if (isInfF(x) && x > 0.0) {
    return x;
  }
  if (u <= 0.0 || isNanF(u)) {
    return logF(u);
  }
  return logPositive(u) * (x / (u - 1.0));
}

// e^x - 1, accurate for small x (Kahan: (u - 1) * x / ln(u) with u = e^x rounded).
fn expm1F(x: f32) -> f32 {
  let u = expF(x);
  if (u == 1.0) {
    return x;
  }
  if (isNanF(x)) {
    return x;
  }
  let um1 = u - 1.0;
  if (um1 == -1.0) {
    return -1.0;
  }
  if (isInfF(u)) {
    return u;
  }
  return um1 * x / logPositive(u);
}

fn sinhF(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 88.0) {
    r = expF(a - 0.6931472);
  } else {
    let e = expm1F(a);
    r = 0.5 * (e + e / (e + 1.0));
  }
  return select(r, -r, signBitF(x));
}

fn coshF(x: f32) -> f32 {
  let a = abs(x);
  if (a > 88.0) {
    return expF(a - 0.6931472);
  }
  let e = expF(a);
  return 0.5 * (e + 1.0 / e);
}

fn tanhF(x: f32) -> f32 {
  if (abs(x) > 10.0) {
    return select(-1.0, 1.0, x > 0.0);
  }
  let e = expm1F(2.0 * x);
  return e / (e + 2.0);
}

// 1 / (1 + e^-x): saturates to exactly 0 and 1 without NaN.
fn sigmoidF(x: f32) -> f32 {
  return 1.0 / (1.0 + expF(-x));
}

// erf from the Chebyshev fit of erfc in Numerical Recipes (fractional error < 1.2e-7), as the CPU.
fn erfF(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * expF(
    -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
      + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
  );
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}

// x^n for |n| <= 64 by repeated squaring (exact for small integers, unlike exp2(n log2 x)).
fn powIntF(x: f32, n: i32) -> f32 {
  var base = x;
  var e = abs(n);
  var r = 1.0;
  loop {
    if ((e & 1) == 1) {
      r = r * base;
    }
    e = e >> 1u;
    if (e == 0) {
      break;
    }
    base = base * base;
  }
  return select(r, 1.0 / r, n < 0);
}

// C's pow (as PyTorch): 1^y = 1 and x^0 = 1 even for NaN; (-1)^(+-inf) = 1; a negative finite
// base takes integer exponents (odd ones keep the sign) and gives NaN otherwise; +-0 and +-inf
// bases follow C (e.g. (-0)^-1 = -inf, (-inf)^0.5 = inf).
fn powF(a: f32, b: f32) -> f32 {
  if (a == 1.0 || b == 0.0) {
    return 1.0;
  }
  if (isNanF(a) || isNanF(b)) {
    return nanF();
  }
  let ab = abs(a);
  if (isInfF(b)) {
    if (ab == 1.0) {
      return 1.0;
    }
    return select(0.0, infF(), (ab > 1.0) == (b > 0.0));
  }
  let bInt = trunc(b) == b;
  let half = b * 0.5;
  let odd = bInt && trunc(half) != half;
  var r: f32;
  if (ab == 0.0) {
    r = select(0.0, infF(), b < 0.0);
  } else if (isInfF(ab)) {
    r = select(infF(), 0.0, b < 0.0);
  } else if (a < 0.0 && !bInt) {
    return nanF();
  } else if (bInt && abs(b) <= 64.0) {
    r = powIntF(ab, i32(b));
  } else {
    r = expF(b * logPositive(ab));
  }
  return select(r, -r, odd && signBitF(a));
}

// atan2 with the IEEE signed-zero cases (atan2(+-0, -0) = +-pi, atan2(+-0, +0) = +-0).
fn atan2F(y: f32, x: f32) -> f32 {
  if (isNanF(y) || isNanF(x)) {
    return nanF();
  }
  if (y == 0.0) {
    let r = select(0.0, 3.14159265358979, signBitF(x));
    return select(r, -r, signBitF(y));
  }
  return atan2(y, x);
}

// asin and acos through atan2 (lavapipe's asin is off by ~3e-4); sqrt((1 - x)(1 + x)) keeps
// the precision near |x| = 1, and |x| > 1 gives NaN.
fn asinF(x: f32) -> f32 {
  return atan2F(x, sqrtF((1.0 - x) * (1.0 + x)));
}
fn acosF(x: f32) -> f32 {
  return atan2F(sqrtF((1.0 - x) * (1.0 + x)), x);
}

// float -> int32 as JavaScript's ToInt32 (what the CPU's Int32Array stores): truncate, wrap
// modulo 2^32, and NaN or Inf give 0 (WGSL's i32() would saturate instead).
fn f32ToI32(v: f32) -> i32 {
  if (isNanF(v) || isInfF(v)) {
    return 0;
  }
  if (abs(v) < 2147483648.0) {
    return i32(v);
  }
  // |v| >= 2^31 is an integer; every step below is exact in f32
  let r = v - floor(v * 2.3283064365386963e-10) * 4294967296.0;
  return bitcast<i32>(u32(r));
}

//!section f32
// comparisons with IEEE NaN semantics (false, or true for neT), whatever the compiler assumes
fn eqT(a: T, b: T) -> bool {
  return !(isNanF(a) || isNanF(b)) && a == b;
}
fn neT(a: T, b: T) -> bool {
  return isNanF(a) || isNanF(b) || a != b;
}
fn ltT(a: T, b: T) -> bool {
  return !(isNanF(a) || isNanF(b)) && a < b;
}
fn leT(a: T, b: T) -> bool {
  return !(isNanF(a) || isNanF(b)) && a <= b;
}
fn gtT(a: T, b: T) -> bool {
  return !(isNanF(a) || isNanF(b)) && a > b;
}
fn geT(a: T, b: T) -> bool {
  return !(isNanF(a) || isNanF(b)) && a >= b;
}
fn isNanT(x: T) -> bool {
  return isNanF(x);
}
fn isInfT(x: T) -> bool {
  return isInfF(x);
}
fn isFiniteT(x: T) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}
// x != 0 with NaN true and -0 false, as PyTorch's bool conversion
fn truthyT(x: T) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) != 0u;
}
// NaN gives 0, as the CPU's (x > 0) - (x < 0)
fn signT(x: T) -> T {
  return select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0);
}
fn floorT(x: T) -> T {
  return floor(x);
}
fn ceilT(x: T) -> T {
  return ceil(x);
}
// half to even, as PyTorch (WGSL's round does the same)
fn roundT(x: T) -> T {
  return round(x);
}
fn truncT(x: T) -> T {
  return trunc(x);
}
fn maxNaNT(a: T, b: T) -> T {
  if (isNanF(a)) {
    return a;
  }
  if (isNanF(b)) {
    return b;
  }
  return select(b, a, a > b);
}
fn minNaNT(a: T, b: T) -> T {
  if (isNanF(a)) {
    return a;
  }
  if (isNanF(b)) {
    return b;
  }
  return select(b, a, a < b);
}
// Python's % (the sign of the divisor), as the CPU and PyTorch: fmod, moved by b when the signs
// differ (remainder(1, inf) = 1, remainder(-1, inf) = inf)
fn remainderT(a: T, b: T) -> T {
  let r = fmodT(a, b);
  return select(r, r + b, r != 0.0 && ((r < 0.0) != (b < 0.0)));
}
// C's fmod (the sign of the dividend): a - trunc(a / b) b; NaN for an infinite a or a zero b,
// and a itself for an infinite b
fn fmodT(a: T, b: T) -> T {
  if (isNanF(a) || isNanF(b) || isInfF(a) || b == 0.0) {
    return nanF();
  }
  if (isInfF(b)) {
    return a;
  }
  return a - trunc(a / b) * b;
}
fn divTruncT(a: T, b: T) -> T {
  return trunc(a / b);
}
fn divFloorT(a: T, b: T) -> T {
  return floor(a / b);
}
fn powT(a: T, b: T) -> T {
  return powF(a, b);
}

//!section i32
fn eqT(a: T, b: T) -> bool {
  return a == b;
}
fn neT(a: T, b: T) -> bool {
  return a != b;
}
fn ltT(a: T, b: T) -> bool {
  return a < b;
}
fn leT(a: T, b: T) -> bool {
  return a <= b;
}
fn gtT(a: T, b: T) -> bool {
  return a > b;
}
fn geT(a: T, b: T) -> bool {
  return a >= b;
}
fn isNanT(x: T) -> bool {
  return false;
}
fn isInfT(x: T) -> bool {
  return false;
}
fn isFiniteT(x: T) -> bool {
  return true;
}
fn truthyT(x: T) -> bool {
  return x != 0;
}
fn signT(x: T) -> T {
  return sign(x);
}
fn floorT(x: T) -> T {
  return x;
}
fn ceilT(x: T) -> T {
  return x;
}
fn roundT(x: T) -> T {
  return x;
}
fn truncT(x: T) -> T {
  return x;
}
fn maxNaNT(a: T, b: T) -> T {
  return max(a, b);
}
fn minNaNT(a: T, b: T) -> T {
  return min(a, b);
}
// NOTE: integer division by zero gives 0, as the CPU's float result (+-inf or NaN) stored in int32.
fn remainderT(a: T, b: T) -> T {
  if (b == 0) {
    return 0;
  }
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}
fn fmodT(a: T, b: T) -> T {
  if (b == 0) {
    return 0;
  }
  return a % b;
}
fn divTruncT(a: T, b: T) -> T {
  if (b == 0) {
    return 0;
  }
  return a / b;
}
fn divFloorT(a: T, b: T) -> T {
  if (b == 0) {
    return 0;
  }
  let q = a / b;
  return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0)));
}
// integer power; a negative exponent gives the truncated quotient (0 unless |a| == 1)
fn powT(a: T, b: T) -> T {
  if (b < 0) {
    if (a == 1) {
      return 1;
    }
    if (a == -1) {
      return select(1, -1, (b & 1) != 0);
    }
    return 0;
  }
  var r = 1;
  var base = a;
  var e = b;
  loop {
    if (e == 0) {
      break;
    }
    if ((e & 1) != 0) {
      r = r * base;
    }
    e = e >> 1u;
    base = base * base;
  }
  return r;
}

//!section u32
fn eqT(a: T, b: T) -> bool {
  return a == b;
}
fn neT(a: T, b: T) -> bool {
  return a != b;
}
fn ltT(a: T, b: T) -> bool {
  return a < b;
}
fn leT(a: T, b: T) -> bool {
  return a <= b;
}
fn gtT(a: T, b: T) -> bool {
  return a > b;
}
fn geT(a: T, b: T) -> bool {
  return a >= b;
}
fn isNanT(x: T) -> bool {
  return false;
}
fn isInfT(x: T) -> bool {
  return false;
}
fn isFiniteT(x: T) -> bool {
  return true;
}
fn truthyT(x: T) -> bool {
  return x != 0u;
}
fn signT(x: T) -> T {
  return min(x, 1u);
}
fn floorT(x: T) -> T {
  return x;
}
fn ceilT(x: T) -> T {
  return x;
}
fn roundT(x: T) -> T {
  return x;
}
fn truncT(x: T) -> T {
  return x;
}
fn maxNaNT(a: T, b: T) -> T {
  return max(a, b);
}
fn minNaNT(a: T, b: T) -> T {
  return min(a, b);
}
fn remainderT(a: T, b: T) -> T {
  return select(a % b, 0u, b == 0u);
}
fn fmodT(a: T, b: T) -> T {
  return select(a % b, 0u, b == 0u);
}
// bool / bool: 1/0 is inf and 0/0 NaN, both true
fn divTruncT(a: T, b: T) -> T {
  return select(a / b, 1u, b == 0u);
}
fn divFloorT(a: T, b: T) -> T {
  return select(a / b, 1u, b == 0u);
}
fn powT(a: T, b: T) -> T {
  return select(a, 1u, b == 0u);
}

//!section kernel
alias T = {{T}};

struct Params {
  numel: u32,
  rank: u32,
  value: u32,
  types: u32,
  offsets: vec4<i32>,
  shape: array<vec4<u32>, 2>,
  strides: array<vec4<i32>, 8>,
}

{{BINDINGS}}

// strides of dim d of out (k = 0) and of inputs 1..3
fn stridesAt(d: u32) -> vec4<i32> {
  let q = d / 4u;
  let r = d % 4u;
  return vec4<i32>(
    params.strides[q][r],
    params.strides[2u + q][r],
    params.strides[4u + q][r],
    params.strides[6u + q][r],
  );
}

// the element bits of operand j (0: out) as T
fn load(bits: u32, j: u32) -> T {
  switch ((params.types >> (2u * j)) & 3u) {
    case 0u: {
      return T(bitcast<f32>(bits));
    }
    case 1u: {
      return T(bitcast<i32>(bits));
    }
    default: {
      return T(bits);
    }
  }
}

// v as the output's element bits
fn store(v: {{R}}) -> u32 {
  switch (params.types & 3u) {
    case 0u: {
      return bitcast<u32>({{TO_F32}});
    }
    case 1u: {
      return bitcast<u32>({{TO_I32}});
    }
    default: {
      return {{TO_BOOL}};
    }
  }
}

@compute @workgroup_size(256)
fn elementwise(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * (nwg.x * 256u);
  if (i >= params.numel) {
    return;
  }
  var o = params.offsets;
  if (params.rank == 1u) {
    o = o + i32(i) * stridesAt(0u);
  } else {
    var rem = i;
    for (var d = i32(params.rank) - 1; d >= 0; d = d - 1) {
      let du = u32(d);
      let size = params.shape[du / 4u][du % 4u];
      o = o + i32(rem % size) * stridesAt(du);
      rem = rem / size;
    }
  }
{{LOADS}}
  out[o.x] = store({{EXPR}});
}
