import { ShapeError } from "../../core/errors.js";
import { tidy } from "../../core/memory.js";
import { fmtShape, numel } from "../../core/shape.js";
import { backendOf } from "../../ops/dispatch.js";
import type { Tensor } from "../../tensor/tensor.js";

/**
 * `y = x W^T + b`, with `W` in PyTorch's `[outFeatures, inFeatures]` layout. `W.t()` is a view,
 * so no copy of the weight is made.
 *
 * Shapes: x `(*, in)`, weight `(out, in)`, bias `(out)`, output `(*, out)`.
 *
 * @example
 * F.linear(torch.randn([8, 20]), torch.randn([30, 20]), torch.zeros([30])).shape; // [8, 30]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  backendOf("linear", x, weight, ...(bias ? [bias] : []));
  if (weight.ndim !== 2)
    throw new ShapeError("linear", `weight must be 2-D [out, in]; got ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape as [number, number];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError(
      "linear",
      `expected input [..., ${inF}] for weight ${fmtShape(weight.shape)}; got ${fmtShape(x.shape)}`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new ShapeError(
      "linear",
      `bias must have shape [${outF}] for weight ${fmtShape(weight.shape)}; got ${fmtShape(bias.shape)}`,
    );
  }
  return tidy(() => {
    const y = x.matmul(weight.t());
    return bias ? y.add(bias) : y;
  });
}

/**
 * `y_k = x1^T W_k x2 + b_k`, with `W` in PyTorch's `[out, in1, in2]` layout.
 *
 * Shapes: x1 `(*, in1)`, x2 `(*, in2)` (the same leading dims), weight `(out, in1, in2)`,
 * bias `(out)`, output `(*, out)`.
 *
 * @example
 * F.bilinear(torch.randn([8, 5]), torch.randn([8, 6]), torch.randn([3, 5, 6])).shape; // [8, 3]
 */
export function bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  backendOf("bilinear", x1, x2, weight, ...(bias ? [bias] : []));
  if (weight.ndim !== 3)
    throw new ShapeError(
      "bilinear",
      `weight must be 3-D [out, in1, in2]; got ${fmtShape(weight.shape)}`,
    );
  const [outF, in1, in2] = weight.shape as [number, number, number];
  const lead = x1.shape.slice(0, -1);
  if (
    x1.ndim === 0 ||
    x1.shape[x1.ndim - 1] !== in1 ||
    x2.ndim !== x1.ndim ||
    x2.shape[x2.ndim - 1] !== in2 ||
    x2.shape.slice(0, -1).some((s, i) => s !== lead[i])
  ) {
    throw new ShapeError(
      "bilinear",
      `expected inputs [..., ${in1}] and [..., ${in2}] with the same leading dims for weight ${fmtShape(weight.shape)}; got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new ShapeError(
      "bilinear",
      `bias must have shape [${outF}] for weight ${fmtShape(weight.shape)}; got ${fmtShape(bias.shape)}`,
    );
  }
  return tidy(() => {
    const n = numel(lead);
    const a = x1.reshape(n, in1);
    const b = x2.reshape(n, in2);
    // (x1 @ W') viewed as [n, out, in2], with W' = W as [in1, out * in2]; then dot with x2
    const w = weight.permute(1, 0, 2).reshape(in1, outF * in2);
    const t = a.matmul(w).view(n, outF, in2);
    let y = t.mul(b.unsqueeze(1)).sum(-1);
    if (bias) y = y.add(bias);
    return y.reshape([...lead, outF]);
  });
}
