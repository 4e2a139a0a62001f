import { assertInternal } from "../../core/errors.js";
import type { KernelArgs } from "../../ops/prims.js";
import type { View } from "../../core/layout.js";

/**
 * The CPU kernel of the fused `optimStep` primitive: one pass over contiguous float32/float64
 * arrays per parameter, updating the parameter and its optimizer state in place (the layouts of
 * `state` and `scalars` are documented on `KernelArgs["optimStep"]`).
 *
 * Each update is the arithmetic of PyTorch 1.13's single-tensor ("for-loop") optimizer, operation
 * for operation and in the same order, so that in float64 it agrees bit for bit with the composite
 * of elementwise ops in `ops/optim-step.ts` (its test oracle). Intermediates stay in registers (JS
 * doubles); only the stored values are rounded to the array's dtype (so in float32 the result
 * differs from the composite's, which rounds every intermediate, in the last bits).
 *
 * NOTE: for speed each loop indexes its arrays from 0 (`flat` takes a subarray only for a view
 * with an offset): `a[o + i]` keeps V8 from hoisting bounds checks and costs ~30%; and values
 * just stored are reused from registers rather than read back.
 */

type Floats = Float32Array | Float64Array;

/** The `optimStep` kernel: dispatches on `kind` to one tight loop per optimizer. */
export function optimStepKernel(args: KernelArgs["optimStep"]): void {
  const { param, grad, state, scalars } = args;
  let n = 1;
  for (const d of param.shape) n *= d;
  if (n === 0) return;
  switch (args.kind) {
    case "sgd":
      sgd(param, grad, state, scalars, n);
      return;
    case "adam":
      adam(param, grad, state, scalars, n);
      return;
    case "adagrad":
      adagrad(param, grad, state, scalars, n);
      return;
    case "rmsprop":
      rmsprop(param, grad, state, scalars, n);
      return;
  }
  args.kind satisfies never;
}

/** The view's elements as an array indexed from 0 (the storage itself when the offset is 0). */
function flat(v: View, n: number): Floats {
  const a = v.storage.data as Floats;
  return v.offset === 0 ? a : a.subarray(v.offset, v.offset + n);
}

function sgd(
  param: View,
  grad: View,
  state: readonly View[],
  s: readonly number[],
  n: number,
): void {
  const [negLr, wd, momentum, dampening, nesterov, maximize, firstStep] = s as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const p = flat(param, n);
  const g = flat(grad, n);
  const sign = maximize ? -1 : 1;
  if (momentum === 0) {
    assertInternal(state.length === 0, "optimStep(sgd): no state expected without momentum");
    for (let i = 0; i < n; i++) {
      const x = p[i]!;
      let d = sign * g[i]!;
      if (wd !== 0) d = d + x * wd;
      p[i] = x + d * negLr;
    }
    return;
  }
  assertInternal(state.length === 1, "optimStep(sgd): expected [momentumBuffer]");
  const b = flat(state[0]!, n);
  const keep = 1 - dampening;
  for (let i = 0; i < n; i++) {
    const x = p[i]!;
    let d = sign * g[i]!;
    if (wd !== 0) d = d + x * wd;
    // first step: buf = clone(d); later: buf = buf * momentum + (1 - dampening) * d
    const buf = firstStep ? d : b[i]! * momentum + d * keep;
    b[i] = buf;
    p[i] = x + (nesterov ? d + buf * momentum : buf) * negLr;
  }
}

function adam(
  param: View,
  grad: View,
  state: readonly View[],
  s: readonly number[],
  n: number,
): void {
  const [negStepSize, beta1, beta2, eps, wd, bc2Sqrt, decay, maximize, decoupled] = s as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  assertInternal(
    state.length === 2 || state.length === 3,
    "optimStep(adam): expected [expAvg, expAvgSq(, maxExpAvgSq)]",
  );
  const p = flat(param, n);
  const g = flat(grad, n);
  const m = flat(state[0]!, n);
  const v = flat(state[1]!, n);
  const sign = maximize ? -1 : 1;
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  // Adam adds the decay to the gradient; AdamW shrinks the parameter first.
  const l2 = decoupled ? 0 : wd;
  const shrink = decoupled && wd !== 0;
  if (state.length === 2) {
    for (let i = 0; i < n; i++) {
      let x = p[i]!;
      let gi = sign * g[i]!;
      if (l2 !== 0) gi = gi + x * l2;
      if (shrink) x = x * decay;
      const mi = m[i]! * beta1 + gi * oneMinusBeta1;
      const vi = v[i]! * beta2 + gi * gi * oneMinusBeta2;
      m[i] = mi;
      v[i] = vi;
      p[i] = x + (mi / (Math.sqrt(vi) / bc2Sqrt + eps)) * negStepSize;
    }
    return;
  }
  const vm = flat(state[2]!, n);
  for (let i = 0; i < n; i++) {
    let x = p[i]!;
    let gi = sign * g[i]!;
    if (l2 !== 0) gi = gi + x * l2;
    if (shrink) x = x * decay;
    const mi = m[i]! * beta1 + gi * oneMinusBeta1;
    const vi = v[i]! * beta2 + gi * gi * oneMinusBeta2;
    m[i] = mi;
    v[i] = vi;
    // torch.maximum propagates NaN, as Math.max does
    const vmax = Math.max(vm[i]!, vi);
    vm[i] = vmax;
    p[i] = x + (mi / (Math.sqrt(vmax) / bc2Sqrt + eps)) * negStepSize;
  }
}

function adagrad(
  param: View,
  grad: View,
  state: readonly View[],
  s: readonly number[],
  n: number,
): void {
  const [negClr, wd, eps, maximize] = s as [number, number, number, number];
  assertInternal(state.length === 1, "optimStep(adagrad): expected [sum]");
  const p = flat(param, n);
  const g = flat(grad, n);
  const sum = flat(state[0]!, n);
  const sign = maximize ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const x = p[i]!;
    let gi = sign * g[i]!;
    if (wd !== 0) gi = gi + x * wd;
    const si = sum[i]! + gi * gi;
    sum[i] = si;
    p[i] = x + (gi / (Math.sqrt(si) + eps)) * negClr;
  }
}

function rmsprop(
  param: View,
  grad: View,
  state: readonly View[],
  s: readonly number[],
  n: number,
): void {
  const [negLr, alpha, eps, wd, momentum, centered, maximize] = s as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const expected = 1 + (centered ? 1 : 0) + (momentum > 0 ? 1 : 0);
  assertInternal(
    state.length === expected,
    `optimStep(rmsprop): expected ${expected} state views; got ${state.length}`,
  );
  const p = flat(param, n);
  const g = flat(grad, n);
  const sq = flat(state[0]!, n);
  // Unused arrays alias sq; their loops never touch them.
  const ga = centered ? flat(state[1]!, n) : sq;
  const buf = momentum > 0 ? flat(state[expected - 1]!, n) : sq;
  const sign = maximize ? -1 : 1;
  const oneMinusAlpha = 1 - alpha;
  for (let i = 0; i < n; i++) {
    const x = p[i]!;
    let gi = sign * g[i]!;
    if (wd !== 0) gi = gi + x * wd;
    const sqi = sq[i]! * alpha + gi * gi * oneMinusAlpha;
    sq[i] = sqi;
    let avg: number;
    if (centered) {
      const gai = ga[i]! * alpha + gi * oneMinusAlpha;
      ga[i] = gai;
      avg = Math.sqrt(sqi + gai * gai * -1) + eps;
    } else {
      avg = Math.sqrt(sqi) + eps;
    }
    if (momentum > 0) {
      const bi = buf[i]! * momentum + gi / avg;
      buf[i] = bi;
      p[i] = x + bi * negLr;
    } else {
      p[i] = x + (gi / avg) * negLr;
    }
  }
}
