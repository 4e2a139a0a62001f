/**
 * The misuse fuzzer (issue 9): every op of the op list called with a wrong argument in each
 * tensor slot (undefined, null, strings, objects, nested arrays, functions, symbols, random values
 * from fast-check's `anything()`, a disposed tensor), with an out-of-range or fractional `dim`,
 * and creation ops with impossible sizes. Each call is classified: a typed webtorch error that
 * names the op, a raw JS error from inside, or a silent accept; and whether it leaked tensors or
 * changed its inputs. `test/core/fuzz.test.ts` asserts the tally; `scripts/fuzz-report.ts` prints
 * it (the closing note's figures).
 *
 * Written against `torch` and the op list passed in, so that the same calls can be replayed on an
 * older checkout for the before/after figures.
 */
import fc from "fast-check";

import type * as Torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import type { OpInfo } from "../op-info/op-info.js";
import type { Sample } from "../op-info/sample.js";

type TorchModule = typeof Torch;

/** What a bad call targets: an op of the list, or a function or module of `nn` by its name. */
export type FuzzTarget = Pick<OpInfo, "name" | "aliases" | "inplace">;

/** One bad call: which op, what was wrong, its inputs, and the call with one thing broken. */
export interface FuzzCall {
  readonly op: FuzzTarget;
  readonly what: string;
  /** Makes the call's valid inputs, each registered with `own`. */
  readonly inputs: (own: <T extends Tensor>(t: T) => T) => Tensor[];
  /** Breaks one thing and calls the op on `ins`. */
  readonly call: (ins: Tensor[], own: <T extends Tensor>(t: T) => T) => unknown;
  /**
   * Whether the call returns tensors (ops; the default) or something else (a module, an
   * optimizer): a call of the first kind that returns no Tensor never reached webtorch.
   */
  readonly returnsTensor?: boolean;
}

export type Outcome = "typed" | "raw" | "silent" | "n/a";

export interface FuzzResult {
  readonly call: FuzzCall;
  readonly outcome: Outcome;
  readonly message: string;
  /** Tensors left alive after disposing everything the call made. */
  readonly leaked: number;
  /** Whether an input's values changed although the call failed. */
  readonly changed: boolean;
}

/** Values that are never a Tensor (numbers and booleans are left out: many slots take scalars). */
export const NOT_TENSORS: readonly [string, () => unknown][] = [
  ["undefined", () => undefined],
  ["null", () => null],
  ["a string", () => "abc"],
  ["an object", () => ({ shape: [2, 2] })],
  [
    "a nested array",
    () => [
      [1, 2],
      [3, 4],
    ],
  ],
  ["a function", () => () => 1],
  ["a symbol", () => Symbol("x")],
];

/**
 * Bad values of creation ops' arguments that PyTorch refuses too: the first positional argument
 * (arange's end, eye's n), linspace's steps, full's value, tensor's data.
 */
const CREATION_ARGS: Readonly<Record<string, readonly [string, unknown][]>> = {
  args: [
    ["NaN", Number.NaN],
    ["Infinity", Infinity],
    ["-1", -1],
    ["a string", "3"],
  ],
  steps: [
    ["NaN", Number.NaN],
    ["-1", -1],
    ["1.5", 1.5],
    ["a string", "5"],
  ],
  value: [
    ["a string", "abc"],
    ["an object", {}],
  ],
  data: [
    ["ragged", [[1, 2], [3]]],
    ["a string", "abc"],
    ["undefined", undefined],
    ["null", null],
    ["an object", { a: 1 }],
    ["a symbol", Symbol("x")],
  ],
};

/** Random non-tensor values from fast-check (deterministic: a fixed seed). */
function randomGarbage(count: number): unknown[] {
  return fc.sample(
    fc.anything().filter((v) => typeof v !== "number" && typeof v !== "boolean"),
    { numRuns: count, seed: 9 },
  );
}

/** The first sample of `op` that has tensor inputs (or the first at all, for creation ops). */
function firstSample(op: OpInfo): Sample | undefined {
  return op.samples.find((s) => s.inputs.length > 0) ?? op.samples[0];
}

/** Builders over the caller's torch (the op list's own builders are those of this checkout). */
export interface FuzzBuilders {
  /** The sample's inputs, laid out, each registered with `own`. */
  inputs: (s: Sample, own: <T extends Tensor>(t: T) => T) => Tensor[];
}

/** Every bad call of the fuzzer, over `ops`. */
export function fuzzCalls(ops: readonly OpInfo[], b: FuzzBuilders): FuzzCall[] {
  const calls: FuzzCall[] = [];
  const garbage = randomGarbage(3 * ops.length);
  let g = 0;
  for (const op of ops) {
    const s = firstSample(op);
    if (!s) continue;
    const kw = s.kwargs as Parameters<OpInfo["call"]>[1];
    const inputs = (own: <T extends Tensor>(t: T) => T) => b.inputs(s, own);
    const withSlot = (
      slot: number,
      what: string,
      bad: (t: Tensor, own: <T extends Tensor>(t: T) => T) => unknown,
    ) =>
      calls.push({
        op,
        what: `input ${slot}: ${what}`,
        inputs,
        call: (ins, own) => {
          const args = ins.slice();
          args[slot] = bad(ins[slot]!, own) as Tensor;
          return op.call(args, kw);
        },
      });
    for (let slot = 0; slot < s.inputs.length; slot++) {
      for (const [what, make] of NOT_TENSORS) {
        const none = make() == null;
        if (!(none && op.optional?.includes(slot))) withSlot(slot, what, () => make());
      }
      for (let k = 0; k < 3; k++) {
        const v = garbage[g++ % garbage.length];
        if (!(v == null && op.optional?.includes(slot)))
          withSlot(slot, `random ${describe(v)}`, () => v);
      }
      withSlot(slot, "a disposed tensor", (t, own) => {
        const d = own(own(t.detach()).clone());
        d.dispose();
        return d;
      });
    }
    if (typeof kw.dim === "number")
      for (const dim of [99, -99, 1.5, Number.NaN])
        calls.push({ op, what: `dim ${dim}`, inputs, call: (ins) => op.call(ins, { ...kw, dim }) });
    for (const [key, values] of Object.entries(CREATION_ARGS)) {
      if (op.family !== "creation" || !(key in kw)) continue;
      for (const [what, v] of values)
        calls.push({
          op,
          what: `${key} ${what}`,
          inputs,
          call: (ins) =>
            op.call(ins, {
              ...kw,
              [key]: key === "args" ? [v, ...(kw.args ?? []).slice(1)] : v,
            } as typeof kw),
        });
    }
    if (op.family === "creation" && Array.isArray(kw.shape))
      for (const size of [Number.NaN, -1, 1.5, Infinity, 1e10])
        calls.push({
          op,
          what: `size ${size}`,
          inputs,
          call: (ins) => op.call(ins, { ...kw, shape: [2, size] }),
        });
  }
  return calls;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** Where a raw error was thrown from: the test's own call code (n/a) or the library. */
function thrownByTestCode(e: unknown): boolean {
  const frame = (e as Error).stack?.split("\n").find((l) => /^\s+at /.test(l)) ?? "";
  return frame.includes("/test/");
}

/** Whether `message` starts by naming `op` (its name, an alias or its in-place method). */
export function namesOp(op: FuzzTarget, message: string): boolean {
  const head = /^([^:]+):/.exec(message)?.[1] ?? "";
  const names = [op.name, ...(op.aliases ?? []), op.inplace?.method].filter(Boolean) as string[];
  return names.some((n) => head === n || head.startsWith(`${n}(`));
}

/** Runs `call`, classifying it; everything it made is disposed and counted. */
export function runFuzzCall(torch: TorchModule, call: FuzzCall): FuzzResult {
  const before = torch.memory().numTensors;
  const made: Tensor[] = [];
  const own = <T extends Tensor>(t: T): T => (made.push(t), t);
  let outcome: Outcome = "silent";
  let message = "";
  let changed = false;
  const ins = call.inputs(own);
  const values = ins.map((t) => Array.from(t.dataSync()));
  try {
    const result = call.call(ins, own);
    const outs = (Array.isArray(result) ? result : [result]).filter(
      (r): r is Tensor => r instanceof torch.Tensor,
    );
    for (const r of outs) own(r);
    // no Tensor came back: the call never reached webtorch (a String method on a string input)
    if (outs.length === 0 && call.returnsTensor !== false) outcome = "n/a";
    disposeObject(result);
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
    if (e instanceof torch.TensorError) outcome = "typed";
    else outcome = thrownByTestCode(e) ? "n/a" : "raw";
    // a failed call changes nothing: every input holds what it held (NaN equal to NaN)
    changed = ins.some(
      (t, k) => t.isDisposed || String(Array.from(t.dataSync())) !== String(values[k]),
    );
  }
  for (const t of made) t.dispose();
  const leaked = torch.memory().numTensors - before;
  return { call, outcome, message, leaked: Math.max(0, leaked), changed };
}

/** Disposes a module or optimizer a call made (anything with `Symbol.dispose`). */
export function disposeObject(v: unknown): void {
  const d = (v as { [Symbol.dispose]?: () => void } | null)?.[Symbol.dispose];
  if (typeof d === "function") d.call(v);
}

/** The tally the closing note reports. */
export interface FuzzTally {
  calls: number;
  typed: number;
  typedNamingOp: number;
  raw: number;
  silent: number;
  leaks: number;
  changed: number;
  notApplicable: number;
}

export function tally(results: readonly FuzzResult[]): FuzzTally {
  const t: FuzzTally = {
    calls: 0,
    typed: 0,
    typedNamingOp: 0,
    raw: 0,
    silent: 0,
    leaks: 0,
    changed: 0,
    notApplicable: 0,
  };
  for (const r of results) {
    if (r.outcome === "n/a") {
      t.notApplicable++;
      continue;
    }
    t.calls++;
    if (r.outcome === "typed") {
      t.typed++;
      if (namesOp(r.call.op, r.message)) t.typedNamingOp++;
    } else if (r.outcome === "raw") t.raw++;
    else t.silent++;
    if (r.leaked > 0) t.leaks++;
    if (r.changed) t.changed++;
  }
  return t;
}
