/**
 * `torch.nn.functional` (imported as `F`): the functional form of every layer and loss. Barrel
 * file: one `export` line per source file (append, never rewrite).
 */
export { conv1d, conv2d, convTranspose2d } from "../ops/conv.js";
export type { Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions } from "../ops/conv.js";
export { maxPool1d, maxPool2d, maxPool2dWithIndices, avgPool1d, avgPool2d } from "../ops/pool.js";
export type { MaxPool2dOptions, AvgPool2dOptions } from "../ops/pool.js";
export { relu, sigmoid, tanh } from "../ops/elementwise.js";
export { softmax, logSoftmax } from "../ops/softmax.js";
export { oneHot } from "../ops/indexing.js";
export { adaptiveAvgPool2d, type AdaptiveSize2d } from "./functional/pooling.js";
export {
  mseLoss,
  l1Loss,
  smoothL1Loss,
  huberLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  klDiv,
  cosineEmbeddingLoss,
  type Reduction,
  type ReductionOptions,
} from "./functional/loss.js";
export {
  crossEntropy,
  nllLoss,
  type CrossEntropyOptions,
  type NllLossOptions,
} from "./functional/classification-loss.js";
export {
  leakyRelu,
  elu,
  gelu,
  silu,
  mish,
  softplus,
  hardtanh,
  prelu,
  type GeluOptions,
  type SoftplusOptions,
  type HardtanhOptions,
} from "./functional/activations.js";
export { linear, bilinear } from "./functional/linear.js";
export { dropout, dropout2d, type DropoutOptions } from "./functional/dropout.js";
export {
  batchNorm,
  layerNorm,
  groupNorm,
  type BatchNormOptions,
  type LayerNormOptions,
  type GroupNormOptions,
} from "./functional/normalization.js";
export { embedding, type EmbeddingOptions } from "./functional/embedding.js";
export {
  scaledDotProductAttention,
  type ScaledDotProductAttentionOptions,
} from "./functional/attention.js";
