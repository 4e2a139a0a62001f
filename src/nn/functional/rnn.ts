import { tidy } from "../../core/memory.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cat } from "../../ops/movement.js";
import { gruGates, lstmGates } from "./rnn-gates.js";

/**
 * The recurrence of `nn.RNN`, `nn.LSTM` and `nn.GRU` (and one step of their cells), as composites
 * of existing ops, in cuDNN's recipe: the input projection `x·W_ihᵀ + b_ih` of every time step is
 * one matmul per layer and direction, and each step runs only `h·W_hhᵀ` (plus `b_hh` for GRU;
 * the other modes fold it into the projection) and the gate math (`rnn-gates.ts`).
 *
 * A sequence is walked in the packed layout (PyTorch's `PackedSequence`): time-major rows
 * `(N, *)` with `batchSizes[t]` rows at step `t`, sorted by decreasing length, so that the rows
 * live at step `t` are the first `batchSizes[t]`. A padded `(L, B, *)` input is the same layout
 * with every batch size `B`, so one loop serves both.
 *
 * @internal
 */

/** Which recurrence: PyTorch's `mode` names. */
export type RnnMode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** The number of gate blocks stacked in `W_ih` and `W_hh`: 4 (i, f, g, o), 3 (r, z, n) or 1. */
export function gateCount(mode: RnnMode): number {
  return mode === "LSTM" ? 4 : mode === "GRU" ? 3 : 1;
}

/** One layer's weights in one direction, in PyTorch's layouts. */
export interface DirectionWeights {
  /** `(G*H, in)`. */
  wIh: Tensor;
  /** `(G*H, Hout)` (`Hout` = projSize when there is a projection, else H). */
  wHh: Tensor;
  /** `(G*H)` or null. */
  bIh: Tensor | null;
  /** `(G*H)` or null. */
  bHh: Tensor | null;
  /** LSTM's projection `(projSize, H)`, or null. */
  wHr: Tensor | null;
}

/** `x·Wᵀ + b` (no checks: the module checked the shapes). */
function affine(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  return tidy(() => {
    const y = x.matmul(w.t());
    return b ? y.add(b) : y;
  });
}

/** What one step reads besides its input projection: the weights already transposed. */
export interface StepWeights {
  /** `W_hhᵀ`, `(Hout, G*H)` (a view). */
  wHhT: Tensor;
  /** `b_hh`, or null (absent, or already folded into the input projection). */
  bHh: Tensor | null;
  /** `W_hrᵀ`, `(H, projSize)`, or null. */
  wHrT: Tensor | null;
}

/**
 * One recurrent step from the input projection `gi = x·W_ihᵀ + b_ih`: returns `[h', c']` (c' null
 * except for LSTM).
 *
 * Shapes: gi `(B, G*H)`, h `(B, Hout)`, c `(B, H)` or null; h' `(B, Hout)`, c' `(B, H)`.
 */
export function recurrentStep(
  mode: RnnMode,
  gi: Tensor,
  h: Tensor,
  c: Tensor | null,
  w: StepWeights,
): [Tensor, Tensor | null] {
  return tidy((): [Tensor, Tensor | null] => {
    const hw = h.matmul(w.wHhT);
    const gh = w.bHh ? hw.add(w.bHh) : hw;
    switch (mode) {
      case "LSTM": {
        const [h1, c1] = lstmGates(gi.add(gh), c!);
        return [w.wHrT ? h1.matmul(w.wHrT) : h1, c1];
      }
      case "GRU":
        return [gruGates(gi, gh, h), null];
      case "RNN_TANH":
        return [gi.add(gh).tanh(), null];
      case "RNN_RELU":
        return [gi.add(gh).relu(), null];
    }
    return mode satisfies never;
  });
}

/** The result of one direction of one layer: every step's output and the final state. */
export interface DirectionResult {
  /** `(N, Hout)`, in the packed layout of the input. */
  output: Tensor;
  /** `(B, Hout)`: each sequence's state after its own last step. */
  hN: Tensor;
  /** `(B, H)` for LSTM, else null. */
  cN: Tensor | null;
}

/**
 * Runs one direction of one layer over a packed sequence.
 *
 * Forward, a sequence that ends before step `t` drops out of the batch there, and its final state
 * is the rows cut off. Reverse, the walk starts at the last step with the few longest sequences and
 * each sequence joins (from `h0`) at its own last step, so its final state is the one after step 0.
 *
 * Shapes: x `(N, in)`, batchSizes `T` numbers summing to N, h0 `(B, Hout)`, c0 `(B, H)` or null.
 */
export function recurrentDirection(
  mode: RnnMode,
  x: Tensor,
  batchSizes: readonly number[],
  h0: Tensor,
  c0: Tensor | null,
  w: DirectionWeights,
  reverse: boolean,
): DirectionResult {
  return tidy((): DirectionResult => {
    const steps = batchSizes.length;
    // NOTE: but for GRU (whose b_hn sits inside the reset product) both biases only ever add to
    // the gates, so they are added once, to the input projection, instead of at every step.
    const fold = mode !== "GRU" && w.bIh !== null && w.bHh !== null;
    // the input projection of every step at once: one (N, in) x (in, G*H) matmul
    const gi = affine(x, w.wIh, fold ? w.bIh!.add(w.bHh!) : w.bIh);
    // each step's rows as one split (one autograd node: the steps' gradients are put back by
    // one cat, not by T input-sized sums)
    const stepInputs = gi.split(batchSizes, 0);
    const stepW: StepWeights = {
      wHhT: w.wHh.t(),
      bHh: fold ? null : w.bHh,
      wHrT: w.wHr ? w.wHr.t() : null,
    };
    const outs: Tensor[] = new Array<Tensor>(steps);
    if (!reverse) {
      let h = h0;
      let c = c0;
      const endedH: Tensor[] = [];
      const endedC: Tensor[] = [];
      for (let t = 0; t < steps; t++) {
        const bs = batchSizes[t]!;
        const rows = h.shape[0]!;
        if (bs < rows) {
          endedH.push(h.narrow(0, bs, rows - bs));
          h = h.narrow(0, 0, bs);
          if (c) {
            endedC.push(c.narrow(0, bs, rows - bs));
            c = c.narrow(0, 0, bs);
          }
        }
        [h, c] = recurrentStep(mode, stepInputs[t]!, h, c, stepW);
        outs[t] = h;
      }
      // the last pieces cut off are the first rows of the batch
      const hN = endedH.length ? cat([h, ...endedH.reverse()], 0) : h;
      const cN = c && endedC.length ? cat([c, ...endedC.reverse()], 0) : c;
      return { output: cat(outs, 0), hN, cN };
    }
    const startRows = batchSizes[steps - 1]!;
    const fullRows = h0.shape[0]!;
    let h = startRows < fullRows ? h0.narrow(0, 0, startRows) : h0;
    let c = c0 && startRows < fullRows ? c0.narrow(0, 0, startRows) : c0;
    for (let t = steps - 1; t >= 0; t--) {
      const bs = batchSizes[t]!;
      const rows = h.shape[0]!;
      if (bs > rows) {
        h = cat([h, h0.narrow(0, rows, bs - rows)], 0);
        if (c) c = cat([c, c0!.narrow(0, rows, bs - rows)], 0);
      }
      [h, c] = recurrentStep(mode, stepInputs[t]!, h, c, stepW);
      outs[t] = h;
    }
    return { output: cat(outs, 0), hN: h, cN: c };
  });
}
