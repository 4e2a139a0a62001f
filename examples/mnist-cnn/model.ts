/**
 * The network of the MNIST example, exactly as a PyTorch user writes it (DESIGN.md section 1):
 *
 * ```python
 * class SimpleCNN(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
 *         self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
 *         self.pool = nn.MaxPool2d(2, stride=2)
 *         self.fc1 = nn.Linear(64 * 7 * 7, 128)
 *         self.fc2 = nn.Linear(128, 10)
 *     def forward(self, x):
 *         x = self.pool(F.relu(self.conv1(x)))
 *         x = self.pool(F.relu(self.conv2(x)))
 *         x = x.view(-1, 64 * 7 * 7)
 *         return self.fc2(F.relu(self.fc1(x)))
 * ```
 *
 * Its state dict has PyTorch's keys (`conv1.weight` [32, 1, 3, 3], `conv1.bias`, `conv2.weight`,
 * `conv2.bias`, `fc1.weight` [128, 3136], `fc1.bias`, `fc2.weight`, `fc2.bias`), so the weights
 * that `train.ts` saves load into the PyTorch class above with `safetensors.torch.load_file`.
 */
import * as torch from "../../src/index.js";

const { nn } = torch;

/** MNIST's pixel mean and standard deviation (over the official training set), as in PyTorch's examples. */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;
const F = torch.nn.functional;

export class SimpleCNN extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, { padding: 1 });
  conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
  pool = new nn.MaxPool2d(2, { stride: 2 });
  fc1 = new nn.Linear(64 * 7 * 7, 128);
  fc2 = new nn.Linear(128, 10);
  forward(x: torch.Tensor) {
    x = this.pool.forward(F.relu(this.conv1.forward(x)));
    x = this.pool.forward(F.relu(this.conv2.forward(x)));
    x = x.view(-1, 64 * 7 * 7);
    return this.fc2.forward(F.relu(this.fc1.forward(x)));
  }
}
