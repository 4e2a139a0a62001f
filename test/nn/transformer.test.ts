/**
 * nn.TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder and
 * nn.Transformer against PyTorch (test/golden/gen_nn_attention.py: outputs, every input and
 * parameter gradient, state-dict keys, printouts) on cpu and webgpu; a PyTorch-written
 * safetensors file of a MultiheadAttention and a TransformerEncoderLayer; the deep copies of
 * TransformerEncoder; generateSquareSubsequentMask; options and error messages.
 */
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { describeBackends, withNoFallback } from "../util/backends.js";
import {
  decodeOn,
  expectClose,
  golden,
  runModuleCase,
  tolerance,
} from "../util/golden-attention.js";
import { withLeakCheck } from "../util/leaks.js";
import { EXACT } from "../util/tolerance.js";
import { assertAllClose } from "../util/allclose.js";
import { num } from "../util/golden-nn.js";

const { nn } = torch;

const cases = golden.modules.filter((c) => c.module.type.startsWith("Transformer"));

describeBackends(`Transformer modules vs PyTorch ${golden.torch_version}`, (device) => {
  withLeakCheck();
  withNoFallback(device);
  it("has the fixtures", () => expect(cases.length).toBeGreaterThanOrEqual(14));
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_n, c) => runModuleCase(c, device));

  it("loads a PyTorch-written safetensors of a MultiheadAttention and a TransformerEncoderLayer unchanged", async () => {
    const st = golden.safetensors;
    const sd = torch.loadBytes(
      new Uint8Array(
        readFileSync(new URL("../golden/safetensors/attention.safetensors", import.meta.url)),
      ),
    );
    const model = new nn.ModuleDict({
      mha: new nn.MultiheadAttention(8, 2, { batchFirst: true }),
      layer: new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 }),
    }).to(device);
    const x = decodeOn(st.input, device);
    try {
      expect(Object.keys(model.stateDict())).toEqual(st.keys);
      expect(Object.keys(sd).sort()).toEqual([...st.keys].sort());
      model.loadStateDict(sd);
      model.eval();
      const mha = model.get("mha") as InstanceType<typeof nn.MultiheadAttention>;
      const layer = model.get("layer") as InstanceType<typeof nn.TransformerEncoderLayer>;
      const tol = tolerance(device);
      await torch.tidy(async () => {
        const [out, w] = torch.noGrad(() => mha.forward(x, x, x));
        await expectClose(out, st.mha_output, tol, "mha output");
        await expectClose(w, st.mha_weights, tol, "mha weights");
        const y = torch.noGrad(() => layer.forward(x.transpose(0, 1)));
        await expectClose(y, st.layer_output, tol, "layer output");
      });
    } finally {
      Object.values(sd).forEach((t) => t.dispose());
      x.dispose();
      model.dispose();
    }
  });
});

describeBackends("Transformer behaviour", (device) => {
  withLeakCheck();
  withNoFallback(device);

  it("generateSquareSubsequentMask gives PyTorch's mask", async () => {
    for (const [n, want] of Object.entries(golden.square_subsequent_mask)) {
      const m = nn.Transformer.generateSquareSubsequentMask(Number(n), { device });
      expect(m.shape).toEqual(want.shape);
      expect(m.device).toBe(device);
      assertAllClose(await m.data(), want.data.map(num), EXACT, `mask ${n}`);
      m.dispose();
    }
  });

  it("isCausal is the causal mask in the encoder layer, the encoder and the decoder", async () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, device }).eval();
    const enc = new nn.TransformerEncoder(layer, 2);
    const decLayer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, device });
    const dec = new nn.TransformerDecoder(decLayer, 1).eval();
    await torch.tidy(async () => {
      const x = torch.randn([5, 2, 8], { device });
      const mask = nn.Transformer.generateSquareSubsequentMask(5, { device });
      const same = async (a: Tensor, b: Tensor) =>
        expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      await same(layer.forward(x, { isCausal: true }), layer.forward(x, { srcMask: mask }));
      enc.eval();
      await same(enc.forward(x, { isCausal: true }), enc.forward(x, { mask }));
      const mem = torch.randn([3, 2, 8], { device });
      await same(
        dec.forward(x, mem, { tgtIsCausal: true }),
        dec.forward(x, mem, { tgtMask: mask }),
      );
    });
    for (const m of [layer, enc, decLayer, dec]) m.dispose();
  });

  it("dropout is active in train mode and reproducible with manualSeed", async () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, {
      dimFeedforward: 16,
      dropout: 0.5,
      device,
    });
    await torch.tidy(async () => {
      const x = torch.randn([4, 2, 8], { device });
      torch.manualSeed(3);
      const a = Array.from(await layer.forward(x).data());
      torch.manualSeed(3);
      const b = Array.from(await layer.forward(x).data());
      expect(a).toEqual(b);
      layer.eval();
      const c = Array.from(await layer.forward(x).data());
      expect(c).not.toEqual(a);
    });
    layer.dispose();
  });
});

describeBackends("Transformer training", (device) => {
  withLeakCheck();
  withNoFallback(device);

  it("trains a small Transformer: the loss falls and the live tensors stay constant", async () => {
    torch.manualSeed(0);
    const model = new nn.Transformer({
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      dimFeedforward: 16,
      dropout: 0.1,
      batchFirst: true,
      device,
    });
    const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-2 });
    const src = torch.randn([4, 6, 8], { device });
    const tgt = torch.randn([4, 5, 8], { device });
    const target = torch.randn([4, 5, 8], { device });
    const tgtMask = nn.Transformer.generateSquareSubsequentMask(5, { device });
    const losses: number[] = [];
    const live: number[] = [];
    for (let step = 0; step < 8; step++) {
      const loss = torch.tidy(() => {
        opt.zeroGrad();
        const l = nn.functional.mseLoss(model.forward(src, tgt, { tgtMask }), target);
        l.backward();
        opt.step();
        return l;
      });
      losses.push(await loss.item());
      loss.dispose();
      live.push(torch.memory().numTensors);
    }
    expect(losses[7]!).toBeLessThan(losses[0]!);
    expect(live[7]).toBe(live[2]);
    for (const t of [src, tgt, target, tgtMask]) t.dispose();
    opt.dispose();
    model.dispose();
  });
});

describe("Transformer stacks: deep copies, init and printout", () => {
  withLeakCheck();

  it("TransformerEncoder deep-copies its layer numLayers times (PyTorch's _get_clones)", () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.2 });
    layer.eval();
    const enc = new nn.TransformerEncoder(layer, 3, { norm: new nn.LayerNorm(8) });
    expect(enc.layers.length).toBe(3);
    const own = layer.stateDict();
    const keys = Object.keys(own);
    const layers = enc.layers.toArray() as InstanceType<typeof nn.TransformerEncoderLayer>[];
    for (const [i, l] of layers.entries()) {
      expect(l).not.toBe(layer);
      expect(l.training).toBe(false);
      expect(l.dropout.p).toBe(0.2);
      const sd = l.stateDict();
      expect(Object.keys(sd)).toEqual(keys);
      for (const k of keys) {
        expect(sd[k]).not.toBe(own[k]);
        expect(Array.from(sd[k]!.dataSync()), `layer ${i} ${k}`).toEqual(
          Array.from(own[k]!.dataSync()),
        );
      }
    }
    // the copies are independent of the template and of each other
    torch.noGrad(() => layers[0]!.linear1.weight.fill_(0));
    expect(Array.from(layers[1]!.linear1.weight.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(Array.from(layer.linear1.weight.dataSync()).some((v) => v !== 0)).toBe(true);
    expect(Object.keys(enc.stateDict()).slice(0, 3)).toEqual([
      "layers.0.self_attn.in_proj_weight",
      "layers.0.self_attn.in_proj_bias",
      "layers.0.self_attn.out_proj.weight",
    ]);
    expect(Object.keys(enc.stateDict()).slice(-2)).toEqual(["norm.weight", "norm.bias"]);
    expect(enc.parameters().length).toBe(3 * layer.parameters().length + 2);
    layer.dispose();
    enc.dispose();
  });

  it("nn.Transformer initialises as PyTorch: xavier_uniform_ on every parameter of 2+ dims", () => {
    torch.manualSeed(0);
    const model = new nn.Transformer({
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      dimFeedforward: 16,
    });
    for (const [k, p] of model.namedParameters()) {
      if (p.ndim < 2) continue;
      const [fanOut, fanIn] = p.shape as [number, number];
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      const maxAbs = Math.max(...p.dataSync().map(Math.abs));
      expect(maxAbs, k).toBeLessThanOrEqual(bound);
      expect(maxAbs, k).toBeGreaterThan(0.5 * bound);
    }
    expect(Array.from(model.encoder.norm!.stateDict().weight!.dataSync())).toEqual(
      new Array(8).fill(1),
    );
    expect(model.encoder.layers.length).toBe(1);
    expect(Object.keys(model.stateDict()).length).toBe(
      12 + 18 + 4, // encoder layer, decoder layer, two final norms (PyTorch's count)
    );
    model.dispose();
  });

  it("prints the activation function's layers as PyTorch (a function is not a submodule)", () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { activation: (x: Tensor) => x.tanh() });
    expect(String(layer)).toContain("(dropout2): Dropout(p=0.1, inplace=False)\n)");
    expect(String(layer)).not.toContain("activation");
    layer.dispose();
  });
});

describe("Transformer errors", () => {
  withLeakCheck();

  it("constructor options and arguments", () => {
    expect(() => new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16 } as never)).toThrow(
      /TransformerEncoderLayer: unknown option "dim_feedforward" \(did you mean "dimFeedforward"\?\)/,
    );
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: "tanh" as never })).toThrow(
      /TransformerEncoderLayer\(d_model=8, nhead=2\): activation should be "relu", "gelu" or a function; got "tanh"/,
    );
    expect(() => new nn.TransformerDecoderLayer(8, 3)).toThrow(
      /MultiheadAttention\(embed_dim=8, num_heads=3\): embedDim must be divisible by numHeads/,
    );
    expect(
      () => new nn.Transformer({ dModel: 8, nhead: 2, num_encoder_layers: 1 } as never),
    ).toThrow(
      /Transformer: unknown option "num_encoder_layers" \(did you mean "numEncoderLayers"\?\)/,
    );
    class Custom extends nn.Module {
      forward(x: Tensor) {
        return x;
      }
    }
    expect(() => new nn.TransformerEncoder(new Custom() as never, 2)).toThrow(
      /TransformerEncoder: cannot deep-copy a Custom: give it a clone\(\) method/,
    );
  });

  it("forward: input shapes and options, naming the module", () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const dec = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    const model = new nn.Transformer({
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      dimFeedforward: 16,
    });
    torch.tidy(() => {
      expect(() => layer.forward(torch.zeros([5, 2, 6]))).toThrow(
        /TransformerEncoderLayer\(d_model=8, nhead=2\): expected src \[\.\.\., 8\] \(2-D unbatched or 3-D batched\), got \[5, 2, 6\]/,
      );
      expect(() => layer.forward(torch.zeros([5, 2, 8]), { src_mask: null } as never)).toThrow(
        /unknown option "src_mask" \(did you mean "srcMask"\?\)/,
      );
      expect(() => dec.forward(torch.zeros([5, 2, 8]), torch.zeros([4, 8]))).toThrow(
        /key and value must be 3-D like the query/,
      );
      expect(() => model.forward(torch.zeros([4, 2, 8]), torch.zeros([5, 3, 8]))).toThrow(
        /Transformer\(d_model=8, nhead=2\): the batch sizes of src and tgt must be equal; got src \[4, 2, 8\], tgt \[5, 3, 8\]/,
      );
      expect(() => model.forward(torch.zeros([4, 2, 6]), torch.zeros([5, 2, 6]))).toThrow(
        /the feature size of src and tgt must be d_model=8/,
      );
      expect(() => nn.Transformer.generateSquareSubsequentMask(-1)).toThrow(
        /generateSquareSubsequentMask: n must be a non-negative integer; got -1/,
      );
    });
    for (const m of [layer, dec, model]) m.dispose();
  });
});
