/**
 * Issue 9, "JS numbers are float32": the dtype a JS value makes, PyTorch's dtype names, int32
 * range checks (no wrap-around), integer division by zero, and the class-index arguments that
 * take int32 with an error saying what to write.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn } = torch;
const F = torch.nn.functional;

/** dtype and values of `t`, disposing it. */
function take(t: torch.Tensor): { dtype: torch.DType; values: torch.NestedArray } {
  const r = { dtype: t.dtype, values: t.tolistSync() };
  t.dispose();
  return r;
}

/** The message every class-index argument gives for a non-int32 tensor. */
const writeInt32 = (op: string, what: string, got: string) =>
  new RegExp(
    `^${op}: ${what} must be int32 \\(PyTorch's long\\); got ${got}\\. Write torch\\.tensor\\(\\[0, 2, 1\\], \\{ dtype: "int32" \\}\\)`,
  );

describe("JS numbers make float32", () => {
  withLeakCheck();

  it("nested arrays of numbers, scalars, full and tensor(3) are float32", () => {
    expect(take(torch.tensor([[1.0]]))).toEqual({ dtype: "float32", values: [[1]] });
    expect(take(torch.tensor([1, 2, 3]))).toEqual({ dtype: "float32", values: [1, 2, 3] });
    expect(take(torch.tensor(3))).toEqual({ dtype: "float32", values: 3 });
    expect(take(torch.full([2], 7))).toEqual({ dtype: "float32", values: [7, 7] });
    expect(take(torch.ones(2))).toEqual({ dtype: "float32", values: [1, 1] });
  });

  it("booleans make bool; mixed booleans and numbers make float32", () => {
    expect(take(torch.tensor([true, false]))).toEqual({ dtype: "bool", values: [true, false] });
    expect(take(torch.tensor(true))).toEqual({ dtype: "bool", values: true });
    expect(take(torch.full([1], true))).toEqual({ dtype: "bool", values: [true] });
    expect(take(torch.tensor([true, 2]))).toEqual({ dtype: "float32", values: [1, 2] });
  });

  it("a dtype option overrides: int32 truncates, as PyTorch's conversion", () => {
    expect(take(torch.tensor([0, 2, 1], { dtype: "int32" }))).toEqual({
      dtype: "int32",
      values: [0, 2, 1],
    });
    expect(take(torch.tensor([1.7, -1.7], { dtype: "int32" }))).toEqual({
      dtype: "int32",
      values: [1, -1],
    });
    expect(take(torch.full([2], 5, { dtype: "int32" }))).toEqual({
      dtype: "int32",
      values: [5, 5],
    });
  });

  it("fullLike keeps its input's dtype (torch.full_like); a number fills a float tensor as float32", () => {
    const f = torch.zeros([2]);
    const i = torch.zeros([2], { dtype: "int32" });
    expect(take(torch.fullLike(f, 2.5))).toEqual({ dtype: "float32", values: [2.5, 2.5] });
    expect(take(torch.fullLike(i, 2.5))).toEqual({ dtype: "int32", values: [2, 2] });
    expect(take(torch.fullLike(i, 2.5, { dtype: "float" }))).toEqual({
      dtype: "float32",
      values: [2.5, 2.5],
    });
    f.dispose();
    i.dispose();
  });

  it("torch.tensor([1.0, 2.0], { requiresGrad: true }) works", () => {
    const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
    expect(x.dtype).toBe("float32");
    expect(x.requiresGrad).toBe(true);
    x.dispose();
  });

  it("the primer program: BCELoss of a sigmoid against torch.tensor([[1.0]]) matches PyTorch", () => {
    const x = torch.tensor([[0.5]], { requiresGrad: true });
    const s = torch.sigmoid(x);
    const y = torch.tensor([[1.0]]);
    const loss = new nn.BCELoss().forward(s, y);
    loss.backward();
    // PyTorch 1.13: loss 0.4740769565105438, x.grad -0.377540647983551
    expect(loss.itemSync()).toBeCloseTo(0.4740769565105438, 6);
    expect(x.grad!.itemSync()).toBeCloseTo(-0.377540647983551, 6);
    for (const t of [x.grad!, loss, s, y, x]) t.dispose();
  });
});

describe("typed arrays keep their kind", () => {
  withLeakCheck();

  it("Float32Array float32, Float64Array float64", () => {
    expect(take(torch.tensor(new Float32Array([1.5])))).toEqual({
      dtype: "float32",
      values: [1.5],
    });
    expect(take(torch.tensor(new Float64Array([1.5])))).toEqual({
      dtype: "float64",
      values: [1.5],
    });
  });

  it("every integer typed array makes int32 holding its values (a Uint8Array is not bool)", () => {
    const arrays = [
      new Int8Array([-3, 0, 5]),
      new Int16Array([-3, 0, 5]),
      new Int32Array([-3, 0, 5]),
    ];
    for (const a of arrays)
      expect(take(torch.tensor(a))).toEqual({ dtype: "int32", values: [-3, 0, 5] });
    const unsigned = [
      new Uint8Array([3, 0, 255]),
      new Uint8ClampedArray([3, 0, 255]),
      new Uint16Array([3, 0, 255]),
      new Uint32Array([3, 0, 255]),
    ];
    for (const a of unsigned)
      expect(take(torch.tensor(a))).toEqual({ dtype: "int32", values: [3, 0, 255] });
  });

  it("a Uint32Array value outside int32 is an error, not a wrap-around", () => {
    expect(() => torch.tensor(new Uint32Array([1, 3e9]))).toThrow(
      /^tensor: value 3000000000 does not fit int32 \(64-bit integers are stored as int32; range \[-2147483648, 2147483647\]\)$/,
    );
  });

  it("an unsupported typed array is a DTypeError listing the supported ones", () => {
    expect(() => torch.tensor(new BigInt64Array([1n]) as unknown as Int32Array)).toThrow(
      /^tensor: unsupported typed array BigInt64Array; use Float32Array, Float64Array or an integer typed array/,
    );
  });
});

describe("integer ops stay int32", () => {
  withLeakCheck();

  it("arange of integers, randint, randperm, argmax", () => {
    expect(take(torch.arange(3)).dtype).toBe("int32");
    expect(take(torch.arange(0, 1, 0.5)).dtype).toBe("float32");
    expect(take(torch.randint(0, 5, [3])).dtype).toBe("int32");
    expect(take(torch.randperm(4)).dtype).toBe("int32");
    const x = torch.tensor([1, 3, 2]);
    expect(take(x.argmax())).toEqual({ dtype: "int32", values: 1 });
    x.dispose();
  });
});

describe("PyTorch's dtype names", () => {
  withLeakCheck();

  it('"int64"/"long" are int32, "float" float32, "double" float64, "int" int32', () => {
    expect(take(torch.tensor([1, 2], { dtype: "int64" })).dtype).toBe("int32");
    expect(take(torch.tensor([1, 2], { dtype: "long" })).dtype).toBe("int32");
    expect(take(torch.zeros([2], { dtype: "float" })).dtype).toBe("float32");
    expect(take(torch.zeros([2], { dtype: "double" })).dtype).toBe("float64");
    expect(take(torch.arange(3, { dtype: "int" })).dtype).toBe("int32");
    expect(take(torch.arange(3, { dtype: "double" })).dtype).toBe("float64");
  });

  it("t.long(), t.to('long'), t.toType('double') and t.to(device, 'int64')", () => {
    const x = torch.tensor([0, 2.9, 1]);
    expect(take(x.long())).toEqual({ dtype: "int32", values: [0, 2, 1] });
    expect(take(x.to("long"))).toEqual({ dtype: "int32", values: [0, 2, 1] });
    expect(take(x.toType("double")).dtype).toBe("float64");
    expect(take(x.to("cpu", "int64")).dtype).toBe("int32");
    x.dispose();
  });

  it("module factory options take PyTorch's names", () => {
    const lin = new nn.Linear(2, 2, { dtype: "double" });
    expect(lin.weight.dtype).toBe("float64");
    lin.to("float");
    expect([lin.weight.dtype, lin.bias!.dtype]).toEqual(["float32", "float32"]);
    expect(() => lin.to("half" as torch.DTypeName)).toThrow(/^to: unsupported dtype "half"/);
    expect(lin.weight.dtype).toBe("float32");
    lin.weight.dispose();
    lin.bias!.dispose();
    const conv = new nn.Conv2d(1, 2, 3, { dtype: "double" });
    expect(conv.weight.dtype).toBe("float64");
    for (const p of conv.parameters()) p.dispose();
  });

  it("unsupported names are a DTypeError listing what is supported", () => {
    const supported =
      'supported: float32 \\("float"\\), float64 \\("double"\\), int32 \\("int", "int64", "long": 64-bit integers are stored as int32\\), bool$';
    for (const name of ["float16", "half", "bfloat16", "uint8", "complex64"]) {
      expect(() => torch.zeros([2], { dtype: name as torch.DTypeName })).toThrow(
        new RegExp(`^full: unsupported dtype "${name}"; ${supported}`),
      );
      expect(() => torch.tensor([1], { dtype: name as torch.DTypeName })).toThrow(
        new RegExp(`^tensor: unsupported dtype "${name}"; ${supported}`),
      );
    }
    const x = torch.tensor([1]);
    expect(() => x.to("float16" as torch.DTypeName)).toThrow(
      new RegExp(`^to: unsupported dtype "float16"; ${supported}`),
    );
    expect(() => x.to("cpu", "half" as torch.DTypeName)).toThrow(
      new RegExp(`^to: unsupported dtype "half"; ${supported}`),
    );
    expect(() => torch.arange(3, { dtype: "uint8" as torch.DTypeName })).toThrow(
      /^arange: unsupported dtype "uint8"/,
    );
    x.dispose();
  });
});

describe("integers never wrap silently", () => {
  withLeakCheck();

  it("creating a value outside int32, or NaN/Inf, is an error naming the op and the value", () => {
    expect(() => torch.tensor([1, 3e9], { dtype: "int64" })).toThrow(
      /^tensor: value 3000000000 does not fit int32/,
    );
    expect(() => torch.tensor([NaN], { dtype: "int32" })).toThrow(
      /^tensor: value NaN does not fit int32/,
    );
    expect(() => torch.full([2], Infinity, { dtype: "int32" })).toThrow(
      /^full: value Infinity does not fit int32/,
    );
    expect(() => torch.arange(2147483640, 2147483650)).toThrow(
      /^arange: value 2147483649 does not fit int32/,
    );
    expect(() => torch.randint(0, 2 ** 32, [2])).toThrow(
      /^randint: value 4294967295 does not fit int32/,
    );
    expect(() => torch.randint(0, 3, [2], { dtype: "float16" as torch.DTypeName })).toThrow(
      /^randint: unsupported dtype "float16"/,
    );
    // a plain JS number outside int32 is float32, as any JS number
    expect(take(torch.tensor([3e9]))).toEqual({ dtype: "float32", values: [3e9] });
  });

  it("casting NaN, ±Inf or a value outside int32 to int32 is an error naming the value", () => {
    for (const [v, s] of [
      [NaN, "NaN"],
      [Infinity, "Infinity"],
      [-Infinity, "-Infinity"],
      [3e9, "3000000000"],
    ] as const) {
      const x = torch.tensor([1, v]);
      expect(() => x.long()).toThrow(new RegExp(`^to: value ${s} does not fit int32`));
      expect(() => x.to("int32")).toThrow(new RegExp(`^to: value ${s} does not fit int32`));
      x.dispose();
    }
  });

  it("a JS number outside int32 beside an int32 tensor is an error", () => {
    const i = torch.tensor([1, 2], { dtype: "int32" });
    expect(() => i.add(3e9)).toThrow(/^add: value 3000000000 does not fit int32/);
    i.dispose();
  });

  it("integer division or remainder by zero raises, as PyTorch's ZeroDivisionError", () => {
    const a = torch.tensor([5, 7], { dtype: "int32" });
    const z = torch.tensor([1, 0], { dtype: "int32" });
    const msg = (op: string) =>
      new RegExp(
        `^${op}: integer division by zero \\(PyTorch's ZeroDivisionError\\); got a zero divisor for int32 operands$`,
      );
    expect(() => a.remainder(0)).toThrow(msg("remainder"));
    expect(() => a.remainder(z)).toThrow(msg("remainder"));
    expect(() => a.fmod(z)).toThrow(msg("fmod"));
    expect(() => a.floorDivide(0)).toThrow(msg("div"));
    expect(() => torch.div(a, z, { roundingMode: "trunc" })).toThrow(msg("div"));
    expect(a.tolistSync()).toEqual([5, 7]);
    // true division and float operands follow IEEE (Inf), as PyTorch
    expect(take(a.div(z))).toEqual({ dtype: "float32", values: [5, Infinity] });
    const f = torch.tensor([5, 7]);
    expect(take(f.remainder(z)).dtype).toBe("float32");
    a.dispose();
    z.dispose();
    f.dispose();
  });
});

describe("class-index arguments take int32, and say what to write", () => {
  withLeakCheck();

  it("crossEntropy / nllLoss class targets", () => {
    const logits = torch.randn([3, 4]);
    const y = torch.tensor([0, 2, 1]);
    expect(() => F.crossEntropy(logits, y)).toThrow(
      writeInt32("crossEntropy", "class targets", "float32"),
    );
    expect(() => F.nllLoss(logits, y)).toThrow(writeInt32("nllLoss", "class targets", "float32"));
    // with int32 (or "long") labels it works
    const yl = torch.tensor([0, 2, 1], { dtype: "long" });
    const loss = F.crossEntropy(logits, yl);
    expect(loss.dtype).toBe("float32");
    // the class-probabilities form (a float target of the input's shape) still works
    const r = torch.randn([3, 4]);
    const probs = torch.softmax(r, 1);
    const lp = F.crossEntropy(logits, probs);
    expect(Number.isFinite(lp.itemSync())).toBe(true);
    for (const t of [logits, y, yl, loss, r, probs, lp]) t.dispose();
  });

  it("embedding / nn.Embedding, gather, indexSelect, scatter, scatterAdd, oneHot", () => {
    const w = torch.randn([5, 2]);
    const x = torch.randn([3, 3]);
    const idx = torch.tensor([[0], [1], [2]]);
    const i1 = torch.tensor([0, 2]);
    const src = torch.ones([3, 1]);
    const emb = new nn.Embedding(5, 2);
    expect(() => F.embedding(i1, w)).toThrow(writeInt32("embedding", "indices", "float32"));
    expect(() => emb.forward(i1)).toThrow(writeInt32("Embedding\\(5, 2\\)", "indices", "float32"));
    expect(() => x.gather(1, idx)).toThrow(writeInt32("gather", "index", "float32"));
    expect(() => x.indexSelect(0, i1)).toThrow(writeInt32("indexSelect", "index", "float32"));
    expect(() => x.scatter(1, idx, src)).toThrow(writeInt32("scatter", "index", "float32"));
    expect(() => x.scatterAdd(1, idx, src)).toThrow(writeInt32("scatterAdd", "index", "float32"));
    expect(() => torch.oneHot(i1, 3)).toThrow(writeInt32("oneHot", "class indices", "float32"));
    const b = torch.tensor([true, false]);
    expect(() => torch.oneHot(b, 3)).toThrow(writeInt32("oneHot", "class indices", "bool"));
    // .long() is the fix
    const li = i1.long();
    const g = x.indexSelect(0, li);
    expect(g.shape).toEqual([2, 3]);
    for (const t of [w, x, idx, i1, src, b, li, g]) t.dispose();
    for (const p of emb.parameters()) p.dispose();
  });
});
