// Loaded before every test file (vitest.config.ts): nothing global yet.
export {};
