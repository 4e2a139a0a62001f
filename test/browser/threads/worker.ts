/** The threads check in a Web Worker, where `Atomics.wait` is allowed (training runs here). */
import { checkThreads } from "./check.js";

checkThreads().then(
  (r) => postMessage(r),
  (e: unknown) => postMessage({ error: String(e) }),
);
