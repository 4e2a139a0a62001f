/**
 * Just enough of vitest's test API (`describe`, `it`, `expect`, hooks) for a vitest test file to
 * run unchanged in a browser page: the page's Vite config aliases "vitest" to this module. Tests
 * register while the file is imported and run, one after another, when `runTests()` is called.
 * `expect` is vitest's own (`@vitest/expect` on chai), so failures read as they do in Node.
 */
import { JestAsymmetricMatchers, JestChaiExpect, JestExtend } from "@vitest/expect";
import * as chai from "chai";

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

/** vitest's `expect(value, message?)`. */
export const expect = ((value: unknown, message?: string) =>
  chai.expect(value, message)) as unknown as typeof import("vitest").expect;

type Fn = () => unknown;

interface TestCase {
  name: string;
  fn: Fn;
  skip: string | null;
}

interface Suite {
  name: string;
  tests: TestCase[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

const root: Suite = { name: "", tests: [], afterAll: [], beforeEach: [], afterEach: [] };
const stack: Suite[] = [root];
let skipDepth = 0;

function fullName(name: string): string {
  return [...stack.slice(1).map((s) => s.name), name].join(" > ");
}

function describeImpl(name: string, fn: Fn, skip: boolean): void {
  const suite: Suite = { ...root, name, tests: [], afterAll: [], beforeEach: [], afterEach: [] };
  stack.push(suite);
  if (skip) skipDepth++;
  try {
    fn();
  } finally {
    if (skip) skipDepth--;
    stack.pop();
  }
  const parent = stack.at(-1)!;
  // NOTE: hooks of a suite wrap its own tests; flattened into the parent with them
  for (const t of suite.tests)
    parent.tests.push({
      ...t,
      fn: async () => {
        for (const h of suite.beforeEach) await h();
        try {
          await t.fn();
        } finally {
          for (const h of suite.afterEach) await h();
        }
      },
    });
  parent.afterAll.push(...suite.afterAll);
}

/** vitest's `describe` (and `describe.skip`). */
export const describe = Object.assign((name: string, fn: Fn) => describeImpl(name, fn, false), {
  skip: (name: string, fn: Fn) => describeImpl(name, fn, true),
});

function addTest(name: string, fn: Fn, skip: string | null): void {
  stack.at(-1)!.tests.push({
    name: fullName(name),
    fn,
    skip: skip ?? (skipDepth > 0 ? "in a skipped block" : null),
  });
}

/** vitest's `it` (and `it.skip`); `test` is the same. */
export const it = Object.assign((name: string, fn: Fn) => addTest(name, fn, null), {
  skip: (name: string, fn: Fn) => addTest(name, fn, "it.skip"),
});
export const test = it;

export const afterAll = (fn: Fn) => void stack.at(-1)!.afterAll.push(fn);
export const beforeEach = (fn: Fn) => void stack.at(-1)!.beforeEach.push(fn);
export const afterEach = (fn: Fn) => void stack.at(-1)!.afterEach.push(fn);

/** One test's outcome, as the runner reports it. */
export interface TestResult {
  name: string;
  status: "pass" | "fail" | "skip";
  error?: string;
}

/** Runs every registered test in order, then the afterAll hooks; never throws. */
export async function runTests(
  onResult?: (r: TestResult) => void,
): Promise<{ results: TestResult[]; afterAllError?: string }> {
  const results: TestResult[] = [];
  for (const t of root.tests) {
    let r: TestResult;
    if (t.skip !== null) r = { name: t.name, status: "skip" };
    else
      try {
        await t.fn();
        r = { name: t.name, status: "pass" };
      } catch (e) {
        r = { name: t.name, status: "fail", error: e instanceof Error ? e.message : String(e) };
      }
    results.push(r);
    onResult?.(r);
  }
  try {
    for (const h of root.afterAll) await h();
  } catch (e) {
    return { results, afterAllError: String(e) };
  }
  return { results };
}
