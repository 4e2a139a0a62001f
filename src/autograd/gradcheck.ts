import { AutogradError, DTypeError } from "../core/errors.js";
import { fmtShape } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { noGrad } from "./grad-mode.js";
import { grad, releaseGraph } from "./engine.js";

/** gradcheck's options, with PyTorch's defaults. */
export interface GradcheckOptions {
  /** The finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3): `|analytical - numerical| <= atol + rtol * |numerical|`. */
  rtol?: number;
  /** Throw on a mismatch (default) or return false. */
  raiseException?: boolean;
}

/**
 * Compares the analytical Jacobian (from backward) with central finite differences, as
 * PyTorch's `torch.autograd.gradcheck`. Inputs that require grad must be contiguous float64 CPU
 * tensors (any shape); `fn` returns one tensor of any shape. Returns true, or throws an
 * `AutogradError` naming the first mismatching element (returns false with
 * `raiseException: false`).
 *
 * @example
 * const x = torch.randn([3, 4], { dtype: "float64", requiresGrad: true });
 * torch.autograd.gradcheck((t) => t.tanh().sum(1), [x]); // true
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): boolean {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const diff = inputs.filter((x) => x.requiresGrad);
  for (const x of diff) {
    if (x.dtype !== "float64" || x.device !== "cpu" || !x.isContiguous()) {
      throw new DTypeError(
        "gradcheck",
        `inputs that require grad must be contiguous float64 CPU tensors; got ${x.dtype} on ${x.device} with shape ${fmtShape(x.shape)}`,
      );
    }
  }
  const evaluate = () => {
    const y = noGrad(() => fn(...inputs));
    const v = y.dataSync();
    y.dispose();
    return v;
  };
  const y0 = fn(...inputs);
  const m = y0.numel();
  for (const x of diff) {
    const n = x.numel();
    const data = x.storage.data as Float64Array;
    // numerical Jacobian column by column
    const numeric: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const orig = data[x.offset + i]!;
      data[x.offset + i] = orig + eps;
      const plus = evaluate();
      data[x.offset + i] = orig - eps;
      const minus = evaluate();
      data[x.offset + i] = orig;
      numeric.push(Float64Array.from(plus, (p, j) => (p - minus[j]!) / (2 * eps)));
    }
    // analytical Jacobian row by row
    for (let j = 0; j < m; j++) {
      const onehot = noGrad(() => zerosLike(y0));
      (onehot.storage.data as Float64Array)[j] = 1;
      const [g] = grad([y0], [x], { gradOutputs: [onehot], retainGraph: true, allowUnused: true });
      const row = g ? g.dataSync() : new Float64Array(n);
      g?.dispose();
      onehot.dispose();
      for (let i = 0; i < n; i++) {
        const a = row[i]!;
        const b = numeric[i]![j]!;
        if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
          releaseGraph(y0);
          y0.dispose();
          if (options.raiseException === false) return false;
          throw new AutogradError(
            "gradcheck",
            `Jacobian mismatch for input ${inputs.indexOf(x)} (shape ${fmtShape(x.shape)}) at input element ${i}, output element ${j}: analytical ${a}, numerical ${b}`,
          );
        }
      }
    }
  }
  releaseGraph(y0);
  y0.dispose();
  return true;
}
