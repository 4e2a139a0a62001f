import { assertInternal } from "../../core/errors.js";
import type { KernelArgs } from "../../ops/prims.js";
import type { View } from "../backend.js";

/**
 * The CPU kernel of the fused `optimStep` primitive: one pass over contiguous float32/float64
 * arrays per parameter, updating the parameter and its optimizer state in place (the layouts of
 * `state` and `scalars` are documented on `KernelArgs["optimStep"]`).
 *
 * Each update is the arithmetic of PyTorch 1.13's single-tensor ("for-loop") optimizer, operation
 * for operation and in the same order, so that in float64 it agrees bit for bit with the composite
 * of elementwise ops in `ops/optim-step.ts` (its test oracle). Intermediates stay in registers (JS
 * doubles); only the stored values are rounded to the array's dtype.
 */

type Floats = Float32Array | Float64Array;

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

const arr = (v: View): Floats => v.storage.data as Floats;

function sgd(param: View, grad: View, state: readonly View[], s: readonly number[], n: number): void {
  const [negLr, wd, momentum, dampening, nesterov, maximize, firstStep] = s as [number, number, number, number, number, number, number];
  const p = arr(param);
  const g = arr(grad);
  const po = param.offset;
  const go = grad.offset;
  const sign = maximize ? -1 : 1;
  if (momentum === 0) {
    assertInternal(state.length === 0, "optimStep(sgd): no state expected without momentum");
    for (let i = 0; i < n; i++) {
      const x = p[po + i]!;
      let d = sign * g[go + i]!;
      if (wd !== 0) d = d + x * wd;
      p[po + i] = x + d * negLr;
    }
    return;
  }
  assertInternal(state.length === 1, "optimStep(sgd): expected [momentumBuffer]");
  const b = arr(state[0]!);
  const bo = state[0]!.offset;
  const keep = 1 - dampening;
  for (let i = 0; i < n; i++) {
    const x = p[po + i]!;
    let d = sign * g[go + i]!;
    if (wd !== 0) d = d + x * wd;
    // first step: buf = clone(d); later: buf = buf * momentum + (1 - dampening) * d
    const buf = firstStep ? d : b[bo + i]! * momentum + d * keep;
    b[bo + i] = buf;
    // NOTE: PyTorch's nesterov reads buf after it was stored (rounded to the dtype), as we do.
    const bufStored = b[bo + i]!;
    const step = nesterov ? d + bufStored * momentum : bufStored;
    p[po + i] = x + step * negLr;
  }
}

function adam(param: View, grad: View, state: readonly View[], s: readonly number[], n: number): void {
  const [negStepSize, beta1, beta2, eps, wd, bc2Sqrt, decay, maximize, decoupled] = s as [number, number, number, number, number, number, number, number, number];
  assertInternal(state.length === 2 || state.length === 3, "optimStep(adam): expected [expAvg, expAvgSq(, maxExpAvgSq)]");
  const p = arr(param);
  const g = arr(grad);
  const m = arr(state[0]!);
  const v = arr(state[1]!);
  const po = param.offset;
  const go = grad.offset;
  const mo = state[0]!.offset;
  const vo = state[1]!.offset;
  const sign = maximize ? -1 : 1;
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  // Adam adds the decay to the gradient; AdamW shrinks the parameter first.
  const l2 = decoupled ? 0 : wd;
  const shrink = decoupled && wd !== 0;
  if (state.length === 2) {
    for (let i = 0; i < n; i++) {
      let x = p[po + i]!;
      let gi = sign * g[go + i]!;
      if (l2 !== 0) gi = gi + x * l2;
      if (shrink) x = x * decay;
      const mi = m[mo + i]! * beta1 + gi * oneMinusBeta1;
      const vi = v[vo + i]! * beta2 + gi * gi * oneMinusBeta2;
      m[mo + i] = mi;
      v[vo + i] = vi;
      const denom = Math.sqrt(v[vo + i]!) / bc2Sqrt + eps;
      p[po + i] = x + (m[mo + i]! / denom) * negStepSize;
    }
    return;
  }
  const vm = arr(state[2]!);
  const vmo = state[2]!.offset;
  for (let i = 0; i < n; i++) {
    let x = p[po + i]!;
    let gi = sign * g[go + i]!;
    if (l2 !== 0) gi = gi + x * l2;
    if (shrink) x = x * decay;
    const mi = m[mo + i]! * beta1 + gi * oneMinusBeta1;
    const vi = v[vo + i]! * beta2 + gi * gi * oneMinusBeta2;
    m[mo + i] = mi;
    v[vo + i] = vi;
    // torch.maximum propagates NaN, as Math.max does
    vm[vmo + i] = Math.max(vm[vmo + i]!, v[vo + i]!);
    const denom = Math.sqrt(vm[vmo + i]!) / bc2Sqrt + eps;
    p[po + i] = x + (m[mo + i]! / denom) * negStepSize;
  }
}

function adagrad(param: View, grad: View, state: readonly View[], s: readonly number[], n: number): void {
  const [negClr, wd, eps, maximize] = s as [number, number, number, number];
  assertInternal(state.length === 1, "optimStep(adagrad): expected [sum]");
  const p = arr(param);
  const g = arr(grad);
  const sum = arr(state[0]!);
  const po = param.offset;
  const go = grad.offset;
  const so = state[0]!.offset;
  const sign = maximize ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const x = p[po + i]!;
    let gi = sign * g[go + i]!;
    if (wd !== 0) gi = gi + x * wd;
    sum[so + i] = sum[so + i]! + gi * gi;
    const std = Math.sqrt(sum[so + i]!) + eps;
    p[po + i] = x + (gi / std) * negClr;
  }
}

function rmsprop(param: View, grad: View, state: readonly View[], s: readonly number[], n: number): void {
  const [negLr, alpha, eps, wd, momentum, centered, maximize] = s as [number, number, number, number, number, number, number];
  const expected = 1 + (centered ? 1 : 0) + (momentum > 0 ? 1 : 0);
  assertInternal(state.length === expected, `optimStep(rmsprop): expected ${expected} state views; got ${state.length}`);
  const p = arr(param);
  const g = arr(grad);
  const sq = arr(state[0]!);
  const po = param.offset;
  const go = grad.offset;
  const sqo = state[0]!.offset;
  const ga = centered ? arr(state[1]!) : sq;
  const gao = centered ? state[1]!.offset : 0;
  const bufView = momentum > 0 ? state[expected - 1]! : null;
  const buf = bufView ? arr(bufView) : sq;
  const bo = bufView ? bufView.offset : 0;
  const sign = maximize ? -1 : 1;
  const oneMinusAlpha = 1 - alpha;
  for (let i = 0; i < n; i++) {
    const x = p[po + i]!;
    let gi = sign * g[go + i]!;
    if (wd !== 0) gi = gi + x * wd;
    sq[sqo + i] = sq[sqo + i]! * alpha + gi * gi * oneMinusAlpha;
    let avg: number;
    if (centered) {
      ga[gao + i] = ga[gao + i]! * alpha + gi * oneMinusAlpha;
      const gai = ga[gao + i]!;
      avg = Math.sqrt(sq[sqo + i]! + gai * gai * -1) + eps;
    } else {
      avg = Math.sqrt(sq[sqo + i]!) + eps;
    }
    if (momentum > 0) {
      buf[bo + i] = buf[bo + i]! * momentum + gi / avg;
      p[po + i] = x + buf[bo + i]! * negLr;
    } else {
      p[po + i] = x + (gi / avg) * negLr;
    }
  }
}
