import { assertInternal } from "../../core/errors.js";
import type { View } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import { adamWasm } from "./fast.js";

/**
 * The CPU kernel of the fused `optimStep` primitive: one pass over contiguous float32/float64
 * arrays per parameter, updating the parameter and its optimizer state in place (the scalars of
 * each kind and the order of `state` are documented on `OptimStepScalars` in ops/prims.ts).
 *
 * Each update is the arithmetic of PyTorch 1.13's single-tensor ("for-loop") optimizer, operation
 * for operation and in the same order, so that in float64 it agrees bit for bit with the composite
 * of elementwise ops in `ops/optim-step.ts` (its test oracle). Intermediates stay in registers (JS
 * doubles); only the stored values are rounded to the array's dtype (so in float32 the result
 * differs from the composite's, which rounds every intermediate, in the last bits).
 *
 * NOTE: for speed each loop indexes its arrays from 0 (`flat` takes a subarray only for a view
 * with an offset): `a[o + i]` keeps V8 from hoisting bounds checks and costs ~30%; and values
 * just stored are reused from registers rather than read back. An optional state (amsgrad's
 * maximum, rmsprop's gradAvg and momentum buffer) is a loop-invariant branch inside the one loop
 * of its kind; an absent one aliases a present array that the loop never touches.
 */

type Floats = Float32Array | Float64Array;

/** The arguments of one kind of update. */
type StepArgs<K extends KernelArgs["optimStep"]["kind"]> = Extract<
  KernelArgs["optimStep"],
  { kind: K }
>;

/** The `optimStep` kernel: dispatches on `kind` to one tight loop per optimizer. */
export function optimStepKernel(args: KernelArgs["optimStep"]): void {
  let n = 1;
  for (const d of args.param.shape) n *= d;
  if (n === 0) return;
  switch (args.kind) {
    case "sgd":
      return sgd(args, n);
    case "adam":
      return adam(args, n);
    case "adagrad":
      return adagrad(args, n);
    case "rmsprop":
      return rmsprop(args, n);
  }
  args satisfies never;
}

/**
 * How every update starts, in PyTorch's order: the gradient negated to maximize (`sign` is -1),
 * then the L2 weight decay `wd` added. Small enough for V8 to inline into the loops.
 */
function directionOf(g: number, x: number, sign: number, wd: number): number {
  const d = sign * g;
  return wd !== 0 ? d + x * wd : d;
}

/** The view's elements as an array indexed from 0 (the storage itself when the offset is 0). */
function flat(v: View, n: number): Floats {
  const a = v.storage.data as Floats;
  return v.offset === 0 ? a : a.subarray(v.offset, v.offset + n);
}

function sgd({ param, grad, state, scalars: s }: StepArgs<"sgd">, n: number): void {
  const { negLr, weightDecay: wd, momentum, dampening, nesterov, firstStep } = s;
  const hasBuffer = momentum !== 0;
  assertInternal(
    state.length === (hasBuffer ? 1 : 0),
    "optimStep(sgd): expected [momentumBuffer] with momentum, else no state",
  );
  const p = flat(param, n);
  const g = flat(grad, n);
  const b = hasBuffer ? flat(state[0]!, n) : p;
  const sign = s.maximize ? -1 : 1;
  const keep = 1 - dampening;
  for (let i = 0; i < n; i++) {
    const x = p[i]!;
    const d = directionOf(g[i]!, x, sign, wd);
    if (!hasBuffer) {
      p[i] = x + d * negLr;
      continue;
    }
    // first step: buf = clone(d); later: buf = buf * momentum + (1 - dampening) * d
    const buf = firstStep ? d : b[i]! * momentum + d * keep;
    b[i] = buf;
    p[i] = x + (nesterov ? d + buf * momentum : buf) * negLr;
  }
}

function adam({ param, grad, state, scalars: s }: StepArgs<"adam">, n: number): void {
  const { negStepSize, beta1, beta2, eps, weightDecay: wd, biasCorrection2Sqrt, decay } = s;
  assertInternal(
    state.length === 2 || state.length === 3,
    "optimStep(adam): expected [expAvg, expAvgSq(, maxExpAvgSq)]",
  );
  if (adamWasm({ kind: "adam", param, grad, state, scalars: s }, n)) return; // on the wasm heap
  const amsgrad = state.length === 3;
  const p = flat(param, n);
  const g = flat(grad, n);
  const m = flat(state[0]!, n);
  const v = flat(state[1]!, n);
  const vm = amsgrad ? flat(state[2]!, n) : v;
  const sign = s.maximize ? -1 : 1;
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  // Adam adds the decay to the gradient; AdamW shrinks the parameter first.
  const l2 = s.decoupled ? 0 : wd;
  const shrink = s.decoupled && wd !== 0;
  for (let i = 0; i < n; i++) {
    let x = p[i]!;
    const gi = directionOf(g[i]!, x, sign, l2);
    if (shrink) x = x * decay;
    const mi = m[i]! * beta1 + gi * oneMinusBeta1;
    const vi = v[i]! * beta2 + gi * gi * oneMinusBeta2;
    m[i] = mi;
    v[i] = vi;
    let denomSq = vi;
    if (amsgrad) {
      // torch.maximum propagates NaN, as Math.max does
      denomSq = Math.max(vm[i]!, vi);
      vm[i] = denomSq;
    }
    p[i] = x + (mi / (Math.sqrt(denomSq) / biasCorrection2Sqrt + eps)) * negStepSize;
  }
}

function adagrad({ param, grad, state, scalars: s }: StepArgs<"adagrad">, n: number): void {
  const { negClr, weightDecay: wd, eps } = s;
  assertInternal(state.length === 1, "optimStep(adagrad): expected [sum]");
  const p = flat(param, n);
  const g = flat(grad, n);
  const sum = flat(state[0]!, n);
  const sign = s.maximize ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const x = p[i]!;
    const gi = directionOf(g[i]!, x, sign, wd);
    const si = sum[i]! + gi * gi;
    sum[i] = si;
    p[i] = x + (gi / (Math.sqrt(si) + eps)) * negClr;
  }
}

function rmsprop({ param, grad, state, scalars: s }: StepArgs<"rmsprop">, n: number): void {
  const { negLr, alpha, eps, weightDecay: wd, momentum, centered } = s;
  const expected = 1 + (centered ? 1 : 0) + (momentum > 0 ? 1 : 0);
  assertInternal(
    state.length === expected,
    `optimStep(rmsprop): expected ${expected} state views; got ${state.length}`,
  );
  const p = flat(param, n);
  const g = flat(grad, n);
  const sq = flat(state[0]!, n);
  const ga = centered ? flat(state[1]!, n) : sq;
  const buf = momentum > 0 ? flat(state[expected - 1]!, n) : sq;
  const sign = s.maximize ? -1 : 1;
  const oneMinusAlpha = 1 - alpha;
  for (let i = 0; i < n; i++) {
    const x = p[i]!;
    const gi = directionOf(g[i]!, x, sign, wd);
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
