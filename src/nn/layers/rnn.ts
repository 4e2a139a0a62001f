import { ShapeError, TensorError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { checkOptions } from "../../core/options.js";
import { fmtShape } from "../../core/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { zeros } from "../../tensor/creation.js";
import { cat, stack } from "../../ops/movement.js";
import { indexSelect } from "../../ops/indexing.js";
import { assertTensor } from "../module.js";
import { dropout } from "../functional/dropout.js";
import { recurrentDirection, type RnnMode } from "../functional/rnn.js";
import { PackedSequence } from "../utils/rnn.js";
import { RNNBase, type RNNBaseOptions } from "./rnn-base.js";

export type { RNNBaseOptions } from "./rnn-base.js";

const BASE_SCHEMA = {
  numLayers: "int",
  bias: "boolean",
  batchFirst: "boolean",
  dropout: "number",
  bidirectional: "boolean",
  device: "string",
  dtype: "string",
} as const;

/** What the recurrence gives back before it is shaped as the caller's input. */
interface RawResult {
  /** `(N, D*Hout)` in the packed layout. */
  output: Tensor;
  /** `(D*numLayers, B, Hout)`. */
  hN: Tensor;
  /** `(D*numLayers, B, H)` for LSTM, else null. */
  cN: Tensor | null;
}

/**
 * The recurrence shared by RNN, LSTM and GRU: normalises the input (padded, batch-first, unbatched
 * or packed) to the packed layout, checks and orders the initial states, runs every layer and
 * direction, and shapes the results back as the input came.
 */
abstract class RecurrentModule extends RNNBase {
  /**
   * Runs the stack. `hx` holds h0 (and c0 for LSTM), each optional, as the caller gave them.
   * Returns `[output, hN, cN]` with output a Tensor or a PackedSequence like the input.
   */
  protected run(
    input: Tensor | PackedSequence,
    hx: readonly (Tensor | undefined)[],
  ): [Tensor | PackedSequence, Tensor, Tensor | null] {
    const op = this.opName;
    const packed = input instanceof PackedSequence ? input : null;
    const x = packed ? packed.data : input;
    assertTensor(x, op);
    const unbatched = !packed && x.ndim === 2;
    if (packed ? x.ndim !== 2 : x.ndim !== 2 && x.ndim !== 3)
      throw new ShapeError(
        op,
        packed
          ? `expected packed data (N, ${this.inputSize}), got ${fmtShape(x.shape)}`
          : `expected a 3-D input (L, B, ${this.inputSize}) (or (B, L, ${this.inputSize}) with batchFirst) or a 2-D unbatched (L, ${this.inputSize}), got ${fmtShape(x.shape)}`,
      );
    if (x.shape[x.ndim - 1] !== this.inputSize)
      throw new ShapeError(op, `expected input [..., ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const timeDim = this.batchFirst && !unbatched ? 1 : 0;
    const steps = packed ? packed.batchSizesArray.length : x.shape[timeDim]!;
    const batch = packed ? packed.batchSizesArray[0]! : unbatched ? 1 : x.shape[1 - timeDim]!;
    if (steps === 0)
      throw new ShapeError(op, `expected a non-empty sequence, got ${fmtShape(x.shape)}`);
    const sizes = packed ? packed.batchSizesArray : new Array<number>(steps).fill(batch);
    const states = this.#initialStates(hx, x, batch, unbatched, packed);

    const raw = tidy((): RawResult => {
      // the packed layout (N, in): a padded (L, B, in) input is already it, row-major
      let layerIn = packed
        ? x
        : (unbatched ? x : timeDim === 1 ? x.transpose(0, 1) : x).reshape(
            steps * batch,
            this.inputSize,
          );
      const hN: Tensor[] = [];
      const cN: Tensor[] = [];
      const [h0, c0] = states;
      for (let layer = 0; layer < this.numLayers; layer++) {
        const outs: Tensor[] = [];
        for (let d = 0; d < this.numDirections; d++) {
          const k = layer * this.numDirections + d;
          const r = recurrentDirection(
            this.mode,
            layerIn,
            sizes,
            h0.select(0, k),
            c0 ? c0.select(0, k) : null,
            this.weightsOf(layer, d),
            d === 1,
          );
          outs.push(r.output);
          hN.push(r.hN);
          if (r.cN) cN.push(r.cN);
        }
        layerIn = outs.length === 1 ? outs[0]! : cat(outs, 1);
        if (this.training && this.dropout > 0 && layer < this.numLayers - 1)
          layerIn = dropout(layerIn, { p: this.dropout, training: true });
      }
      const order = packed?.unsortedIndices;
      const finalState = (parts: Tensor[]) => {
        const s = stack(parts, 0);
        return order ? indexSelect(s, 1, order) : s;
      };
      return {
        output: layerIn,
        hN: finalState(hN),
        cN: cN.length ? finalState(cN) : null,
      };
    });
    for (const s of states) if (s && !hx.includes(s)) s.dispose();

    if (packed) return [packed.withData(raw.output), raw.hN, raw.cN];
    return tidy((): [Tensor, Tensor, Tensor | null] => {
      const width = raw.output.shape[1]!;
      let out = raw.output.view(steps, batch, width);
      if (unbatched) out = out.squeeze(1);
      else if (timeDim === 1) out = out.transpose(0, 1);
      const fix = (s: Tensor | null) => (s && unbatched ? s.squeeze(1) : s);
      const result: [Tensor, Tensor, Tensor | null] = [out, fix(raw.hN)!, fix(raw.cN)];
      for (const t of [raw.output, raw.hN, raw.cN]) if (t && !result.includes(t)) t.dispose();
      return result;
    });
  }

  /**
   * h0 (and c0) as `(D*numLayers, B, *)`, in the packed (sorted) batch order: the caller's, checked
   * (PyTorch's "Expected hidden size"), or zeros. A tensor that is not the caller's is the
   * caller's to dispose.
   */
  #initialStates(
    hx: readonly (Tensor | undefined)[],
    x: Tensor,
    batch: number,
    unbatched: boolean,
    packed: PackedSequence | null,
  ): [Tensor, Tensor | null] {
    const op = this.opName;
    const layers = this.numLayers * this.numDirections;
    const widths = [this.realHiddenSize, this.hiddenSize];
    const names = this.mode === "LSTM" ? ["h0", "c0"] : ["h0"];
    // every given state is checked before any is made, so that a refusal leaks nothing
    for (const [i, name] of names.entries()) {
      const given = hx[i];
      if (given === undefined) continue;
      assertTensor(given, op);
      const want = unbatched ? [layers, widths[i]!] : [layers, batch, widths[i]!];
      if (given.ndim !== want.length || given.shape.some((s, j) => s !== want[j]))
        throw new ShapeError(
          op,
          `expected ${name} of shape ${fmtShape(want)} (numLayers * numDirections, ${unbatched ? "" : "batch, "}${i === 0 && this.projSize ? "projSize" : "hidden"}), got ${fmtShape(given.shape)}`,
        );
    }
    const out = names.map((_, i) => {
      const given = hx[i];
      if (given === undefined)
        return zeros([layers, batch, widths[i]!], { dtype: x.dtype, device: x.device });
      if (unbatched) return given.unsqueeze(1);
      // PyTorch's order: the states follow the sequences into the sorted (packed) order
      if (packed?.sortedIndices) return indexSelect(given, 1, packed.sortedIndices);
      return given;
    });
    return [out[0]!, out[1] ?? null];
  }
}

function checkRnnArgs(name: string, options: unknown, schema: Record<string, string>): void {
  checkOptions(name, options, schema, { argument: 3 });
}

/** The options of `nn.RNN`. */
export interface RNNOptions extends RNNBaseOptions {
  /** The activation: `"tanh"` (default) or `"relu"`. */
  nonlinearity?: "tanh" | "relu";
}

/**
 * A stacked Elman RNN, as PyTorch's `nn.RNN`: `h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)`
 * with `act` tanh or relu. Parameters under PyTorch's keys (`weight_ih_l0`, `weight_hh_l0`,
 * `bias_ih_l0`, `bias_hh_l0`, `…_reverse`), init U(-1/sqrt(H), 1/sqrt(H)).
 *
 * Shapes: input `(L, B, Hin)` (`(B, L, Hin)` with batchFirst), `(L, Hin)` unbatched, or a
 * `PackedSequence`; h0 `(D*numLayers, B, H)` (default zeros); returns `[output, hN]` with output
 * `(L, B, D*H)` (or a PackedSequence) and hN `(D*numLayers, B, H)`.
 *
 * @example
 * const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 * const [out, hn] = rnn.forward(torch.randn([5, 3, 10])); // [5, 3, 20], [2, 3, 20]
 */
export class RNN extends RecurrentModule {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    checkRnnArgs("RNN", options, {
      ...BASE_SCHEMA,
      nonlinearity: "string",
    });
    const nl = options.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu")
      throw new ValueError("RNN", `unknown nonlinearity "${String(nl)}" (select "tanh" or "relu")`);
    const mode: RnnMode = nl === "tanh" ? "RNN_TANH" : "RNN_RELU";
    super(mode, inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }

  forward(input: Tensor, h0?: Tensor): [Tensor, Tensor];
  forward(input: PackedSequence, h0?: Tensor): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, h0?: Tensor): [Tensor | PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, h0?: Tensor): [Tensor | PackedSequence, Tensor] {
    const [out, hN] = this.run(input, [h0]);
    return [out, hN];
  }
}

/**
 * A stacked GRU, as PyTorch's `nn.GRU` (gate order r, z, n; `n = tanh(x W_inᵀ + b_in + r *
 * (h W_hnᵀ + b_hn))`, `h' = (1 - z) * n + z * h`). Keys, init and shapes as `nn.RNN` (with
 * `3H` rows in every weight).
 *
 * @example
 * const gru = new nn.GRU(10, 20, { batchFirst: true });
 * const [out, hn] = gru.forward(torch.randn([3, 5, 10])); // [3, 5, 20], [1, 3, 20]
 */
export class GRU extends RecurrentModule {
  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    checkRnnArgs("GRU", options, BASE_SCHEMA);
    super("GRU", inputSize, hiddenSize, options);
  }

  forward(input: Tensor, h0?: Tensor): [Tensor, Tensor];
  forward(input: PackedSequence, h0?: Tensor): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, h0?: Tensor): [Tensor | PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, h0?: Tensor): [Tensor | PackedSequence, Tensor] {
    const [out, hN] = this.run(input, [h0]);
    return [out, hN];
  }
}

/** The options of `nn.LSTM`. */
export interface LSTMOptions extends RNNBaseOptions {
  /** Project each `h` to this size with `weight_hr` (default 0: no projection; < hiddenSize). */
  projSize?: number;
}

/**
 * A stacked LSTM, as PyTorch's `nn.LSTM` (gate order i, f, g, o; with `projSize`, `h = (o *
 * tanh(c)) W_hrᵀ`). Keys as `nn.RNN` plus `weight_hr_l{k}` with a projection; init
 * U(-1/sqrt(H), 1/sqrt(H)).
 *
 * Shapes: input as `nn.RNN`; `[h0, c0]` `(D*numLayers, B, Hout)` and `(D*numLayers, B, H)`
 * (default zeros; Hout = projSize or H); returns `[output, [hN, cN]]`, output `(L, B, D*Hout)`.
 *
 * @example
 * const lstm = new nn.LSTM(100, 128, { numLayers: 2, batchFirst: true });
 * const [out, [hn, cn]] = lstm.forward(x); // out [B, L, 128]
 */
export class LSTM extends RecurrentModule {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    checkRnnArgs("LSTM", options, { ...BASE_SCHEMA, projSize: "int" });
    super("LSTM", inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor]): [Tensor, [Tensor, Tensor]];
  forward(
    input: PackedSequence,
    hx?: readonly [Tensor, Tensor],
  ): [PackedSequence, [Tensor, Tensor]];
  forward(
    input: Tensor | PackedSequence,
    hx?: readonly [Tensor, Tensor],
  ): [Tensor | PackedSequence, [Tensor, Tensor]];
  forward(
    input: Tensor | PackedSequence,
    hx?: readonly [Tensor, Tensor],
  ): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (
      hx !== undefined &&
      (!Array.isArray(hx) || hx.length !== 2 || !hx.every((t) => t instanceof Tensor))
    )
      throw new TensorError(this.opName, "expected the initial state as [h0, c0] (two tensors)");
    const [out, hN, cN] = this.run(input, hx ?? []);
    return [out, [hN, cN!]];
  }
}
