import { ValueError } from "../../core/errors.js";
import type { Module } from "../module.js";

/**
 * Deep copies of modules, for PyTorch's `copy.deepcopy` (what `nn.TransformerEncoder` does to
 * its layer). JavaScript cannot copy a class instance with private state generically, so a
 * module that can be copied says how: a `clone()` method that builds a fresh module of the same
 * configuration and calls {@link copyModuleState} on it.
 */

/** A module with a `clone()` method: a deep copy with its own parameters. */
export interface CloneableModule extends Module {
  clone(): Module;
}

/**
 * A deep copy of `module` through its `clone()` method; a module without one gets a `ValueError`
 * naming `op` that says what to add.
 *
 * @internal
 */
export function cloneModule<T extends Module>(module: T, op: string): T {
  const clone = (module as unknown as { clone?: unknown }).clone;
  if (typeof clone !== "function")
    throw new ValueError(
      op,
      `cannot deep-copy a ${module.constructor.name}: give it a clone() method that returns a fresh module with copied parameters`,
    );
  return clone.call(module) as T;
}

/**
 * Copies `src`'s parameters and buffers into `dst` (a freshly built module of the same
 * configuration: new tensors, not shared ones), with each parameter's `requiresGrad` and each
 * submodule's train/eval mode. Returns `dst`.
 *
 * @internal
 */
export function copyModuleState<T extends Module>(src: Module, dst: T): T {
  dst.loadStateDict(src.stateDict());
  const dstParams = dst.parameters();
  src.parameters().forEach((p, i) => dstParams[i]?.requiresGrad_(p.requiresGrad));
  const dstModules = [...dst.modules()];
  [...src.modules()].forEach((m, i) => {
    if (dstModules[i]) dstModules[i].training = m.training;
  });
  return dst;
}
