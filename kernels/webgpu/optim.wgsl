// optim.wgsl: the fused `optimStep` primitive, one in-place optimizer update of one parameter.
//
// Each entry point is the CPU kernel's loop (backends/cpu/optim.ts, the arithmetic of PyTorch
// 1.13's single-tensor optimizers, operation for operation) in float32.
//
// Bindings (group 0): 0 param (read_write), 1 grad (read), then the state views in the order of
// `OptimStepScalars` in src/ops/prims.ts (read_write), then the kind's uniform struct:
//   optimSgd                      -                                     sgdParams2
//   optimSgdMomentum              2 momentumBuffer                      sgdParams3
//   optimAdam                     2 expAvg, 3 expAvgSq                  adamParams4
//   optimAdamAmsgrad              2 expAvg, 3 expAvgSq, 4 maxExpAvgSq   adamParams5
//   optimAdagrad                  2 sum                                 adagradParams3
//   optimRmsprop                  2 squareAvg                           rmspropParams3
//   optimRmspropCentered          2 squareAvg, 3 gradAvg                rmspropParams4
//   optimRmspropMomentum          2 squareAvg, 3 momentumBuffer         rmspropParams4
//   optimRmspropCenteredMomentum  2 squareAvg, 3 gradAvg, 4 momentumBuffer  rmspropParams5
// (The uniform's binding number is the state count + 2, so the `...ParamsK` variables and the
// state buffers share binding numbers; WGSL allows that as long as no entry point uses two.)
//
// Uniform structs SgdParams, AdamParams, AdagradParams, RmspropParams: declared once, by name, in
// src/backends/webgpu/optim.ts (OPTIM_PARAMS) and prepended to this source. Each holds the
// element count `n`, the element offsets `paramOffset`, `gradOffset`, `stateOffset0..2`, the
// kind's scalars under their names in `OptimStepScalars` (flags as u32 0 or 1), and values the
// host derives from them in double precision (`oneMinusDampening`, `oneMinusBeta1`,
// `oneMinusBeta2`, `oneMinusAlpha`).
//
// Dispatch geometry: one invocation per element; workgroup 256; grid (min(W, 65535),
//   ceil(W / 65535)) for W = ceil(n / 256).

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> state0: array<f32>;
@group(0) @binding(3) var<storage, read_write> state1: array<f32>;
@group(0) @binding(4) var<storage, read_write> state2: array<f32>;
@group(0) @binding(2) var<uniform> sgdParams2: SgdParams;
@group(0) @binding(3) var<uniform> sgdParams3: SgdParams;
@group(0) @binding(4) var<uniform> adamParams4: AdamParams;
@group(0) @binding(5) var<uniform> adamParams5: AdamParams;
@group(0) @binding(3) var<uniform> adagradParams3: AdagradParams;
@group(0) @binding(3) var<uniform> rmspropParams3: RmspropParams;
@group(0) @binding(4) var<uniform> rmspropParams4: RmspropParams;
@group(0) @binding(5) var<uniform> rmspropParams5: RmspropParams;

const WORKGROUP_SIZE = 256u;

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid.x;
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

// The gradient, negated when maximizing.
fn signed(g: f32, maximize: u32) -> f32 {
  if (maximize != 0u) {
    return -g;
  }
  return g;
}

// ---- sgd ----

// The decayed gradient d of sgd.
fn sgdDirection(p: SgdParams, x: f32, g: f32) -> f32 {
  var d = signed(g, p.maximize);
  let wd = p.weightDecay;
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
  let p = sgdParams2;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let d = sgdDirection(p, x, grad[p.gradOffset + i]);
  param[p.paramOffset + i] = x + d * p.negLr;
}

@compute @workgroup_size(256, 1, 1)
fn optimSgdMomentum(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = sgdParams3;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let d = sgdDirection(p, x, grad[p.gradOffset + i]);
  let momentum = p.momentum;
  let bi = p.stateOffset0 + i;
  // first step: buf = clone(d); later: buf = buf * momentum + (1 - dampening) * d
  var buf = d;
  if (p.firstStep == 0u) {
    buf = state0[bi] * momentum + d * p.oneMinusDampening;
  }
  state0[bi] = buf;
  var step = buf;
  if (p.nesterov != 0u) {
    step = d + buf * momentum;
  }
  param[p.paramOffset + i] = x + step * p.negLr;
}

// ---- adam ----

struct AdamUpdate {
  x: f32,
  m: f32,
  v: f32,
}

// The decayed parameter and the new moments; `x` is the parameter before the step term.
fn adamMoments(p: AdamParams, x0: f32, g0: f32, m0: f32, v0: f32) -> AdamUpdate {
  var x = x0;
  var g = signed(g0, p.maximize);
  let wd = p.weightDecay;
  let decoupled = p.decoupled != 0u;
  // Adam adds the decay to the gradient; AdamW shrinks the parameter first.
  if (!decoupled && wd != 0.0) {
    g = g + x * wd;
  }
  if (decoupled && wd != 0.0) {
    x = x * p.decay;
  }
  let m = m0 * p.beta1 + g * p.oneMinusBeta1;
  let v = v0 * p.beta2 + g * g * p.oneMinusBeta2;
  return AdamUpdate(x, m, v);
}

fn adamStep(p: AdamParams, u: AdamUpdate, v: f32) -> f32 {
  return u.x + (u.m / (sqrt(v) / p.biasCorrection2Sqrt + p.eps)) * p.negStepSize;
}

@compute @workgroup_size(256, 1, 1)
fn optimAdam(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = adamParams4;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let mi = p.stateOffset0 + i;
  let vi = p.stateOffset1 + i;
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
  let p = adamParams5;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let mi = p.stateOffset0 + i;
  let vi = p.stateOffset1 + i;
  let wi = p.stateOffset2 + i;
  let u = adamMoments(p, param[p.paramOffset + i], grad[p.gradOffset + i], state0[mi], state1[vi]);
  state0[mi] = u.m;
  state1[vi] = u.v;
  let vmax = maxPropagateNan(state2[wi], u.v);
  state2[wi] = vmax;
  param[p.paramOffset + i] = adamStep(p, u, vmax);
}

// ---- adagrad ----

@compute @workgroup_size(256, 1, 1)
fn optimAdagrad(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = adagradParams3;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  var g = signed(grad[p.gradOffset + i], p.maximize);
  let wd = p.weightDecay;
  if (wd != 0.0) {
    g = g + x * wd;
  }
  let si = p.stateOffset0 + i;
  let s = state0[si] + g * g;
  state0[si] = s;
  param[p.paramOffset + i] = x + (g / (sqrt(s) + p.eps)) * p.negClr;
}

// ---- rmsprop ----

fn rmspropGrad(p: RmspropParams, x: f32, g0: f32) -> f32 {
  var g = signed(g0, p.maximize);
  let wd = p.weightDecay;
  if (wd != 0.0) {
    g = g + x * wd;
  }
  return g;
}

fn rmspropSquareAvg(p: RmspropParams, sq: f32, g: f32) -> f32 {
  return sq * p.alpha + g * g * p.oneMinusAlpha;
}

fn rmspropGradAvg(p: RmspropParams, ga: f32, g: f32) -> f32 {
  return ga * p.alpha + g * p.oneMinusAlpha;
}

@compute @workgroup_size(256, 1, 1)
fn optimRmsprop(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = rmspropParams3;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let g = rmspropGrad(p, x, grad[p.gradOffset + i]);
  let si = p.stateOffset0 + i;
  let sq = rmspropSquareAvg(p, state0[si], g);
  state0[si] = sq;
  let avg = sqrt(sq) + p.eps;
  param[p.paramOffset + i] = x + (g / avg) * p.negLr;
}

@compute @workgroup_size(256, 1, 1)
fn optimRmspropCentered(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = rmspropParams4;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let g = rmspropGrad(p, x, grad[p.gradOffset + i]);
  let si = p.stateOffset0 + i;
  let ai = p.stateOffset1 + i;
  let sq = rmspropSquareAvg(p, state0[si], g);
  state0[si] = sq;
  let ga = rmspropGradAvg(p, state1[ai], g);
  state1[ai] = ga;
  let avg = sqrt(sq + ga * ga * -1.0) + p.eps;
  param[p.paramOffset + i] = x + (g / avg) * p.negLr;
}

@compute @workgroup_size(256, 1, 1)
fn optimRmspropMomentum(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = rmspropParams4;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let g = rmspropGrad(p, x, grad[p.gradOffset + i]);
  let si = p.stateOffset0 + i;
  let bi = p.stateOffset1 + i;
  let sq = rmspropSquareAvg(p, state0[si], g);
  state0[si] = sq;
  let avg = sqrt(sq) + p.eps;
  let buf = state1[bi] * p.momentum + g / avg;
  state1[bi] = buf;
  param[p.paramOffset + i] = x + buf * p.negLr;
}

@compute @workgroup_size(256, 1, 1)
fn optimRmspropCenteredMomentum(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let p = rmspropParams5;
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.n) {
    return;
  }
  let x = param[p.paramOffset + i];
  let g = rmspropGrad(p, x, grad[p.gradOffset + i]);
  let si = p.stateOffset0 + i;
  let ai = p.stateOffset1 + i;
  let bi = p.stateOffset2 + i;
  let sq = rmspropSquareAvg(p, state0[si], g);
  state0[si] = sq;
  let ga = rmspropGradAvg(p, state1[ai], g);
  state1[ai] = ga;
  let avg = sqrt(sq + ga * ga * -1.0) + p.eps;
  let buf = state2[bi] * p.momentum + g / avg;
  state2[bi] = buf;
  param[p.paramOffset + i] = x + buf * p.negLr;
}
