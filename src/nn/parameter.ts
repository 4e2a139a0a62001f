import { Tensor } from "../tensor/tensor.js";

/**
 * A tensor that is a module's learnable weight: a leaf that requires grad by default and that no
 * `tidy` disposes. It shares the storage of the tensor it wraps.
 *
 * @example
 * this.scale = new nn.Parameter(torch.ones([features]));
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.storage, data.shape, data.strides, data.offset);
    this.kept = true;
    if (requiresGrad) this.requiresGrad_(true);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
