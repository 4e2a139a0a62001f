import type { Tensor } from "../../tensor/tensor.js";
import { assertTensor, Module } from "../module.js";
import { checkDropoutP, dropout, dropout2d } from "../functional/dropout.js";
import { pyBool, pyFloat } from "./container.js";

export interface DropoutOptions {
  /** The probability of zeroing an element (default 0.5). */
  p?: number;
  /** Writes the result into the input and returns it (default false). */
  inplace?: boolean;
}

function parse(
  p: number | DropoutOptions,
  options: { inplace?: boolean },
  op: string,
): { p: number; inplace: boolean } {
  const o = typeof p === "number" ? { p, inplace: options.inplace } : p;
  const prob = o.p ?? 0.5;
  checkDropoutP(prob, op);
  return { p: prob, inplace: o.inplace ?? false };
}

/**
 * In training, zeroes each element with probability `p` (default 0.5) and scales the rest by
 * `1 / (1 - p)`; in eval mode, returns its input (a new handle on it). The mask comes from the
 * global generator, so `torch.manualSeed` reproduces it.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * const drop = new nn.Dropout(0.2);
 * drop.forward(x); drop.eval(); drop.forward(x); // identity
 */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;
  constructor(p: number | DropoutOptions = 0.5, options: { inplace?: boolean } = {}) {
    super();
    ({ p: this.p, inplace: this.inplace } = parse(p, options, "Dropout"));
  }
  forward(x: Tensor): Tensor {
    assertTensor(x, "Dropout");
    return dropout(x, { p: this.p, training: this.training, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}

/**
 * In training, zeroes whole channels (`x[n, c]`) with probability `p` (default 0.5) and scales
 * the rest by `1 / (1 - p)`; in eval mode, returns its input (a new handle on it).
 *
 * Shapes: input `(N, C, H, W)` or `(C, H, W)`, output the same.
 *
 * @example
 * new nn.Dropout2d(0.1).forward(torch.randn([8, 16, 32, 32]));
 */
export class Dropout2d extends Module {
  readonly p: number;
  readonly inplace: boolean;
  constructor(p: number | DropoutOptions = 0.5, options: { inplace?: boolean } = {}) {
    super();
    ({ p: this.p, inplace: this.inplace } = parse(p, options, "Dropout2d"));
  }
  forward(x: Tensor): Tensor {
    assertTensor(x, "Dropout2d");
    return dropout2d(x, { p: this.p, training: this.training, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}
