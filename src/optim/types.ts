import type { Tensor } from "../tensor/tensor.js";

/**
 * The types of `torch.optim`'s optimizers: options, param groups, per-parameter state and PyTorch's
 * state dict layout. The base class that uses them is in `optimizer.ts`.
 */

/** The options every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/**
 * Fields an LR scheduler adds to a param group, as PyTorch's schedulers do (`initial_lr`,
 * `max_lr`, ...); they are saved in the optimizer's state dict with the group.
 */
export interface SchedulerGroupFields {
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
}

/** A param group as the optimizer holds it: every option resolved, plus its parameters. */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O &
  SchedulerGroupFields & { params: Tensor[] };

/** A param group as given to the constructor or `addParamGroup`: options not given take the defaults. */
export type ParamGroupInput<O extends BaseOptions = BaseOptions> = Partial<O> &
  SchedulerGroupFields & { params: Iterable<Tensor> | Tensor };

/** What an optimizer optimizes: parameters (one group), or param groups with their own options. */
export type Params<O extends BaseOptions = BaseOptions> =
  Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * How the constructor checks one option: a finite number >= 0, any finite number, a boolean, or
 * Adam's pair of betas, each in [0, 1).
 */
export type OptionRule = "nonNegative" | "number" | "boolean" | "betas";

/**
 * PyTorch's default of each option of `O`; `undefined` marks an option with no default (SGD's
 * lr), which every param group must then give.
 */
export type OptionDefaults<O> = { readonly [K in keyof O]: O[K] | undefined };

/** How an optimizer checks each of its options `O` (the keys are the options it takes). */
export type OptionRules<O> = { readonly [K in keyof O]: OptionRule };

/**
 * The options argument of an optimizer's constructor: any of its hyper-parameters `O` (the rest
 * take PyTorch's defaults), plus the options that configure the object (`fused`).
 */
export type OptimizerOptions<O> = Partial<O> & OptimizerExtraOptions;

/** One entry of a parameter's state: a tensor (kept by the optimizer), a count, or nothing. */
export type StateValue = Tensor | number | null;

/** The kind of one per-parameter state entry that `loadStateDict` accepts, and whether it must be there. */
export interface StateKeySpec {
  kind: "tensor" | "number" | "tensorOrNull";
  required: boolean;
}

/** The state entries an optimizer keeps per parameter (its state type `S`'s keys), for `loadStateDict`. */
export type StateSpec<S> = Record<keyof S, StateKeySpec>;

/**
 * PyTorch's optimizer state dict, to the letter: state per parameter index and the param groups
 * with their options and parameter indices, under PyTorch's (snake_case) keys:
 * `{ state: { 0: { step: 3, exp_avg: Tensor, ... } }, param_groups: [{ lr: 0.001, betas: [0.9, 0.999], ..., params: [0, 1] }] }`.
 * `step` is a number (PyTorch 1.13 saves a 0-d tensor; `loadStateDict` takes either).
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number | null>>;
  param_groups: ({ params: number[] } & Record<string, unknown>)[];
}

/** Options that are not hyper-parameters: they configure this object, not a param group. */
export interface OptimizerExtraOptions {
  /**
   * Update with the fused `optimStep` primitive (one pass over memory per parameter, no
   * allocation) where the parameter is contiguous; `false` runs the composite of elementwise
   * ops (the readable reference). Default true. Not saved in the state dict.
   */
  fused?: boolean;
}
