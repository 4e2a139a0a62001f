import { isGradEnabled } from "../autograd/grad-mode.js";
import { needsGrad, recordGradient, type Gradient } from "../autograd/gradient.js";
import { isFloat } from "../core/dtype.js";
import { AutogradError, DTypeError, ShapeError } from "../core/errors.js";
import { fmtShape } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { composite, emptyTensor, runKernel } from "./dispatch.js";
import { add, mul, sigmoid, square, sub, tanh } from "./elementwise.js";
import { cat, narrow } from "./movement.js";

/**
 * The LSTM and GRU cells' gate math as fused primitives (cuDNN's recipe): after the two matmuls
 * of a step, one kernel computes the new state from the gate pre-activations, and one kernel its
 * gradient. PyTorch's semantics and gate orders (i, f, g, o and r, z, n; see `RnnCellArgs` in
 * ops/prims.ts). Internal: `nn.LSTM` and `nn.GRU` call them; they are not on the public surface.
 *
 * Each op comes twice: the fused primitive (`lstmCellFused`, `gruCellFused`), and the composite
 * of elementwise ops (`lstmCellComposite`, `gruCellComposite`), its test oracle. Their gradients
 * likewise: the fused `rnnCellBackward` kernel (`...BackwardFused`), and the same formulas in
 * Tensor ops (`...BackwardComposite`).
 *
 * NOTE: double backward. The fused backward kernel records nothing on the tape, so the cells'
 * gradient runs it only when grad mode is off, i.e. in a plain `backward()`; a backward with
 * `createGraph` (grad mode on) runs the composite formulas instead, which are differentiable, so
 * second derivatives through the fused cells work and cost the composite's speed only then.
 */

// ---- argument checks ----

function checkDtypes(op: string, named: readonly [string, Tensor][]): void {
  const [, first] = named[0]!;
  if (isFloat(first.dtype) && named.every(([, t]) => t.dtype === first.dtype)) return;
  const got = named.map(([n, t]) => `${n} ${t.dtype}`).join(", ");
  throw new DTypeError(op, `expected float32 or float64 tensors of one dtype; got ${got}`);
}

function checkLstm(gates: Tensor, cx: Tensor): void {
  checkDtypes("lstmCell", [
    ["gates", gates],
    ["c", cx],
  ]);
  const ok =
    gates.ndim === 2 &&
    cx.ndim === 2 &&
    gates.shape[0] === cx.shape[0] &&
    gates.shape[1] === 4 * cx.shape[1]!;
  if (!ok)
    throw new ShapeError(
      "lstmCell",
      `expected gates [B, 4H] and c [B, H]; got gates ${fmtShape(gates.shape)} and c ${fmtShape(cx.shape)}`,
    );
}

function checkGru(gi: Tensor, gh: Tensor, hx: Tensor): void {
  checkDtypes("gruCell", [
    ["gi", gi],
    ["gh", gh],
    ["h", hx],
  ]);
  const ok =
    gi.ndim === 2 &&
    gh.ndim === 2 &&
    hx.ndim === 2 &&
    gi.shape[0] === hx.shape[0] &&
    gh.shape[0] === hx.shape[0] &&
    gi.shape[1] === 3 * hx.shape[1]! &&
    gh.shape[1] === gi.shape[1];
  if (!ok)
    throw new ShapeError(
      "gruCell",
      `expected gi [B, 3H], gh [B, 3H] and h [B, H]; got gi ${fmtShape(gi.shape)}, gh ${fmtShape(gh.shape)} and h ${fmtShape(hx.shape)}`,
    );
}

/** Gate k of H columns out of `x` [B, kH] (a view). */
const gate = (x: Tensor, k: number, h: number): Tensor => narrow(x, 1, k * h, h);

/** s'(pre) = s (1 - s), from s = sigmoid(pre). */
const dSigmoid = (s: Tensor): Tensor => mul(s, sub(1, s));
/** tanh'(pre) = 1 - t^2, from t = tanh(pre). */
const dTanh = (t: Tensor): Tensor => sub(1, square(t));

/** Zeros of `like`'s shape, dtype and device. */
function zerosOf(like: Tensor, op: string): Tensor {
  const z = emptyTensor(like.backend, like.dtype, like.shape, op);
  runKernel(like.backend, "fill", { value: 0, out: z });
  return z;
}

// ---- LSTM ----

// d(h', c')/d(gates, c): the formulas on `lstmBackward` in backends/cpu/rnn.ts; saves the inputs
// (the backward recomputes the activations from them)
const LSTM_CELL: Gradient = {
  name: "lstmCell",
  saves: { inputs: [0, 1] },
  backward: ([gradHy, gradCy], [gates, cx], ctx) => {
    const run = isGradEnabled() ? lstmCellBackwardComposite : lstmCellBackwardFused;
    const [dGates, dCx] = run(gates!, cx!, gradHy ?? null, gradCy ?? null);
    return [ctx.needsInputGrad(0) ? dGates : null, ctx.needsInputGrad(1) ? dCx : null];
  },
};

/**
 * One LSTM step's gate math, fused: from the pre-activation `gates` [B, 4H] (gate order i, f, g,
 * o: `x W_ih^T + b_ih + h W_hh^T + b_hh`) and the cell state `cx` [B, H], returns
 * `[h', c']`, both [B, H]: c' = s(f) cx + s(i) tanh(g), h' = s(o) tanh(c'). float32 or float64
 * (CPU); non-contiguous inputs are copied first. Differentiable (also twice, see the module note).
 *
 * @example
 * const [h1, c1] = lstmCellFused(x.matmul(wIh.t()).add(h0.matmul(wHh.t())).add(b), c0);
 */
export function lstmCellFused(gates: Tensor, cx: Tensor): [Tensor, Tensor] {
  return composite("lstmCell", [gates, cx], () => {
    checkLstm(gates, cx);
    const g = gates.contiguous();
    const c = cx.contiguous();
    const hy = emptyTensor(c.backend, c.dtype, c.shape, "lstmCell");
    const cy = emptyTensor(c.backend, c.dtype, c.shape, "lstmCell");
    runKernel(c.backend, "rnnCell", { kind: "lstm", gates: g, cx: c, hy, cy });
    recordGradient(LSTM_CELL, [g, c], [hy, cy], undefined);
    return [hy, cy];
  });
}

/**
 * {@link lstmCellFused} as a composite of elementwise ops (its test oracle, and PyTorch's
 * formula line for line). Shapes: gates [B, 4H], cx [B, H] -> [h', c'], both [B, H].
 */
export function lstmCellComposite(gates: Tensor, cx: Tensor): [Tensor, Tensor] {
  return composite("lstmCell", [gates, cx], () => {
    checkLstm(gates, cx);
    const h = cx.shape[1]!;
    const i = sigmoid(gate(gates, 0, h));
    const f = sigmoid(gate(gates, 1, h));
    const g = tanh(gate(gates, 2, h));
    const o = sigmoid(gate(gates, 3, h));
    const cy = add(mul(f, cx), mul(i, g));
    return [mul(o, tanh(cy)), cy];
  });
}

/** Refuses to run a fused backward whose result would have to be differentiable. */
function checkNotRecorded(op: string, inputs: readonly (Tensor | null)[]): void {
  if (needsGrad(...inputs))
    throw new AutogradError(
      op,
      "the fused backward kernel is not differentiable; with grad mode on use the composite backward (a backward with createGraph does so itself)",
    );
}

/**
 * The gradient of one LSTM step (the fused `rnnCellBackward` kernel): given the forward's inputs
 * `gates` [B, 4H] and `cx` [B, H] and the gradients of h' and c' ([B, H], null where none
 * reached that output), returns `[dGates, dCx]`. Not differentiable: it throws under grad mode
 * when an argument requires grad.
 */
export function lstmCellBackwardFused(
  gates: Tensor,
  cx: Tensor,
  gradHy: Tensor | null,
  gradCy: Tensor | null,
): [Tensor, Tensor] {
  const op = "lstmCellBackward";
  return composite(
    op,
    [gates, cx],
    () => {
      checkNotRecorded(op, [gates, cx, gradHy, gradCy]);
      const g = gates.contiguous();
      const c = cx.contiguous();
      const gradGates = emptyTensor(g.backend, g.dtype, g.shape, op);
      const gradCx = emptyTensor(c.backend, c.dtype, c.shape, op);
      runKernel(c.backend, "rnnCellBackward", {
        kind: "lstm",
        gates: g,
        cx: c,
        gradHy: gradHy?.contiguous() ?? null,
        gradCy: gradCy?.contiguous() ?? null,
        gradGates,
        gradCx,
      });
      return [gradGates, gradCx];
    },
    [gradHy, gradCy],
  );
}

/**
 * {@link lstmCellBackwardFused}'s formulas in differentiable Tensor ops (the backward under
 * `createGraph`, and the fused kernel's oracle). Same arguments and results.
 */
export function lstmCellBackwardComposite(
  gates: Tensor,
  cx: Tensor,
  gradHy: Tensor | null,
  gradCy: Tensor | null,
): [Tensor, Tensor] {
  return composite(
    "lstmCellBackward",
    [gates, cx],
    () => {
      const h = cx.shape[1]!;
      const i = sigmoid(gate(gates, 0, h));
      const f = sigmoid(gate(gates, 1, h));
      const g = tanh(gate(gates, 2, h));
      const o = sigmoid(gate(gates, 3, h));
      const tc = tanh(add(mul(f, cx), mul(i, g)));
      // dc = dc' + dh' o tanh'(c'); an absent gradient is zero
      let dc = gradCy;
      if (gradHy) {
        const viaH = mul(mul(gradHy, o), dTanh(tc));
        dc = dc ? add(dc, viaH) : viaH;
      }
      dc ??= zerosOf(cx, "lstmCellBackward");
      const dO = gradHy ? mul(mul(gradHy, tc), dSigmoid(o)) : zerosOf(cx, "lstmCellBackward");
      const dGates = cat(
        [
          mul(dc, mul(g, dSigmoid(i))),
          mul(dc, mul(cx, dSigmoid(f))),
          mul(dc, mul(i, dTanh(g))),
          dO,
        ],
        1,
      );
      return [dGates, mul(dc, f)];
    },
    [gradHy, gradCy],
  );
}

// ---- GRU ----

// d(h')/d(gi, gh, h): the formulas on `gruBackward` in backends/cpu/rnn.ts; saves the inputs
const GRU_CELL: Gradient = {
  name: "gruCell",
  saves: { inputs: [0, 1, 2] },
  backward: ([gradHy], [gi, gh, hx], ctx) => {
    const run = isGradEnabled() ? gruCellBackwardComposite : gruCellBackwardFused;
    const grads = run(gi!, gh!, hx!, gradHy!);
    return grads.map((g, k) => (ctx.needsInputGrad(k) ? g : null));
  },
};

/**
 * One GRU step's gate math, fused: from `gi = x W_ih^T + b_ih` and `gh = h W_hh^T + b_hh`
 * ([B, 3H], gate order r, z, n) and the hidden state `hx` [B, H], returns h' [B, H]:
 * r = s(gi_r + gh_r), z = s(gi_z + gh_z), n = tanh(gi_n + r gh_n), h' = (1 - z) n + z hx.
 * float32 or float64 (CPU); non-contiguous inputs are copied first. Differentiable (also twice).
 *
 * @example
 * const h1 = gruCellFused(x.matmul(wIh.t()).add(bIh), h0.matmul(wHh.t()).add(bHh), h0);
 */
export function gruCellFused(gi: Tensor, gh: Tensor, hx: Tensor): Tensor {
  return composite("gruCell", [gi, gh, hx], () => {
    checkGru(gi, gh, hx);
    const a = gi.contiguous();
    const b = gh.contiguous();
    const h = hx.contiguous();
    const hy = emptyTensor(h.backend, h.dtype, h.shape, "gruCell");
    runKernel(h.backend, "rnnCell", { kind: "gru", gi: a, gh: b, hx: h, hy });
    recordGradient(GRU_CELL, [a, b, h], [hy], undefined);
    return hy;
  });
}

/**
 * {@link gruCellFused} as a composite of elementwise ops (its test oracle). Shapes: gi, gh
 * [B, 3H], hx [B, H] -> [B, H].
 */
export function gruCellComposite(gi: Tensor, gh: Tensor, hx: Tensor): Tensor {
  return composite("gruCell", [gi, gh, hx], () => {
    checkGru(gi, gh, hx);
    const h = hx.shape[1]!;
    const r = sigmoid(add(gate(gi, 0, h), gate(gh, 0, h)));
    const z = sigmoid(add(gate(gi, 1, h), gate(gh, 1, h)));
    const n = tanh(add(gate(gi, 2, h), mul(r, gate(gh, 2, h))));
    return add(mul(sub(1, z), n), mul(z, hx));
  });
}

/**
 * The gradient of one GRU step (the fused `rnnCellBackward` kernel): given the forward's inputs
 * and the gradient of h' [B, H], returns `[dGi, dGh, dHx]`. Not differentiable: it throws under
 * grad mode when an argument requires grad.
 */
export function gruCellBackwardFused(
  gi: Tensor,
  gh: Tensor,
  hx: Tensor,
  gradHy: Tensor,
): [Tensor, Tensor, Tensor] {
  const op = "gruCellBackward";
  return composite(op, [gi, gh, hx, gradHy], () => {
    checkNotRecorded(op, [gi, gh, hx, gradHy]);
    const a = gi.contiguous();
    const b = gh.contiguous();
    const h = hx.contiguous();
    const gradGi = emptyTensor(h.backend, h.dtype, a.shape, op);
    const gradGh = emptyTensor(h.backend, h.dtype, b.shape, op);
    const gradHx = emptyTensor(h.backend, h.dtype, h.shape, op);
    runKernel(h.backend, "rnnCellBackward", {
      kind: "gru",
      gi: a,
      gh: b,
      hx: h,
      gradHy: gradHy.contiguous(),
      gradGi,
      gradGh,
      gradHx,
    });
    return [gradGi, gradGh, gradHx];
  });
}

/**
 * {@link gruCellBackwardFused}'s formulas in differentiable Tensor ops (the backward under
 * `createGraph`, and the fused kernel's oracle). Same arguments and results.
 */
export function gruCellBackwardComposite(
  gi: Tensor,
  gh: Tensor,
  hx: Tensor,
  gradHy: Tensor,
): [Tensor, Tensor, Tensor] {
  return composite("gruCellBackward", [gi, gh, hx, gradHy], () => {
    const h = hx.shape[1]!;
    const r = sigmoid(add(gate(gi, 0, h), gate(gh, 0, h)));
    const z = sigmoid(add(gate(gi, 1, h), gate(gh, 1, h)));
    const ghn = gate(gh, 2, h);
    const n = tanh(add(gate(gi, 2, h), mul(r, ghn)));
    const dn = mul(mul(gradHy, sub(1, z)), dTanh(n));
    const dr = mul(mul(dn, ghn), dSigmoid(r));
    const dz = mul(mul(gradHy, sub(hx, n)), dSigmoid(z));
    return [cat([dr, dz, dn], 1), cat([dr, dz, mul(dn, r)], 1), mul(gradHy, z)];
  });
}
