/**
 * `torch.optim`: optimizers and LR schedulers. Barrel file: one `export` line per source file
 * (append, never rewrite).
 */
export { Optimizer, disposeStateDict } from "./optimizer.js";
export type {
  BaseOptions,
  OptimizerExtraOptions,
  OptimizerStateDict,
  OptionRule,
  ParamGroup,
  ParamGroupInput,
  Params,
  SchedulerGroupFields,
  StateKeySpec,
  StateValue,
} from "./optimizer.js";
export { SGD } from "./sgd.js";
export type { SGDOptions, SGDState } from "./sgd.js";
export { Momentum } from "./momentum.js";
export { Adagrad } from "./adagrad.js";
export type { AdagradOptions, AdagradState } from "./adagrad.js";
export { RMSprop } from "./rmsprop.js";
export type { RMSpropOptions, RMSpropState } from "./rmsprop.js";
export { Adam } from "./adam.js";
export type { AdamOptions, AdamState } from "./adam.js";
export { AdamW } from "./adamw.js";
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  LambdaLR,
  OneCycleLR,
  SequentialLR,
  ReduceLROnPlateau,
} from "./lr-scheduler.js";
export type { SchedulerStateDict } from "./lr-scheduler.js";
