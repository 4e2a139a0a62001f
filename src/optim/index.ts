/**
 * `torch.optim`: optimizers and LR schedulers. Barrel file: one `export` line per source file
 * (append, never rewrite).
 */
// NOTE: also the entry of the subpath "webtorch/optim": the CPU backend must be registered even when
// an app imports nothing from "webtorch" itself (index.ts imports it too; it runs once)
import "../backends/init.js";

export { Optimizer, disposeStateDict } from "./optimizer.js";
// the option, param-group and state types (BaseOptions, Params, OptimizerStateDict, ...)
export type * from "./types.js";
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
export { LRScheduler } from "./lr-scheduler.js";
export type { SchedulerStateDict } from "./lr-scheduler.js";
// StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, LambdaLR
export * from "./lr-schedulers.js";
export { OneCycleLR } from "./one-cycle-lr.js";
export { SequentialLR } from "./sequential-lr.js";
export { ReduceLROnPlateau } from "./reduce-lr-on-plateau.js";
