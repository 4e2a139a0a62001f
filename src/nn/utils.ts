import { DeviceError, ShapeError, TensorError, ValueError } from "../core/errors.js";
import { tidy } from "../core/memory.js";
import { fmtShape } from "../core/shape.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/creation.js";
import { cat, stack } from "../ops/movement.js";

/**
 * `torch.nn.utils`: gradient clipping and flattening parameters to one vector; `rnn` holds the
 * variable-length sequence helpers (`nn.utils.rnn.packPaddedSequence`, ...).
 */
export * as rnn from "./utils/rnn.js";

function paramList(parameters: Tensor | Iterable<Tensor>, op: string): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  for (const p of list)
    if (!(p instanceof Tensor))
      throw new TensorError(op, `expected Tensors (parameters); got ${typeof p}`);
  return list;
}

/** The p-norm of all of `t` as a 0-d tensor, with torch.norm's p = 0 (count of non-zeros) and ±Infinity. */
function pNorm(t: Tensor, p: number): Tensor {
  return tidy(() => {
    if (p === Infinity) return t.abs().amax();
    if (p === -Infinity) return t.abs().amin();
    if (p === 0) return t.ne(0).toType(t.dtype).sum();
    return t.norm(p);
  });
}

/**
 * Rescales the gradients of `parameters` in place so that their total `normType`-norm (the norm of
 * the per-parameter norms) is at most `maxNorm`: each gradient is multiplied by
 * `min(1, maxNorm / (total + 1e-6))`, as PyTorch's `clip_grad_norm_`. Parameters without a
 * gradient are skipped. Returns the total norm before clipping, as a 0-d tensor that the caller
 * owns (dispose it, or read it with `await norm.item()`).
 *
 * `errorIfNonfinite: true` throws when the total norm is NaN or infinite, before any gradient
 * changes; it reads the norm back synchronously, so it needs a device that can (the CPU).
 *
 * @example
 * loss.backward();
 * const norm = nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 * norm.dispose();
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  options: { normType?: number; errorIfNonfinite?: boolean } = {},
): Tensor {
  const op = "clipGradNorm_";
  const normType = options.normType ?? 2;
  if (typeof maxNorm !== "number" || Number.isNaN(maxNorm) || maxNorm < 0)
    throw new ValueError(op, `maxNorm must be a number >= 0; got ${String(maxNorm)}`);
  if (typeof normType !== "number" || Number.isNaN(normType))
    throw new ValueError(op, `normType must be a number or Infinity; got ${String(normType)}`);
  const withGrad = paramList(parameters, op).filter((p) => p.grad !== null);
  if (withGrad.length === 0) return zeros([]);
  return noGrad(() => {
    const total = tidy(() => {
      const norms = withGrad.map((p) => pNorm(p.grad!, normType));
      if (norms.length === 1) return norms[0]!.clone();
      return pNorm(stack(norms), normType);
    });
    if (options.errorIfNonfinite) {
      if (!total.backend.readSync) {
        total.dispose();
        throw new DeviceError(
          op,
          `errorIfNonfinite reads the norm back synchronously, which the ${total.device} device cannot; check the returned norm with await norm.item() instead`,
        );
      }
      const v = total.itemSync();
      if (!Number.isFinite(v)) {
        total.dispose();
        throw new ValueError(
          op,
          `the total norm of order ${normType} for gradients from \`parameters\` is non-finite (${v}), so it cannot be clipped; to scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false`,
        );
      }
    }
    tidy(() => {
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
      for (const p of withGrad) p.grad!.mul_(coef);
    });
    return total;
  });
}

/**
 * Clamps every gradient of `parameters` into `[-clipValue, clipValue]` in place, as PyTorch's
 * `clip_grad_value_`. Parameters without a gradient are skipped.
 *
 * @example
 * nn.utils.clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = "clipGradValue_";
  if (typeof clipValue !== "number" || Number.isNaN(clipValue))
    throw new ValueError(op, `clipValue must be a number; got ${String(clipValue)}`);
  const list = paramList(parameters, op);
  noGrad(() => {
    for (const p of list) p.grad?.clamp_(-clipValue, clipValue);
  });
}

/**
 * The parameters flattened and concatenated into one 1-D tensor (a copy, differentiable), as
 * PyTorch's `parameters_to_vector`.
 *
 * @example
 * const flat = nn.utils.parametersToVector(model.parameters()); // shape [numParams]
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const list = paramList(parameters, "parametersToVector");
  if (list.length === 0)
    throw new ValueError("parametersToVector", "expected at least one parameter; got none");
  return tidy(() => cat(list.map((p) => p.reshape(-1))));
}

/**
 * Copies consecutive slices of the 1-D `vec` into `parameters` (in place, without recording a
 * gradient), as PyTorch's `vector_to_parameters`. NOTE: PyTorch rebinds each parameter's `.data`
 * to a view of `vec`; here the values are copied, so `vec` stays independent of the parameters.
 *
 * @example
 * nn.utils.vectorToParameters(flat, model.parameters());
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  const op = "vectorToParameters";
  if (!(vec instanceof Tensor)) throw new TensorError(op, `expected a Tensor; got ${typeof vec}`);
  if (vec.ndim !== 1)
    throw new ShapeError(op, `expected a 1-D vector; got shape ${fmtShape(vec.shape)}`);
  const list = paramList(parameters, op);
  const total = list.reduce((n, p) => n + p.numel(), 0);
  if (total !== vec.shape[0])
    throw new ShapeError(
      op,
      `the vector has ${vec.shape[0]} elements but the parameters have ${total}`,
    );
  noGrad(() => {
    let offset = 0;
    for (const p of list) {
      const n = p.numel();
      tidy(() => void p.copy_(vec.narrow(0, offset, n).view(p.shape)));
      offset += n;
    }
  });
}
