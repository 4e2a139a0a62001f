/**
 * The attention and Transformer goldens (`test/golden/nn_attention.json`, made by
 * gen_nn_attention.py): their types, the modules built from their specs, and one case run on a
 * device and compared with PyTorch (outputs, every input and parameter gradient, state-dict keys
 * and printout). Shared by test/nn/attention.test.ts and test/nn/transformer.test.ts.
 */
import { readFileSync } from "node:fs";

import { expect } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import { assertAllClose } from "./allclose.js";
import { num, type GT } from "./golden-nn.js";
import { expectSameMemory, memorySnapshot } from "./leaks.js";
import { CPU_VS_TORCH_MATMUL, type Tolerance } from "./tolerance.js";

const { nn } = torch;
type Module = InstanceType<typeof nn.Module>;

export interface ModuleSpec {
  type: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  layer?: ModuleSpec;
  num_layers?: number;
  norm?: ModuleSpec | null;
}

export interface SdpaCase {
  name: string;
  inputs: (GT & { requires_grad: boolean })[];
  kwargs: { attnMask: GT | null; isCausal: boolean; scale: number | null };
  output: GT;
  grad_output: GT;
  input_grads: GT[];
}

export interface AttentionModuleCase {
  name: string;
  module: ModuleSpec;
  same_qkv: boolean;
  repr: string;
  state: Record<string, GT>;
  inputs: (GT & { requires_grad: boolean })[];
  forward_kwargs: Record<string, unknown>;
  outputs: (GT | null)[];
  grad_outputs: (GT | null)[];
  input_grads: (GT | null)[];
  param_grads: Record<string, GT>;
}

export interface AttentionGolden {
  torch_version: string;
  sdpa: SdpaCase[];
  modules: AttentionModuleCase[];
  safetensors: {
    keys: string[];
    input: GT;
    mha_output: GT;
    mha_weights: GT;
    layer_output: GT;
  };
  square_subsequent_mask: Record<string, GT>;
}

export const golden = JSON.parse(
  readFileSync(new URL("../golden/nn_attention.json", import.meta.url), "utf8"),
) as AttentionGolden;

/**
 * Tolerances: a handful of float32 matmuls, softmax and LayerNorm chained (up to 3 layers), so
 * the matmul tolerance; WebGPU's exp and summation order add a little more.
 */
export function tolerance(device: DeviceName): Tolerance {
  return device === "cpu" ? CPU_VS_TORCH_MATMUL : { rtol: 1e-3, atol: 1e-4 };
}

/** A fixture tensor on `device`, as a leaf. */
export function decodeOn(t: GT, device: DeviceName, requiresGrad = false): Tensor {
  const vals = t.data.map(num);
  const data = t.dtype === "bool" ? Uint8Array.from(vals) : Float32Array.from(vals);
  return torch.tensor(data, { shape: t.shape, dtype: t.dtype, device, requiresGrad });
}

/** Compares a tensor (read back with the awaited form) with a fixture tensor. */
export async function expectClose(
  actual: Tensor | null | undefined,
  expected: GT,
  tol: Tolerance,
  label: string,
): Promise<void> {
  expect(actual, `${label}: missing`).toBeTruthy();
  expect([...actual!.shape], `${label} shape`).toEqual(expected.shape);
  assertAllClose(await actual!.data(), expected.data.map(num), tol, label, expected.shape);
}

/**
 * The seeds' hand-written multi-head self-attention, written with webtorch as one writes it in
 * PyTorch (see SelfAttention in gen_nn_attention.py): bias-free q/k/v Linear, heads folded into
 * the batch, bmm, softmax of scores / sqrt(headDim).
 */
export class SelfAttention extends nn.Module {
  readonly heads: number;
  readonly headDim: number;
  query: InstanceType<typeof nn.Linear>;
  key: InstanceType<typeof nn.Linear>;
  value: InstanceType<typeof nn.Linear>;
  out: InstanceType<typeof nn.Linear>;

  constructor(embedDim: number, heads: number) {
    super();
    this.heads = heads;
    this.headDim = embedDim / heads;
    this.query = new nn.Linear(embedDim, embedDim, { bias: false });
    this.key = new nn.Linear(embedDim, embedDim, { bias: false });
    this.value = new nn.Linear(embedDim, embedDim, { bias: false });
    this.out = new nn.Linear(embedDim, embedDim);
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const [b, t, e] = x.shape as [number, number, number];
      const split = (y: Tensor) =>
        y
          .view(b, t, this.heads, this.headDim)
          .transpose(1, 2)
          .reshape(b * this.heads, t, this.headDim);
      const q = split(this.query.forward(x));
      const k = split(this.key.forward(x));
      const v = split(this.value.forward(x));
      const scores = torch.bmm(q, k.transpose(1, 2)).div(Math.sqrt(this.headDim));
      const attn = scores.softmax(-1);
      const y = torch
        .bmm(attn, v)
        .view(b, this.heads, t, this.headDim)
        .transpose(1, 2)
        .reshape(b, t, e);
      return this.out.forward(y);
    });
  }
}

const FUNCTIONS: Record<string, (x: Tensor) => Tensor> = { tanh: (x) => torch.tanh(x) };

function kwargsOf(spec: ModuleSpec): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(spec.kwargs ?? {}).map(([k, v]) => [
      k,
      typeof v === "object" && v !== null && "function" in v
        ? FUNCTIONS[(v as { function: string }).function]
        : v,
    ]),
  );
}

/** The webtorch module for a fixture's spec (on the default device). */
export function build(spec: ModuleSpec): Module {
  const a = spec.args ?? [];
  const kw = kwargsOf(spec);
  switch (spec.type) {
    case "SelfAttention":
      return new SelfAttention(a[0] as number, a[1] as number);
    case "MultiheadAttention":
      return new nn.MultiheadAttention(a[0] as number, a[1] as number, kw);
    case "TransformerEncoderLayer":
      return new nn.TransformerEncoderLayer(a[0] as number, a[1] as number, kw);
    case "TransformerDecoderLayer":
      return new nn.TransformerDecoderLayer(a[0] as number, a[1] as number, kw);
    case "LayerNorm":
      return new nn.LayerNorm(a[0] as number, kw);
    case "Transformer":
      return new nn.Transformer(kw);
    case "TransformerEncoder":
    case "TransformerDecoder": {
      const layer = build(spec.layer!);
      const norm = spec.norm ? build(spec.norm) : null;
      const m =
        spec.type === "TransformerEncoder"
          ? new nn.TransformerEncoder(layer as never, spec.num_layers!, { norm })
          : new nn.TransformerDecoder(layer as never, spec.num_layers!, { norm });
      layer.dispose();
      return m;
    }
  }
  throw new Error(`unknown module type ${spec.type}`);
}

/** Builds the case's module on `device`, loads PyTorch's state, runs forward and backward, compares. */
export async function runModuleCase(c: AttentionModuleCase, device: DeviceName): Promise<void> {
  const before = memorySnapshot();
  const tol = tolerance(device);
  const m = build(c.module).to(device);
  const made: Tensor[] = [];
  try {
    expect(String(m), "printout").toBe(c.repr);
    expect(Object.keys(m.stateDict()), "state-dict keys").toEqual(Object.keys(c.state));
    const state = Object.fromEntries(
      Object.entries(c.state).map(([k, v]) => [k, decodeOn(v, device)]),
    );
    m.loadStateDict(state);
    Object.values(state).forEach((t) => t.dispose());
    m.eval();
    const inputs = c.inputs.map((t) => decodeOn(t, device, t.requires_grad));
    made.push(...inputs);
    const fkw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.forward_kwargs)) {
      if (typeof v === "object" && v !== null && "tensor" in v) {
        const t = decodeOn((v as { tensor: GT }).tensor, device);
        made.push(t);
        fkw[k] = t;
      } else fkw[k] = v;
    }
    const args = c.same_qkv ? [inputs[0], inputs[0], inputs[0]] : inputs;
    const out = (m as unknown as { forward(...a: unknown[]): Tensor | (Tensor | null)[] }).forward(
      ...args,
      fkw,
    );
    const outs = Array.isArray(out) ? out : [out];
    made.push(...outs.filter((o): o is Tensor => o !== null));
    expect(outs.length, "outputs").toBe(c.outputs.length);
    for (const [i, e] of c.outputs.entries()) {
      if (e === null) expect(outs[i], `${c.name} output ${i}`).toBeNull();
      else await expectClose(outs[i], e, tol, `${c.name} output ${i}`);
    }
    const loss = torch.tidy(() => {
      let total: Tensor | null = null;
      c.grad_outputs.forEach((g, i) => {
        if (!g) return;
        const term = outs[i]!.mul(decodeOn(g, device)).sum();
        total = total ? total.add(term) : term;
      });
      return total! as Tensor;
    });
    made.push(loss);
    loss.backward();
    for (const [i, g] of c.input_grads.entries()) {
      if (g) await expectClose(inputs[i]!.grad, g, tol, `${c.name} grad of input ${i}`);
      else expect(inputs[i]!.grad, `${c.name} input ${i} has no grad`).toBeNull();
    }
    const params = Object.fromEntries(m.namedParameters());
    expect(Object.keys(params).sort(), "parameters").toEqual(Object.keys(c.param_grads).sort());
    for (const [k, g] of Object.entries(c.param_grads))
      await expectClose(params[k]!.grad, g, tol, `${c.name} grad of ${k}`);
  } finally {
    made.forEach((t) => t.dispose());
    m.dispose();
  }
  expectSameMemory(before, c.name);
}
