import { DTypeError, ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { checkOptions } from "../../core/options.js";
import { fmtShape, shapesEqual } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { zeros } from "../../tensor/creation.js";
import { cat } from "../../ops/movement.js";
import { assertTensor, Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { linear } from "../functional/linear.js";
import { attend, causalBias, maskToBias } from "../functional/attention.js";
import { checkDropoutP } from "../functional/dropout.js";
import { constant_, xavierNormal_, xavierUniform_ } from "../init.js";
import { copyModuleState } from "./clone.js";
import { newParameter, type FactoryOptions } from "./container.js";
import { Linear } from "./linear.js";

/** The options of `nn.MultiheadAttention`, with PyTorch's defaults. */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights, in training (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learned biases `bias_k`, `bias_v` appended to the keys and values (default false). */
  addBiasKv?: boolean;
  /** Appends a zero key and value to each sequence (default false). */
  addZeroAttn?: boolean;
  /** The keys' features (default embedDim); other than embedDim gives separate projections. */
  kdim?: number;
  /** The values' features (default embedDim). */
  vdim?: number;
  /** Inputs and output are `(N, L, E)` instead of `(L, N, E)` (default false). */
  batchFirst?: boolean;
}

/** The options of `MultiheadAttention.forward`, with PyTorch's defaults. */
export interface MultiheadAttentionForwardOptions {
  /**
   * `(N, S)` (or `(S)` unbatched): a bool mask where true marks a key to IGNORE (PyTorch's
   * convention here, the opposite of `F.scaledDotProductAttention`'s), or a float mask added to
   * the scores.
   */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true, as PyTorch). */
  needWeights?: boolean;
  /**
   * `(L, S)` or `(N * numHeads, L, S)`: bool with true = IGNORE, or a float mask added to the
   * scores.
   */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  averageAttnWeights?: boolean;
  /**
   * The causal mask: without attnMask the keys after each query are masked out; with it,
   * attnMask is taken to be the causal mask (PyTorch 2's hint) and used as given.
   */
  isCausal?: boolean;
}

/**
 * The output projection of `nn.MultiheadAttention`: a `Linear` under the name PyTorch gives it,
 * so that the printout matches.
 */
export class NonDynamicallyQuantizableLinear extends Linear {}

/**
 * Multi-head attention, as PyTorch's `nn.MultiheadAttention`: `numHeads` attention heads of
 * `embedDim / numHeads` features, computed together with batched matmuls over
 * `[N * numHeads, L, headDim]` (one matmul for the packed q/k/v projection when query, key and
 * value are the same tensor).
 *
 * Parameters, with PyTorch's keys and init: `in_proj_weight` `[3E, E]` (xavier_uniform), or
 * `q_proj_weight` `[E, E]`, `k_proj_weight` `[E, kdim]`, `v_proj_weight` `[E, vdim]` when
 * kdim/vdim differ from E; `in_proj_bias` `[3E]` (zeros); `bias_k`, `bias_v` `[1, 1, E]`
 * (xavier_normal, with addBiasKv); `out_proj.weight`, `out_proj.bias` (Linear's init, bias zeros).
 *
 * Shapes: query `(L, N, E)`, key `(S, N, kdim)`, value `(S, N, vdim)` (`(N, L, E)`... with
 * batchFirst; `(L, E)`, `(S, kdim)`, `(S, vdim)` unbatched); output `(L, N, E)`; weights
 * `(N, L, S)` averaged, `(N, numHeads, L, S)` per head.
 *
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const x = torch.randn([2, 5, 16]);
 * const [out, weights] = mha.forward(x, x, x); // [2, 5, 16], [2, 5, 5]
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  readonly inProjWeight: Parameter | null;
  readonly qProjWeight: Parameter | null;
  readonly kProjWeight: Parameter | null;
  readonly vProjWeight: Parameter | null;
  readonly inProjBias: Parameter | null;
  readonly biasK: Parameter | null;
  readonly biasV: Parameter | null;
  readonly #outProj: NonDynamicallyQuantizableLinear;
  readonly #options: MultiheadAttentionOptions;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkOptions(
      "MultiheadAttention",
      options,
      {
        dropout: "number",
        bias: "boolean",
        addBiasKv: "boolean",
        addZeroAttn: "boolean",
        kdim: "int|null",
        vdim: "int|null",
        batchFirst: "boolean",
        device: "string",
        dtype: "string",
      },
      { argument: 3 },
    );
    const op = `MultiheadAttention(embed_dim=${embedDim}, num_heads=${numHeads})`;
    const dims = { embedDim, numHeads, kdim: options.kdim ?? 1, vdim: options.vdim ?? 1 };
    for (const [k, v] of Object.entries(dims))
      if (!Number.isInteger(v) || v <= 0)
        throw new ValueError(op, `${k} must be a positive integer; got ${String(v)}`);
    if (embedDim % numHeads !== 0)
      throw new ValueError(
        op,
        `embedDim must be divisible by numHeads; got ${embedDim} and ${numHeads}`,
      );
    checkDropoutP(options.dropout ?? 0, op);
    this.#options = { ...options };
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    const f = { device: options.device, dtype: options.dtype };
    const E = embedDim;
    const packed = this.kdim === E && this.vdim === E;
    const reg = (name: string, shape: number[] | null): Parameter | null =>
      this.registerParameter(name, shape ? newParameter(shape, f) : null);
    // registration order = PyTorch's state-dict order
    this.inProjWeight = reg("in_proj_weight", packed ? [3 * E, E] : null);
    this.qProjWeight = reg("q_proj_weight", packed ? null : [E, E]);
    this.kProjWeight = reg("k_proj_weight", packed ? null : [E, this.kdim]);
    this.vProjWeight = reg("v_proj_weight", packed ? null : [E, this.vdim]);
    const bias = options.bias ?? true;
    this.inProjBias = reg("in_proj_bias", bias ? [3 * E] : null);
    this.biasK = reg("bias_k", options.addBiasKv ? [1, 1, E] : null);
    this.biasV = reg("bias_v", options.addBiasKv ? [1, 1, E] : null);
    this.#outProj = new NonDynamicallyQuantizableLinear(E, E, { bias, ...f });
    this.registerModule("out_proj", this.#outProj);
    this.resetParameters();
  }

  /** The output projection (`out_proj` in the state dict). */
  get outProj(): NonDynamicallyQuantizableLinear {
    return this.#outProj;
  }

  /**
   * PyTorch's init: xavier_uniform_ for the input projections, zeros for the projection biases,
   * xavier_normal_ for bias_k/bias_v; out_proj.weight keeps Linear's init.
   */
  resetParameters(): void {
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight])
      if (w) xavierUniform_(w);
    if (this.inProjBias) {
      constant_(this.inProjBias, 0);
      constant_(this.#outProj.bias!, 0);
    }
    if (this.biasK) xavierNormal_(this.biasK);
    if (this.biasV) xavierNormal_(this.biasV);
  }

  /** A deep copy: the same configuration, its own copies of the parameters. */
  clone(): MultiheadAttention {
    const w = this.#outProj.weight;
    const fresh = new MultiheadAttention(this.embedDim, this.numHeads, {
      ...this.#options,
      device: w.device,
      dtype: w.dtype,
    });
    return copyModuleState(this, fresh);
  }

  #op(): string {
    return `MultiheadAttention(embed_dim=${this.embedDim}, num_heads=${this.numHeads})`;
  }

  /**
   * Attends from `query` over `key`/`value`. Returns `[output, weights]`; weights is null when
   * `needWeights` is false. See the class for the shapes.
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const op = this.#op();
    checkOptions(
      op,
      options,
      {
        keyPaddingMask: "tensor|null",
        needWeights: "boolean",
        attnMask: "tensor|null",
        averageAttnWeights: "boolean",
        isCausal: "boolean",
      },
      { argument: 4 },
    );
    assertTensor(query, op);
    assertTensor(key, op);
    assertTensor(value, op);
    const kpm = options.keyPaddingMask ?? null;
    const mask = options.attnMask ?? null;
    const batched = this.#checkShapes(query, key, value, kpm, mask);
    const needWeights = options.needWeights ?? true;
    const average = options.averageAttnWeights ?? true;
    const self = query === key && key === value;
    const kv = key === value;
    return tidy((): [Tensor, Tensor | null] => {
      // to PyTorch's internal layout: sequence first, batched
      const toSeqFirst = (t: Tensor) =>
        !batched ? t.unsqueeze(1) : this.batchFirst ? t.transpose(0, 1) : t;
      const q0 = toSeqFirst(query);
      const k0 = self ? q0 : toSeqFirst(key);
      const v0 = kv ? k0 : toSeqFirst(value);
      const [out, w] = this.#attention(
        q0,
        k0,
        v0,
        self,
        kv,
        batched || !kpm ? kpm : kpm.unsqueeze(0),
        mask,
        options.isCausal ?? false,
      );
      const output = !batched ? out.squeeze(1) : this.batchFirst ? out.transpose(0, 1) : out;
      if (!needWeights) return [output, null];
      const N = q0.shape[1]!;
      let weights = w.reshape(N, this.numHeads, w.shape[1]!, w.shape[2]!);
      if (average) weights = weights.mean(1);
      if (!batched) weights = weights.squeeze(0);
      return [output, weights];
    });
  }

  /** The attention on sequence-first, batched inputs: `[output (L, N, E), weights (N*H, L, S)]`. */
  #attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    self: boolean,
    kv: boolean,
    kpm: Tensor | null,
    attnMask: Tensor | null,
    isCausal: boolean,
  ): [Tensor, Tensor] {
    const E = this.embedDim;
    const H = this.numHeads;
    const hd = this.headDim;
    const [L, N] = query.shape as [number, number];
    const [q, k0, v0] = this.#project(query, key, value, self, kv) as [Tensor, Tensor, Tensor];
    let k = k0;
    let v = v0;
    // additive float masks: attn (1 or N*H, L, S), key padding (N, S)
    let bias =
      attnMask !== null
        ? maskToBias(attnMask, q, "ignore")
        : isCausal
          ? causalBias(L, key.shape[0]!, q)
          : null;
    if (bias?.ndim === 2) bias = bias.unsqueeze(0);
    let pad = kpm ? maskToBias(kpm, q, "ignore") : null;
    const padColumn = () => {
      // a key appended to every sequence: masks get a 0 (attend) column, as PyTorch's pad(mask, (0, 1))
      if (bias) bias = padLast(bias);
      if (pad) pad = padLast(pad);
    };
    if (this.biasK && this.biasV) {
      k = cat([k, this.biasK.expand(1, N, E)], 0);
      v = cat([v, this.biasV.expand(1, N, E)], 0);
      padColumn();
    }
    // [seq, N, E] -> [N * H, seq, hd]: the heads folded into the batch
    const heads = (t: Tensor) => t.reshape(t.shape[0]!, N * H, hd).transpose(0, 1);
    const qh = heads(q);
    let kh = heads(k);
    let vh = heads(v);
    if (this.addZeroAttn) {
      const z = zeros([N * H, 1, hd], { dtype: q.dtype, device: q.device });
      kh = cat([kh, z], 1);
      vh = cat([vh, z], 1);
      padColumn();
    }
    const S = kh.shape[1]!;
    if (pad) {
      // NOTE: reshape, not view: a float mask given by the caller may be a strided view
      const p = pad
        .reshape(N, 1, 1, S)
        .expand(N, H, 1, S)
        .reshape(N * H, 1, S);
      bias = bias ? bias.add(p) : p;
    }
    const [o, weights] = attend(
      qh,
      kh,
      vh,
      bias,
      1 / Math.sqrt(hd),
      this.training ? this.dropout : 0,
    );
    return [this.#outProj.forward(o.transpose(0, 1).reshape(L, N, E)), weights];
  }

  /** The input projections: one matmul for self-attention with the packed weight. */
  #project(query: Tensor, key: Tensor, value: Tensor, self: boolean, kv: boolean): Tensor[] {
    const E = this.embedDim;
    const b = this.inProjBias;
    const bias = (i: number, n = 1) => (b ? b.narrow(0, i * E, n * E) : null);
    if (this.inProjWeight) {
      const w = this.inProjWeight;
      if (self) return linear(query, w, b).chunk(3, -1);
      const q = linear(query, w.narrow(0, 0, E), bias(0));
      if (kv) return [q, ...linear(key, w.narrow(0, E, 2 * E), bias(1, 2)).chunk(2, -1)];
      return [
        q,
        linear(key, w.narrow(0, E, E), bias(1)),
        linear(value, w.narrow(0, 2 * E, E), bias(2)),
      ];
    }
    return [
      linear(query, this.qProjWeight!, bias(0)),
      linear(key, this.kProjWeight!, bias(1)),
      linear(value, this.vProjWeight!, bias(2)),
    ];
  }

  /** PyTorch's shape checks, with messages that name the module and show the shapes. */
  #checkShapes(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    kpm: Tensor | null,
    mask: Tensor | null,
  ): boolean {
    const op = this.#op();
    const shapes = `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`;
    if (query.ndim !== 2 && query.ndim !== 3)
      throw new ShapeError(
        op,
        `expected a batched 3-D or unbatched 2-D query; got ${fmtShape(query.shape)}`,
      );
    const batched = query.ndim === 3;
    if (key.ndim !== query.ndim || value.ndim !== query.ndim)
      throw new ShapeError(
        op,
        `key and value must be ${query.ndim}-D like the query; got ${shapes}`,
      );
    const last = (t: Tensor) => t.shape[t.ndim - 1];
    for (const [name, t, d] of [
      ["query", query, this.embedDim],
      ["key", key, this.kdim],
      ["value", value, this.vdim],
    ] as const)
      if (last(t) !== d)
        throw new ShapeError(op, `expected ${name} [..., ${d}], got ${fmtShape(t.shape)}`);
    for (const t of [query, key, value])
      if (!t.isFloatingPoint())
        throw new DTypeError(op, `expected floating-point inputs; got ${t.dtype} (${shapes})`);
    const seqDim = batched && this.batchFirst ? 1 : 0;
    const batchDim = 1 - seqDim;
    if (
      key.shape[seqDim] !== value.shape[seqDim] ||
      (batched &&
        (key.shape[batchDim] !== query.shape[batchDim] ||
          value.shape[batchDim] !== query.shape[batchDim]))
    )
      throw new ShapeError(
        op,
        `key and value must have the same length, and the query's batch size; got ${shapes}`,
      );
    const L = query.shape[seqDim]!;
    const S = key.shape[seqDim]!;
    const N = batched ? query.shape[batchDim]! : 1;
    if (kpm) {
      const want = batched ? [N, S] : [S];
      if (!shapesEqual(kpm.shape, want))
        throw new ShapeError(
          op,
          `keyPaddingMask must be ${fmtShape(want)} (batch, source length); got ${fmtShape(kpm.shape)} (${shapes})`,
        );
      checkMaskDtype(kpm, "keyPaddingMask", op);
    }
    if (mask) {
      const want3 = [batched ? N * this.numHeads : this.numHeads, L, S];
      if (!shapesEqual(mask.shape, [L, S]) && !shapesEqual(mask.shape, want3))
        throw new ShapeError(
          op,
          `attnMask must be ${fmtShape([L, S])} or ${fmtShape(want3)}; got ${fmtShape(mask.shape)} (${shapes})`,
        );
      checkMaskDtype(mask, "attnMask", op);
    }
    return batched;
  }
}

function checkMaskDtype(mask: Tensor, name: string, op: string): void {
  if (mask.dtype !== "bool" && !mask.isFloatingPoint())
    throw new DTypeError(op, `${name} must be a bool or float tensor; got ${mask.dtype}`);
}

/** `t` with a zero column appended to its last dim. */
function padLast(t: Tensor): Tensor {
  const shape = [...t.shape.slice(0, -1), 1];
  return cat([t, zeros(shape, { dtype: t.dtype, device: t.device })], -1);
}
