// indexing.wgsl: gather and scatter (overwrite or add) along one dimension, on strided views.
//
// Elements are moved as raw 32-bit words (float32, int32 and bool-as-u32 alike), except by the
// scatter-add entry points, which add in the element type.
//
// Bindings (group 0), per entry point:
//   gather          0 x (read)      1 index (read, i32)  2 out (read_write)        3 params
//   scatterCopy     0 x (read)      1 out (read_write)                             2 params
//   scatterSet      0 index (read)  1 src (read)         2 out (read_write)        3 params
//   scatterAddF32 / scatterAddI32 / scatterAddBool:
//                   0 index (read)  1 src (read)         2 out (read_write, atomic) 3 params
// (Different entry points bind different variables at one binding number, which WGSL allows as
// long as no entry point uses two of them.)
// Uniform struct IndexParams, declared once in src/backends/webgpu/indexing.ts (INDEX_PARAMS)
// and prepended to this source: shape, targetStrides, indexStrides, otherStrides (8 slots each,
// as 2 vec4s), targetOffset, indexOffset, otherOffset, count, dim, dimSize. Shapes and strides
// are right-aligned in 8 slots (leading slots have size 1); `dim` is the slot of the indexed
// dimension (8, i.e. none, for scatterCopy).
// For gather, `shape` is index's shape, `target` is x and `other` is out; for scatter, `shape`
// is index's shape, `target` is out and `other` is src; for scatterCopy, `shape` is x's shape,
// `target` is x and `other` is out.
//
// Dispatch geometry: one invocation per element of `shape`; workgroup 256; grid
//   (min(W, 65535), ceil(W / 65535)) for W = ceil(count / 256).
//
// Out-of-range index values (< 0 or >= dimSize) cannot raise an error on a GPU: gather writes 0
// and scatter skips the element. The frontend checks the index first (the `check` primitive,
// checks.wgsl), so the next read throws the error the CPU throws at once.
//
// Scatter-add: WGSL has integer atomics only, so float32 adds are a compare-exchange loop on the
// word's bits (`atomicCompareExchangeWeak`); int32 adds are `atomicAdd` on the same u32 words
// (two's complement makes the sum identical), and bool "adds" are a logical or (`atomicOr`).
// Float sums of repeated indices are therefore accumulated in a nondeterministic order, as on
// PyTorch's CUDA backend. scatterSet with repeated indices keeps one of the writes, unspecified
// which (PyTorch leaves that undefined too).

@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read> gatherIndex: array<i32>;
@group(0) @binding(2) var<storage, read_write> gatherOut: array<u32>;
@group(0) @binding(3) var<uniform> params: IndexParams;

@group(0) @binding(1) var<storage, read_write> copyOut: array<u32>;
@group(0) @binding(2) var<uniform> copyParams: IndexParams;

@group(0) @binding(0) var<storage, read> scatterIndex: array<i32>;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> scatterOut: array<u32>;
@group(0) @binding(2) var<storage, read_write> scatterAtomic: array<atomic<u32>>;

const WORKGROUP_SIZE = 256u;

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid.x;
}

// The coordinates of element `e` (row-major over `shape`) and their offsets in three views.
struct Located {
  dest: i32,
  index: i32,
  other: i32,
  // The coordinate in slot `dim` (its contribution to `dest` is left out).
  dimCoord: u32,
}

fn locate(e: u32, p: IndexParams) -> Located {
  var loc = Located(0, 0, 0, 0u);
  var rest = e;
  for (var s = 7; s >= 0; s--) {
    let size = p.shape[s / 4][s % 4];
    let c = rest % size;
    rest /= size;
    let ci = i32(c);
    if (u32(s) == p.dim) {
      loc.dimCoord = c;
    } else {
      loc.dest += ci * p.targetStrides[s / 4][s % 4];
    }
    loc.index += ci * p.indexStrides[s / 4][s % 4];
    loc.other += ci * p.otherStrides[s / 4][s % 4];
  }
  return loc;
}

fn dimStride(p: IndexParams) -> i32 {
  return p.targetStrides[p.dim / 4u][p.dim % 4u];
}

// out[e] = x[coords of e with coordinate `dim` replaced by index[e]]
@compute @workgroup_size(256, 1, 1)
fn gather(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= params.count) {
    return;
  }
  let loc = locate(e, params);
  let k = gatherIndex[i32(params.indexOffset) + loc.index];
  var v = 0u;
  if (k >= 0 && u32(k) < params.dimSize) {
    v = x[i32(params.targetOffset) + loc.dest + k * dimStride(params)];
  }
  gatherOut[i32(params.otherOffset) + loc.other] = v;
}

// out = x (the first pass of every scatter)
@compute @workgroup_size(256, 1, 1)
fn scatterCopy(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= copyParams.count) {
    return;
  }
  // `dim` is 8 (no slot): every coordinate counts in `dest`.
  let loc = locate(e, copyParams);
  copyOut[i32(copyParams.otherOffset) + loc.other] = x[i32(copyParams.targetOffset) + loc.dest];
}

// The word offset in out that element e of index addresses, or -1 when its index is out of range.
fn scatterTarget(e: u32, loc: Located) -> i32 {
  let k = scatterIndex[i32(params.indexOffset) + loc.index];
  if (k < 0 || u32(k) >= params.dimSize) {
    return -1;
  }
  return i32(params.targetOffset) + loc.dest + k * dimStride(params);
}

@compute @workgroup_size(256, 1, 1)
fn scatterSet(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= params.count) {
    return;
  }
  let loc = locate(e, params);
  let t = scatterTarget(e, loc);
  if (t >= 0) {
    scatterOut[t] = src[i32(params.otherOffset) + loc.other];
  }
}

@compute @workgroup_size(256, 1, 1)
fn scatterAddF32(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= params.count) {
    return;
  }
  let loc = locate(e, params);
  let t = scatterTarget(e, loc);
  if (t < 0) {
    return;
  }
  let v = bitcast<f32>(src[i32(params.otherOffset) + loc.other]);
  var old = atomicLoad(&scatterAtomic[t]);
  loop {
    let next = bitcast<u32>(bitcast<f32>(old) + v);
    let r = atomicCompareExchangeWeak(&scatterAtomic[t], old, next);
    if (r.exchanged) {
      break;
    }
    old = r.old_value;
  }
}

@compute @workgroup_size(256, 1, 1)
fn scatterAddI32(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= params.count) {
    return;
  }
  let loc = locate(e, params);
  let t = scatterTarget(e, loc);
  if (t >= 0) {
    atomicAdd(&scatterAtomic[t], src[i32(params.otherOffset) + loc.other]);
  }
}

@compute @workgroup_size(256, 1, 1)
fn scatterAddBool(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= params.count) {
    return;
  }
  let loc = locate(e, params);
  let t = scatterTarget(e, loc);
  if (t >= 0 && src[i32(params.otherOffset) + loc.other] != 0u) {
    atomicOr(&scatterAtomic[t], 1u);
  }
}
