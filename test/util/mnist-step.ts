/**
 * One training step of the MNIST example's network, exactly as examples/mnist-cnn/train.ts writes
 * it (the batch moved to `dev`, an optional transform, cross-entropy, backward, Adam, one
 * `torch.tidy`); returns the loss. Shared by the GPU backends' training tests.
 */
import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import type { SimpleCNN } from "../../examples/mnist-cnn/model.js";

export async function trainStep(
  model: SimpleCNN,
  optimizer: torch.optim.Adam,
  x: Tensor,
  y: Tensor,
  dev: DeviceName,
  transform: (images: Tensor) => Tensor = (images) => images,
): Promise<number> {
  const loss = torch.tidy(() => {
    const input = transform(x.to(dev));
    const target = y.to(dev);
    optimizer.zeroGrad();
    const loss = torch.nn.functional.crossEntropy(model.forward(input), target);
    loss.backward();
    optimizer.step();
    return loss;
  });
  const value = await loss.item();
  loss.dispose();
  return value;
}
