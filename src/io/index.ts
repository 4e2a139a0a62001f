/**
 * Saving and loading state dicts (safetensors). Barrel file: one `export` line per source file
 * (append, never rewrite).
 */
export { saveBytes, loadBytes } from "./safetensors.js";
export type { SaveOptions, LoadOptions, Checkpoint } from "./safetensors.js";
export { save, load } from "./save-load.js";
