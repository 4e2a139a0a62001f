import { SGD } from "./sgd.js";

/**
 * SGD with momentum 0.9 by default: TF.js's `tf.train.momentum` under PyTorch's update rule
 * (the same as `new SGD(params, { lr, momentum: 0.9 })`, with every other SGD option).
 *
 * @example
 * const opt = new optim.Momentum(model.parameters(), { lr: 0.01 });
 * const nag = new optim.Momentum(model.parameters(), { lr: 0.01, momentum: 0.95, nesterov: true });
 */
export class Momentum extends SGD {
  protected static override readonly variant = {
    name: "Momentum",
    defaults: { ...SGD.variant.defaults, momentum: 0.9 },
  };
}
