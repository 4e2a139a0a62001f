/**
 * nn.RNN, nn.LSTM, nn.GRU and their cells against PyTorch (test/golden/gen_nn_rnn.py), on every
 * backend: each case loads PyTorch's state dict, runs the forward (padded, batch-first, unbatched
 * or packed, with or without initial states), and compares the output, the final states and, after
 * backward of sum(output * gOut) + sum(hn * gHn) (+ sum(cn * gCn)), the gradients of the input, of
 * the initial states and of every parameter. Also the seeds' SimpleLSTM (2-layer LSTM, last step,
 * Linear, cross-entropy): loss and every parameter gradient. No tensor may leak, and on webgpu no
 * op may fall back to the CPU.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import type { Module } from "../../src/nn/module.js";
import { describeBackends, withNoFallback } from "../util/backends.js";
import { withLeakCheck } from "../util/leaks.js";
import {
  decode,
  expectClose,
  fixture,
  tolFor,
  type CellCase,
  type RnnCase,
} from "./rnn-fixture.js";

const { nn } = torch;
const F = nn.functional;
type PackedSequence = InstanceType<typeof nn.utils.rnn.PackedSequence>;

type Recurrent =
  InstanceType<typeof nn.RNN> | InstanceType<typeof nn.LSTM> | InstanceType<typeof nn.GRU>;

function build(spec: { type: string; args: number[]; kwargs: Record<string, unknown> }): Module {
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => Module>)[spec.type];
  if (!Ctor) throw new Error(`nn.${spec.type} is missing`);
  return new Ctor(...spec.args, spec.kwargs);
}

/** Loads PyTorch's state dict (checking its keys and their order), then moves to `device`. */
function loadTorchState(m: Module, sd: CellCase["state_dict"], device: DeviceName): void {
  expect(Object.keys(m.stateDict()), "state dict keys, in PyTorch's order").toEqual(
    Object.keys(sd),
  );
  for (const [k, t] of Object.entries(m.stateDict()))
    expect([...t.shape], `${k} shape`).toEqual(sd[k]!.shape);
  const state = Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, decode(v)]));
  m.loadStateDict(state);
  Object.values(state).forEach((t) => t.dispose());
  m.to(device);
}

/** sum(y * g) over the pairs given: its gradient is g for each y. */
function dotLoss(pairs: [Tensor, Tensor][]): Tensor {
  return torch.tidy(() => pairs.map(([y, g]) => y.mul(g).sum()).reduce((a, b) => a.add(b)));
}

async function runCase(c: RnnCase, device: DeviceName): Promise<void> {
  const tol = tolFor(device);
  const m = build(c.module) as Recurrent;
  const made: Tensor[] = [];
  let packedIn: PackedSequence | null = null;
  let packedOut: PackedSequence | null = null;
  try {
    expect(String(m), "printout").toBe(c.repr);
    loadTorchState(m, c.state_dict, device);
    m.train(c.mode === "train");
    const x = decode(c.input, device, true);
    const h0 = c.h0 ? decode(c.h0, device, true) : undefined;
    const c0 = c.c0 ? decode(c.c0, device, true) : undefined;
    made.push(...[x, h0, c0].filter((t): t is Tensor => t !== undefined));
    if (c.packed)
      packedIn = nn.utils.rnn.packPaddedSequence(x, c.packed.lengths, {
        batchFirst: (c.module.kwargs.batchFirst as boolean | undefined) ?? false,
        enforceSorted: c.packed.enforce_sorted,
      });
    const input = packedIn ?? x;
    let out: Tensor;
    let hn: Tensor;
    let cn: Tensor | null = null;
    if (m instanceof nn.LSTM) {
      const r = m.forward(input, h0 && c0 ? [h0, c0] : undefined);
      [hn, cn] = r[1];
      if (r[0] instanceof torch.Tensor) out = r[0];
      else [packedOut, out] = [r[0], r[0].data];
    } else {
      const r = (m as InstanceType<typeof nn.GRU>).forward(input, h0);
      hn = r[1];
      if (r[0] instanceof torch.Tensor) out = r[0];
      else [packedOut, out] = [r[0], r[0].data];
    }
    if (!packedOut) made.push(out);
    made.push(hn, ...(cn ? [cn] : []));
    await expectClose(out, c.output, tol, `${c.name} output`);
    await expectClose(hn, c.hn, tol, `${c.name} hn`);
    if (c.cn) await expectClose(cn, c.cn, tol, `${c.name} cn`);
    const grads: [Tensor, Tensor][] = [
      [out, decode(c.grad_output, device)],
      [hn, decode(c.grad_hn, device)],
      ...(cn && c.grad_cn ? [[cn, decode(c.grad_cn, device)] as [Tensor, Tensor]] : []),
    ];
    made.push(...grads.map(([, g]) => g));
    const loss = dotLoss(grads);
    made.push(loss);
    loss.backward();
    await expectClose(x.grad, c.grads.input, tol, `${c.name} input grad`);
    if (c.grads.h0) await expectClose(h0!.grad, c.grads.h0, tol, `${c.name} h0 grad`);
    if (c.grads.c0) await expectClose(c0!.grad, c.grads.c0, tol, `${c.name} c0 grad`);
    const params = Object.fromEntries(m.namedParameters());
    expect(Object.keys(params)).toEqual(Object.keys(c.param_grads));
    for (const [k, g] of Object.entries(c.param_grads))
      await expectClose(params[k]!.grad, g, tol, `${c.name} ${k}.grad`);
  } finally {
    made.forEach((t) => t.dispose());
    packedIn?.dispose();
    packedOut?.dispose();
    m.dispose();
  }
}

async function runCell(c: CellCase, device: DeviceName): Promise<void> {
  const tol = tolFor(device);
  const m = build(c.module);
  const made: Tensor[] = [];
  try {
    expect(String(m), "printout").toBe(c.repr);
    loadTorchState(m, c.state_dict, device);
    const x = decode(c.input, device, true);
    const h0 = c.h0 ? decode(c.h0, device, true) : undefined;
    const c0 = c.c0 ? decode(c.c0, device, true) : undefined;
    made.push(...[x, h0, c0].filter((t): t is Tensor => t !== undefined));
    let h: Tensor;
    let cn: Tensor | null = null;
    if (m instanceof nn.LSTMCell) [h, cn] = m.forward(x, h0 && c0 ? [h0, c0] : undefined);
    else h = (m as InstanceType<typeof nn.GRUCell>).forward(x, h0);
    made.push(h, ...(cn ? [cn] : []));
    await expectClose(h, c.output, tol, `${c.name} h'`);
    if (c.cn) await expectClose(cn, c.cn, tol, `${c.name} c'`);
    const grads: [Tensor, Tensor][] = [[h, decode(c.grad_output, device)]];
    if (cn && c.grad_cn) grads.push([cn, decode(c.grad_cn, device)]);
    made.push(...grads.map(([, g]) => g));
    const loss = dotLoss(grads);
    made.push(loss);
    loss.backward();
    await expectClose(x.grad, c.grads.input, tol, `${c.name} input grad`);
    if (c.grads.h0) await expectClose(h0!.grad, c.grads.h0, tol, `${c.name} h grad`);
    if (c.grads.c0) await expectClose(c0!.grad, c.grads.c0, tol, `${c.name} c grad`);
    for (const [k, p] of m.namedParameters())
      await expectClose(p.grad, c.param_grads[k]!, tol, `${c.name} ${k}.grad`);
  } finally {
    made.forEach((t) => t.dispose());
    m.dispose();
  }
}

/** The seeds' SimpleLSTM, as a webtorch user writes it. */
class SimpleLSTM extends nn.Module {
  lstm: InstanceType<typeof nn.LSTM>;
  fc: InstanceType<typeof nn.Linear>;
  constructor(
    inputSize: number,
    readonly hiddenSize: number,
    readonly numLayers: number,
    numClasses: number,
  ) {
    super();
    this.lstm = new nn.LSTM(inputSize, hiddenSize, { numLayers, batchFirst: true });
    this.fc = new nn.Linear(hiddenSize, numClasses);
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const opts = { device: x.device };
      const h0 = torch.zeros([this.numLayers, x.size(0), this.hiddenSize], opts).detach();
      const c0 = torch.zeros([this.numLayers, x.size(0), this.hiddenSize], opts).detach();
      const [out] = this.lstm.forward(x, [h0, c0]);
      return this.fc.forward(out.index(":", -1, ":"));
    });
  }
}

describe(`nn recurrent fixture (PyTorch ${fixture.torch_version})`, () => {
  it("has the cases", () => {
    expect(fixture.cases.length).toBeGreaterThan(30);
    expect(fixture.cells.length).toBeGreaterThanOrEqual(10);
  });
});

describeBackends("RNN / LSTM / GRU vs PyTorch", (device) => {
  withLeakCheck();
  withNoFallback(device);
  for (const c of fixture.cases) it(c.name, () => runCase(c, device));
});

describeBackends("RNNCell / LSTMCell / GRUCell vs PyTorch", (device) => {
  withLeakCheck();
  withNoFallback(device);
  for (const c of fixture.cells) it(c.name, () => runCell(c, device));
});

describeBackends("SimpleLSTM (the seeds' model) vs PyTorch", (device) => {
  withLeakCheck();
  withNoFallback(device);
  it("one forward and backward: logits, loss and every parameter gradient", async () => {
    const s = fixture.simple_lstm;
    const { inputSize, hiddenSize, numLayers, numClasses } = s.sizes;
    const model = new SimpleLSTM(inputSize, hiddenSize, numLayers, numClasses);
    const tol = tolFor(device);
    const x = decode(s.input, device);
    const y = decode(s.target, device);
    try {
      expect(String(model)).toBe(s.repr);
      loadTorchState(model, s.state_dict, device);
      const logits = model.forward(x);
      const loss = F.crossEntropy(logits, y);
      await expectClose(logits, s.logits, tol, "logits");
      expect(Math.abs((await loss.item()) - s.loss)).toBeLessThanOrEqual(1e-5 * (1 + s.loss));
      loss.backward();
      for (const [k, p] of model.namedParameters())
        await expectClose(p.grad, s.param_grads[k]!, tol, `${k}.grad`);
      logits.dispose();
      loss.dispose();
    } finally {
      x.dispose();
      y.dispose();
      model.dispose();
    }
  });
});
