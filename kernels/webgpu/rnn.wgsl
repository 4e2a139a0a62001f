// rnn.wgsl: the fused LSTM and GRU cells (`rnnCell`) and their gradients (`rnnCellBackward`).
//
// Each entry point is the CPU kernel's loop (backends/cpu/rnn.ts) in float32, with PyTorch's gate
// orders (LSTM i, f, g, o; GRU r, z, n); the math is on `RnnCellArgs` and `RnnCellBackwardArgs`
// in src/ops/prims.ts. The backward recomputes the activations from the forward's inputs (see
// the NOTE in backends/cpu/rnn.ts for why).
//
// src/backends/webgpu/rnn.ts assembles one shader per entry point: the uniform structs, the
// `common` section of elementwise.wgsl (sigmoidF, tanhF: exact saturation, no NaN at +-inf),
// this file's `common` section, then the entry point's section (a line `//!section NAME` starts
// a section), each with its own bindings (group 0), all views contiguous float32 from an offset:
//   lstmCell          0 gates (read), 1 cx (read), 2 hy (read_write), 3 cy (read_write),
//                     4 params: LstmParams
//   lstmCellBackward  0 gates, 1 cx, 2 gradHy, 3 gradCy (read), 4 gradGates, 5 gradCx
//                     (read_write), 6 params: LstmParams; an absent gradient (hasGradHy or
//                     hasGradCy 0) is bound to the gates' buffer and read as zeros
//   gruCell           0 gi, 1 gh, 2 hx (read), 3 hy (read_write), 4 params: GruParams
//   gruCellBackward   0 gi, 1 gh, 2 hx, 3 gradHy (read), 4 gradGi, 5 gradGh, 6 gradHx
//                     (read_write), 7 params: GruParams
//
// Uniform structs LstmParams and GruParams: declared once, by name, in src/backends/webgpu/rnn.ts
// (RNN_PARAMS) and prepended: `n` (B * H), `hidden` (H), the element offset of each view
// (`<view>Offset`), and LstmParams' flags `hasGradHy`, `hasGradCy` (u32 0 or 1).
//
// Dispatch geometry: one invocation per (b, j) element of the [B, H] state; workgroup 256; grid
//   (min(W, 65535), ceil(W / 65535)) for W = ceil(B * H / 256).

//!section common
const WORKGROUP_SIZE = 256u;

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid.x;
}

// Element k of a [B, H] state lies in row b = k / H, column j = k % H; its gate `g` of a
// [B, G * H] gate tensor is at b * G * H + g * H + j. Returns the gate row's first index + j.
fn gateBase(k: u32, hidden: u32, gateCount: u32) -> u32 {
  let b = k / hidden;
  return b * gateCount * hidden + (k - b * hidden);
}

// s'(pre) from s = sigmoid(pre), and tanh'(pre) from t = tanh(pre).
fn dSigmoid(s: f32) -> f32 {
  return s * (1.0 - s);
}
fn dTanh(t: f32) -> f32 {
  return 1.0 - t * t;
}

//!section lstmCell
@group(0) @binding(0) var<storage, read> gates: array<f32>;
@group(0) @binding(1) var<storage, read> cx: array<f32>;
@group(0) @binding(2) var<storage, read_write> hy: array<f32>;
@group(0) @binding(3) var<storage, read_write> cy: array<f32>;
@group(0) @binding(4) var<uniform> params: LstmParams;

@compute @workgroup_size(256, 1, 1)
fn lstmCell(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params;
  let k = flatIndex(wid, nwg, lid);
  if (k >= p.n) {
    return;
  }
  let h = p.hidden;
  let q = p.gatesOffset + gateBase(k, h, 4u);
  let i = sigmoidF(gates[q]);
  let f = sigmoidF(gates[q + h]);
  let g = tanhF(gates[q + 2u * h]);
  let o = sigmoidF(gates[q + 3u * h]);
  let c = f * cx[p.cxOffset + k] + i * g;
  cy[p.cyOffset + k] = c;
  hy[p.hyOffset + k] = o * tanhF(c);
}

//!section lstmCellBackward
@group(0) @binding(0) var<storage, read> gates: array<f32>;
@group(0) @binding(1) var<storage, read> cx: array<f32>;
@group(0) @binding(2) var<storage, read> gradHy: array<f32>;
@group(0) @binding(3) var<storage, read> gradCy: array<f32>;
@group(0) @binding(4) var<storage, read_write> gradGates: array<f32>;
@group(0) @binding(5) var<storage, read_write> gradCx: array<f32>;
@group(0) @binding(6) var<uniform> params: LstmParams;

// dc = dc' + dh' o tanh'(c'); di = dc g s'(i), df = dc cx s'(f), dg = dc i tanh'(g),
// do = dh' tanh(c') s'(o); dcx = dc f.
@compute @workgroup_size(256, 1, 1)
fn lstmCellBackward(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params;
  let k = flatIndex(wid, nwg, lid);
  if (k >= p.n) {
    return;
  }
  let h = p.hidden;
  let base = gateBase(k, h, 4u);
  let q = p.gatesOffset + base;
  let i = sigmoidF(gates[q]);
  let f = sigmoidF(gates[q + h]);
  let g = tanhF(gates[q + 2u * h]);
  let o = sigmoidF(gates[q + 3u * h]);
  let c0 = cx[p.cxOffset + k];
  let tc = tanhF(f * c0 + i * g);
  var dh = 0.0;
  if (p.hasGradHy != 0u) {
    dh = gradHy[p.gradHyOffset + k];
  }
  var dc = dh * o * dTanh(tc);
  if (p.hasGradCy != 0u) {
    dc = gradCy[p.gradCyOffset + k] + dc;
  }
  let r = p.gradGatesOffset + base;
  gradGates[r] = dc * g * dSigmoid(i);
  gradGates[r + h] = dc * c0 * dSigmoid(f);
  gradGates[r + 2u * h] = dc * i * dTanh(g);
  gradGates[r + 3u * h] = dh * tc * dSigmoid(o);
  gradCx[p.gradCxOffset + k] = dc * f;
}

//!section gruCell
@group(0) @binding(0) var<storage, read> gi: array<f32>;
@group(0) @binding(1) var<storage, read> gh: array<f32>;
@group(0) @binding(2) var<storage, read> hx: array<f32>;
@group(0) @binding(3) var<storage, read_write> hy: array<f32>;
@group(0) @binding(4) var<uniform> params: GruParams;

@compute @workgroup_size(256, 1, 1)
fn gruCell(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params;
  let k = flatIndex(wid, nwg, lid);
  if (k >= p.n) {
    return;
  }
  let h = p.hidden;
  let base = gateBase(k, h, 3u);
  let a = p.giOffset + base;
  let b = p.ghOffset + base;
  let r = sigmoidF(gi[a] + gh[b]);
  let z = sigmoidF(gi[a + h] + gh[b + h]);
  let n = tanhF(gi[a + 2u * h] + r * gh[b + 2u * h]);
  hy[p.hyOffset + k] = (1.0 - z) * n + z * hx[p.hxOffset + k];
}

//!section gruCellBackward
@group(0) @binding(0) var<storage, read> gi: array<f32>;
@group(0) @binding(1) var<storage, read> gh: array<f32>;
@group(0) @binding(2) var<storage, read> hx: array<f32>;
@group(0) @binding(3) var<storage, read> gradHy: array<f32>;
@group(0) @binding(4) var<storage, read_write> gradGi: array<f32>;
@group(0) @binding(5) var<storage, read_write> gradGh: array<f32>;
@group(0) @binding(6) var<storage, read_write> gradHx: array<f32>;
@group(0) @binding(7) var<uniform> params: GruParams;

// dn = dh' (1 - z) tanh'(n) (gi_n's gradient; gh_n's is dn r); dr = dn gh_n s'(r) and
// dz = dh' (hx - n) s'(z) (those of both gi and gh); dhx = dh' z.
@compute @workgroup_size(256, 1, 1)
fn gruCellBackward(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params;
  let k = flatIndex(wid, nwg, lid);
  if (k >= p.n) {
    return;
  }
  let h = p.hidden;
  let base = gateBase(k, h, 3u);
  let a = p.giOffset + base;
  let b = p.ghOffset + base;
  let r = sigmoidF(gi[a] + gh[b]);
  let z = sigmoidF(gi[a + h] + gh[b + h]);
  let ghn = gh[b + 2u * h];
  let n = tanhF(gi[a + 2u * h] + r * ghn);
  let dh = gradHy[p.gradHyOffset + k];
  let dn = dh * (1.0 - z) * dTanh(n);
  let dr = dn * ghn * dSigmoid(r);
  let dz = dh * (hx[p.hxOffset + k] - n) * dSigmoid(z);
  let qi = p.gradGiOffset + base;
  let qh = p.gradGhOffset + base;
  gradGi[qi] = dr;
  gradGh[qh] = dr;
  gradGi[qi + h] = dz;
  gradGh[qh + h] = dz;
  gradGi[qi + 2u * h] = dn;
  gradGh[qh + 2u * h] = dn * r;
  gradHx[p.gradHxOffset + k] = dh * z;
}
