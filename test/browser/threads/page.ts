/**
 * The threads page: the check of check.ts on the page's main thread (which spins instead of
 * `Atomics.wait`), then in a Web Worker. Leaves `window.__threads` for test/browser/threads.ts.
 */
import { checkThreads, type ThreadsResult } from "./check.js";

type Outcome = ThreadsResult | { error: string };

declare global {
  interface Window {
    __threads?: { main: Outcome; worker: Outcome };
  }
}

function inWorker(): Promise<Outcome> {
  const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve) => {
    w.onmessage = (e: MessageEvent<Outcome>) => resolve(e.data);
    w.onerror = (e) => resolve({ error: e.message });
  });
}

async function main() {
  const mainThread = await checkThreads().catch((e: unknown) => ({ error: String(e) }));
  window.__threads = { main: mainThread, worker: await inWorker() };
}

void main();
