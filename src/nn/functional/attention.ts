import { DTypeError, ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { checkOptions, checkTensorArg } from "../../core/options.js";
import { backendOf } from "../../ops/dispatch.js";
import { broadcastShapes, fmtShape, shapesEqual } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { full } from "../../tensor/creation.js";
import { where } from "../../ops/elementwise.js";
import { dropout, checkDropoutP } from "./dropout.js";

/** The options of `F.scaledDotProductAttention`, with PyTorch 2's defaults. */
export interface ScaledDotProductAttentionOptions {
  /**
   * A mask that broadcasts to the scores `(..., L, S)`: bool marks what MAY be attended to
   * (true = keep, false = masked out), a float mask is added to the scores. Default none.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0; applied whenever > 0, as PyTorch). */
  dropoutP?: number;
  /** Masks out the keys after each query (a lower-triangular mask); not with attnMask. */
  isCausal?: boolean;
  /** The scores' scale (default `1 / sqrt(E)`). */
  scale?: number | null;
}

const OP = "scaledDotProductAttention";

/**
 * The causal (`-inf` above the diagonal, 0 elsewhere) float mask `[l, s]` on `device`: what
 * PyTorch's `Transformer.generate_square_subsequent_mask(n)` gives for l = s = n.
 *
 * @internal
 */
export function causalBias(l: number, s: number, like: Tensor): Tensor {
  return tidy(() => full([l, s], -Infinity, { dtype: like.dtype, device: like.device }).triu(1));
}

/**
 * A mask as an additive float bias in `like`'s dtype: a float mask as it is, a bool mask as 0 and
 * `-inf`. `meaning` says what a true entry means: `"keep"` (SDPA's convention) or `"ignore"`
 * (MultiheadAttention's `attn_mask` and `key_padding_mask`).
 *
 * @internal
 */
export function maskToBias(mask: Tensor, like: Tensor, meaning: "keep" | "ignore"): Tensor {
  if (mask.dtype !== "bool") return mask;
  return tidy(() => {
    const zero = full([], 0, { dtype: like.dtype, device: like.device });
    return meaning === "keep" ? where(mask, zero, -Infinity) : where(mask, -Infinity, zero);
  });
}

/**
 * The attention of queries `q` over keys `k` and values `v`, with an additive float `bias` that
 * broadcasts to the scores (or null): `softmax(q k^T * scale + bias) v`. Returns the output and
 * the attention weights (after dropout); the caller owns both.
 *
 * Shapes: q `(*, L, E)`, k `(*, S, E)`, v `(*, S, Ev)` (batch dims broadcast), bias to `(*, L, S)`;
 * output `(*, L, Ev)`, weights `(*, L, S)`.
 *
 * @internal
 */
export function attend(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  bias: Tensor | null,
  scale: number,
  dropoutP: number,
): [Tensor, Tensor] {
  return tidy(() => {
    // NOTE: scaling q before the product (as PyTorch's MultiheadAttention) costs L*E, not L*S
    let scores = q.mul(scale).matmul(k.transpose(-2, -1));
    if (bias) scores = scores.add(bias);
    let weights = scores.softmax(-1);
    if (dropoutP > 0) weights = dropout(weights, { p: dropoutP });
    return [weights.matmul(v), weights];
  });
}

function checkFloat(t: Tensor, name: string): void {
  if (!t.isFloatingPoint())
    throw new DTypeError(OP, `${name} must be a floating-point tensor; got ${t.dtype}`);
}

/**
 * Scaled dot-product attention, as PyTorch 2's `F.scaled_dot_product_attention`:
 * `softmax(q k^T * scale + mask) v`, with `scale = 1 / sqrt(E)` by default. A bool `attnMask`
 * marks what may be attended to (true = keep); a float one is added to the scores; `isCausal`
 * masks the keys after each query (the lower triangle of `[L, S]`, aligned top-left as PyTorch).
 * Batch dims broadcast, masks broadcast to the scores. A row of scores that is masked out
 * entirely gives NaN, as PyTorch. Written with batched matmuls (no per-head loop).
 *
 * Shapes: q `(*, L, E)`, k `(*, S, E)`, v `(*, S, Ev)`, attnMask broadcasting to `(*, L, S)`;
 * output `(*, L, Ev)`.
 *
 * @example
 * const q = torch.randn([2, 4, 5, 8]); // [batch, heads, L, E]
 * const kv = torch.randn([2, 4, 7, 8]);
 * F.scaledDotProductAttention(q, kv, kv, { isCausal: true }).shape; // [2, 4, 5, 8]
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  checkOptions(
    OP,
    options,
    { attnMask: "tensor|null", dropoutP: "number", isCausal: "boolean", scale: "number|null" },
    { argument: 4 },
  );
  checkTensorArg(OP, query, "query");
  checkTensorArg(OP, key, "key");
  checkTensorArg(OP, value, "value");
  backendOf(OP, query, key, value);
  checkFloat(query, "query");
  checkFloat(key, "key");
  checkFloat(value, "value");
  const shapes = `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`;
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2)
    throw new ShapeError(
      OP,
      `query, key and value need at least 2 dims (..., L, E); got ${shapes}`,
    );
  const E = query.shape[query.ndim - 1]!;
  const L = query.shape[query.ndim - 2]!;
  const S = key.shape[key.ndim - 2]!;
  if (key.shape[key.ndim - 1] !== E)
    throw new ShapeError(OP, `query and key must have the same last dim (E); got ${shapes}`);
  if (value.shape[value.ndim - 2] !== S)
    throw new ShapeError(OP, `key and value must have the same length (dim -2); got ${shapes}`);
  const batch = broadcastShapes(
    broadcastShapes(query.shape.slice(0, -2), key.shape.slice(0, -2), OP),
    value.shape.slice(0, -2),
    OP,
  );
  const mask = options.attnMask ?? null;
  const dropoutP = options.dropoutP ?? 0;
  checkDropoutP(dropoutP, OP);
  if (mask && options.isCausal)
    throw new ValueError(OP, "attnMask and isCausal cannot both be set (as PyTorch)");
  const scoreShape = [...batch, L, S];
  if (mask) {
    if (mask.dtype !== "bool" && !mask.isFloatingPoint())
      throw new DTypeError(OP, `attnMask must be a bool or float tensor; got ${mask.dtype}`);
    let fits = mask.ndim <= scoreShape.length;
    try {
      fits &&= shapesEqual(broadcastShapes(mask.shape, scoreShape, OP), scoreShape);
    } catch {
      fits = false;
    }
    if (!fits)
      throw new ShapeError(
        OP,
        `attnMask ${fmtShape(mask.shape)} does not broadcast to the attention scores ${fmtShape(scoreShape)} (..., L, S)`,
      );
  }
  const scale = options.scale ?? 1 / Math.sqrt(E);
  return tidy(() => {
    let bias: Tensor | null = null;
    if (options.isCausal) bias = causalBias(L, S, query);
    else if (mask) bias = maskToBias(mask, query, "keep");
    const [out] = attend(query, key, value, bias, scale, dropoutP);
    return out;
  });
}
