/**
 * `node:fs`'s `readFileSync` for the golden fixtures in a browser page (the page's Vite config
 * puts this module in its place): test/golden/fixtures.ts reads `new URL("./<family>.json",
 * import.meta.url)`, which Vite bundles here as text, so the fixture code runs unchanged.
 */
/// <reference types="vite/client" />

const FIXTURES = import.meta.glob<string>("../../golden/*.json", {
  eager: true,
  query: "?raw",
  import: "default",
});

const byName = new Map(
  Object.entries(FIXTURES).map(([path, text]) => [path.slice(path.lastIndexOf("/") + 1), text]),
);

export function readFileSync(path: string | URL): string {
  const p = String(path);
  const text = byName.get(p.slice(p.lastIndexOf("/") + 1));
  if (text === undefined) throw new Error(`readFileSync (browser test shim): no fixture ${p}`);
  return text;
}
