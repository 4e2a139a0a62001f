/**
 * The platform webtorch runs on. NOTE: the browser build (scripts/build-browser.ts, its
 * BROWSER_TWINS) resolves this module's import of `./node.js` to `./browser.ts`; the Node build and
 * the tests (which run in Node from `src/`) keep `./node.js`.
 */
export { platform } from "./node.js";
export type { AsyncContext, NodeFiles, Platform, PlatformFs } from "./types.js";
