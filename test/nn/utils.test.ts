/**
 * torch.nn.utils: clipGradNorm_ (norm types 2, 1, Infinity, 3.5), clipGradValue_ and
 * parametersToVector against PyTorch goldens (gen_nn_conv_loss.py), vectorToParameters, the
 * error messages, and leaks.
 */
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DType, Tensor } from "../../src/index.js";
import { assertAllClose } from "../util/allclose.js";
import { withLeakCheck } from "../util/leaks.js";
import { CPU_VS_TORCH, EXACT } from "../util/tolerance.js";

const { nn } = torch;
const { utils } = nn;

type Encoded = number | "nan" | "inf" | "-inf";
interface GT {
  data: Encoded[];
  shape: number[];
  dtype: DType;
}
interface UtilsCase {
  name: string;
  fn: "clipGradNorm_" | "clipGradValue_" | "parametersToVector";
  params: GT[];
  grads: (GT | null)[];
  clipped: (GT | null)[];
  maxNorm?: number;
  normType?: Encoded;
  total?: GT;
  clipValue?: number;
  vector?: GT;
}

const golden = JSON.parse(
  readFileSync(new URL("../golden/nn_conv_loss.json", import.meta.url), "utf8"),
) as { torch_version: string; utils: UtilsCase[] };
const num = (v: Encoded): number =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);
const decode = (t: GT): Tensor =>
  torch.tensor(Float32Array.from(t.data.map(num)), { shape: t.shape });

/** Parameters with the fixture's values and gradients (the last one has none). */
function makeParams(c: UtilsCase): InstanceType<typeof nn.Parameter>[] {
  return c.params.map((p, i) => {
    const t = decode(p);
    const param = new nn.Parameter(t);
    t.dispose();
    const g = c.grads[i];
    if (g) param.grad = decode(g);
    return param;
  });
}

describe(`nn.utils vs PyTorch ${golden.torch_version}`, () => {
  withLeakCheck();

  it.each(golden.utils.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const params = makeParams(c);
    if (c.fn === "clipGradNorm_") {
      const total = utils.clipGradNorm_(params, c.maxNorm!, { normType: num(c.normType!) });
      expect(total.shape).toEqual([]);
      assertAllClose(
        total.dataSync(),
        c.total!.data.map(num),
        CPU_VS_TORCH,
        `${c.name} total norm`,
      );
      total.dispose();
    } else if (c.fn === "clipGradValue_") {
      utils.clipGradValue_(params, c.clipValue!);
    } else {
      const v = utils.parametersToVector(params);
      assertAllClose(
        v.dataSync(),
        Float32Array.from(c.vector!.data.map(num)),
        EXACT,
        `${c.name} vector`,
      );
      v.dispose();
    }
    params.forEach((p, i) => {
      const want = c.clipped[i];
      if (!want) expect(p.grad).toBeNull();
      else
        assertAllClose(p.grad!.dataSync(), want.data.map(num), CPU_VS_TORCH, `${c.name} grad ${i}`);
    });
    params.forEach((p) => p.dispose());
  });
});

describe("clipGradNorm_", () => {
  withLeakCheck();

  it("takes a single tensor, returns 0 without gradients, and records nothing on the tape", () => {
    const p = torch.ones([3], { requiresGrad: true });
    const none = utils.clipGradNorm_([p], 1);
    expect(none.itemSync()).toBe(0);
    p.grad = torch.tensor([3, 4, 0], { dtype: "float32" });
    const total = utils.clipGradNorm_(p, 1);
    expect(total.itemSync()).toBeCloseTo(5, 6);
    expect(total.requiresGrad).toBe(false);
    assertAllClose(p.grad.dataSync(), [0.6, 0.8, 0], CPU_VS_TORCH, "clipped");
    for (const t of [p, none, total]) t.dispose();
  });

  it("clips the gradients of a model in a training step", () => {
    torch.manualSeed(0);
    const conv = new nn.Conv2d(1, 2, 3);
    const x = torch.randn([2, 1, 5, 5]);
    const loss = torch.tidy(() => conv.forward(x).square().sum().mul(100));
    loss.backward();
    const total = utils.clipGradNorm_(conv.parameters(), 0.5);
    const after = torch.tidy(() =>
      torch.stack(conv.parameters().map((p) => p.grad!.norm())).norm(),
    );
    expect(total.itemSync()).toBeGreaterThan(0.5);
    expect(after.itemSync()).toBeCloseTo(0.5, 4);
    for (const t of [x, loss, total, after]) t.dispose();
    conv.dispose();
  });

  it("errorIfNonfinite throws before changing any gradient", () => {
    const p = torch.zeros([2], { requiresGrad: true });
    p.grad = torch.tensor([Infinity, 1], { dtype: "float32" });
    expect(() => utils.clipGradNorm_([p], 1, { errorIfNonfinite: true })).toThrow(
      /clipGradNorm_: the total norm of order 2 for gradients from `parameters` is non-finite \(Infinity\), so it cannot be clipped; to scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false/,
    );
    expect([...p.grad.dataSync()]).toEqual([Infinity, 1]);
    // without the flag it scales by the non-finite norm, as PyTorch
    const total = utils.clipGradNorm_([p], 1);
    expect(total.itemSync()).toBe(Infinity);
    p.dispose();
    total.dispose();
  });

  it("validates its arguments", () => {
    const p = torch.zeros([2], { requiresGrad: true });
    expect(() => utils.clipGradNorm_([p], -1)).toThrow(
      /clipGradNorm_: maxNorm must be a number >= 0; got -1/,
    );
    expect(() => utils.clipGradNorm_([p], NaN)).toThrow(
      /clipGradNorm_: maxNorm must be a number >= 0; got NaN/,
    );
    expect(() => utils.clipGradNorm_([p], 1, { normType: NaN })).toThrow(
      /clipGradNorm_: normType must be a number or Infinity; got NaN/,
    );
    expect(() => utils.clipGradNorm_([p, 3 as unknown as Tensor], 1)).toThrow(
      /clipGradNorm_: expected Tensors \(parameters\); got number/,
    );
    expect(() => utils.clipGradValue_([p], NaN)).toThrow(
      /clipGradValue_: clipValue must be a number; got NaN/,
    );
    p.dispose();
  });
});

describe("parametersToVector / vectorToParameters", () => {
  withLeakCheck();

  it("round-trips a model's parameters and copies (does not alias) the vector", () => {
    torch.manualSeed(2);
    const a = new nn.Conv1d(2, 3, 2);
    const b = new nn.Conv1d(2, 3, 2);
    const v = utils.parametersToVector(a.parameters());
    expect(v.shape).toEqual([3 * 2 * 2 + 3]);
    utils.vectorToParameters(v, b.parameters());
    assertAllClose(b.weight.dataSync(), a.weight.dataSync(), EXACT, "weight");
    assertAllClose(b.bias!.dataSync(), a.bias!.dataSync(), EXACT, "bias");
    torch.noGrad(() => v.zero_());
    expect([...b.bias!.dataSync()]).toEqual([...a.bias!.dataSync()]);
    expect(b.weight.requiresGrad && b.weight.isLeaf).toBe(true);
    v.dispose();
    a.dispose();
    b.dispose();
  });

  it("parametersToVector is differentiable", () => {
    const p = torch.ones([2, 2], { requiresGrad: true });
    const q = torch.ones([3], { requiresGrad: true });
    const v = utils.parametersToVector([p, q]);
    const s = torch.tidy(() =>
      v.mul(torch.arange(7, undefined, undefined, { dtype: "float32" })).sum(),
    );
    s.backward();
    expect(p.grad!.tolistSync()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(q.grad!.tolistSync()).toEqual([4, 5, 6]);
    for (const t of [p, q, v, s]) t.dispose();
  });

  it("validates its arguments", () => {
    const p = torch.zeros([2, 2]);
    const v2 = torch.zeros([2, 2]);
    const v5 = torch.zeros([5]);
    expect(() => utils.parametersToVector([])).toThrow(
      /parametersToVector: expected at least one parameter; got none/,
    );
    expect(() => utils.vectorToParameters(v2, [p])).toThrow(
      /vectorToParameters: expected a 1-D vector; got shape \[2, 2\]/,
    );
    expect(() => utils.vectorToParameters(v5, [p])).toThrow(
      /vectorToParameters: the vector has 5 elements but the parameters have 4/,
    );
    expect(() => utils.vectorToParameters([1, 2] as unknown as Tensor, [p])).toThrow(
      /vectorToParameters: expected a Tensor; got object/,
    );
    for (const t of [p, v2, v5]) t.dispose();
  });
});
