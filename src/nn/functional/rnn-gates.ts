import { gruCellFused, lstmCellFused } from "../../ops/rnn-cell.js";
import type { Tensor } from "../../tensor/tensor.js";

/**
 * The per-step elementwise math of LSTM and GRU. Every LSTM/GRU module and cell calls only these
 * two for its gates: each is one fused kernel with a hand-written backward (cuDNN's recipe; the
 * `rnnCell` primitive, `ops/rnn-cell.ts`, whose composites are its test oracle). The matmuls stay
 * outside: the caller projects the whole input sequence at once and only `h · W_hhᵀ` runs per
 * step.
 *
 * Gate order is PyTorch's (and cuDNN's): i, f, g, o for LSTM, r, z, n for GRU.
 */

/**
 * One LSTM step's gates: with `i, f, g, o` the four column blocks of `gates`,
 * `c' = σ(f) * c + σ(i) * tanh(g)` and `h' = σ(o) * tanh(c')`.
 *
 * Shapes: gates `(B, 4H)` (pre-activation: `x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh`), c `(B, H)`;
 * returns `[h', c']`, each `(B, H)`. With a projection (`projSize`), the caller applies `W_hr` to
 * `h'` afterwards.
 *
 * @example
 * const [h1, c1] = lstmGates(gates, c0);
 */
export function lstmGates(gates: Tensor, c: Tensor): [Tensor, Tensor] {
  return lstmCellFused(gates, c);
}

/**
 * One GRU step's gates (PyTorch's formulation, with `b_hn` inside the reset product): with
 * `r, z, n` the three column blocks, `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`,
 * `n = tanh(gi_n + r * gh_n)` and `h' = (1 - z) * n + z * h`.
 *
 * Shapes: gi `(B, 3H)` (`x·W_ihᵀ + b_ih`), gh `(B, 3H)` (`h·W_hhᵀ + b_hh`), h `(B, H)`; returns
 * `h'` `(B, H)`.
 *
 * @example
 * const h1 = gruGates(gi, gh, h0);
 */
export function gruGates(gi: Tensor, gh: Tensor, h: Tensor): Tensor {
  return gruCellFused(gi, gh, h);
}
