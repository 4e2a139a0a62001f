import { tidy } from "../../core/memory.js";
import type { Tensor } from "../../tensor/tensor.js";

/**
 * The per-step elementwise math of LSTM and GRU, as composites of elementwise ops. Every LSTM/GRU
 * module and cell calls only these two for its gates, so that a fused kernel can replace them in
 * one place (the composites then stay as its test oracle). The matmuls stay outside: the caller
 * projects the whole input sequence at once and only `h · W_hhᵀ` runs per step.
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
  const h = c.shape[c.ndim - 1]!;
  return tidy(() => {
    // NOTE: narrow gives views, so no gate block is copied before its activation reads it.
    const i = gates.narrow(1, 0, h).sigmoid();
    const f = gates.narrow(1, h, h).sigmoid();
    const g = gates.narrow(1, 2 * h, h).tanh();
    const o = gates.narrow(1, 3 * h, h).sigmoid();
    const c1 = f.mul(c).add(i.mul(g));
    const h1 = o.mul(c1.tanh());
    return [h1, c1] as [Tensor, Tensor];
  });
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
  const n = h.shape[h.ndim - 1]!;
  return tidy(() => {
    const r = gi
      .narrow(1, 0, n)
      .add(gh.narrow(1, 0, n))
      .sigmoid();
    const z = gi
      .narrow(1, n, n)
      .add(gh.narrow(1, n, n))
      .sigmoid();
    const cand = gi
      .narrow(1, 2 * n, n)
      .add(r.mul(gh.narrow(1, 2 * n, n)))
      .tanh();
    // (1 - z) * n + z * h = n + z * (h - n): one op fewer
    return cand.add(z.mul(h.sub(cand)));
  });
}
