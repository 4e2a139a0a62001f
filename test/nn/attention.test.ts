/**
 * F.scaledDotProductAttention, nn.MultiheadAttention and the seeds' hand-written SelfAttention
 * against PyTorch (test/golden/gen_nn_attention.py: outputs, every input and parameter gradient,
 * state-dict keys and printouts), on cpu and webgpu; plus init, options and error messages.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import { describeBackends, withNoFallback } from "../util/backends.js";
import {
  decodeOn,
  expectClose,
  golden,
  runModuleCase,
  tolerance,
  type SdpaCase,
} from "../util/golden-attention.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn } = torch;
const F = nn.functional;

async function runSdpaCase(c: SdpaCase, device: DeviceName): Promise<void> {
  const tol = tolerance(device);
  const [q, k, v] = c.inputs.map((t) => decodeOn(t, device, true)) as [Tensor, Tensor, Tensor];
  const mask = c.kwargs.attnMask ? decodeOn(c.kwargs.attnMask, device) : null;
  const go = decodeOn(c.grad_output, device);
  try {
    const out = F.scaledDotProductAttention(q, k, v, {
      attnMask: mask,
      isCausal: c.kwargs.isCausal,
      scale: c.kwargs.scale,
    });
    await expectClose(out, c.output, tol, `${c.name} output`);
    out.backward(go);
    out.dispose();
    for (const [i, t] of [q, k, v].entries())
      await expectClose(t.grad, c.input_grads[i]!, tol, `${c.name} grad of input ${i}`);
  } finally {
    for (const t of [q, k, v, go, mask]) t?.dispose();
  }
}

const mhaCases = golden.modules.filter(
  (c) => c.module.type === "MultiheadAttention" || c.module.type === "SelfAttention",
);

describeBackends(`attention vs PyTorch ${golden.torch_version}`, (device) => {
  withLeakCheck();
  withNoFallback(device);
  it("has the fixtures", () => {
    expect(golden.sdpa.length).toBeGreaterThanOrEqual(9);
    expect(mhaCases.length).toBeGreaterThanOrEqual(20);
  });
  it.each(golden.sdpa.map((c) => [c.name, c] as const))("%s", (_n, c) => runSdpaCase(c, device));
  it.each(mhaCases.map((c) => [c.name, c] as const))("%s", (_n, c) => runModuleCase(c, device));
});

// ---- behaviour that the fixtures do not pin: defaults, init, copies ----

describeBackends("MultiheadAttention behaviour", (device) => {
  withLeakCheck();
  withNoFallback(device);

  it("returns averaged weights by default, per-head weights on request, null without", async () => {
    const mha = new nn.MultiheadAttention(8, 2, { device });
    await torch.tidy(async () => {
      const q = torch.randn([5, 3, 8], { device });
      const kv = torch.randn([4, 3, 8], { device });
      const [out, w] = mha.forward(q, kv, kv);
      expect(out.shape).toEqual([5, 3, 8]);
      expect(w!.shape).toEqual([3, 5, 4]);
      // each row of attention weights sums to 1
      const sums = Array.from(await w!.sum(-1).data());
      sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
      const [, perHead] = mha.forward(q, kv, kv, { averageAttnWeights: false });
      expect(perHead!.shape).toEqual([3, 2, 5, 4]);
      const [out2, none] = mha.forward(q, kv, kv, { needWeights: false });
      expect(none).toBeNull();
      expect(Array.from(await out2.data())).toEqual(Array.from(await out.data()));
    });
    mha.dispose();
  });

  it("isCausal without a mask is the causal mask (generateSquareSubsequentMask)", async () => {
    const mha = new nn.MultiheadAttention(8, 2, { device, batchFirst: true });
    await torch.tidy(async () => {
      const x = torch.randn([2, 5, 8], { device });
      const [a, wa] = mha.forward(x, x, x, { isCausal: true });
      const mask = nn.Transformer.generateSquareSubsequentMask(5, { device });
      const [b, wb] = mha.forward(x, x, x, { attnMask: mask });
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      expect(Array.from(await wa!.data())).toEqual(Array.from(await wb!.data()));
      // nothing attends to the future
      const w = await wa!.tolist();
      expect((w as number[][][])[0]![0]!.slice(1)).toEqual([0, 0, 0, 0]);
    });
    mha.dispose();
  });

  it("takes strided (non-contiguous) float masks", async () => {
    const mha = new nn.MultiheadAttention(8, 2, { device });
    await torch.tidy(async () => {
      const q = torch.randn([5, 3, 8], { device });
      const kv = torch.randn([4, 3, 8], { device });
      const kpm = torch.randn([4, 3], { device }).t();
      const mask = torch.randn([4, 5], { device }).t();
      const [a] = mha.forward(q, kv, kv, { keyPaddingMask: kpm, attnMask: mask });
      const [b] = mha.forward(q, kv, kv, {
        keyPaddingMask: kpm.contiguous(),
        attnMask: mask.contiguous(),
      });
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    });
    mha.dispose();
  });

  it("SDPA's dropoutP applies whenever > 0 (p = 1 drops every weight)", async () => {
    await torch.tidy(async () => {
      const q = torch.randn([2, 3, 4], { device });
      const out = F.scaledDotProductAttention(q, q, q, { dropoutP: 1 });
      expect(Array.from(await out.data()).every((v) => v === 0)).toBe(true);
    });
  });
});

describe("MultiheadAttention: layout, init and copies", () => {
  withLeakCheck();

  it("initialises as PyTorch: xavier_uniform_ projections, zero biases, xavier_normal_ bias_k/v", () => {
    torch.manualSeed(0);
    const mha = new nn.MultiheadAttention(16, 4, { addBiasKv: true });
    const w = mha.inProjWeight!.dataSync();
    const bound = Math.sqrt(6 / (16 + 48));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Array.from(mha.inProjBias!.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(mha.outProj.bias!.dataSync()).every((v) => v === 0)).toBe(true);
    // out_proj.weight keeps Linear's kaiming_uniform_(a=sqrt(5)): U(+-1/sqrt(16))
    expect(Math.max(...mha.outProj.weight.dataSync().map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(mha.biasK!.shape).toEqual([1, 1, 16]);
    expect(Object.keys(mha.stateDict())).toEqual([
      "in_proj_weight",
      "in_proj_bias",
      "bias_k",
      "bias_v",
      "out_proj.weight",
      "out_proj.bias",
    ]);
    mha.dispose();
    const sep = new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 3, bias: false });
    expect(Object.keys(sep.stateDict())).toEqual([
      "q_proj_weight",
      "k_proj_weight",
      "v_proj_weight",
      "out_proj.weight",
    ]);
    expect(sep.kProjWeight!.shape).toEqual([8, 6]);
    expect(sep.inProjWeight).toBeNull();
    sep.dispose();
  });

  it("clone() is a deep copy: equal values, its own tensors, the same mode", () => {
    const mha = new nn.MultiheadAttention(8, 2, { dropout: 0.1 }).eval();
    const copy = mha.clone();
    expect(copy).not.toBe(mha);
    expect(copy.training).toBe(false);
    expect(copy.dropout).toBe(0.1);
    const a = mha.stateDict();
    const b = copy.stateDict();
    for (const k of Object.keys(a)) {
      expect(b[k]).not.toBe(a[k]);
      expect(Array.from(b[k]!.dataSync())).toEqual(Array.from(a[k]!.dataSync()));
    }
    torch.noGrad(() => a.in_proj_weight!.fill_(0));
    expect(Array.from(b.in_proj_weight!.dataSync()).some((v) => v !== 0)).toBe(true);
    mha.dispose();
    copy.dispose();
  });
});

// ---- errors ----

describe("attention errors", () => {
  withLeakCheck();

  it("MultiheadAttention: constructor arguments and options", () => {
    expect(() => new nn.MultiheadAttention(16, 5)).toThrow(
      /MultiheadAttention\(embed_dim=16, num_heads=5\): embedDim must be divisible by numHeads; got 16 and 5/,
    );
    expect(() => new nn.MultiheadAttention(0, 1)).toThrow(/embedDim must be a positive integer/);
    expect(() => new nn.MultiheadAttention(8, 2, { batch_first: true } as never)).toThrow(
      /MultiheadAttention: unknown option "batch_first" \(did you mean "batchFirst"\?\)/,
    );
    expect(() => new nn.MultiheadAttention(8, 2, { dropout: 2 })).toThrow(
      /dropout probability has to be between 0 and 1; got 2/,
    );
  });

  it("MultiheadAttention.forward: shapes, masks and options, naming the module", () => {
    const mha = new nn.MultiheadAttention(16, 4);
    const op = /MultiheadAttention\(embed_dim=16, num_heads=4\)/;
    torch.tidy(() => {
      const bad = torch.zeros([5, 2, 8]);
      expect(() => mha.forward(bad, bad, bad)).toThrow(
        /MultiheadAttention\(embed_dim=16, num_heads=4\): expected query \[\.\.\., 16\], got \[5, 2, 8\]/,
      );
      const x = torch.zeros([5, 2, 16]);
      const kv = torch.zeros([4, 2, 16]);
      expect(() =>
        mha.forward(x, kv, kv, { keyPaddingMask: torch.zeros([2, 5], { dtype: "bool" }) }),
      ).toThrow(/keyPaddingMask must be \[2, 4\] \(batch, source length\); got \[2, 5\]/);
      expect(() => mha.forward(x, kv, kv, { attnMask: torch.zeros([5, 5]) })).toThrow(
        /attnMask must be \[5, 4\] or \[8, 5, 4\]; got \[5, 5\]/,
      );
      expect(() =>
        mha.forward(x, kv, kv, { attnMask: torch.zeros([5, 4], { dtype: "int32" }) }),
      ).toThrow(/attnMask must be a bool or float tensor; got int32/);
      expect(() => mha.forward(x, kv, torch.zeros([3, 2, 16]))).toThrow(
        /key and value must have the same length/,
      );
      expect(() => mha.forward(torch.zeros([1, 5, 2, 16]), kv, kv)).toThrow(
        /expected a batched 3-D or unbatched 2-D query; got \[1, 5, 2, 16\]/,
      );
      expect(() => mha.forward(x, torch.zeros([4, 16]), kv)).toThrow(
        /key and value must be 3-D like the query/,
      );
      expect(() => mha.forward(x, kv, kv, { needWeight: false } as never)).toThrow(
        /unknown option "needWeight" \(did you mean "needWeights"\?\)/,
      );
      expect(() => mha.forward(x, kv, kv, { needWeights: false })).not.toThrow(op);
    });
    mha.dispose();
  });

  it("scaledDotProductAttention: shapes, masks and options", () => {
    torch.tidy(() => {
      const q = torch.zeros([2, 5, 8]);
      const k = torch.zeros([2, 4, 8]);
      expect(() =>
        F.scaledDotProductAttention(q, k, k, {
          attnMask: torch.ones([5, 4], { dtype: "bool" }),
          isCausal: true,
        }),
      ).toThrow(/scaledDotProductAttention: attnMask and isCausal cannot both be set/);
      expect(() => F.scaledDotProductAttention(q, torch.zeros([2, 4, 6]), k)).toThrow(
        /scaledDotProductAttention: query and key must have the same last dim \(E\); got query \[2, 5, 8\], key \[2, 4, 6\], value \[2, 4, 8\]/,
      );
      expect(() => F.scaledDotProductAttention(q, k, torch.zeros([2, 3, 8]))).toThrow(
        /key and value must have the same length/,
      );
      expect(() =>
        F.scaledDotProductAttention(q, k, k, { attnMask: torch.zeros([3, 5, 4]) }),
      ).toThrow(/attnMask \[3, 5, 4\] does not broadcast to the attention scores \[2, 5, 4\]/);
      expect(() =>
        F.scaledDotProductAttention(q, k, k, { attnMask: torch.zeros([5, 4], { dtype: "int32" }) }),
      ).toThrow(/attnMask must be a bool or float tensor; got int32/);
      expect(() => F.scaledDotProductAttention(q, k, k, { is_causal: true } as never)).toThrow(
        /unknown option "is_causal" \(did you mean "isCausal"\?\)/,
      );
      expect(() => F.scaledDotProductAttention(q, k, k, { dropoutP: -1 })).toThrow(
        /dropout probability has to be between 0 and 1; got -1/,
      );
      expect(() => F.scaledDotProductAttention(torch.zeros([8]), k, k)).toThrow(
        /need at least 2 dims/,
      );
    });
  });
});

// ---- gradients by finite differences (float64, cpu): the composites' own gradients ----

describe("attention gradcheck (float64)", () => {
  withLeakCheck();
  const f64 = (shape: number[]) => torch.randn(shape, { dtype: "float64", requiresGrad: true });

  it("scaledDotProductAttention with a bool mask, a float mask and isCausal", () => {
    torch.manualSeed(1);
    torch.tidy(() => {
      const [q, k, v] = [f64([2, 3, 4]), f64([2, 5, 4]), f64([2, 5, 3])];
      const keep = torch.tensor([[true, false, true, true, false]]);
      const add = torch.randn([3, 5], { dtype: "float64" });
      for (const options of [{ attnMask: keep }, { attnMask: add }, { isCausal: true }])
        expect(
          torch.autograd.gradcheck(
            (a, b, c) => F.scaledDotProductAttention(a!, b!, c!, options),
            [q, k, v],
          ),
        ).toBe(true);
    });
  });

  it("MultiheadAttention with bias_k/v, zero attention and a key padding mask", () => {
    torch.manualSeed(2);
    const mha = new nn.MultiheadAttention(4, 2, {
      addBiasKv: true,
      addZeroAttn: true,
      kdim: 3,
      dtype: "float64",
    });
    torch.tidy(() => {
      const [q, k, v] = [f64([3, 2, 4]), f64([5, 2, 3]), f64([5, 2, 4])];
      const keyPaddingMask = torch.tensor([
        [false, true, false, false, true],
        [false, false, false, true, false],
      ]);
      expect(
        torch.autograd.gradcheck(
          (a, b, c) => mha.forward(a!, b!, c!, { keyPaddingMask, needWeights: false })[0],
          [q, k, v],
        ),
      ).toBe(true);
    });
    mha.dispose();
  });
});
