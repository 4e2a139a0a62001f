/**
 * nn convolution and pooling layers: PyTorch goldens (fixed state-dict weights, outputs, input and
 * parameter gradients, printouts) from test/golden/gen_nn_conv_loss.py, PyTorch's init bounds and
 * layouts, finite-difference gradchecks of the new composites, every error message, and leaks.
 */

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { assertAllClose } from "../util/allclose.js";
import {
  decode,
  decodeKwargs,
  loadNnGolden,
  num,
  type GT,
  type GoldenModuleCase,
} from "../util/golden-nn.js";
import { expectSameMemory, memorySnapshot, withLeakCheck } from "../util/leaks.js";
import { CPU_VS_TORCH, CPU_VS_TORCH_MATMUL, EXACT, type Tolerance } from "../util/tolerance.js";

const { nn } = torch;
const F = torch.nn.functional;

// ---- the golden fixtures (format: see gen_nn_conv_loss.py) ----

const golden = loadNnGolden();

type AnyModule = InstanceType<typeof nn.Module> & {
  forward(...xs: unknown[]): Tensor | { values: Tensor; indices: Tensor };
};
type Factory = (args: unknown[], kw: Record<string, unknown>) => AnyModule;
/** An argument from the fixture, typed as whatever the constructor expects. */
function arg<T>(v: unknown): T {
  return v as T;
}
const FACTORIES: Record<string, Factory> = {
  Conv1d: (a, kw) =>
    new nn.Conv1d(a[0] as number, a[1] as number, a[2] as number, kw) as unknown as AnyModule,
  Conv2d: (a, kw) =>
    new nn.Conv2d(a[0] as number, a[1] as number, arg(a[2]), kw) as unknown as AnyModule,
  ConvTranspose2d: (a, kw) =>
    new nn.ConvTranspose2d(a[0] as number, a[1] as number, arg(a[2]), kw) as unknown as AnyModule,
  MaxPool1d: (a, kw) => new nn.MaxPool1d(a[0] as number, kw) as unknown as AnyModule,
  MaxPool2d: (a, kw) => new nn.MaxPool2d(arg(a[0]), kw) as unknown as AnyModule,
  AvgPool1d: (a, kw) => new nn.AvgPool1d(a[0] as number, kw) as unknown as AnyModule,
  AvgPool2d: (a, kw) => new nn.AvgPool2d(arg(a[0]), kw) as unknown as AnyModule,
  AdaptiveAvgPool2d: (a) => new nn.AdaptiveAvgPool2d(arg(a[0])) as unknown as AnyModule,
};

/** Convolutions (and averages, which are convolutions with a constant kernel) sum long products. */
function tolFor(module: string): Tolerance {
  return module.startsWith("Conv") || module.startsWith("AvgPool")
    ? CPU_VS_TORCH_MATMUL
    : CPU_VS_TORCH;
}

function check(actual: Tensor | null, expected: GT, tol: Tolerance, label: string): void {
  expect(actual, `${label}: missing`).not.toBeNull();
  expect([...actual!.shape], `${label} shape`).toEqual(expected.shape);
  expect(actual!.dtype, `${label} dtype`).toBe(expected.dtype);
  assertAllClose(
    actual!.dataSync(),
    expected.data.map(num),
    expected.dtype === "int32" ? EXACT : tol,
    label,
    expected.shape,
  );
}

/** Builds the module, loads the torch weights, runs forward and backward, compares, disposes everything. */
function runModuleCase(c: GoldenModuleCase): void {
  const before = memorySnapshot();
  const m = FACTORIES[c.module]!(c.args, decodeKwargs(c.kwargs));
  const tol = tolFor(c.module);
  const made: Tensor[] = [];
  try {
    expect(String(m)).toBe(c.repr);
    const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, decode(v)]));
    m.loadStateDict(state);
    Object.values(state).forEach((t) => t.dispose());
    const inputs = c.inputs.map((t) => decode(t, t.requires_grad));
    made.push(...inputs);
    const extra = c.forward_kwargs.outputSize ? [c.forward_kwargs.outputSize] : [];
    const out = m.forward(...inputs, ...extra);
    const outs = out instanceof torch.Tensor ? [out] : [out.values, out.indices];
    made.push(...outs);
    expect(outs.length).toBe(c.outputs.length);
    outs.forEach((o, i) => check(o, c.outputs[i]!, tol, `${c.name} output ${i}`));
    if (!c.grads) return;
    if (c.grad_output) {
      const go = decode(c.grad_output);
      made.push(go);
      outs[0]!.backward(go);
    } else outs[0]!.backward();
    c.input_grads.forEach((g, i) => {
      if (g) check(inputs[i]!.grad, g, tol, `${c.name} input grad ${i}`);
      else expect(inputs[i]!.grad, `${c.name} input ${i} should have no grad`).toBeNull();
    });
    const params = Object.fromEntries(m.namedParameters());
    expect(Object.keys(params).sort()).toEqual(Object.keys(c.param_grads).sort());
    for (const [k, g] of Object.entries(c.param_grads))
      check(params[k]!.grad, g, tol, `${c.name} ${k}.grad`);
  } finally {
    made.forEach((t) => t.dispose());
    m.dispose();
  }
  expectSameMemory(before, c.name);
}

const CONV_POOL = new Set(Object.keys(FACTORIES));
const cases = golden.modules.filter((c) => CONV_POOL.has(c.module));

describe(`conv and pooling layers vs PyTorch ${golden.torch_version}`, () => {
  it("has the fixtures", () => expect(cases.length).toBeGreaterThan(40));
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => runModuleCase(c));
});

// ---- layouts, init, printouts ----

describe("conv layers: layouts, init and printout", () => {
  withLeakCheck();

  it("uses PyTorch's parameter layouts and state-dict keys", () => {
    const conv = new nn.Conv2d(4, 6, [3, 2], { groups: 2 });
    const c1 = new nn.Conv1d(3, 5, 4, { bias: false });
    const ct = new nn.ConvTranspose2d(4, 6, 3, { groups: 2 });
    expect([...conv.weight.shape]).toEqual([6, 2, 3, 2]);
    expect([...conv.bias!.shape]).toEqual([6]);
    expect(Object.keys(conv.stateDict())).toEqual(["weight", "bias"]);
    expect([...c1.weight.shape]).toEqual([5, 3, 4]);
    expect(c1.bias).toBeNull();
    expect(Object.keys(c1.stateDict())).toEqual(["weight"]);
    expect([...ct.weight.shape]).toEqual([4, 3, 3, 3]);
    expect([...ct.bias!.shape]).toEqual([6]);
    for (const m of [conv, c1, ct]) m.dispose();
  });

  it("initialises as PyTorch: U(±1/sqrt(fan_in)) for weight and bias", () => {
    torch.manualSeed(1);
    const cases: [
      InstanceType<typeof nn.Module> & { weight: Tensor; bias: Tensor | null },
      number,
    ][] = [
      [new nn.Conv2d(8, 16, 3), 8 * 9],
      [new nn.Conv2d(8, 16, 3, { groups: 4 }), 2 * 9],
      [new nn.Conv1d(6, 4, 5), 6 * 5],
      // ConvTranspose2d: fan_in from weight dim 1 (outChannels / groups), as torch computes it
      [new nn.ConvTranspose2d(16, 8, 3, { groups: 2 }), 4 * 9],
    ];
    for (const [m, fanIn] of cases) {
      const bound = 1 / Math.sqrt(fanIn);
      for (const t of [m.weight, m.bias!]) {
        const v = Array.from(t.dataSync());
        const max = v.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
        expect(max).toBeLessThanOrEqual(bound);
        // uniform on [-b, b]: the largest of many draws is close to b, and the mean close to 0
        if (v.length > 100) {
          expect(max).toBeGreaterThan(0.9 * bound);
          expect(Math.abs(v.reduce((a, b) => a + b, 0) / v.length)).toBeLessThan(0.2 * bound);
        }
      }
      m.dispose();
    }
  });

  it("is reproducible under manualSeed and honours dtype", () => {
    torch.manualSeed(7);
    const a = new nn.Conv2d(2, 3, 3);
    torch.manualSeed(7);
    const b = new nn.Conv2d(2, 3, 3);
    expect([...a.weight.dataSync()]).toEqual([...b.weight.dataSync()]);
    const d = new nn.Conv1d(2, 2, 3, { dtype: "float64" });
    expect(d.weight.dtype).toBe("float64");
    expect(d.weight.requiresGrad).toBe(true);
    for (const m of [a, b, d]) m.dispose();
  });

  it("prints as PyTorch", () => {
    const mods = [
      new nn.Conv2d(1, 32, 3, { padding: 1 }),
      new nn.Conv1d(16, 33, 3, { stride: 2, padding: 0 }),
      new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1, bias: false }),
      new nn.MaxPool2d(2, { stride: 2 }),
      new nn.MaxPool1d([3], { stride: 2, returnIndices: true }),
      new nn.AvgPool2d([2, 2], { stride: null }),
      new nn.AdaptiveAvgPool2d([null, 7]),
    ];
    expect(mods.map(String)).toEqual([
      "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
      "Conv1d(16, 33, kernel_size=(3,), stride=(2,))",
      "ConvTranspose2d(16, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), bias=False)",
      "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
      "MaxPool1d(kernel_size=(3,), stride=2, padding=0, dilation=1, ceil_mode=False)",
      "AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0)",
      "AdaptiveAvgPool2d(output_size=(None, 7))",
    ]);
    mods.forEach((m) => m.dispose());
  });

  it("runs the design's SimpleCNN shapes and trains the conv weights", () => {
    class SimpleCNN extends nn.Module {
      conv1 = new nn.Conv2d(1, 4, 3, { padding: 1 });
      pool = new nn.MaxPool2d(2, { stride: 2 });
      gap = new nn.AdaptiveAvgPool2d(1);
      forward(x: Tensor): Tensor {
        return torch.tidy(() =>
          this.gap.forward(this.pool.forward(F.relu(this.conv1.forward(x)))).flatten(1),
        );
      }
    }
    const model = new SimpleCNN();
    const x = torch.randn([2, 1, 8, 8]);
    const y = model.forward(x);
    expect([...y.shape]).toEqual([2, 4]);
    const loss = y.sum();
    loss.backward();
    expect([...model.conv1.weight.grad!.shape]).toEqual([4, 1, 3, 3]);
    expect(Object.keys(model.stateDict())).toEqual(["conv1.weight", "conv1.bias"]);
    for (const t of [x, y, loss]) t.dispose();
    model.dispose();
  });

  it("types forward by returnIndices (a tensor, or values and indices)", () => {
    const x = torch.randn([1, 1, 4, 4]);
    const plain: Tensor = new nn.MaxPool2d(2).forward(x);
    const { values, indices } = new nn.MaxPool2d(2, { returnIndices: true }).forward(x);
    const flat = x.view(1, 1, 16);
    const pair1d = new nn.MaxPool1d(2, { returnIndices: true }).forward(flat);
    expect(indices.dtype).toBe("int32");
    expect(pair1d.indices.shape).toEqual([1, 1, 8]);
    assertAllClose(values.dataSync(), plain.dataSync(), EXACT, "values");
    for (const t of [x, flat, plain, values, indices, pair1d.values, pair1d.indices]) t.dispose();
  });

  it("handles a non-contiguous input and Module.call", () => {
    const conv = new nn.Conv2d(3, 2, 3, { padding: "same" });
    const base = torch.randn([2, 6, 6, 3]);
    const x = base.permute(0, 3, 1, 2);
    const xc = x.contiguous();
    const a = conv.call(x);
    const b = conv.forward(xc);
    assertAllClose(a.dataSync(), b.dataSync(), EXACT, "permuted input");
    for (const t of [base, x, xc, a, b]) t.dispose();
    conv.dispose();
  });
});

// ---- finite differences (float64) for the composites this file adds ----

describe("gradcheck (float64)", () => {
  withLeakCheck();
  const f64 = (shape: number[]) => {
    const t = torch.randn(shape, { dtype: "float64" });
    t.requiresGrad_(true);
    return t;
  };

  it("adaptiveAvgPool2d with uneven sizes", () => {
    const x = f64([1, 2, 5, 7]);
    expect(torch.autograd.gradcheck((t) => F.adaptiveAvgPool2d(t, [3, 4]), [x])).toBe(true);
    x.dispose();
  });

  it("AvgPool2d in ceil mode (with and without the padding counted)", () => {
    const x = f64([1, 1, 6, 5]);
    for (const countIncludePad of [true, false]) {
      const pool = new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad });
      expect(torch.autograd.gradcheck((t) => pool.forward(t), [x])).toBe(true);
    }
    x.dispose();
  });

  it('Conv2d with asymmetric "same" padding, and ConvTranspose2d', () => {
    torch.manualSeed(3);
    const conv = new nn.Conv2d(2, 2, [2, 3], { padding: "same", dtype: "float64" });
    const ct = new nn.ConvTranspose2d(2, 2, 3, { stride: 2, outputPadding: 1, dtype: "float64" });
    const x = f64([1, 2, 4, 3]);
    expect(torch.autograd.gradcheck((t) => conv.forward(t), [x])).toBe(true);
    expect(torch.autograd.gradcheck((t) => ct.forward(t), [x])).toBe(true);
    x.dispose();
    conv.dispose();
    ct.dispose();
  });
});

// ---- functional adaptive pooling ----

describe("F.adaptiveAvgPool2d", () => {
  withLeakCheck();

  it("is the identity (a new tensor) when the output size is the input size", () => {
    const x = torch.randn([1, 2, 3, 4]);
    const y = F.adaptiveAvgPool2d(x, [null, null]);
    expect(y).not.toBe(x);
    assertAllClose(y.dataSync(), x.dataSync(), EXACT, "identity");
    x.dispose();
    y.dispose();
  });

  it("averages uneven windows as PyTorch (start = floor(i*in/out), end = ceil((i+1)*in/out))", () => {
    const x = torch.tensor([[[[0, 1, 2, 3, 4]]]], { dtype: "float32" });
    const y = F.adaptiveAvgPool2d(x, [1, 3]);
    // windows [0, 2), [1, 4), [3, 5)
    expect(y.tolistSync()).toEqual([[[[0.5, 2, 3.5]]]]);
    x.dispose();
    y.dispose();
  });

  it("validates its input", () => {
    const x = torch.randn([2, 3]);
    const xi = torch.zeros([1, 1, 2, 2], { dtype: "int32" });
    const x4 = torch.randn([1, 1, 2, 2]);
    expect(() => F.adaptiveAvgPool2d(x, 1)).toThrow(
      /adaptiveAvgPool2d: expected 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input; got \[2, 3\]/,
    );
    expect(() => F.adaptiveAvgPool2d(xi, 1)).toThrow(
      /adaptiveAvgPool2d: expected a floating-point input; got int32/,
    );
    expect(() => F.adaptiveAvgPool2d(x4, [0, 2])).toThrow(
      /adaptiveAvgPool2d: outputSize must be positive integers \(or null\); got \[0, 2\]/,
    );
    expect(() => F.adaptiveAvgPool2d(x4, [1, 2, 3] as unknown as [number, number])).toThrow(
      /adaptiveAvgPool2d: outputSize must be an int or a pair; got \[1, 2, 3\]/,
    );
    const empty = torch.zeros([1, 1, 0, 2]);
    expect(() => F.adaptiveAvgPool2d(empty, 1)).toThrow(
      /adaptiveAvgPool2d: expected non-empty spatial dims; got input \[1, 1, 0, 2\]/,
    );
    for (const t of [x, xi, x4, empty]) t.dispose();
  });
});

// ---- errors ----

describe("errors", () => {
  withLeakCheck();

  it("Conv2d constructor", () => {
    expect(() => new nn.Conv2d(0, 4, 3)).toThrow(
      /Conv2d: inChannels must be a positive integer; got 0/,
    );
    expect(() => new nn.Conv2d(4, 2.5, 3)).toThrow(
      /Conv2d: outChannels must be a positive integer; got 2.5/,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { groups: 0 })).toThrow(
      /Conv2d: groups must be a positive integer; got 0/,
    );
    expect(() => new nn.Conv2d(3, 6, 3, { groups: 2 })).toThrow(
      /Conv2d: inChannels 3 must be divisible by groups 2/,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { groups: 4 })).toThrow(
      /Conv2d: outChannels 6 must be divisible by groups 4/,
    );
    expect(() => new nn.Conv2d(4, 6, 0)).toThrow(
      /Conv2d: kernelSize must be an integer or 2 integers >= 1; got 0/,
    );
    expect(() => new nn.Conv2d(4, 6, [3, 3, 3] as unknown as [number, number])).toThrow(
      /Conv2d: kernelSize must be an integer or 2 integers >= 1; got \[3, 3, 3\]/,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { stride: 0 })).toThrow(
      /Conv2d: stride must be an integer or 2 integers >= 1; got 0/,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { padding: -1 })).toThrow(
      /Conv2d: padding must be an integer or 2 integers >= 0; got -1/,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { dilation: [1, 0] })).toThrow(
      /Conv2d: dilation must be an integer or 2 integers >= 1; got \[1, 0\]/,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { padding: "full" as "same" })).toThrow(
      /Conv2d: invalid padding string "full"; expected "same", "valid" or integers/,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { padding: "same", stride: 2 })).toThrow(
      /Conv2d: padding "same" is not supported for strided convolutions; got stride \(2, 2\)/,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { paddingMode: "reflect" })).toThrow(
      torch.NotImplementedError,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { paddingMode: "reflect" })).toThrow(
      /Conv2d: paddingMode "reflect" is not supported yet \(only "zeros"\)/,
    );
    expect(() => new nn.Conv2d(4, 6, 3, { paddingMode: "mirror" as "zeros" })).toThrow(
      /Conv2d: paddingMode must be one of "zeros", "reflect", "replicate" or "circular"; got "mirror"/,
    );
  });

  it("Conv2d forward", () => {
    const conv = new nn.Conv2d(3, 4, 3);
    const bad = [
      torch.randn([2, 2, 8, 8]),
      torch.randn([8, 8]),
      torch.randn([1, 3, 8, 8], { dtype: "float64" }),
    ];
    expect(() => conv.forward(bad[0]!)).toThrow(
      /Conv2d\(in=3, out=4\): expected input with 3 channels \(N, C, H, W\); got \[2, 2, 8, 8\]/,
    );
    expect(() => conv.forward(bad[1]!)).toThrow(
      /Conv2d\(in=3, out=4\): expected 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input; got \[8, 8\]/,
    );
    expect(() => conv.forward(bad[2]!)).toThrow(
      /Conv2d\(in=3, out=4\): expected a float32 input \(the weight's dtype\); got float64/,
    );
    const small = torch.randn([1, 3, 2, 2]);
    expect(() => conv.forward(small)).toThrow(
      /conv2d: input \[1, 3, 2, 2\] is too small for kernel \[4, 3, 3, 3\]/,
    );
    [...bad, small].forEach((t) => t.dispose());
    conv.dispose();
  });

  it("Conv1d", () => {
    expect(() => new nn.Conv1d(2, 2, [3, 3] as unknown as [number])).toThrow(
      /Conv1d: kernelSize must be an integer >= 1; got \[3, 3\]/,
    );
    expect(() => new nn.Conv1d(2, 2, 3, { padding: "same", stride: 2 })).toThrow(
      /Conv1d: padding "same" is not supported for strided convolutions; got stride \(2,\)/,
    );
    expect(() => new nn.Conv1d(2, 2, 3, { paddingMode: "circular" })).toThrow(
      /Conv1d: paddingMode "circular" is not supported yet/,
    );
    const conv = new nn.Conv1d(2, 4, 3);
    const x = torch.randn([2, 3, 9]);
    const x4 = torch.randn([1, 2, 3, 9]);
    expect(() => conv.forward(x)).toThrow(
      /Conv1d\(in=2, out=4\): expected input with 2 channels \(N, C, L\); got \[2, 3, 9\]/,
    );
    expect(() => conv.forward(x4)).toThrow(
      /Conv1d\(in=2, out=4\): expected 2-D \(C, L\) or 3-D \(N, C, L\) input; got \[1, 2, 3, 9\]/,
    );
    for (const t of [x, x4]) t.dispose();
    conv.dispose();
  });

  it("ConvTranspose2d", () => {
    expect(() => new nn.ConvTranspose2d(2, 2, 3, { stride: 2, outputPadding: 2 })).toThrow(
      /ConvTranspose2d: outputPadding \(2, 2\) must be smaller than either stride \(2, 2\) or dilation \(1, 1\)/,
    );
    expect(() => new nn.ConvTranspose2d(2, 2, 3, { padding: "same" as unknown as number })).toThrow(
      /ConvTranspose2d: padding must be integers; got "same"/,
    );
    expect(() => new nn.ConvTranspose2d(2, 2, 3, { paddingMode: "replicate" })).toThrow(
      /ConvTranspose2d: paddingMode "replicate" is not supported yet/,
    );
    const ct = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = torch.randn([1, 2, 4, 4]);
    const xb = torch.randn([1, 3, 4, 4]);
    expect(() => ct.forward(x, [9, 7])).toThrow(
      /ConvTranspose2d\(in=2, out=3\): requested an output size of \[9, 7\], but valid sizes range from \[7, 7\] to \[8, 8\] \(for an input of \[4, 4\]\)/,
    );
    expect(() => ct.forward(x, [8])).toThrow(
      /ConvTranspose2d\(in=2, out=3\): outputSize must have 2 \(or 3 or 4\) entries; got \[8\]/,
    );
    expect(() => ct.forward(xb)).toThrow(
      /ConvTranspose2d\(in=2, out=3\): expected input with 2 channels \(N, C, H, W\); got \[1, 3, 4, 4\]/,
    );
    const y = ct.forward(x, [1, 3, 8, 8]);
    expect([...y.shape]).toEqual([1, 3, 8, 8]);
    for (const t of [x, xb, y]) t.dispose();
    ct.dispose();
  });

  it("pooling layers", () => {
    expect(() => new nn.MaxPool2d(2, { padding: 2 })).toThrow(
      /MaxPool2d: padding should be at most half of the kernel size; got padding \(2, 2\) and kernel_size \(2, 2\)/,
    );
    expect(() => new nn.MaxPool2d(0)).toThrow(
      /MaxPool2d: kernelSize must be an integer or 2 integers >= 1; got 0/,
    );
    expect(() => new nn.MaxPool1d(3, { stride: 0 })).toThrow(
      /MaxPool1d: stride must be an integer >= 1; got 0/,
    );
    expect(() => new nn.MaxPool1d(2, { padding: 2 })).toThrow(
      /MaxPool1d: padding should be at most half of the kernel size; got padding \(2,\) and kernel_size \(2,\)/,
    );
    expect(() => new nn.AvgPool2d(2, { divisorOverride: 0 })).toThrow(
      /AvgPool2d: divisorOverride must be a non-zero integer; got 0/,
    );
    expect(() => new nn.AvgPool2d(3, { padding: 2 })).toThrow(
      /AvgPool2d: padding should be at most half of the kernel size/,
    );
    expect(() => new nn.AvgPool1d(2, { padding: -1 })).toThrow(
      /AvgPool1d: padding must be an integer >= 0; got -1/,
    );
    expect(() => new nn.AdaptiveAvgPool2d([2, 0])).toThrow(
      /AdaptiveAvgPool2d: outputSize must be a positive integer or 2 \(positive integers or null\); got \[2, 0\]/,
    );
    const x2 = torch.randn([4, 4]);
    const x5 = torch.randn([1, 1, 1, 4, 4]);
    expect(() => new nn.MaxPool2d(2).forward(x2)).toThrow(
      /MaxPool2d: expected 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input; got \[4, 4\]/,
    );
    expect(() => new nn.MaxPool1d(2, { returnIndices: true }).forward(x5)).toThrow(
      /MaxPool1d: expected 2-D \(C, L\) or 3-D \(N, C, L\) input; got \[1, 1, 1, 4, 4\]/,
    );
    expect(() => new nn.AvgPool2d(2).forward(x2)).toThrow(
      /AvgPool2d: expected 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input; got \[4, 4\]/,
    );
    expect(() => new nn.AvgPool1d(2).forward(x5)).toThrow(
      /AvgPool1d: expected 2-D \(C, L\) or 3-D \(N, C, L\) input; got \[1, 1, 1, 4, 4\]/,
    );
    expect(() => new nn.AdaptiveAvgPool2d(2).forward(x2)).toThrow(
      /adaptiveAvgPool2d: expected 3-D/,
    );
    const tiny = torch.randn([1, 1, 1, 1]);
    expect(() => new nn.AvgPool2d(3, { ceilMode: true, stride: 1 }).forward(tiny)).toThrow(
      /avgPool2d: input \[1, 1, 1, 1\] is too small for kernel \[3, 3\]/,
    );
    for (const t of [x2, x5, tiny]) t.dispose();
  });
});
