import type { Tensor } from "../../tensor/tensor.js";
import { checkOptions } from "../../core/options.js";
import { assertTensor, Module } from "../module.js";
import { checkDropoutP, dropout, dropout2d } from "../functional/dropout.js";
import { pyBool, pyFloat } from "./container.js";

/** The options of `nn.Dropout` and `nn.Dropout2d`. */
export interface DropoutOptions {
  /** The probability of zeroing an element (default 0.5). */
  p?: number;
  /** Writes the result into the input and returns it (default false). */
  inplace?: boolean;
}

/**
 * What the dropout layers share, as PyTorch's `_DropoutNd`: `p` and `inplace`, given as
 * `(p, { inplace })` or `({ p, inplace })`, checked, and printed `p=0.5, inplace=False`.
 */
abstract class DropoutNd extends Module {
  readonly p: number;
  readonly inplace: boolean;
  readonly #op: string;
  readonly #drop: typeof dropout;

  /** @param drop the functional form this layer applies (`F.dropout`, `F.dropout2d`). */
  protected constructor(
    p: number | DropoutOptions,
    options: { inplace?: boolean },
    op: string,
    drop: typeof dropout,
  ) {
    super();
    if (typeof p !== "number")
      checkOptions(op, p, { p: "number", inplace: "boolean" }, { argument: 1 });
    checkOptions(op, options, { inplace: "boolean" }, { argument: 2 });
    const o = typeof p === "number" ? { p, inplace: options.inplace } : p;
    this.p = o.p ?? 0.5;
    checkDropoutP(this.p, op);
    this.inplace = o.inplace ?? false;
    this.#op = op;
    this.#drop = drop;
  }

  /** Drops in train mode; in eval mode returns the input (a new handle on it). */
  forward(x: Tensor): Tensor {
    assertTensor(x, this.#op);
    return this.#drop(x, { p: this.p, training: this.training, inplace: this.inplace });
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}

/**
 * In training, zeroes each element with probability `p` (default 0.5) and scales the rest by
 * `1 / (1 - p)`; in eval mode, returns its input (a new handle on it). The mask comes from the
 * global generator, so `torch.manualSeed` reproduces it. PyTorch's `nn.Dropout`.
 *
 * Shapes: input `(*)`, output `(*)`.
 *
 * @example
 * const drop = new nn.Dropout(0.2);
 * drop.forward(x); drop.eval(); drop.forward(x); // identity
 */
export class Dropout extends DropoutNd {
  constructor(p: number | DropoutOptions = 0.5, options: { inplace?: boolean } = {}) {
    super(p, options, "Dropout", dropout);
  }
}

/**
 * In training, zeroes whole channels (`x[n, c]`) with probability `p` (default 0.5) and scales
 * the rest by `1 / (1 - p)`; in eval mode, returns its input (a new handle on it). PyTorch's
 * `nn.Dropout2d`.
 *
 * Shapes: input `(N, C, H, W)` or `(C, H, W)`, output the same.
 *
 * @example
 * new nn.Dropout2d(0.1).forward(torch.randn([8, 16, 32, 32]));
 */
export class Dropout2d extends DropoutNd {
  constructor(p: number | DropoutOptions = 0.5, options: { inplace?: boolean } = {}) {
    super(p, options, "Dropout2d", dropout2d);
  }
}
