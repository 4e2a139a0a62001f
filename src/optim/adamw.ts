import { Adam } from "./adam.js";

/**
 * AdamW: Adam with decoupled weight decay, as PyTorch 1.13's `torch.optim.AdamW` (single-tensor
 * form). The parameter is first shrunk, `p = p * (1 - lr * weightDecay)`, and the gradient is left
 * alone; the rest is Adam's update (see {@link Adam}). `weightDecay` defaults to 1e-2.
 *
 * @example
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999], weightDecay: 1e-2 });
 */
export class AdamW extends Adam {
  protected static override readonly variant = {
    name: "AdamW",
    defaults: { ...Adam.variant.defaults, weightDecay: 1e-2 },
    decoupledWeightDecay: true,
  };
}
