/**
 * `torch.optim`: optimizers and LR schedulers. Barrel file: one `export` line per source file
 * (append, never rewrite).
 */
export {};
