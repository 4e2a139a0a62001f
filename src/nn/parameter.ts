import type { DeviceName } from "../backends/backend.js";
import { isFloat, type DTypeName } from "../core/dtype.js";
import { DTypeError, TensorError } from "../core/errors.js";
import { fmtShape } from "../core/shape.js";
import { empty } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * A tensor that is a module's learnable weight, as PyTorch's `nn.Parameter`: a leaf that requires
 * grad by default (`requiresGrad`, default true) and that no
 * `tidy` disposes. It shares the storage of the tensor it wraps, which stays the caller's: dispose
 * it when it was a temporary (or use `newParameter(shape)` for a fresh one).
 *
 * @example
 * this.scale = new nn.Parameter(torch.ones([features]));
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    // Checked before the handle is made, so that a refused parameter leaks nothing.
    if (data.isDisposed)
      throw new TensorError(
        "Parameter",
        `a ${data.dtype} tensor of shape ${fmtShape(data.shape)} was used after dispose()`,
      );
    if (requiresGrad && !isFloat(data.dtype))
      throw new DTypeError(
        "Parameter",
        `only floating-point tensors can require gradients; got ${data.dtype}`,
      );
    super(data.storage, data.shape, data.strides, data.offset);
    this.kept = true;
    if (requiresGrad) this.requiresGrad_(true);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** PyTorch's `device` and `dtype` factory keywords of a layer's constructor. */
export interface FactoryOptions {
  /** Where the parameters live (default: the default device, `torch.setDefaultDevice`). */
  device?: DeviceName;
  /** The parameters' dtype (default float32; PyTorch's names work: `"double"` is float64). */
  dtype?: DTypeName;
}

/**
 * A new (zero-filled) parameter of `shape`; the caller initialises it.
 *
 * @internal
 */
export function newParameter(shape: readonly number[], options: FactoryOptions = {}): Parameter {
  const t = empty([...shape], {
    dtype: options.dtype ?? "float32",
    ...(options.device ? { device: options.device } : {}),
  });
  try {
    return new Parameter(t);
  } finally {
    t.dispose();
  }
}
