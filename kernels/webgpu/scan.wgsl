// scan.wgsl: inclusive cumulative sum or product along one axis of a strided tensor.
//
// src/backends/webgpu/scan.ts fills {{A}} (the accumulator and output type: f32, or
// i32 for int32/bool inputs), {{IN}} (the input's storage type), {{OP}} (`a + b` or `a * b`)
// and {{IDENTITY}}.
//
// Bindings (group 0):
//   @binding(0) x       read        array<IN>  the input, strided
//   @binding(1) out     read_write  array<A>   the output, same shape (its own strides)
//   @binding(2) params  uniform     ScanParams: declared once in src/backends/webgpu/scan.ts and
//               prepended to this source; numLines, n, rank, per (elements per invocation in a
//               round of scanTree), xOffset, outOffset, xStride, outStride (along the axis),
//               shape, xStrides, outStrides (the kept dims, as 2 vec4s each)
//
// A line is one index of the kept dims (every dim but the axis), decomposed row-major over
// `shape` with `xStrides` / `outStrides`; element j of line l is x[xOffset + kept_x(l) + j *
// xStride], written to out[outOffset + kept_out(l) + j * outStride].
//
// Entry points and dispatch geometry:
//   scanSerial  workgroup_size 256, one invocation per line, in order (short axes).
//               Grid (min(G, 65535), ceil(G / 65535)) over G = ceil(numLines / 256).
//   scanTree    workgroup_size 256, one workgroup per line, in rounds of 256 * per elements:
//               each invocation totals its block of `per` consecutive elements, the 256 totals
//               are scanned in workgroup memory (Hillis-Steele), then each invocation rescans its
//               block from the total of everything before it. Grid over G = numLines
//               workgroups, as above.

alias A = {{A}};

@group(0) @binding(0) var<storage, read> x: array<{{IN}}>;
@group(0) @binding(1) var<storage, read_write> out: array<A>;
@group(0) @binding(2) var<uniform> params: ScanParams;

fn op(a: A, b: A) -> A {
  return {{OP}};
}

fn identity() -> A {
  return {{IDENTITY}};
}

// (x offset, out offset) of the start of line l
fn lineBase(l: u32) -> vec2<i32> {
  var rem = l;
  var base = vec2<i32>(params.xOffset, params.outOffset);
  for (var d = i32(params.rank) - 1; d >= 0; d = d - 1) {
    let du = u32(d);
    let size = params.shape[du / 4u][du % 4u];
    let c = i32(rem % size);
    base = base + c * vec2<i32>(params.xStrides[du / 4u][du % 4u], params.outStrides[du / 4u][du % 4u]);
    rem = rem / size;
  }
  return base;
}

@compute @workgroup_size(256)
fn scanSerial(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let l = gid.x + gid.y * (nwg.x * 256u);
  if (l >= params.numLines) {
    return;
  }
  let base = lineBase(l);
  var acc = identity();
  for (var j = 0u; j < params.n; j = j + 1u) {
    acc = op(acc, A(x[base.x + i32(j) * params.xStride]));
    out[base.y + i32(j) * params.outStride] = acc;
  }
}

var<workgroup> totals: array<A, 256>;

@compute @workgroup_size(256)
fn scanTree(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let l = wid.x + wid.y * nwg.x;
  if (l >= params.numLines) {
    return;
  }
  let base = lineBase(l);
  let per = params.per;
  var carry = identity();
  for (var start = 0u; start < params.n; start = start + 256u * per) {
    // 1. the total of this invocation's block of `per` consecutive elements
    let j0 = start + lid * per;
    var total = identity();
    for (var q = 0u; q < per; q = q + 1u) {
      let j = j0 + q;
      if (j < params.n) {
        total = op(total, A(x[base.x + i32(j) * params.xStride]));
      }
    }
    totals[lid] = total;
    workgroupBarrier();
    // 2. inclusive scan of the 256 block totals (Hillis-Steele)
    for (var off = 1u; off < 256u; off = off << 1u) {
      var t = identity();
      if (lid >= off) {
        t = totals[lid - off];
      }
      workgroupBarrier();
      totals[lid] = op(t, totals[lid]);
      workgroupBarrier();
    }
    // 3. the block again, from the running total of everything before it
    var acc = carry;
    if (lid > 0u) {
      acc = op(carry, totals[lid - 1u]);
    }
    for (var q = 0u; q < per; q = q + 1u) {
      let j = j0 + q;
      if (j < params.n) {
        acc = op(acc, A(x[base.x + i32(j) * params.xStride]));
        out[base.y + i32(j) * params.outStride] = acc;
      }
    }
    carry = op(carry, totals[255]);
    workgroupBarrier();
  }
}
