/**
 * `torch.nn`: modules, layers, losses, init and utilities. Barrel file: one `export` line per
 * source file (append, never rewrite).
 */
export * as functional from "./functional.js";
export { Module } from "./module.js";
export type { StateDict, ForwardHook, ForwardPreHook } from "./module.js";
export { Parameter } from "./parameter.js";
