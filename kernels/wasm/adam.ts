/**
 * Adam / AdamW's fused step in WebAssembly (f64x2: two elements at a time, in float64), for
 * float32 parameters and states on the wasm heap, split by elements over the worker pool:
 *
 *   adam(scalars, p, g, m, v, vm, start, end)
 *
 * The arithmetic is src/backends/cpu/optim.ts's `adam`, operation for operation and in the same
 * order, in float64 (JS numbers), rounding only what it stores: so the results equal the
 * TypeScript kernel's bit for bit. `scalars` is a block of f64s (slots: {@link ADAM_SLOTS});
 * the optional parts (L2 decay, AdamW's shrink, amsgrad) are chosen per lane by masks from the
 * block (all ones or all zeros), so one loop serves every variant. Without amsgrad, `vm` is `v`:
 * the maximum is not taken, and the value stored there is `v`'s own.
 *
 * @module
 */
import type { FuncBuilder, ModuleBuilder } from "./assembler.js";

/** The f64 slots of the scalar block (8 bytes each). */
export const ADAM_SLOTS = [
  "sign",
  "l2",
  "decay",
  "beta1",
  "oneMinusBeta1",
  "beta2",
  "oneMinusBeta2",
  "biasCorrection2Sqrt",
  "eps",
  "negStepSize",
  /** masks (all-ones bits where on): L2 decay added, AdamW's shrink, amsgrad */
  "useL2",
  "useShrink",
  "useMax",
] as const;

const slot = (name: (typeof ADAM_SLOTS)[number]) => 8 * ADAM_SLOTS.indexOf(name);

function emit(f: FuncBuilder): void {
  const [S, P, G, M, V, VM, start, end] = [0, 1, 2, 3, 4, 5, 6, 7];
  const i = f.local("i32");
  const at = f.local("i32");
  const [x, d, gi, mi, vi, den] = Array.from({ length: 6 }, () => f.local("v128"));
  const scalar = (name: (typeof ADAM_SLOTS)[number]) => f.localGet(S).v128Load64Splat(slot(name));
  /** two f32s at base + at, as f64x2 (an odd last element reads 4 bytes past: in its block) */
  const load2 = (base: number) =>
    f.localGet(base).localGet(at).i32Add().v128Load64Zero().f64x2PromoteLowF32x4();
  /** stores the f64x2 pushed by `value` at base + at: both lanes, or the first (`one`) */
  const store2 = (base: number, value: () => void, one: boolean) => {
    f.localGet(base).localGet(at).i32Add();
    value();
    f.f32x4DemoteF64x2Zero();
    if (one) f.v128Store32Lane(0);
    else f.v128Store64Lane(0);
  };
  const body = (one: boolean) => {
    load2(P).localSet(x);
    // d = sign * g; gi = useL2 ? d + x * l2 : d
    scalar("sign");
    load2(G).f64x2Mul().localSet(d);
    f.localGet(d).localGet(x);
    scalar("l2");
    f.f64x2Mul().f64x2Add().localGet(d);
    scalar("useL2");
    f.v128Bitselect().localSet(gi);
    // x = useShrink ? x * decay : x
    f.localGet(x);
    scalar("decay");
    f.f64x2Mul().localGet(x);
    scalar("useShrink");
    f.v128Bitselect().localSet(x);
    // mi = m * beta1 + gi * (1 - beta1); vi = v * beta2 + gi * gi * (1 - beta2)
    load2(M);
    scalar("beta1");
    f.f64x2Mul().localGet(gi);
    scalar("oneMinusBeta1");
    f.f64x2Mul().f64x2Add().localSet(mi);
    load2(V);
    scalar("beta2");
    f.f64x2Mul().localGet(gi).localGet(gi).f64x2Mul();
    scalar("oneMinusBeta2");
    f.f64x2Mul().f64x2Add().localSet(vi);
    store2(M, () => f.localGet(mi), one);
    store2(V, () => f.localGet(vi), one);
    // den = useMax ? max(vm, vi) : vi, stored back to vm (which is v without amsgrad)
    load2(VM).localGet(vi).f64x2Max().localGet(vi);
    scalar("useMax");
    f.v128Bitselect().localSet(den);
    store2(VM, () => f.localGet(den), one);
    // p = x + (mi / (sqrt(den) / bc2 + eps)) * negStepSize
    store2(
      P,
      () => {
        f.localGet(x).localGet(mi).localGet(den).f64x2Sqrt();
        scalar("biasCorrection2Sqrt");
        f.f64x2Div();
        scalar("eps");
        f.f64x2Add().f64x2Div();
        scalar("negStepSize");
        f.f64x2Mul().f64x2Add();
      },
      one,
    );
  };
  // pairs, then a last odd element
  f.localGet(start).localSet(i);
  f.block().loop();
  f.localGet(i).i32Const(2).i32Add().localGet(end).i32GtS().brIf(1);
  f.localGet(i).i32Const(2).i32Shl().localSet(at);
  body(false);
  f.localGet(i).i32Const(2).i32Add().localSet(i).br(0);
  f.end().end();
  f.localGet(i).localGet(end).i32LtS().if();
  f.localGet(i).i32Const(2).i32Shl().localSet(at);
  body(true);
  f.end();
}

/** Adds `adam` (see the module comment) to `m`. */
export function addAdam(m: ModuleBuilder): void {
  const params = ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"] as const;
  m.func("adam", [...params], [], emit);
}
