/**
 * `torch.nn.functional` (imported as `F`): the functional form of every layer and loss. Barrel
 * file: one `export` line per source file (append, never rewrite).
 */
export { conv1d, conv2d, convTranspose2d, maxPool1d, maxPool2d, maxPool2dWithIndices, avgPool1d, avgPool2d } from "../ops/conv.js";
export type { Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions, MaxPool2dOptions, AvgPool2dOptions } from "../ops/conv.js";
export { relu, sigmoid, tanh } from "../ops/elementwise.js";
export { softmax, logSoftmax } from "../ops/reduce.js";
export { oneHot } from "../ops/indexing.js";
