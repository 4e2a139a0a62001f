/**
 * Saving and loading state dicts (safetensors). Barrel file: one `export` line per source file
 * (append, never rewrite).
 */
export {};
