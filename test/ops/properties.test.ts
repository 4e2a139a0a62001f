/**
 * Property tests (fast-check): broadcasting, chains of views, reshape, gather/indexSelect and
 * reductions, each compared with a plain JS reference on row-major arrays. Shapes stay small and
 * values are small integers (exact in float32), so comparisons are exact.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { NestedArray, Tensor } from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const NUM_RUNS = 100;

// ---- a plain reference: row-major data plus a shape ----

interface Ref {
  shape: number[];
  data: number[];
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i]!;
  }
  return st;
}

function at(r: Ref, idx: readonly number[]): number {
  const st = stridesOf(r.shape);
  let o = 0;
  for (let i = 0; i < idx.length; i++) o += idx[i]! * st[i]!;
  return r.data[o]!;
}

/** Every multi-index of `shape`, in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = prod(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    yield idx.slice();
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

function fromFn(shape: readonly number[], f: (idx: number[]) => number): Ref {
  const data: number[] = [];
  for (const idx of indices(shape)) data.push(f(idx));
  return { shape: [...shape], data };
}

function nested(r: Ref): NestedArray {
  if (r.shape.length === 0) return r.data[0]!;
  let pos = 0;
  const build = (d: number): NestedArray[] =>
    Array.from({ length: r.shape[d]! }, () =>
      d === r.shape.length - 1 ? r.data[pos++]! : build(d + 1),
    );
  return build(0);
}

function toTensor(r: Ref): Tensor {
  return torch.tensor(Float32Array.from(r.data), { shape: r.shape });
}

/**
 * The values of `t`, read through a fresh contiguous copy (so the view logic is checked apart from
 * readback of views, which has its own property below).
 */
function flat(t: Tensor): number[] {
  const c = t.clone();
  const v = Array.from(c.dataSync());
  c.dispose();
  return v;
}

function read(t: Tensor): NestedArray {
  const c = t.clone();
  const v = c.tolistSync();
  c.dispose();
  return v;
}

function refOf(t: Tensor): Ref {
  return { shape: [...t.shape], data: flat(t) };
}

/** PyTorch's broadcasting, written out independently of src/core/shape.ts. */
function refBroadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(Math.max(da, db) === 1 ? 1 : da === 1 ? db : da);
  }
  return out;
}

function refBinary(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  const shape = refBroadcast(a.shape, b.shape)!;
  const pick = (r: Ref, idx: number[]) => {
    const lead = idx.length - r.shape.length;
    return at(
      r,
      r.shape.map((s, i) => (s === 1 ? 0 : idx[lead + i]!)),
    );
  };
  return fromFn(shape, (idx) => f(pick(a, idx), pick(b, idx)));
}

// ---- arbitraries ----

const dimSize = fc.integer({ min: 1, max: 4 });
const shapeArb = (minRank: number, maxRank: number) =>
  fc.array(dimSize, { minLength: minRank, maxLength: maxRank });
const smallInt = fc.integer({ min: -5, max: 5 });

/** A shape and integer data for it. */
const refArb = (minRank = 0, maxRank = 4): fc.Arbitrary<Ref> =>
  shapeArb(minRank, maxRank).chain((shape) =>
    fc
      .array(smallInt, { minLength: prod(shape), maxLength: prod(shape) })
      .map((data) => ({ shape, data })),
  );

/** Two shapes that broadcast: suffixes of one output shape with some dims set to 1. */
const broadcastPairArb = shapeArb(0, 4).chain((out) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([la, lb, onesA, onesB]) => {
      const a = out.slice(out.length - la).map((s, i) => (onesA[i] ? 1 : s));
      const b = out.slice(out.length - lb).map((s, i) => (onesB[i] ? 1 : s));
      return [a, b] as const;
    }),
);

const dataFor = (shape: readonly number[]) =>
  fc.array(smallInt, { minLength: prod(shape), maxLength: prod(shape) });

/** Shapes of sizes 1..3 and rank 0..3: a good mix of broadcastable and not. */
const looseShape = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 });

// ---- broadcasting ----

describe("properties: broadcasting", () => {
  withLeakCheck();

  it("add and mul of broadcastable shapes match the reference", () => {
    fc.assert(
      fc.property(
        broadcastPairArb.chain(([sa, sb]) =>
          fc.tuple(fc.constant(sa), fc.constant(sb), dataFor(sa), dataFor(sb)),
        ),
        ([sa, sb, da, db]) => {
          const a: Ref = { shape: [...sa], data: da };
          const b: Ref = { shape: [...sb], data: db };
          torch.tidy(() => {
            const ta = toTensor(a);
            const tb = toTensor(b);
            const sum = ta.add(tb);
            const prd = torch.mul(ta, tb);
            const diff = tb.sub(ta);
            const refSum = refBinary(a, b, (x, y) => x + y);
            expect(sum.shape).toEqual(refSum.shape);
            expect(sum.tolistSync()).toEqual(nested(refSum));
            expect(prd.tolistSync()).toEqual(nested(refBinary(a, b, (x, y) => x * y)));
            expect(diff.tolistSync()).toEqual(nested(refBinary(b, a, (x, y) => x - y)));
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("add of any two small shapes broadcasts exactly when the reference says so", () => {
    fc.assert(
      fc.property(looseShape, looseShape, (sa, sb) => {
        const expected = refBroadcast(sa, sb);
        torch.tidy(() => {
          const a = torch.ones(sa);
          const b = torch.ones(sb);
          if (expected === null) {
            expect(() => a.add(b)).toThrow(torch.ShapeError);
            expect(() => torch.broadcastShapes(sa, sb, "add")).toThrow(
              /^add: shapes .* are not broadcastable \(dim -\d+: \d+ vs \d+\)$/,
            );
          } else {
            expect(a.add(b).shape).toEqual(expected);
            expect(torch.broadcastShapes(sa, sb, "add")).toEqual(expected);
          }
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  /** broadcastShapes as a value: the shape, or null when it throws. */
  const bs = (a: readonly number[] | null, b: readonly number[] | null): number[] | null => {
    if (a === null || b === null) return null;
    try {
      return torch.broadcastShapes(a, b, "broadcastShapes");
    } catch (e) {
      expect(e).toBeInstanceOf(torch.ShapeError);
      return null;
    }
  };

  it("broadcastShapes is symmetric", () => {
    fc.assert(
      fc.property(looseShape, looseShape, (a, b) => {
        expect(bs(a, b)).toEqual(bs(b, a));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("broadcastShapes is associative (including which triples fail)", () => {
    fc.assert(
      fc.property(looseShape, looseShape, looseShape, (a, b, c) => {
        expect(bs(bs(a, b), c)).toEqual(bs(a, bs(b, c)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("broadcasting with [] and with itself is the identity", () => {
    fc.assert(
      fc.property(shapeArb(0, 4), (a) => {
        expect(bs(a, [])).toEqual(a);
        expect(bs(a, a)).toEqual(a);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---- chains of views ----

/** One step of a view chain; numbers are resolved against the shape at that point. */
interface Step {
  kind: number;
  a: number;
  b: number;
  c: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.integer({ min: 0, max: 8 }),
  a: fc.nat({ max: 100 }),
  b: fc.nat({ max: 100 }),
  c: fc.nat({ max: 100 }),
});

const MAX_RANK = 5;

/**
 * Applies one step to the tensor and to the reference. Returns null for a step that does not apply
 * to this shape (it is skipped). `label` describes the call, for failure messages.
 */
function applyStep(t: Tensor, r: Ref, s: Step): { t: Tensor; r: Ref; label: string } | null {
  const nd = r.shape.length;
  const dim = nd > 0 ? s.a % nd : 0;
  switch (s.kind) {
    case 0: {
      // permute by a rotation/shuffle derived from the seeds
      if (nd < 2) return null;
      const perm = Array.from({ length: nd }, (_, i) => i);
      for (let i = nd - 1; i > 0; i--) {
        const j = (s.b + i * s.c) % (i + 1);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      const inv: number[] = [];
      const ref = fromFn(
        perm.map((p) => r.shape[p]!),
        (idx) => {
          perm.forEach((p, i) => (inv[p] = idx[i]!));
          return at(r, inv);
        },
      );
      return { t: t.permute(perm), r: ref, label: `permute(${perm.join(", ")})` };
    }
    case 1: {
      if (nd < 2) return null;
      const d1 = s.b % nd;
      const neg = s.c % 2 === 1 ? d1 - nd : d1;
      const ref = fromFn(
        r.shape.map((_, i) => r.shape[i === dim ? d1 : i === d1 ? dim : i]!),
        (idx) => {
          const src = idx.slice();
          [src[dim], src[d1]] = [idx[d1]!, idx[dim]!];
          return at(r, src);
        },
      );
      return { t: t.transpose(dim, neg), r: ref, label: `transpose(${dim}, ${neg})` };
    }
    case 2: {
      if (nd === 0) return null;
      const size = r.shape[dim]!;
      const start = s.b % (size + 1);
      const len = s.c % (size - start + 1);
      const shape = r.shape.slice();
      shape[dim] = len;
      const ref = fromFn(shape, (idx) => {
        const src = idx.slice();
        src[dim] = idx[dim]! + start;
        return at(r, src);
      });
      return { t: t.narrow(dim, start, len), r: ref, label: `narrow(${dim}, ${start}, ${len})` };
    }
    case 3: {
      // basic indexing with slices (with steps, negative bounds) and integers
      if (nd === 0) return null;
      const args: torch.IndexArg[] = [];
      const picks: ((i: number) => number)[] = [];
      const shape: number[] = [];
      const keep: boolean[] = [];
      for (let d = 0; d < nd; d++) {
        const size = r.shape[d]!;
        const seed = s.a + 7 * d + s.b * (d + 1);
        if (seed % 4 === 0 && size > 0) {
          const i = seed % size;
          const idx = (seed >> 2) % 2 === 0 ? i : i - size;
          args.push(idx);
          picks.push(() => i);
          keep.push(false);
        } else {
          const start = (seed >> 1) % (size + 1);
          const stop = start + ((s.c + d) % (size - start + 1));
          const step = 1 + (((s.c >> 2) + d) % 3);
          const negStop = (s.c + d) % 3 === 0 && stop < size;
          args.push(`${start}:${negStop ? stop - size : stop}:${step}`);
          picks.push((i) => start + i * step);
          shape.push(Math.ceil((stop - start) / step));
          keep.push(true);
        }
      }
      const ref = fromFn(shape, (idx) => {
        let k = 0;
        return at(
          r,
          keep.map((kept, d) => (kept ? picks[d]!(idx[k++]!) : picks[d]!(0))),
        );
      });
      return {
        t: t.index(...args),
        r: ref,
        label: `index(${args.map((x) => JSON.stringify(x)).join(", ")})`,
      };
    }
    case 4: {
      if (nd >= MAX_RANK) return null;
      const d = s.a % (nd + 1);
      const neg = s.b % 2 === 1 ? d - nd - 1 : d;
      const shape = [...r.shape.slice(0, d), 1, ...r.shape.slice(d)];
      const ref = fromFn(shape, (idx) => at(r, [...idx.slice(0, d), ...idx.slice(d + 1)]));
      return { t: t.unsqueeze(neg), r: ref, label: `unsqueeze(${neg})` };
    }
    case 5: {
      const ones = r.shape.map((sz, i) => (sz === 1 ? i : -1)).filter((i) => i >= 0);
      if (ones.length === 0) return null;
      const d = ones[s.a % ones.length]!;
      const ref: Ref = { shape: r.shape.filter((_, i) => i !== d), data: r.data.slice() };
      return { t: t.squeeze(d), r: ref, label: `squeeze(${d})` };
    }
    case 6: {
      // expand size-1 dims (and maybe add a leading dim)
      const lead = nd < MAX_RANK && s.c % 3 === 0 ? 1 : 0;
      const target = [
        ...(lead ? [1 + (s.b % 3)] : []),
        ...r.shape.map((sz, i) => (sz === 1 ? 1 + ((s.a + i) % 3) : s.b % 2 ? -1 : sz)),
      ];
      const shape = target.map((x, i) => (x === -1 ? r.shape[i - lead]! : x));
      const ref = fromFn(shape, (idx) =>
        at(
          r,
          r.shape.map((sz, i) => (sz === 1 ? 0 : idx[i + lead]!)),
        ),
      );
      return { t: t.expand(target), r: ref, label: `expand(${target.join(", ")})` };
    }
    case 7: {
      if (nd === 0) return null;
      const dims = r.shape.map((_, i) => i).filter((i) => ((s.b >> i) & 1) === 1 || i === dim);
      const ref = fromFn(r.shape, (idx) =>
        at(
          r,
          idx.map((v, i) => (dims.includes(i) ? r.shape[i]! - 1 - v : v)),
        ),
      );
      return { t: t.flip(dims), r: ref, label: `flip([${dims.join(", ")}])` };
    }
    case 8: {
      if (nd === 0 || r.shape[dim] === 0) return null;
      const size = r.shape[dim]!;
      const i = s.b % size;
      const ref = fromFn(
        r.shape.filter((_, k) => k !== dim),
        (idx) => at(r, [...idx.slice(0, dim), i, ...idx.slice(dim)]),
      );
      return {
        t: t.select(dim, s.c % 2 ? i - size : i),
        r: ref,
        label: `select(${dim}, ${s.c % 2 ? i - size : i})`,
      };
    }
  }
  return null;
}

describe("properties: chains of views", () => {
  withLeakCheck();

  const startArb = shapeArb(1, 4).map((shape) => ({
    shape,
    data: Array.from({ length: prod(shape) }, (_, i) => i),
  }));

  it("permute/transpose/narrow/index/unsqueeze/squeeze/expand/flip/select match a nested-array reference", () => {
    fc.assert(
      fc.property(startArb, fc.array(stepArb, { minLength: 1, maxLength: 6 }), (start, steps) => {
        torch.tidy(() => {
          let t = toTensor(start);
          let r = start;
          const labels: string[] = [];
          for (const s of steps) {
            const next = applyStep(t, r, s);
            if (!next) continue;
            labels.push(next.label);
            t = next.t;
            r = next.r;
            const where = `after ${labels.join(".")} from ${JSON.stringify(start.shape)}`;
            expect(t.shape, where).toEqual(r.shape);
            expect(read(t), where).toEqual(nested(r));
          }
          // contiguous() of the final view reads the same, and is contiguous
          const c = t.contiguous();
          expect(c.isContiguous()).toBe(true);
          expect(c.shape).toEqual(r.shape);
          expect(read(c)).toEqual(read(t));
          expect(flat(c)).toEqual(r.data);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  // A view that is contiguous but does not span its whole storage (narrow/select/index on dim 0)
  // reads only its window, and reading does not dispose it (a bug once: it read the whole storage).
  it("tolistSync()/dataSync() of the view itself read the view and leave it alive", () => {
    fc.assert(
      fc.property(startArb, fc.array(stepArb, { minLength: 1, maxLength: 6 }), (start, steps) => {
        torch.tidy(() => {
          let t = toTensor(start);
          let r = start;
          for (const s of steps) {
            const next = applyStep(t, r, s);
            if (!next) continue;
            t = next.t;
            r = next.r;
          }
          expect(t.tolistSync()).toEqual(nested(r));
          expect(Array.from(t.dataSync())).toEqual(r.data);
          expect(t.isDisposed).toBe(false);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("dataSync() of x.narrow(0, 2, 2) is the two elements; select(0, 1) of a view is its row", async () => {
    const x = torch.arange(6);
    const v = x.narrow(0, 2, 2);
    expect(Array.from(v.dataSync())).toEqual([2, 3]);
    expect(Array.from(await v.data())).toEqual([2, 3]);
    expect(v.isDisposed).toBe(false);
    const m = x.view(2, 3);
    const row = m.select(0, 1);
    expect(row.tolistSync()).toEqual([3, 4, 5]);
    expect(await row.tolist()).toEqual([3, 4, 5]);
    for (const t of [row, m, v, x]) t.dispose();
  });

  it("views (everything but flip) share the storage of their base", () => {
    fc.assert(
      fc.property(startArb, fc.array(stepArb, { minLength: 1, maxLength: 6 }), (start, steps) => {
        torch.tidy(() => {
          const base = toTensor(start);
          let t = base;
          let r = start;
          for (const s of steps) {
            if (s.kind === 7) continue;
            const next = applyStep(t, r, s);
            if (!next) continue;
            t = next.t;
            r = next.r;
            expect(t.storage).toBe(base.storage);
          }
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("writing through a view writes the base at the reference positions", () => {
    fc.assert(
      fc.property(startArb, fc.array(stepArb, { minLength: 1, maxLength: 4 }), (start, steps) => {
        torch.tidy(() => {
          const base = torch.zeros(start.shape);
          // the reference tracks which base element each view element is: data = flat base index
          let r: Ref = start;
          let t = base;
          for (const s of steps) {
            // no flip (a copy) and no expand (writes to a broadcast view overlap)
            if (s.kind === 7 || s.kind === 6) continue;
            const next = applyStep(t, r, s);
            if (!next) continue;
            t = next.t;
            r = next.r;
          }
          t.fill_(1);
          const expected = new Array<number>(prod(start.shape)).fill(0);
          for (const i of r.data) expected[i] = 1;
          expect(Array.from(base.dataSync())).toEqual(expected);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---- reshape ----

/** A random factorisation of n into up to 4 factors (1s included). */
const reshapeTarget = (n: number) =>
  fc.array(fc.nat({ max: 10 }), { minLength: 0, maxLength: 3 }).map((seeds) => {
    const out: number[] = [];
    let rest = n;
    for (const s of seeds) {
      const divisors = Array.from({ length: rest }, (_, i) => i + 1).filter((d) => rest % d === 0);
      const d = divisors[s % divisors.length]!;
      out.push(d);
      rest /= d;
    }
    out.push(rest);
    return out;
  });

describe("properties: reshape", () => {
  withLeakCheck();

  it("reshape to any factorisation and back is the identity, for contiguous and transposed inputs", () => {
    fc.assert(
      fc.property(
        refArb(1, 4).chain((r) =>
          fc.tuple(fc.constant(r), reshapeTarget(prod(r.shape)), fc.boolean(), fc.nat({ max: 3 })),
        ),
        ([r, target, transposeFirst, inferAt]) => {
          torch.tidy(() => {
            let x = toTensor(r);
            let ref = r;
            if (transposeFirst && r.shape.length >= 2) {
              x = x.transpose(0, -1);
              ref = refOf(x.contiguous());
            }
            // one dim given as -1
            const spec = target.map((d, i) => (i === inferAt % target.length ? -1 : d));
            const y = x.reshape(spec);
            expect(y.shape).toEqual(target);
            expect(flat(y)).toEqual(ref.data);
            const back = y.reshape(ref.shape);
            expect(read(back)).toEqual(nested(ref));
            // flatten is reshape(-1)
            expect(flat(x.flatten())).toEqual(ref.data);
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("view succeeds exactly on contiguous inputs here, and then shares storage", () => {
    fc.assert(
      fc.property(
        refArb(1, 4).chain((r) => fc.tuple(fc.constant(r), reshapeTarget(prod(r.shape)))),
        ([r, target]) => {
          torch.tidy(() => {
            const x = toTensor(r);
            const v = x.view(target);
            expect(v.storage).toBe(x.storage);
            expect(flat(v)).toEqual(r.data);
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---- gather and indexSelect ----

describe("properties: gather and indexSelect", () => {
  withLeakCheck();

  const gatherArb = refArb(1, 3).chain((x) => {
    const nd = x.shape.length;
    return fc.nat({ max: nd - 1 }).chain((dim) =>
      fc
        .tuple(
          ...x.shape.map((s, k) =>
            k === dim ? fc.integer({ min: 0, max: 4 }) : fc.integer({ min: 1, max: s }),
          ),
        )
        .chain((ishape) =>
          fc
            .array(fc.nat({ max: x.shape[dim]! - 1 }), {
              minLength: prod(ishape),
              maxLength: prod(ishape),
            })
            .map((idata) => ({ x, dim, index: { shape: ishape, data: idata } as Ref })),
        ),
    );
  });

  it("gather matches out[i] = x[i with dim replaced by index[i]]", () => {
    fc.assert(
      fc.property(gatherArb, fc.boolean(), ({ x, dim, index }, negDim) => {
        torch.tidy(() => {
          const tx = toTensor(x);
          const ti = torch.tensor(Int32Array.from(index.data), { shape: index.shape });
          const out = tx.gather(negDim ? dim - x.shape.length : dim, ti);
          const ref = fromFn(index.shape, (idx) => {
            const src = idx.slice();
            src[dim] = at(index, idx);
            return at(x, src);
          });
          expect(out.shape).toEqual(index.shape);
          expect(out.tolistSync()).toEqual(nested(ref));
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("indexSelect matches the reference (repeats and empty indices included)", () => {
    const arb = refArb(1, 3).chain((x) =>
      fc
        .nat({ max: x.shape.length - 1 })
        .chain((dim) =>
          fc
            .array(fc.nat({ max: x.shape[dim]! - 1 }), { minLength: 0, maxLength: 5 })
            .map((idx) => ({ x, dim, idx })),
        ),
    );
    fc.assert(
      fc.property(arb, ({ x, dim, idx }) => {
        torch.tidy(() => {
          const out = toTensor(x).indexSelect(dim, torch.tensor(Int32Array.from(idx)));
          const shape = x.shape.slice();
          shape[dim] = idx.length;
          const ref = fromFn(shape, (i) => {
            const src = i.slice();
            src[dim] = idx[i[dim]!]!;
            return at(x, src);
          });
          expect(out.shape).toEqual(shape);
          expect(out.tolistSync()).toEqual(nested(ref));
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("scatterAdd into zeros then gather back recovers the per-slot sums", () => {
    fc.assert(
      fc.property(gatherArb, ({ x, dim, index }) => {
        torch.tidy(() => {
          const src = fromFn(index.shape, (idx) => (idx.reduce((a, b) => a * 3 + b, 1) % 7) - 3);
          const out = torch
            .zeros(x.shape)
            .scatterAdd(
              dim,
              torch.tensor(Int32Array.from(index.data), { shape: index.shape }),
              toTensor(src),
            );
          const ref = fromFn(x.shape, () => 0);
          const st = stridesOf(x.shape);
          for (const idx of indices(index.shape)) {
            const dst = idx.slice();
            dst[dim] = at(index, idx);
            ref.data[dst.reduce((o, v, i) => o + v * st[i]!, 0)] += at(src, idx);
          }
          expect(out.tolistSync()).toEqual(nested(ref));
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---- reductions ----

describe("properties: reductions", () => {
  withLeakCheck();

  const reduceArb = refArb(1, 4).chain((x) =>
    fc.tuple(
      fc.constant(x),
      fc.subarray(
        x.shape.map((_, i) => i),
        { minLength: 1 },
      ),
      fc.boolean(),
      fc.boolean(),
    ),
  );

  function refReduce(
    x: Ref,
    dims: readonly number[],
    keepdim: boolean,
    init: number,
    f: (acc: number, v: number) => number,
  ): Ref {
    const kept = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
    const acc = fromFn(kept, () => init);
    const st = stridesOf(kept);
    for (const idx of indices(x.shape)) {
      const o = idx.reduce((off, v, i) => off + (dims.includes(i) ? 0 : v * st[i]!), 0);
      acc.data[o] = f(acc.data[o]!, at(x, idx));
    }
    return keepdim ? acc : { shape: x.shape.filter((_, i) => !dims.includes(i)), data: acc.data };
  }

  it("sum over random dims (negative too), with and without keepdim", () => {
    fc.assert(
      fc.property(reduceArb, ([x, dims, keepdim, negative]) => {
        torch.tidy(() => {
          const spec = negative ? dims.map((d) => d - x.shape.length) : dims;
          const out = toTensor(x).sum(spec, keepdim);
          const ref = refReduce(x, dims, keepdim, 0, (a, v) => a + v);
          expect(out.shape).toEqual(ref.shape);
          expect(out.tolistSync()).toEqual(nested(ref));
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("amax/amin over random dims, with and without keepdim", () => {
    fc.assert(
      fc.property(reduceArb, ([x, dims, keepdim]) => {
        torch.tidy(() => {
          const t = toTensor(x);
          const mx = t.amax(dims, keepdim);
          const mn = t.amin(dims, { keepdim });
          expect(mx.tolistSync()).toEqual(nested(refReduce(x, dims, keepdim, -Infinity, Math.max)));
          expect(mn.tolistSync()).toEqual(nested(refReduce(x, dims, keepdim, Infinity, Math.min)));
          expect(mx.shape).toEqual(refReduce(x, dims, keepdim, 0, Math.max).shape);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("sum of a non-contiguous view equals sum of its contiguous copy", () => {
    fc.assert(
      fc.property(reduceArb, ([x, dims, keepdim]) => {
        if (x.shape.length < 2) return;
        torch.tidy(() => {
          const v = toTensor(x).transpose(0, -1).flip(0).index("::1");
          const c = v.contiguous();
          expect(read(v.sum(dims, keepdim))).toEqual(read(c.sum(dims, keepdim)));
          expect(read(v.amax(dims, keepdim))).toEqual(read(c.amax(dims, keepdim)));
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("max(dim) gives the values of amax and indices that point at them", () => {
    fc.assert(
      fc.property(
        refArb(1, 3).chain((x) =>
          fc.tuple(fc.constant(x), fc.nat({ max: x.shape.length - 1 }), fc.boolean()),
        ),
        ([x, dim, keepdim]) => {
          torch.tidy(() => {
            const t = toTensor(x);
            const { values, indices: idx } = t.max(dim, keepdim);
            expect(read(values)).toEqual(read(t.amax(dim, keepdim)));
            expect(idx.dtype).toBe("int32");
            const picked = t.gather(dim, keepdim ? idx : idx.unsqueeze(dim));
            expect(flat(picked)).toEqual(flat(values));
            // PyTorch returns the first maximal index on ties
            const ref = refReduce(x, [dim], keepdim, 0, () => 0);
            let k = 0;
            for (const base of indices(x.shape.map((s, i) => (i === dim ? 1 : s)))) {
              let best = 0;
              for (let j = 1; j < x.shape[dim]!; j++) {
                const cand = base.slice();
                cand[dim] = j;
                const cur = base.slice();
                cur[dim] = best;
                if (at(x, cand) > at(x, cur)) best = j;
              }
              ref.data[k++] = best;
            }
            expect(flat(idx)).toEqual(ref.data);
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
