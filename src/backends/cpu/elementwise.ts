import type { View } from "../../core/layout.js";
import { coalesce } from "./strided.js";

/**
 * The generic CPU elementwise kernel: out = f(in0, in1, ...) over strided views of one shape.
 *
 * For speed each (scalar function, arity, output kind) gets its own loop compiled with
 * `new Function`: a loop whose only call site sees one function is monomorphic, so V8 inlines `f`
 * into it. (A closure factory would share one feedback vector between every op and go
 * megamorphic.) Where code generation is forbidden (a strict CSP), the same loop runs as a plain
 * closure: correct, slower.
 *
 * NOTE: each loop's source must be unique (it starts with a comment naming its key). V8 caches
 * `new Function` by source text, feedback included: loops of equal text would share one feedback
 * vector, their call of `f` would see every op and go megamorphic, and nothing would inline. That
 * cost 5-10x (a 1.6M-element relu: 28 ms shared, 4 ms with its own loop).
 */

type Scalar = (...xs: number[]) => unknown;
type Arr = { [i: number]: number; length: number };
/**
 * A compiled loop over the last two (coalesced) dims: `rows` x `n` elements, output at
 * `po + r * sor + j * so`, input k at `ps[k] + r * srs[k] + j * ss[k]`.
 */
type Loop = (
  f: Scalar,
  out: Arr,
  po: number,
  so: number,
  sor: number,
  ins: Arr[],
  ps: Int32Array,
  ss: Int32Array,
  srs: Int32Array,
  n: number,
  rows: number,
) => void;

const loops = new Map<string, Loop>();

/** Source of the two-level loop named `key` for `arity` inputs; bool outputs store 0/1. */
function loopSource(key: string, arity: number, boolOut: boolean): string {
  const ks = Array.from({ length: arity }, (_, k) => k);
  // bool outputs store 0/1; NaN is nonzero, hence true. NOTE: `+(v !== 0)`, not `v !== 0 ? 1 : 0`:
  // V8 compiles the conversion without a branch, and a branch on random data is ~4x slower.
  const wrap = (e: string) => (boolOut ? `+(+(${e}) !== 0)` : e);
  const decl = ks
    .map(
      (k) => `const i${k} = ins[${k}], s${k} = ss[${k}], r${k} = srs[${k}]; let p${k} = ps[${k}];`,
    )
    .join("\n");
  const contiguous = ks
    .map((k) => `s${k} === 1`)
    .concat(["so === 1"])
    .join(" && ");
  const argsContig = ks.map((k) => `i${k}[p${k} + j]`).join(", ");
  const args = ks.map((k) => `i${k}[p${k} + j * s${k}]`).join(", ");
  const advance = ks.map((k) => `p${k} += r${k};`).join(" ");
  return `// ${key.replace(/[\r\n]/g, " ")}
${decl}
if (${contiguous}) {
  for (let r = 0; r < rows; r++, po += sor) { for (let j = 0; j < n; j++) out[po + j] = ${wrap(`f(${argsContig})`)}; ${advance} }
} else {
  for (let r = 0; r < rows; r++, po += sor) { for (let j = 0; j < n; j++) out[po + j * so] = ${wrap(`f(${args})`)}; ${advance} }
}`;
}

function closureLoop(arity: number, boolOut: boolean): Loop {
  return (f, out, po, so, sor, ins, ps, ss, srs, n, rows) => {
    const xs = new Array<number>(arity);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) {
        for (let k = 0; k < arity; k++) xs[k] = ins[k]![ps[k]! + r * srs[k]! + j * ss[k]!]!;
        const v = f(...xs) as number;
        out[po + r * sor + j * so] = boolOut ? (+v !== 0 ? 1 : 0) : v;
      }
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
      loop = new Function(
        "f",
        "out",
        "po",
        "so",
        "sor",
        "ins",
        "ps",
        "ss",
        "srs",
        "n",
        "rows",
        loopSource(key, arity, boolOut),
      ) as Loop;
    } catch {
      codegenAllowed = false;
    }
  }
  loop ??= closureLoop(arity, boolOut);
  loops.set(key, loop);
  return loop;
}

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
  for (const d of out.shape) if (d === 0) return;
  // Pad to at least two dims so the compiled loop always covers (rows, n).
  while (shape.length < 2) {
    shape.unshift(1);
    for (const st of strides) st.unshift(0);
  }
  const nd = shape.length;
  const n = shape[nd - 1]!;
  const rows = shape[nd - 2]!;
  const ps = new Int32Array(arity);
  const ss = new Int32Array(arity);
  const srs = new Int32Array(arity);
  for (let k = 0; k < arity; k++) {
    ps[k] = ins[k]!.offset;
    ss[k] = strides[k + 1]![nd - 1]!;
    srs[k] = strides[k + 1]![nd - 2]!;
  }
  const so = strides[0]![nd - 1]!;
  const sor = strides[0]![nd - 2]!;
  let po = out.offset;
  if (nd === 2) {
    loop(f, outArr, po, so, sor, inArrs, ps, ss, srs, n, rows);
    return;
  }
  // Dims before the last two: an odometer over their indices.
  let outer = 1;
  for (let d = 0; d < nd - 2; d++) outer *= shape[d]!;
  const idx = new Int32Array(nd - 2);
  for (let o = 0; o < outer; o++) {
    loop(f, outArr, po, so, sor, inArrs, ps, ss, srs, n, rows);
    for (let d = nd - 3; d >= 0; d--) {
      po += strides[0]![d]!;
      for (let k = 0; k < arity; k++) ps[k] += strides[k + 1]![d]!;
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
      po -= strides[0]![d]! * shape[d]!;
      for (let k = 0; k < arity; k++) ps[k] -= strides[k + 1]![d]! * shape[d]!;
    }
  }
}
