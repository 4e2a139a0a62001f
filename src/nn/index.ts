/**
 * `torch.nn`: modules, layers, losses, init and utilities. Barrel file: one `export` line per
 * source file (append, never rewrite).
 */
// NOTE: also the entry of the subpath "webtorch/nn": the CPU backend must be registered even when
// an app imports nothing from "webtorch" itself (index.ts imports it too; it runs once)
import "../backends/init.js";

export * as functional from "./functional.js";
export { Module } from "./module.js";
export type { StateDict, ForwardHook, ForwardPreHook } from "./module.js";
export { Parameter } from "./parameter.js";
export {
  Conv1d,
  Conv2d,
  ConvTranspose2d,
  type Conv1dModuleOptions,
  type Conv2dModuleOptions,
  type ConvTranspose2dModuleOptions,
  type PaddingMode,
} from "./layers/conv.js";
export {
  MaxPool1d,
  MaxPool2d,
  AvgPool1d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  type PoolWithIndices,
  type MaxPool1dModuleOptions,
  type MaxPool2dModuleOptions,
  type AvgPool1dModuleOptions,
  type AvgPool2dModuleOptions,
} from "./layers/pooling.js";
export {
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  NLLLoss,
  KLDivLoss,
  CosineEmbeddingLoss,
} from "./layers/loss.js";
export * as utils from "./utils.js";
export {
  Linear,
  Bilinear,
  Identity,
  Flatten,
  Unflatten,
  type LinearOptions,
  type FlattenOptions,
} from "./layers/linear.js";
export {
  ReLU,
  LeakyReLU,
  ELU,
  GELU,
  SiLU,
  Mish,
  Softplus,
  Sigmoid,
  Tanh,
  Hardtanh,
  Softmax,
  LogSoftmax,
  PReLU,
  type PReLUOptions,
} from "./layers/activation.js";
export {
  BatchNorm1d,
  BatchNorm2d,
  LayerNorm,
  GroupNorm,
  type BatchNormOptions,
  type LayerNormOptions,
  type GroupNormOptions,
} from "./layers/normalization.js";
export { Dropout, Dropout2d, type DropoutOptions } from "./layers/dropout.js";
export { Embedding, type EmbeddingOptions } from "./layers/embedding.js";
export { Sequential, ModuleList, ModuleDict, type FactoryOptions } from "./layers/container.js";
export * as init from "./init.js";
export {
  MultiheadAttention,
  NonDynamicallyQuantizableLinear,
  type MultiheadAttentionOptions,
  type MultiheadAttentionForwardOptions,
} from "./layers/multihead-attention.js";
export {
  TransformerEncoderLayer,
  TransformerDecoderLayer,
  type TransformerActivation,
  type TransformerLayerOptions,
  type TransformerEncoderLayerForwardOptions,
  type TransformerDecoderLayerForwardOptions,
} from "./layers/transformer-layers.js";
export {
  TransformerEncoder,
  TransformerDecoder,
  Transformer,
  type TransformerStackOptions,
  type TransformerEncoderForwardOptions,
  type TransformerOptions,
  type TransformerForwardOptions,
} from "./layers/transformer.js";
export {
  RNN,
  LSTM,
  GRU,
  type RNNBaseOptions,
  type RNNOptions,
  type LSTMOptions,
} from "./layers/rnn.js";
export {
  RNNCell,
  LSTMCell,
  GRUCell,
  type RNNCellOptions,
  type RNNCellModuleOptions,
} from "./layers/rnn-cell.js";
