import { indexDTypeError } from "../../core/dtype.js";
import { NotImplementedError, ShapeError, ValueError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { fmtShape } from "../../core/shape.js";
import { isGradEnabled, noGrad } from "../../autograd/grad-mode.js";
import type { Tensor } from "../../tensor/tensor.js";
import { zeros } from "../../tensor/creation.js";
import { eq, gt, where } from "../../ops/elementwise.js";
import { checkValues } from "../../ops/value-checks.js";
import { backendOf } from "../../ops/dispatch.js";

/** The options of `F.embedding` (PyTorch's keyword arguments; none by default). */
export interface EmbeddingOptions {
  /** This row's entries get no gradient (and `nn.Embedding` initialises it to zeros). */
  paddingIdx?: number | null;
  /** Rows looked up whose `normType`-norm exceeds this are rescaled to it, in place. */
  maxNorm?: number | null;
  /** The p of the norm for `maxNorm` (default 2). */
  normType?: number;
  /** Not supported: throws if true. */
  scaleGradByFreq?: boolean;
  /** Not supported: throws if true (no sparse tensors). */
  sparse?: boolean;
}

/** @internal Normalises a (possibly negative) padding index against `num` rows. */
export function normalizePaddingIdx(
  paddingIdx: number | null | undefined,
  num: number,
  op: string,
): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) {
    throw new ValueError(
      op,
      `paddingIdx must be within [-${num}, ${num - 1}] (numEmbeddings ${num}); got ${paddingIdx}`,
    );
  }
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/** Every index must be in [0, num) (on a GPU the next read throws; see `checkValues`). */
function checkIndices(input: Tensor, num: number, op: string): void {
  checkValues(
    input,
    { kind: "index", size: num },
    (k) =>
      new ValueError(
        op,
        `index ${k} is out of range for ${num} embeddings (expected in [0, ${num - 1}])`,
      ),
  );
}

/**
 * Looks up rows of `weight`: `out[..., :] = weight[input[...], :]`. With `paddingIdx`, the
 * positions that look up that row pass no gradient to it. With `maxNorm`, the rows looked up are
 * first renormalised in place (under no-grad), as PyTorch does.
 *
 * Shapes: input `(*)` int32, weight `(numEmbeddings, embeddingDim)`, output `(*, embeddingDim)`.
 *
 * @example
 * F.embedding(torch.tensor([[1, 2], [0, 3]], { dtype: "int32" }), weight, { paddingIdx: 0 }).shape; // [2, 2, dim]
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  backendOf("embedding", input, weight);
  if (input.dtype !== "int32") throw indexDTypeError("embedding", "indices", input.dtype);
  if (weight.ndim !== 2)
    throw new ShapeError(
      "embedding",
      `weight must be 2-D [numEmbeddings, embeddingDim]; got ${fmtShape(weight.shape)}`,
    );
  if (options.scaleGradByFreq)
    throw new NotImplementedError("embedding", "scaleGradByFreq is not supported");
  if (options.sparse)
    throw new NotImplementedError("embedding", "sparse gradients are not supported");
  const [num, dim] = weight.shape as [number, number];
  const pad = normalizePaddingIdx(options.paddingIdx, num, "embedding");
  checkIndices(input, num, "embedding");
  const flat = input.reshape(-1);
  try {
    if (options.maxNorm !== null && options.maxNorm !== undefined)
      renorm(weight, flat, options.maxNorm, options.normType ?? 2);
    return tidy(() => {
      const rows = weight.indexSelect(0, flat);
      let out = rows;
      if (pad !== null && weight.requiresGrad && isGradEnabled()) {
        // the padding positions take the same values from a detached weight: no gradient reaches the row
        const frozen = weight.detach().indexSelect(0, flat);
        out = where(eq(flat, pad).unsqueeze(1), frozen, rows);
      }
      return out.reshape([...input.shape, dim]);
    });
  } finally {
    if (flat !== input) flat.dispose();
  }
}

/** Rescales, in place, each looked-up row whose norm exceeds maxNorm to norm maxNorm. */
function renorm(weight: Tensor, flat: Tensor, maxNorm: number, normType: number): void {
  noGrad(() =>
    tidy(() => {
      const num = weight.shape[0]!;
      const used = zeros([num], { dtype: weight.dtype, device: weight.device }).scatter(0, flat, 1);
      const norms = weight.norm(normType, 1, true);
      // PyTorch's embedding_renorm_: scale = maxNorm / (norm + 1e-7)
      const scale = where(
        gt(used.unsqueeze(1), 0).logicalAnd(gt(norms, maxNorm)),
        norms.add(1e-7).reciprocal().mul(maxNorm),
        1,
      );
      weight.mul_(scale);
    }),
  );
}
