/**
 * `torch.data`: datasets and the `DataLoader` (PyTorch's `torch.utils.data`). Barrel file: one
 * `export` line per source file (append, never rewrite).
 */
export { Dataset, TensorDataset, Subset, ConcatDataset, randomSplit } from "./dataset.js";
export type { DatasetLike } from "./dataset.js";
export { DataLoader } from "./dataloader.js";
export type { DataLoaderOptions } from "./dataloader.js";
export { defaultCollate } from "./collate.js";
export type { Collated } from "./collate.js";
