// optim.wgsl: the fused `optimStep` primitive, one in-place optimizer update of one parameter.
//
// Each entry point is the CPU kernel's loop (backends/cpu/optim.ts, the arithmetic of PyTorch
// 1.13's single-tensor optimizers, operation for operation) in float32.
//
// Bindings (group 0): 0 param (read_write), 1 grad (read), then the state views in the order of
// `KernelArgs["optimStep"]` (read_write), then the uniform OptimParams:
//   optimSgd                      -                                     params @2
//   optimSgdMomentum              2 momentumBuffer                      params @3
//   optimAdam                     2 expAvg, 3 expAvgSq                  params @4
//   optimAdamAmsgrad              2 expAvg, 3 expAvgSq, 4 maxExpAvgSq   params @5
//   optimAdagrad                  2 sum                                 params @3
//   optimRmsprop                  2 squareAvg                           params @3
//   optimRmspropCentered          2 squareAvg, 3 gradAvg                params @4
//   optimRmspropMomentum          2 squareAvg, 3 momentumBuffer         params @4
//   optimRmspropCenteredMomentum  2 squareAvg, 3 gradAvg, 4 momentumBuffer  params @5
// (The uniform's binding number depends on the state count, so `params2` .. `params5` and the
// state buffers share binding numbers; WGSL allows that as long as no entry point uses two.)
// Uniform struct OptimParams (below): the element count, the element offsets of every view, and
// `s`: slots 0-8 hold the kind's `scalars` in their documented order, slots 12-15 values derived
// from them in double precision on the host (sgd: 1 - dampening; adam: 1 - beta1, 1 - beta2;
// rmsprop: 1 - alpha).
//
// Dispatch geometry: one invocation per element; workgroup 256; grid (min(W, 65535),
//   ceil(W / 65535)) for W = ceil(n / 256).

struct OptimParams {
  n: u32,
  paramOffset: u32,
  gradOffset: u32,
  _pad0: u32,
  stateOffsets: vec4<u32>,
  s: array<vec4<f32>, 4>,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> state0: array<f32>;
@group(0) @binding(3) var<storage, read_write> state1: array<f32>;
@group(0) @binding(4) var<storage, read_write> state2: array<f32>;
@group(0) @binding(2) var<uniform> params2: OptimParams;
@group(0) @binding(3) var<uniform> params3: OptimParams;
@group(0) @binding(4) var<uniform> params4: OptimParams;
@group(0) @binding(5) var<uniform> params5: OptimParams;

const WORKGROUP_SIZE = 256u;

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid.x;
}

fn scalar(p: OptimParams, i: u32) -> f32 {
  return p.s[i / 4u][i % 4u];
}

fn isNan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// torch.maximum: NaN wins (WGSL's max leaves NaN unspecified).
fn maxPropagateNan(a: f32, b: f32) -> f32 {
  if (isNan(a)) {
    return a;
  }
  if (isNan(b)) {
    return b;
  }
  return max(a, b);
}

fn signed(p: OptimParams, g: f32, maximizeSlot: u32) -> f32 {
  if (scalar(p, maximizeSlot) != 0.0) {
    return -g;
  }
  return g;
}

// ---- sgd: s = [negLr, weightDecay, momentum, dampening, nesterov, maximize, firstStep] ----

// The decayed gradient d of sgd.
fn sgdDirection(p: OptimParams, x: f32, g: f32) -> f32 {
  var d = signed(p, g, 5u);
  let wd = scalar(p, 1u);
  if (wd != 0.0) {
    d = d + x * wd;
  }
  return d;
}

@compute @workgroup_size(256, 1, 1)
fn optimSgd(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params2;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let d = sgdDirection(p, x, grad[p.gradOffset + i]);
  param[p.paramOffset + i] = x + d * scalar(p, 0u);
}

@compute @workgroup_size(256, 1, 1)
fn optimSgdMomentum(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params3;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let d = sgdDirection(p, x, grad[p.gradOffset + i]);
  let momentum = scalar(p, 2u);
  let bi = p.stateOffsets.x + i;
  // first step: buf = clone(d); later: buf = buf * momentum + (1 - dampening) * d
  var buf = d;
  if (scalar(p, 6u) == 0.0) {
    buf = state0[bi] * momentum + d * scalar(p, 12u);
  }
  state0[bi] = buf;
  var step = buf;
  if (scalar(p, 4u) != 0.0) {
    step = d + buf * momentum;
  }
  param[p.paramOffset + i] = x + step * scalar(p, 0u);
}

// ---- adam: s = [negStepSize, beta1, beta2, eps, weightDecay, biasCorrection2Sqrt, decay,
//                 maximize, decoupled] ----

struct AdamUpdate {
  x: f32,
  m: f32,
  v: f32,
}

// The decayed parameter and the new moments; `x` is the parameter before the step term.
fn adamMoments(p: OptimParams, x0: f32, g0: f32, m0: f32, v0: f32) -> AdamUpdate {
  var x = x0;
  var g = signed(p, g0, 7u);
  let wd = scalar(p, 4u);
  let decoupled = scalar(p, 8u) != 0.0;
  // Adam adds the decay to the gradient; AdamW shrinks the parameter first.
  if (!decoupled && wd != 0.0) {
    g = g + x * wd;
  }
  if (decoupled && wd != 0.0) {
    x = x * scalar(p, 6u);
  }
  let m = m0 * scalar(p, 1u) + g * scalar(p, 12u);
  let v = v0 * scalar(p, 2u) + g * g * scalar(p, 13u);
  return AdamUpdate(x, m, v);
}

fn adamStep(p: OptimParams, u: AdamUpdate, v: f32) -> f32 {
  return u.x + (u.m / (sqrt(v) / scalar(p, 5u) + scalar(p, 3u))) * scalar(p, 0u);
}

@compute @workgroup_size(256, 1, 1)
fn optimAdam(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params4;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let mi = p.stateOffsets.x + i;
  let vi = p.stateOffsets.y + i;
  let u = adamMoments(p, param[p.paramOffset + i], grad[p.gradOffset + i], state0[mi], state1[vi]);
  state0[mi] = u.m;
  state1[vi] = u.v;
  param[p.paramOffset + i] = adamStep(p, u, u.v);
}

@compute @workgroup_size(256, 1, 1)
fn optimAdamAmsgrad(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params5;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let mi = p.stateOffsets.x + i;
  let vi = p.stateOffsets.y + i;
  let wi = p.stateOffsets.z + i;
  let u = adamMoments(p, param[p.paramOffset + i], grad[p.gradOffset + i], state0[mi], state1[vi]);
  state0[mi] = u.m;
  state1[vi] = u.v;
  let vmax = maxPropagateNan(state2[wi], u.v);
  state2[wi] = vmax;
  param[p.paramOffset + i] = adamStep(p, u, vmax);
}

// ---- adagrad: s = [negClr, weightDecay, eps, maximize] ----

@compute @workgroup_size(256, 1, 1)
fn optimAdagrad(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params3;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  var g = signed(p, grad[p.gradOffset + i], 3u);
  let wd = scalar(p, 1u);
  if (wd != 0.0) {
    g = g + x * wd;
  }
  let si = p.stateOffsets.x + i;
  let s = state0[si] + g * g;
  state0[si] = s;
  param[p.paramOffset + i] = x + (g / (sqrt(s) + scalar(p, 2u))) * scalar(p, 0u);
}

// ---- rmsprop: s = [negLr, alpha, eps, weightDecay, momentum, centered, maximize] ----

fn rmspropGrad(p: OptimParams, x: f32, g0: f32) -> f32 {
  var g = signed(p, g0, 6u);
  let wd = scalar(p, 3u);
  if (wd != 0.0) {
    g = g + x * wd;
  }
  return g;
}

fn rmspropSquareAvg(p: OptimParams, sq: f32, g: f32) -> f32 {
  return sq * scalar(p, 1u) + g * g * scalar(p, 12u);
}

fn rmspropGradAvg(p: OptimParams, ga: f32, g: f32) -> f32 {
  return ga * scalar(p, 1u) + g * scalar(p, 12u);
}

@compute @workgroup_size(256, 1, 1)
fn optimRmsprop(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params3;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let g = rmspropGrad(p, x, grad[p.gradOffset + i]);
  let si = p.stateOffsets.x + i;
  let sq = rmspropSquareAvg(p, state0[si], g);
  state0[si] = sq;
  let avg = sqrt(sq) + scalar(p, 2u);
  param[p.paramOffset + i] = x + (g / avg) * scalar(p, 0u);
}

@compute @workgroup_size(256, 1, 1)
fn optimRmspropCentered(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params4;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let g = rmspropGrad(p, x, grad[p.gradOffset + i]);
  let si = p.stateOffsets.x + i;
  let ai = p.stateOffsets.y + i;
  let sq = rmspropSquareAvg(p, state0[si], g);
  state0[si] = sq;
  let ga = rmspropGradAvg(p, state1[ai], g);
  state1[ai] = ga;
  let avg = sqrt(sq + ga * ga * -1.0) + scalar(p, 2u);
  param[p.paramOffset + i] = x + (g / avg) * scalar(p, 0u);
}

@compute @workgroup_size(256, 1, 1)
fn optimRmspropMomentum(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params4;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let g = rmspropGrad(p, x, grad[p.gradOffset + i]);
  let si = p.stateOffsets.x + i;
  let bi = p.stateOffsets.y + i;
  let sq = rmspropSquareAvg(p, state0[si], g);
  state0[si] = sq;
  let avg = sqrt(sq) + scalar(p, 2u);
  let buf = state1[bi] * scalar(p, 4u) + g / avg;
  state1[bi] = buf;
  param[p.paramOffset + i] = x + buf * scalar(p, 0u);
}

@compute @workgroup_size(256, 1, 1)
fn optimRmspropCenteredMomentum(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = params5;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let g = rmspropGrad(p, x, grad[p.gradOffset + i]);
  let si = p.stateOffsets.x + i;
  let ai = p.stateOffsets.y + i;
  let bi = p.stateOffsets.z + i;
  let sq = rmspropSquareAvg(p, state0[si], g);
  state0[si] = sq;
  let ga = rmspropGradAvg(p, state1[ai], g);
  state1[ai] = ga;
  let avg = sqrt(sq + ga * ga * -1.0) + scalar(p, 2u);
  let buf = state2[bi] * scalar(p, 4u) + g / avg;
  state2[bi] = buf;
  param[p.paramOffset + i] = x + buf * scalar(p, 0u);
}
