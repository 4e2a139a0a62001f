// checks.wgsl: device-side asserts (CUDA's), the WebGPU kernel of the `check` primitive.
//
// One invocation per value of a contiguous range of one storage; a value that breaks the rule
// claims the error record if it is still empty, writing the check's site number, its index in the
// range and its bits. The host (src/backends/webgpu/asserts.ts) reads the record with the next
// read and throws the error registered under that site, then clears it. Dispatches run in order,
// so the record holds the first check that failed; within one dispatch, whichever invocation
// claims it first.
//
// Bindings (group 0): 0 values (read, raw 32-bit words)  1 record (read_write, atomic: site,
// index, bits)  2 params (CheckParams, declared in src/backends/webgpu/checks.ts and prepended).
// The source is a template: {{VIOLATES}} is the rule, a WGSL expression of the word `w` (and of
// `params.size` / `params.except` / `params.hasExcept` for the index rule).
//
// NOTE: NaN is tested on the bits, not by comparisons: WGSL lets implementations assume floats
// are never NaN, so `!(v >= 0.0)` may not catch one.
//
// Dispatch geometry: workgroup 256; grid (min(W, 65535), ceil(W / 65535)) for W = ceil(count / 256).

@group(0) @binding(0) var<storage, read> values: array<u32>;
@group(0) @binding(1) var<storage, read_write> record: array<atomic<u32>, 4>;
@group(0) @binding(2) var<uniform> params: CheckParams;

fn isNanBits(w: u32) -> bool {
  return (w & 0x7f800000u) == 0x7f800000u && (w & 0x007fffffu) != 0u;
}

fn violates(w: u32) -> bool {
  return {{VIOLATES}};
}

@compute @workgroup_size(256, 1, 1)
fn check(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let e = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (e >= params.count) {
    return;
  }
  let w = values[params.offset + e];
  if (!violates(w) || atomicLoad(&record[0]) != 0u) {
    return;
  }
  // compare-exchange may fail spuriously: retry until this invocation or another holds the record
  loop {
    let r = atomicCompareExchangeWeak(&record[0], 0u, params.site);
    if (r.exchanged) {
      atomicStore(&record[1], e);
      atomicStore(&record[2], w);
      return;
    }
    if (r.old_value != 0u) {
      return;
    }
  }
}
