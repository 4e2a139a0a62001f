/**
 * Running an example's `main()` as a command: only when its module is the script node was
 * started with (the tests import the same module for its model and helpers), with a bad command
 * line printed as its message and the usage, exit code 2, no stack trace.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A bad command line: printed with the usage, without a stack trace. */
export class UsageError extends Error {}

/**
 * Runs `main` if `moduleUrl` (the caller's `import.meta.url`) is the script being run.
 *
 * @example
 * await runAsScript(import.meta.url, main, () => usage("char-lstm", DEFAULTS));
 */
export async function runAsScript(
  moduleUrl: string,
  main: () => Promise<void>,
  usage: () => string,
): Promise<void> {
  const script = process.argv[1];
  if (!script || realpathSync(script) !== realpathSync(fileURLToPath(moduleUrl))) return;
  try {
    await main();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n\n${usage()}`);
    process.exitCode = 2;
  }
}
