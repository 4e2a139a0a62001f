import { noGrad } from "../autograd/grad-mode.js";
import { isFloat } from "../core/dtype.js";
import { normalizeAxes, normalizeAxis } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { composite } from "./dispatch.js";
import { add, cast, div, exp, isinf, log, sub, where } from "./elementwise.js";
import { squeeze } from "./movement.js";
import { amaxOrEmpty, sum } from "./reduce.js";

/**
 * logsumexp, softmax and logSoftmax: composites that subtract the max before exponentiating, so
 * that large inputs neither overflow nor lose precision.
 */

/**
 * The max to subtract, detached; with `maskInf` 0 where the max is infinite (logsumexp, as
 * PyTorch's: logsumexp([inf, 0]) = inf). softmax and logSoftmax subtract the max itself, as
 * PyTorch's kernels do, so a +inf input makes its slice NaN (softmax([inf, 0]) = [NaN, NaN]).
 */
function stableShift(x: Tensor, axes: readonly number[], maskInf: boolean): Tensor {
  return noGrad(() => {
    const m = amaxOrEmpty(x, axes);
    if (!maskInf) return m;
    const inf = isinf(m);
    const shift = where(inf, 0, m);
    m.dispose();
    inf.dispose();
    return shift;
  });
}

/**
 * The pieces the three share, in float (integers compute in float32): the shift `m`,
 * `shifted = x - m`, and `sum(exp(shifted))` over `axes`, kept as size-1 dims. Called inside a
 * composite, whose scope frees what its caller does not return.
 */
function shiftedExpSum(
  x: Tensor,
  axes: readonly number[],
  maskInf = false,
): { m: Tensor; shifted: Tensor; e: Tensor; s: Tensor } {
  const xf = isFloat(x.dtype) ? x : cast(x, "float32");
  const m = stableShift(xf, axes, maskInf);
  const shifted = sub(xf, m);
  const e = exp(shifted);
  return { m, shifted, e, s: sum(e, axes, true) };
}

/**
 * log(sum(exp(x))) over `dim` (`torch.logsumexp`), stable for large |x| (the max is
 * subtracted first). Shapes: `(a, n, b)` over dim 1 -> `(a, b)`, or `(a, 1, b)` with keepdim.
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  return composite("logsumexp", [x], () => {
    const axes = normalizeAxes(dim, x.ndim, "logsumexp");
    const { m, s } = shiftedExpSum(x, axes, true);
    const r = add(log(s), m);
    return keepdim ? r : squeeze(r, axes);
  });
}

/**
 * exp(x) / sum(exp(x)) along `dim` (`torch.softmax`), computed as exp(x - max) / sum so
 * that large inputs do not overflow. Shapes: `x: (*)` -> `(*)`.
 *
 * @example
 * torch.softmax(torch.tensor([[1, 1]], { dtype: "float32" }), -1); // [[0.5, 0.5]]
 */
export function softmax(x: Tensor, dim: number): Tensor {
  return composite("softmax", [x], () => {
    const { e, s } = shiftedExpSum(x, [normalizeAxis(dim, x.ndim, "softmax")]);
    return div(e, s);
  });
}

/**
 * log(softmax(x)) along `dim` (`torch.log_softmax`), computed as
 * x - max - log(sum(exp(x - max))). Shapes: `x: (*)` -> `(*)`.
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return composite("logSoftmax", [x], () => {
    const { shifted, s } = shiftedExpSum(x, [normalizeAxis(dim, x.ndim, "logSoftmax")]);
    return sub(shifted, log(s));
  });
}
