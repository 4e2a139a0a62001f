import { Adam, type AdamOptions } from "./adam.js";
import type { OptimizerExtraOptions, Params } from "./optimizer.js";

/**
 * AdamW: Adam with decoupled weight decay, as PyTorch 1.13's `torch.optim.AdamW` (single-tensor
 * form). The parameter is first shrunk, `p = p * (1 - lr * weightDecay)`, and the gradient is left
 * alone; the rest is Adam's update (see {@link Adam}). `weightDecay` defaults to 1e-2.
 *
 * @example
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999], weightDecay: 1e-2 });
 */
export class AdamW extends Adam {
  protected static override readonly optimizerName: string = "AdamW";
  protected static override readonly defaultWeightDecay: number = 1e-2;
  protected static override readonly decoupledWeightDecay: boolean = true;

  constructor(
    params: Params<AdamOptions>,
    options: Partial<AdamOptions> & OptimizerExtraOptions = {},
  ) {
    super(params, options);
  }
}
