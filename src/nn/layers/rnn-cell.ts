import { ShapeError, TensorError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { checkOptions } from "../../core/options.js";
import { fmtShape } from "../../core/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { zeros } from "../../tensor/creation.js";
import { assertTensor, Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { gateCount, recurrentStep, type RnnMode } from "../functional/rnn.js";
import { newParameter, pyBool, type FactoryOptions } from "./container.js";
import { checkSize, initRecurrent } from "./rnn-base.js";

/** The options of `nn.RNNCell`, `nn.LSTMCell` and `nn.GRUCell`. */
export interface RNNCellOptions extends FactoryOptions {
  /** Learn the biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
}

/**
 * What the cells share, as PyTorch's `RNNCellBase`: `weight_ih` `(G*H, in)`, `weight_hh`
 * `(G*H, H)`, `bias_ih`, `bias_hh` `(G*H)` (PyTorch's keys and order), init
 * U(-1/sqrt(H), 1/sqrt(H)), the input and state checks, and one step of the recurrence.
 */
abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly mode: RnnMode;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  protected constructor(
    mode: RnnMode,
    inputSize: number,
    hiddenSize: number,
    options: RNNCellOptions,
  ) {
    super();
    const op = new.target.name;
    checkSize(op, "inputSize", inputSize, 0);
    checkSize(op, "hiddenSize", hiddenSize, 1);
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = options.bias ?? true;
    const factory: FactoryOptions = {
      ...(options.device ? { device: options.device } : {}),
      ...(options.dtype ? { dtype: options.dtype } : {}),
    };
    const rows = gateCount(mode) * hiddenSize;
    this.weight_ih = newParameter([rows, inputSize], factory);
    this.weight_hh = newParameter([rows, hiddenSize], factory);
    this.bias_ih = this.bias ? newParameter([rows], factory) : null;
    this.bias_hh = this.bias ? newParameter([rows], factory) : null;
    this.resetParameters();
  }

  /** PyTorch's init: every weight and bias U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)). */
  resetParameters(): void {
    initRecurrent(this.parameters(), this.hiddenSize);
  }

  protected get opName(): string {
    return `${this.constructor.name}(input=${this.inputSize}, hidden=${this.hiddenSize})`;
  }

  /**
   * One step: checks `x` and the states (each `(B, H)`, or `(H)` with an unbatched `(in)` input;
   * zeros when not given) and returns `[h', c']` shaped as the input came (c' null but for LSTM).
   */
  protected step(x: Tensor, states: readonly (Tensor | undefined)[]): [Tensor, Tensor | null] {
    const op = this.opName;
    assertTensor(x, op);
    if (x.ndim !== 1 && x.ndim !== 2)
      throw new ShapeError(
        op,
        `expected a 2-D input (B, ${this.inputSize}) or a 1-D unbatched (${this.inputSize}), got ${fmtShape(x.shape)}`,
      );
    if (x.shape[x.ndim - 1] !== this.inputSize)
      throw new ShapeError(op, `expected input [..., ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const unbatched = x.ndim === 1;
    const want = unbatched ? [this.hiddenSize] : [x.shape[0]!, this.hiddenSize];
    const names = this.mode === "LSTM" ? ["h", "c"] : ["h"];
    for (const [i, name] of names.entries()) {
      const s = states[i];
      if (s === undefined) continue;
      assertTensor(s, op);
      if (s.ndim !== want.length || s.shape.some((d, j) => d !== want[j]))
        throw new ShapeError(
          op,
          `expected ${name} of shape ${fmtShape(want)} for the input ${fmtShape(x.shape)}, got ${fmtShape(s.shape)}`,
        );
    }
    return tidy((): [Tensor, Tensor | null] => {
      const xb = unbatched ? x.unsqueeze(0) : x;
      const init = (i: number) => {
        const s = states[i];
        if (s === undefined)
          return zeros([xb.shape[0]!, this.hiddenSize], { dtype: x.dtype, device: x.device });
        return unbatched ? s.unsqueeze(0) : s;
      };
      const gi = xb.matmul(this.weight_ih.t());
      const [h, c] = recurrentStep(
        this.mode,
        this.bias_ih ? gi.add(this.bias_ih) : gi,
        init(0),
        this.mode === "LSTM" ? init(1) : null,
        { wHhT: this.weight_hh.t(), bHh: this.bias_hh, wHrT: null },
      );
      return unbatched ? [h.squeeze(0), c ? c.squeeze(0) : null] : [h, c];
    });
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    return s;
  }
}

/** The options of `nn.RNNCell`. */
export interface RNNCellModuleOptions extends RNNCellOptions {
  /** The activation: `"tanh"` (default) or `"relu"`. */
  nonlinearity?: "tanh" | "relu";
}

/**
 * One Elman RNN step, as PyTorch's `nn.RNNCell`: `h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`.
 *
 * Shapes: x `(B, in)` or `(in)`, h `(B, H)` or `(H)` (default zeros); returns h' like h.
 *
 * @example
 * const cell = new nn.RNNCell(10, 20);
 * let h = cell.forward(x0); h = cell.forward(x1, h);
 */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options: RNNCellModuleOptions = {}) {
    checkOptions(
      "RNNCell",
      options,
      { bias: "boolean", nonlinearity: "string", device: "string", dtype: "string" },
      { argument: 3 },
    );
    const nl = options.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu")
      throw new ValueError(
        "RNNCell",
        `unknown nonlinearity "${String(nl)}" (select "tanh" or "relu")`,
      );
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }

  forward(x: Tensor, h?: Tensor): Tensor {
    return this.step(x, [h])[0];
  }

  override extraRepr(): string {
    const s = super.extraRepr();
    return this.nonlinearity !== "tanh" ? `${s}, nonlinearity=${this.nonlinearity}` : s;
  }
}

const CELL_SCHEMA = { bias: "boolean", device: "string", dtype: "string" } as const;

/**
 * One LSTM step, as PyTorch's `nn.LSTMCell` (gate order i, f, g, o).
 *
 * Shapes: x `(B, in)` or `(in)`, `[h, c]` each `(B, H)` or `(H)` (default zeros); returns
 * `[h', c']`.
 *
 * @example
 * const cell = new nn.LSTMCell(10, 20);
 * let [h, c] = cell.forward(x0); [h, c] = cell.forward(x1, [h, c]);
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    checkOptions("LSTMCell", options, CELL_SCHEMA, { argument: 3 });
    super("LSTM", inputSize, hiddenSize, options);
  }

  forward(x: Tensor, hx?: readonly [Tensor, Tensor]): [Tensor, Tensor] {
    if (
      hx !== undefined &&
      (!Array.isArray(hx) || hx.length !== 2 || !hx.every((t) => t instanceof Tensor))
    )
      throw new TensorError(this.opName, "expected the state as [h, c] (two tensors)");
    const [h, c] = this.step(x, hx ?? []);
    return [h, c!];
  }
}

/**
 * One GRU step, as PyTorch's `nn.GRUCell` (gate order r, z, n).
 *
 * Shapes: x `(B, in)` or `(in)`, h `(B, H)` or `(H)` (default zeros); returns h' like h.
 *
 * @example
 * const cell = new nn.GRUCell(10, 20);
 * let h = cell.forward(x0); h = cell.forward(x1, h);
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    checkOptions("GRUCell", options, CELL_SCHEMA, { argument: 3 });
    super("GRU", inputSize, hiddenSize, options);
  }

  forward(x: Tensor, h?: Tensor): Tensor {
    return this.step(x, [h])[0];
  }
}
