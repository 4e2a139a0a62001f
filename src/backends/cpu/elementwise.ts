import type { View } from "../backend.js";
import { coalesce } from "./strided.js";

/**
 * The generic CPU elementwise kernel: out = f(in0, in1, ...) over strided views of one shape.
 *
 * For speed each (scalar function, arity, output kind) gets its own loop compiled with
 * `new Function`: a loop whose only call site sees one function is monomorphic, so V8 inlines `f`
 * into it. (A closure factory would share one feedback vector between every op and go
 * megamorphic.) Where code generation is forbidden (a strict CSP), the same loop runs as a plain
 * closure: correct, slower.
 */

type Scalar = (...xs: number[]) => unknown;
type Arr = { [i: number]: number; length: number };
type Loop = (f: Scalar, out: Arr, po: number, so: number, ins: Arr[], ps: Int32Array, ss: Int32Array, n: number) => void;

const loops = new Map<string, Loop>();

/** Source of the inner loop over `n` elements for `arity` inputs; bool outputs store 0/1. */
function loopSource(arity: number, boolOut: boolean): string {
  const args = Array.from({ length: arity }, (_, k) => `i${k}[p${k} + j * s${k}]`).join(", ");
  const argsContig = Array.from({ length: arity }, (_, k) => `i${k}[p${k} + j]`).join(", ");
  const wrap = (e: string) => (boolOut ? `(${e}) ? 1 : 0` : e);
  const decl = Array.from({ length: arity }, (_, k) => `const i${k} = ins[${k}], p${k} = ps[${k}], s${k} = ss[${k}];`).join("\n");
  const allUnit = Array.from({ length: arity }, (_, k) => `s${k} === 1`).concat(["so === 1"]).join(" && ");
  return `${decl}
if (${allUnit}) { for (let j = 0; j < n; j++) out[po + j] = ${wrap(`f(${argsContig})`)}; return; }
for (let j = 0; j < n; j++) out[po + j * so] = ${wrap(`f(${args})`)};`;
}

function closureLoop(arity: number, boolOut: boolean): Loop {
  return (f, out, po, so, ins, ps, ss, n) => {
    const xs = new Array<number>(arity);
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < arity; k++) xs[k] = ins[k]![ps[k]! + j * ss[k]!]!;
      const v = f(...xs) as number;
      out[po + j * so] = boolOut ? (v ? 1 : 0) : v;
    }
  };
}

let codegenAllowed = true;

function getLoop(key: string, arity: number, boolOut: boolean): Loop {
  let loop = loops.get(key);
  if (loop) return loop;
  if (codegenAllowed) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      loop = new Function("f", "out", "po", "so", "ins", "ps", "ss", "n", loopSource(arity, boolOut)) as Loop;
    } catch {
      codegenAllowed = false;
    }
  }
  loop ??= closureLoop(arity, boolOut);
  loops.set(key, loop);
  return loop;
}

const MAX_ARITY = 3;
const scratchP = new Int32Array(MAX_ARITY);
const scratchS = new Int32Array(MAX_ARITY);

/**
 * Runs `f` elementwise. `key` names the scalar function (one compiled loop per key and arity).
 */
export function elementwise(key: string, f: Scalar, out: View, ins: readonly View[]): void {
  const arity = ins.length;
  const boolOut = out.dtype === "bool";
  const loop = getLoop(`${key}/${arity}/${boolOut ? "b" : "n"}`, arity, boolOut);
  const outArr = out.storage.data as Arr;
  const inArrs = ins.map((v) => v.storage.data as Arr);
  const { shape, strides } = coalesce(out.shape, [out.strides, ...ins.map((v) => v.strides)]);
  const nd = shape.length;
  let total = 1;
  for (const d of out.shape) total *= d;
  if (total === 0) return;
  if (nd === 0) {
    for (let k = 0; k < arity; k++) {
      scratchP[k] = ins[k]!.offset;
      scratchS[k] = 0;
    }
    loop(f, outArr, out.offset, 0, inArrs, scratchP, scratchS, 1);
    return;
  }
  const inner = shape[nd - 1]!;
  const so = strides[0]![nd - 1]!;
  const ps = new Int32Array(arity);
  const ss = new Int32Array(arity);
  for (let k = 0; k < arity; k++) {
    ps[k] = ins[k]!.offset;
    ss[k] = strides[k + 1]![nd - 1]!;
  }
  let po = out.offset;
  if (nd === 1) {
    loop(f, outArr, po, so, inArrs, ps, ss, inner);
    return;
  }
  const idx = new Int32Array(nd);
  for (let o = 0; o < total; o += inner) {
    loop(f, outArr, po, so, inArrs, ps, ss, inner);
    for (let d = nd - 2; d >= 0; d--) {
      po += strides[0]![d]!;
      for (let k = 0; k < arity; k++) ps[k] += strides[k + 1]![d]!;
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
      po -= strides[0]![d]! * shape[d]!;
      for (let k = 0; k < arity; k++) ps[k] -= strides[k + 1]![d]! * shape[d]!;
    }
  }
}
