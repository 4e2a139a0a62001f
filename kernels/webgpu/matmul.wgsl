// matmul.wgsl: batched, tiled matrix product  out[z] (M x N) = a[z] (M x K) @ b[z] (K x N).
//
// Bindings (group 0):
//   @binding(0) a      read        float32 elements of the left operand (as `a`, or `a4` in vec4s)
//   @binding(1) b      read        float32 elements of the right operand (as `b`, or `b4`)
//   @binding(2) out    read_write  float32: element (m, n) of batch z at outOffset +
//                                  z * outBatchStride + m * outRowStride + n (`out` or `out4`)
//   @binding(3) params uniform MatmulParams: declared once in src/backends/webgpu/matmul.ts
//                      (MATMUL_PARAMS) and prepended to this source; its fields are named below
// (Two variables share each storage binding, one scalar and one vec4 view of the same buffer;
// WGSL allows that as long as no entry point uses both, and each variant uses one.)
// Operands are strided views: element (m, k) of batch z of `a` is
//   a[aOffset + batchOffset(z, aBatchStrides) + m * aStrideM + k * aStrideK]
// (likewise `b` with (k, n)), so transposed and stride-0 (broadcast) operands need no copy. The
// batch index z is decomposed over `batchShape` (the last 4 batch dims; the caller merges or
// loops over any others). The host splits M, N or the batches into several dispatches when one
// needs more than 65535 workgroups (offsets, `outRowStride`, `outBatchStride` and `batchStart`
// make each chunk a matmul of its own).
//
// Dispatch geometry: workgroup (16, 16, 1) = 256 invocations (the WebGPU default limit);
//   grid (ceil(N / BN), ceil(M / BM), batches); workgroup (x, y, z) computes the BM x BN tile
//   (y, x) of batch `batchStart + z`. Invocation (tx, ty) accumulates 8 x 8 or 4 x 4 outputs, as
//   blocks of 4 x 4 that lie 64 rows / columns apart: rows ty*4 .. ty*4+3 (+ 64), columns tx*4
//   .. tx*4+3 (+ 64), so that the 16 invocations of a row of the workgroup read consecutive
//   vec4s of workgroup memory. K is walked in steps of BK: the workgroup stages a BM x BK slice
//   of `a` and a BK x BN slice of `b` in workgroup memory, both k-major (element (m, k) of the
//   A tile is tileA[k * BM/4 + m/4][m % 4]). Each invocation stages 4 elements of each operand
//   per step (BM * BK = BN * BK = 1024), and fetches the next step's 4 into registers before it
//   multiplies the current tiles, so that global-memory latency overlaps the arithmetic.
//   The accumulators are only ever indexed by constants (the multiply and store functions are
//   unrolled by hand), so that no compiler needs to spill them to memory.
//
// Variants: `src/backends/webgpu/matmul.ts` rewrites the lines between VARIANT-BEGIN and VARIANT-END, picking
//   the tile config: "big" 128 x 128 x 8 with 8 x 8 per invocation (multiply8x8 / store8x8),
//     "small" 64 x 64 x 16 with 4 x 4 per invocation (multiply4x4 / store4x4);
//   how each operand is fetched (into one vec4 of registers) and committed to workgroup memory:
//     AVecK     a row-major (aStrideK = 1), K % 4 == 0, 16-byte aligned: one vec4 load
//     AVecM     a column-major (aStrideM = 1, a transposed view), M % 4 == 0, aligned
//     AStridedK / AStridedM   any strides: 4 scalar loads, k / m fastest across invocations
//     BVecN / BVecK / BStridedN / BStridedK: the same for b (VecN: b row-major)
//   and how outputs are stored: storeVec4 (N % 4 == 0, outOffset % 4 == 0) or storeScalar4.
// The defaults below (big tiles, strided loads, scalar stores) are correct for every input.

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(0) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(1) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> params: MatmulParams;

const WORKGROUP_SIZE = 256u;

// VARIANT-BEGIN
const BM = 128u;
const BN = 128u;
const BK = 8u;
fn fetchA(m0: u32, k0: u32, base: i32, tid: u32) -> vec4<f32> { return fetchAStridedK(m0, k0, base, tid); }
fn commitA(v: vec4<f32>, tid: u32) { commitAStridedK(v, tid); }
fn fetchB(k0: u32, n0: u32, base: i32, tid: u32) -> vec4<f32> { return fetchBStridedN(k0, n0, base, tid); }
fn commitB(v: vec4<f32>, tid: u32) { commitBStridedN(v, tid); }
fn multiplyTiles(tx: u32, ty: u32) { multiply8x8(tx, ty); }
fn storeTile(m0: u32, n0: u32, base: u32, tx: u32, ty: u32) { store8x8(m0, n0, base, tx, ty); }
fn storeVec(m: u32, n: u32, base: u32, v: vec4<f32>) { storeScalar4(m, n, base, v); }
// VARIANT-END

var<workgroup> tileA: array<vec4<f32>, BM * BK / 4u>;
var<workgroup> tileB: array<vec4<f32>, BN * BK / 4u>;
// The accumulators: 16 vec4s for 8 x 8 per invocation; the 4 x 4 config uses acc[0..3] (a
// compiler drops the rest; their size stays fixed since WGSL rejects out-of-range constant
// indices even in functions an entry point never calls).
const ACC = 16u;
var<private> acc: array<vec4<f32>, ACC>;

fn setTileA(k: u32, m: u32, v: f32) {
  tileA[k * (BM / 4u) + m / 4u][m % 4u] = v;
}

fn setTileB(k: u32, n: u32, v: f32) {
  tileB[k * (BN / 4u) + n / 4u][n % 4u] = v;
}

// ---- A tile (BM x BK at rows m0.., columns k0..) ----

fn elementA(m: u32, k: u32, base: i32) -> f32 {
  if (m < params.M && k < params.K) {
    return a[base + i32(m) * params.aStrideM + i32(k) * params.aStrideK];
  }
  return 0.0;
}

// Invocation tid stages elements e = tid + l * 256 (l = 0..3): (m, k) = (e / BK, e % BK).
fn fetchAStridedK(m0: u32, k0: u32, base: i32, tid: u32) -> vec4<f32> {
  var v: vec4<f32>;
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    v[l] = elementA(m0 + e / BK, k0 + e % BK, base);
  }
  return v;
}

fn commitAStridedK(v: vec4<f32>, tid: u32) {
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    setTileA(e % BK, e / BK, v[l]);
  }
}

// (m, k) = (e % BM, e / BM): consecutive invocations walk m.
fn fetchAStridedM(m0: u32, k0: u32, base: i32, tid: u32) -> vec4<f32> {
  var v: vec4<f32>;
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    v[l] = elementA(m0 + e % BM, k0 + e / BM, base);
  }
  return v;
}

fn commitAStridedM(v: vec4<f32>, tid: u32) {
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    setTileA(e / BM, e % BM, v[l]);
  }
}

// Row-major a: one vec4 along k, (m, k) = (tid / (BK/4), 4 * (tid % (BK/4))). K % 4 == 0, so a
// vec4 is all inside or all outside the matrix.
fn fetchAVecK(m0: u32, k0: u32, base: i32, tid: u32) -> vec4<f32> {
  let m = m0 + tid / (BK / 4u);
  let k = k0 + (tid % (BK / 4u)) * 4u;
  if (m < params.M && k < params.K) {
    return a4[(base + i32(m) * params.aStrideM + i32(k)) / 4];
  }
  return vec4<f32>(0.0);
}

fn commitAVecK(v: vec4<f32>, tid: u32) {
  let m = tid / (BK / 4u);
  let k = (tid % (BK / 4u)) * 4u;
  setTileA(k, m, v.x);
  setTileA(k + 1u, m, v.y);
  setTileA(k + 2u, m, v.z);
  setTileA(k + 3u, m, v.w);
}

// Column-major a (a transposed view): one vec4 along m, stored as is. M % 4 == 0.
fn fetchAVecM(m0: u32, k0: u32, base: i32, tid: u32) -> vec4<f32> {
  let m = m0 + (tid % (BM / 4u)) * 4u;
  let k = k0 + tid / (BM / 4u);
  if (m < params.M && k < params.K) {
    return a4[(base + i32(k) * params.aStrideK + i32(m)) / 4];
  }
  return vec4<f32>(0.0);
}

fn commitAVecM(v: vec4<f32>, tid: u32) {
  tileA[tid] = v;
}

// ---- B tile (BK x BN at rows k0.., columns n0..) ----

fn elementB(k: u32, n: u32, base: i32) -> f32 {
  if (k < params.K && n < params.N) {
    return b[base + i32(k) * params.bStrideK + i32(n) * params.bStrideN];
  }
  return 0.0;
}

// (k, n) = (e / BN, e % BN): consecutive invocations walk n.
fn fetchBStridedN(k0: u32, n0: u32, base: i32, tid: u32) -> vec4<f32> {
  var v: vec4<f32>;
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    v[l] = elementB(k0 + e / BN, n0 + e % BN, base);
  }
  return v;
}

fn commitBStridedN(v: vec4<f32>, tid: u32) {
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    setTileB(e / BN, e % BN, v[l]);
  }
}

// (k, n) = (e % BK, e / BK): consecutive invocations walk k.
fn fetchBStridedK(k0: u32, n0: u32, base: i32, tid: u32) -> vec4<f32> {
  var v: vec4<f32>;
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    v[l] = elementB(k0 + e % BK, n0 + e / BK, base);
  }
  return v;
}

fn commitBStridedK(v: vec4<f32>, tid: u32) {
  for (var l = 0u; l < 4u; l++) {
    let e = tid + l * WORKGROUP_SIZE;
    setTileB(e % BK, e / BK, v[l]);
  }
}

// Row-major b: one vec4 along n, stored as is. N % 4 == 0.
fn fetchBVecN(k0: u32, n0: u32, base: i32, tid: u32) -> vec4<f32> {
  let n = n0 + (tid % (BN / 4u)) * 4u;
  let k = k0 + tid / (BN / 4u);
  if (k < params.K && n < params.N) {
    return b4[(base + i32(k) * params.bStrideK + i32(n)) / 4];
  }
  return vec4<f32>(0.0);
}

fn commitBVecN(v: vec4<f32>, tid: u32) {
  tileB[tid] = v;
}

// Column-major b (e.g. a transposed Linear weight): one vec4 along k. K % 4 == 0.
fn fetchBVecK(k0: u32, n0: u32, base: i32, tid: u32) -> vec4<f32> {
  let n = n0 + tid / (BK / 4u);
  let k = k0 + (tid % (BK / 4u)) * 4u;
  if (k < params.K && n < params.N) {
    return b4[(base + i32(n) * params.bStrideN + i32(k)) / 4];
  }
  return vec4<f32>(0.0);
}

fn commitBVecK(v: vec4<f32>, tid: u32) {
  let n = tid / (BK / 4u);
  let k = (tid % (BK / 4u)) * 4u;
  setTileB(k, n, v.x);
  setTileB(k + 1u, n, v.y);
  setTileB(k + 2u, n, v.z);
  setTileB(k + 3u, n, v.w);
}

// ---- the product of the staged tiles, accumulated ----

// 8 x 8 per invocation: acc[2 * i + j] holds row i (tile row (i / 4) * 64 + ty * 4 + i % 4),
// columns j * 64 + tx * 4 .. + 3.
fn multiply8x8(tx: u32, ty: u32) {
  for (var k = 0u; k < BK; k++) {
    let a0 = tileA[k * (BM / 4u) + ty];
    let a1 = tileA[k * (BM / 4u) + 16u + ty];
    let b0 = tileB[k * (BN / 4u) + tx];
    let b1 = tileB[k * (BN / 4u) + 16u + tx];
    acc[0] = fma(vec4<f32>(a0.x), b0, acc[0]);
    acc[1] = fma(vec4<f32>(a0.x), b1, acc[1]);
    acc[2] = fma(vec4<f32>(a0.y), b0, acc[2]);
    acc[3] = fma(vec4<f32>(a0.y), b1, acc[3]);
    acc[4] = fma(vec4<f32>(a0.z), b0, acc[4]);
    acc[5] = fma(vec4<f32>(a0.z), b1, acc[5]);
    acc[6] = fma(vec4<f32>(a0.w), b0, acc[6]);
    acc[7] = fma(vec4<f32>(a0.w), b1, acc[7]);
    acc[8] = fma(vec4<f32>(a1.x), b0, acc[8]);
    acc[9] = fma(vec4<f32>(a1.x), b1, acc[9]);
    acc[10] = fma(vec4<f32>(a1.y), b0, acc[10]);
    acc[11] = fma(vec4<f32>(a1.y), b1, acc[11]);
    acc[12] = fma(vec4<f32>(a1.z), b0, acc[12]);
    acc[13] = fma(vec4<f32>(a1.z), b1, acc[13]);
    acc[14] = fma(vec4<f32>(a1.w), b0, acc[14]);
    acc[15] = fma(vec4<f32>(a1.w), b1, acc[15]);
  }
}

// 4 x 4 per invocation: acc[i] holds row ty * 4 + i, columns tx * 4 .. + 3.
fn multiply4x4(tx: u32, ty: u32) {
  for (var k = 0u; k < BK; k++) {
    let a0 = tileA[k * (BM / 4u) + ty];
    let b0 = tileB[k * (BN / 4u) + tx];
    acc[0] = fma(vec4<f32>(a0.x), b0, acc[0]);
    acc[1] = fma(vec4<f32>(a0.y), b0, acc[1]);
    acc[2] = fma(vec4<f32>(a0.z), b0, acc[2]);
    acc[3] = fma(vec4<f32>(a0.w), b0, acc[3]);
  }
}

// ---- stores (out row m, columns n .. n + 3) ----

fn storeVec4(m: u32, n: u32, base: u32, v: vec4<f32>) {
  if (m < params.M && n < params.N) {
    out4[(base + m * params.outRowStride + n) / 4u] = v;
  }
}

fn storeScalar4(m: u32, n: u32, base: u32, v: vec4<f32>) {
  if (m >= params.M) {
    return;
  }
  let row = base + m * params.outRowStride;
  if (n < params.N) {
    out[row + n] = v.x;
  }
  if (n + 1u < params.N) {
    out[row + n + 1u] = v.y;
  }
  if (n + 2u < params.N) {
    out[row + n + 2u] = v.z;
  }
  if (n + 3u < params.N) {
    out[row + n + 3u] = v.w;
  }
}

fn store8x8(m0: u32, n0: u32, base: u32, tx: u32, ty: u32) {
  let m = m0 + ty * 4u;
  let n = n0 + tx * 4u;
  storeVec(m, n, base, acc[0]);
  storeVec(m, n + 64u, base, acc[1]);
  storeVec(m + 1u, n, base, acc[2]);
  storeVec(m + 1u, n + 64u, base, acc[3]);
  storeVec(m + 2u, n, base, acc[4]);
  storeVec(m + 2u, n + 64u, base, acc[5]);
  storeVec(m + 3u, n, base, acc[6]);
  storeVec(m + 3u, n + 64u, base, acc[7]);
  storeVec(m + 64u, n, base, acc[8]);
  storeVec(m + 64u, n + 64u, base, acc[9]);
  storeVec(m + 65u, n, base, acc[10]);
  storeVec(m + 65u, n + 64u, base, acc[11]);
  storeVec(m + 66u, n, base, acc[12]);
  storeVec(m + 66u, n + 64u, base, acc[13]);
  storeVec(m + 67u, n, base, acc[14]);
  storeVec(m + 67u, n + 64u, base, acc[15]);
}

fn store4x4(m0: u32, n0: u32, base: u32, tx: u32, ty: u32) {
  let m = m0 + ty * 4u;
  let n = n0 + tx * 4u;
  storeVec(m, n, base, acc[0]);
  storeVec(m + 1u, n, base, acc[1]);
  storeVec(m + 2u, n, base, acc[2]);
  storeVec(m + 3u, n, base, acc[3]);
}

fn batchOffset(z: u32, strides: vec4<i32>) -> i32 {
  var rest = z;
  var off = 0;
  for (var d = 3; d >= 0; d--) {
    let size = params.batchShape[d];
    off += i32(rest % size) * strides[d];
    rest /= size;
  }
  return off;
}

@compute @workgroup_size(16, 16, 1)
fn matmul(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * 16u + tx;
  let z = params.batchStart + wid.z;
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  let aBase = i32(params.aOffset) + batchOffset(z, params.aBatchStrides);
  let bBase = i32(params.bOffset) + batchOffset(z, params.bBatchStrides);
  acc = array<vec4<f32>, ACC>();
  var nextA = fetchA(m0, 0u, aBase, tid);
  var nextB = fetchB(0u, n0, bBase, tid);
  for (var k0 = 0u; k0 < params.K; k0 += BK) {
    commitA(nextA, tid);
    commitB(nextB, tid);
    workgroupBarrier();
    // Issue the next step's loads before the arithmetic that hides their latency.
    if (k0 + BK < params.K) {
      nextA = fetchA(m0, k0 + BK, aBase, tid);
      nextB = fetchB(k0 + BK, n0, bBase, tid);
    }
    multiplyTiles(tx, ty);
    workgroupBarrier();
  }
  storeTile(m0, n0, params.outOffset + z * params.outBatchStride, tx, ty);
}
