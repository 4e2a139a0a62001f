// reduce.wgsl: sum, prod, max, min, argmax and argmin of a strided tensor over a set of axes.
//
// src/backends/webgpu/reduce.ts assembles a shader from sections (`//!section NAME`):
//   type-f32 | type-i32 | type-u32   isNanA, lowest(), highest() for the accumulator type A
//   sum-f32 | sum-int | prod | max | min
//                                    identity(), fold() (in-order, per invocation) and combine()
//                                    (tree) for the op
//   kernel                           the entry points; {{A}}, {{IN}}, {{BINDINGS}}, {{LOAD_INDEX}}
//                                    and {{WRITE}} are generated
//
// Bindings (group 0), generated:
//   @binding(0)   x       read        array<IN>   the input
//   [@binding(.)  xIdx    read        array<i32>  arg indices of a partial pass (argmax/argmin
//                                                 second pass)]
//   [@binding(.)  out     read_write  array<A>    values (sum/prod/max/min, partial passes)]
//   [@binding(.)  outIdx  read_write  array<i32>  indices (argmax/argmin)]
//   @binding(.)   params  uniform     ReduceParams (declared once in src/backends/webgpu/reduce.ts
//                                     and prepended to the shader)
//
// Output o (0 <= o < numOut) reduces the n elements x[offset + kept(o) + red(j)], j in [0, n):
// kept(o) decomposes o (row-major) over keptShape with keptStrides, red(j) decomposes j over
// redShape with redStrides. With numChunks > 1, workgroup (o, c) reduces only j in
// [c * chunk, (c + 1) * chunk) and writes its partial result at o * numChunks + c; a second
// dispatch reduces the partials. ReduceParams: numOut, n, chunk, numChunks, keptRank, redRank, offset,
// lanes (invocations per output in reduceTree), and the kept / reduced shapes and strides
// (<= 6 dims each, as vec4s). An arg op's index is j (the flat index into the reduced dims),
// or xIdx[...] in a second pass; ties and NaNs pick the smallest index, and NaN wins max/min, as
// the CPU kernel.
//
// Entry points and dispatch geometry:
//   reduceTree    workgroup_size 256, one workgroup per (output, chunk): each invocation folds
//                 j = start + lid, start + lid + 256, ... in order, then a tree in workgroup
//                 memory. Grid (min(G, 65535), ceil(G / 65535)), G = numOut * numChunks.
//   reduceSerial  workgroup_size 256, one invocation per output folding all n in order (small n).
//                 Grid over ceil(numOut / 256) workgroups, as above.

//!section type-f32
fn isNanA(x: A) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}
fn isFiniteA(x: A) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}
fn lowest() -> A {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}
fn highest() -> A {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

//!section type-i32
fn isNanA(x: A) -> bool {
  return false;
}
fn lowest() -> A {
  return -2147483647 - 1;
}
fn highest() -> A {
  return 2147483647;
}

//!section type-u32
fn isNanA(x: A) -> bool {
  return false;
}
// bool: max of nothing is false, min of nothing is true (any/all of an empty tensor)
fn lowest() -> A {
  return 0u;
}
fn highest() -> A {
  return 1u;
}

//!section sum-f32
// Kahan-compensated in-order sums per invocation (c carries the lost low-order part), then a
// pairwise tree; a non-finite compensation (an Inf or NaN input) is dropped so it cannot turn
// an infinite sum into NaN.
fn identity() -> Acc {
  return Acc(0.0, 0, 0.0);
}
fn fold(acc: Acc, v: A, j: i32) -> Acc {
  let y = v - acc.c;
  let t = acc.v + y;
  let c = (t - acc.v) - y;
  return Acc(t, 0, select(0.0, c, isFiniteA(c)));
}
fn settle(acc: Acc) -> Acc {
  return Acc(acc.v - acc.c, 0, 0.0);
}
fn combine(p: Acc, q: Acc) -> Acc {
  return Acc(p.v + q.v, 0, 0.0);
}

//!section sum-int
fn identity() -> Acc {
  return Acc(A(0), 0, A(0));
}
fn fold(acc: Acc, v: A, j: i32) -> Acc {
  return Acc(acc.v + v, 0, A(0));
}
fn settle(acc: Acc) -> Acc {
  return acc;
}
fn combine(p: Acc, q: Acc) -> Acc {
  return Acc(p.v + q.v, 0, A(0));
}

//!section prod
fn identity() -> Acc {
  return Acc(A(1), 0, A(0));
}
fn fold(acc: Acc, v: A, j: i32) -> Acc {
  return Acc(acc.v * v, 0, A(0));
}
fn settle(acc: Acc) -> Acc {
  return acc;
}
fn combine(p: Acc, q: Acc) -> Acc {
  return Acc(p.v * q.v, 0, A(0));
}

//!section max
// the identity's index is past every real one, so a real element always replaces it on ties
fn identity() -> Acc {
  return Acc(lowest(), 2147483647, A(0));
}
// whether (v, j) beats acc: a NaN beats any number; otherwise the larger value, then the smaller index
fn beats(v: A, j: i32, acc: Acc) -> bool {
  let vn = isNanA(v);
  let an = isNanA(acc.v);
  if (vn != an) {
    return vn;
  }
  if (!vn && v != acc.v) {
    return v > acc.v;
  }
  return j < acc.i;
}
fn fold(acc: Acc, v: A, j: i32) -> Acc {
  if (beats(v, j, acc)) {
    return Acc(v, j, A(0));
  }
  return acc;
}
fn settle(acc: Acc) -> Acc {
  return acc;
}
fn combine(p: Acc, q: Acc) -> Acc {
  if (beats(q.v, q.i, p)) {
    return q;
  }
  return p;
}

//!section min
fn identity() -> Acc {
  return Acc(highest(), 2147483647, A(0));
}
fn beats(v: A, j: i32, acc: Acc) -> bool {
  let vn = isNanA(v);
  let an = isNanA(acc.v);
  if (vn != an) {
    return vn;
  }
  if (!vn && v != acc.v) {
    return v < acc.v;
  }
  return j < acc.i;
}
fn fold(acc: Acc, v: A, j: i32) -> Acc {
  if (beats(v, j, acc)) {
    return Acc(v, j, A(0));
  }
  return acc;
}
fn settle(acc: Acc) -> Acc {
  return acc;
}
fn combine(p: Acc, q: Acc) -> Acc {
  if (beats(q.v, q.i, p)) {
    return q;
  }
  return p;
}

//!section kernel
alias A = {{A}};

struct Acc {
  v: A,
  i: i32,
  c: A,
}

{{BINDINGS}}

fn load(k: i32) -> A {
  return A(x[k]);
}

fn loadIndex(k: i32, j: u32) -> i32 {
  return {{LOAD_INDEX}};
}

fn writeResult(g: u32, r: Acc) {
  {{WRITE}}
}

fn keptOffset(o: u32) -> i32 {
  var rem = o;
  var off = params.offset;
  for (var d = i32(params.keptRank) - 1; d >= 0; d = d - 1) {
    let du = u32(d);
    let size = params.keptShape[du / 4u][du % 4u];
    off = off + i32(rem % size) * params.keptStrides[du / 4u][du % 4u];
    rem = rem / size;
  }
  return off;
}

fn redOffset(j: u32) -> i32 {
  if (params.redRank == 1u) {
    return i32(j) * params.redStrides[0][0];
  }
  var rem = j;
  var off = 0;
  for (var d = i32(params.redRank) - 1; d >= 0; d = d - 1) {
    let du = u32(d);
    let size = params.redShape[du / 4u][du % 4u];
    off = off + i32(rem % size) * params.redStrides[du / 4u][du % 4u];
    rem = rem / size;
  }
  return off;
}

var<workgroup> sharedV: array<A, 256>;
var<workgroup> sharedI: array<i32, 256>;

@compute @workgroup_size(256)
fn reduceTree(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  // `lanes` invocations per (output, chunk): 256 / lanes of them per workgroup
  let lanes = params.lanes;
  let lane = lid % lanes;
  let g = (wid.x + wid.y * nwg.x) * (256u / lanes) + lid / lanes;
  let valid = g < params.numOut * params.numChunks;
  var acc = identity();
  if (valid) {
    let o = g / params.numChunks;
    let start = (g % params.numChunks) * params.chunk;
    let end = min(params.n, start + params.chunk);
    let base = keptOffset(o);
    for (var j = start + lane; j < end; j = j + lanes) {
      let k = base + redOffset(j);
      acc = fold(acc, load(k), loadIndex(k, j));
    }
    acc = settle(acc);
  }
  sharedV[lid] = acc.v;
  sharedI[lid] = acc.i;
  workgroupBarrier();
  for (var s = lanes >> 1u; s > 0u; s = s >> 1u) {
    if (lane < s) {
      let r = combine(Acc(sharedV[lid], sharedI[lid], A(0)), Acc(sharedV[lid + s], sharedI[lid + s], A(0)));
      sharedV[lid] = r.v;
      sharedI[lid] = r.i;
    }
    workgroupBarrier();
  }
  if (lane == 0u && valid) {
    writeResult(g, Acc(sharedV[lid], sharedI[lid], A(0)));
  }
}

@compute @workgroup_size(256)
fn reduceSerial(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * (nwg.x * 256u);
  if (o >= params.numOut) {
    return;
  }
  let base = keptOffset(o);
  var acc = identity();
  for (var j = 0u; j < params.n; j = j + 1u) {
    let k = base + redOffset(j);
    acc = fold(acc, load(k), loadIndex(k, j));
  }
  writeResult(o, settle(acc));
}
