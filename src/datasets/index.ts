/**
 * `torch.datasets`: ready-made datasets. Barrel file: one `export` line per source file (append,
 * never rewrite).
 */
export { MNIST } from "./mnist.js";
export type { MNISTLoadOptions, BundledDigits } from "./mnist.js";
export { parseIdx } from "./idx.js";
export type { IdxArray } from "./idx.js";
