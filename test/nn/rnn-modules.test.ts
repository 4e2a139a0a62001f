/**
 * nn.RNN / LSTM / GRU and the cells beyond the PyTorch goldens (rnn.test.ts): printouts, PyTorch's
 * init bounds, shapes of every configuration, dropout between layers, float64, no-grad use, leaks
 * and every error message.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn } = torch;

describe("recurrent modules: printouts and init", () => {
  withLeakCheck();

  it("print as PyTorch's repr (values from torch 1.13)", () => {
    const cases: [InstanceType<typeof nn.Module>, string][] = [
      [
        new nn.LSTM(100, 128, { numLayers: 2, batchFirst: true }),
        "LSTM(100, 128, num_layers=2, batch_first=True)",
      ],
      [
        new nn.GRU(4, 6, { dropout: 0.25, bidirectional: true, bias: false }),
        "GRU(4, 6, bias=False, dropout=0.25, bidirectional=True)",
      ],
      [new nn.LSTM(4, 6, { projSize: 2, numLayers: 3 }), "LSTM(4, 6, proj_size=2, num_layers=3)"],
    ];
    for (const [m, repr] of cases) {
      expect(String(m)).toBe(repr);
      m.dispose();
    }
  });

  it("every weight and bias is U(-1/sqrt(H), 1/sqrt(H)), as PyTorch's reset_parameters", () => {
    const modules = [
      new nn.LSTM(5, 16, { numLayers: 2, bidirectional: true, projSize: 4 }),
      new nn.GRU(5, 16),
      new nn.RNN(5, 16),
      new nn.LSTMCell(5, 16),
      new nn.GRUCell(5, 16),
      new nn.RNNCell(5, 16, { nonlinearity: "relu" }),
    ];
    for (const m of modules) {
      for (const [k, p] of m.namedParameters()) {
        const v = Array.from(p.dataSync());
        expect(Math.max(...v.map(Math.abs)), k).toBeLessThanOrEqual(0.25);
        expect(Math.max(...v.map(Math.abs)), `${k} is not all zeros`).toBeGreaterThan(0.1);
      }
      m.dispose();
    }
  });

  it("cell state-dict keys are PyTorch's: weight_ih, weight_hh, bias_ih, bias_hh", () => {
    const cell = new nn.LSTMCell(3, 4);
    const noBias = new nn.GRUCell(3, 4, { bias: false });
    expect(Object.keys(cell.stateDict())).toEqual(["weight_ih", "weight_hh", "bias_ih", "bias_hh"]);
    expect(cell.weight_ih.shape).toEqual([16, 3]);
    expect(Object.keys(noBias.stateDict())).toEqual(["weight_ih", "weight_hh"]);
    expect(noBias.weight_hh.shape).toEqual([12, 4]);
    cell.dispose();
    noBias.dispose();
  });
});

describe("recurrent modules: shapes, modes and memory", () => {
  withLeakCheck();

  it("output and state shapes for bidirectional, projected, batch-first and unbatched inputs", () => {
    torch.tidy(() => {
      const lstm = new nn.LSTM(4, 6, {
        numLayers: 2,
        bidirectional: true,
        projSize: 3,
        batchFirst: true,
      });
      const [out, [hn, cn]] = lstm.forward(torch.randn([2, 7, 4]));
      expect([out.shape, hn.shape, cn.shape]).toEqual([
        [2, 7, 6],
        [4, 2, 3],
        [4, 2, 6],
      ]);
      const [o1, [h1, c1]] = lstm.forward(torch.randn([7, 4]));
      expect([o1.shape, h1.shape, c1.shape]).toEqual([
        [7, 6],
        [4, 3],
        [4, 6],
      ]);
      const gru = new nn.GRU(4, 5, { numLayers: 3 });
      const [o2, h2] = gru.forward(torch.randn([7, 2, 4]), torch.zeros([3, 2, 5]));
      expect([o2.shape, h2.shape]).toEqual([
        [7, 2, 5],
        [3, 2, 5],
      ]);
      const cell = new nn.LSTMCell(4, 5);
      const [h3, c3] = cell.forward(torch.randn([4]));
      expect([h3.shape, c3.shape]).toEqual([[5], [5]]);
      lstm.dispose();
      gru.dispose();
      cell.dispose();
    });
  });

  it("dropout acts between layers in training only: with p = 1 the second layer sees zeros", async () => {
    const rnn = new nn.RNN(3, 4, { numLayers: 2, dropout: 1, bias: false });
    const x = torch.randn([5, 2, 3]);
    const absSum = (train: boolean) => torch.tidy(() => rnn.train(train).forward(x)[0].abs().sum());
    // no bias, zero h0 and a zero input: tanh(0) = 0 all the way
    const inTraining = absSum(true);
    const inEval = absSum(false);
    expect(await inTraining.item()).toBe(0);
    expect(await inEval.item()).toBeGreaterThan(0);
    for (const t of [x, inTraining, inEval]) t.dispose();
    rnn.dispose();
  });

  it("runs in float64 and under noGrad, leaving only its results", () => {
    const lstm = new nn.LSTM(3, 4, { dtype: "float64" });
    const x = torch.randn([5, 2, 3], { dtype: "float64" });
    const before = torch.memory().numTensors;
    const [out, [hn, cn]] = torch.noGrad(() => lstm.forward(x));
    expect(out.dtype).toBe("float64");
    expect(out.requiresGrad).toBe(false);
    expect(torch.memory().numTensors - before, "only out, hn and cn remain").toBe(3);
    for (const t of [x, out, hn, cn]) t.dispose();
    lstm.dispose();
  });

  it("a packed forward returns a PackedSequence with the input's batch sizes and indices", () => {
    const gru = new nn.GRU(2, 3);
    const x = torch.randn([4, 3, 2]);
    const packed = nn.utils.rnn.packPaddedSequence(x, [2, 4, 1], { enforceSorted: false });
    const [out, hn] = gru.forward(packed);
    expect(out).toBeInstanceOf(nn.utils.rnn.PackedSequence);
    expect(out.data.shape).toEqual([7, 3]);
    expect(Array.from(out.batchSizes.dataSync())).toEqual([3, 2, 1, 1]);
    expect(Array.from(out.sortedIndices!.dataSync())).toEqual([1, 0, 2]);
    expect(hn.shape).toEqual([1, 3, 3]);
    packed.dispose();
    out.dispose();
    for (const t of [x, hn]) t.dispose();
    gru.dispose();
  });
});

describe("recurrent modules: a training loop", () => {
  withLeakCheck();

  it("an LSTM classifier learns with Adam, holding a constant number of live tensors per step", async () => {
    torch.manualSeed(0);
    const lstm = new nn.LSTM(3, 8, { numLayers: 2, batchFirst: true });
    const fc = new nn.Linear(8, 2);
    const params = [...lstm.parameters(), ...fc.parameters()];
    const opt = new torch.optim.Adam(params, { lr: 0.05 });
    const x = torch.randn([8, 5, 3]);
    // the class is the sign of the first feature's sum over time: learnable from the sequence
    const y = torch.tidy(() => x.index(":", ":", 0).sum(1).gt(0).toType("int32"));
    const live: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      opt.zeroGrad();
      const loss = torch.tidy(() => {
        const [out] = lstm.forward(x);
        return nn.functional.crossEntropy(fc.forward(out.index(":", -1, ":")), y);
      });
      loss.backward();
      opt.step();
      losses.push(await loss.item());
      loss.dispose();
      live.push(torch.memory().numTensors);
    }
    expect(new Set(live.slice(1)).size, `live tensors per step: ${live.join(", ")}`).toBe(1);
    expect(losses[29]!).toBeLessThan(losses[0]! * 0.5);
    opt.dispose();
    for (const t of [x, y]) t.dispose();
    lstm.dispose();
    fc.dispose();
  });
});

describe("recurrent modules: errors", () => {
  withLeakCheck();

  function throws(fn: () => unknown, re: RegExp): void {
    expect(fn).toThrow(re);
  }

  it("constructor arguments and options", () => {
    throws(
      () => new nn.LSTM(4, 6, { numLayer: 2 } as never),
      /LSTM: unknown option "numLayer" \(did you mean "numLayers"\?\)/,
    );
    throws(
      () => new nn.GRU(4, 6, { batch_first: true } as never),
      /GRU: unknown option "batch_first" \(did you mean "batchFirst"\?\)/,
    );
    throws(() => new nn.GRU(4, 6, { projSize: 2 } as never), /GRU: unknown option "projSize"/);
    throws(() => new nn.RNN(4.5, 6), /RNN: inputSize must be an integer; got 4.5/);
    throws(() => new nn.LSTM(4, 0), /LSTM: hiddenSize must be at least 1; got 0/);
    throws(() => new nn.LSTM(4, 6, { numLayers: 0 }), /LSTM: numLayers must be at least 1; got 0/);
    throws(
      () => new nn.LSTM(4, 6, { numLayers: 1.5 }),
      /LSTM: option numLayers must be an integer; got the number 1.5/,
    );
    throws(
      () => new nn.GRU(4, 6, { dropout: 1.5 }),
      /GRU: dropout must be a probability in \[0, 1\] \(of zeroing an element\); got 1.5/,
    );
    throws(
      () => new nn.LSTM(4, 6, { projSize: 6 }),
      /LSTM: projSize must be smaller than hiddenSize; got projSize=6, hiddenSize=6/,
    );
    throws(
      () => new nn.RNN(4, 6, { nonlinearity: "sigmoid" as never }),
      /RNN: unknown nonlinearity "sigmoid" \(select "tanh" or "relu"\)/,
    );
    throws(
      () => new nn.RNNCell(4, 6, { nonlinearity: "gelu" as never }),
      /RNNCell: unknown nonlinearity "gelu"/,
    );
    throws(() => new nn.LSTMCell(4, -1), /LSTMCell: hiddenSize must be at least 1; got -1/);
    throws(
      () => new nn.GRUCell(4, 6, { bias: 1 } as never),
      /GRUCell: option bias must be a boolean; got the number 1/,
    );
  });

  it("forward: input size, input rank and initial-state shapes, naming the module", () => {
    const lstm = new nn.LSTM(100, 128);
    const x = torch.zeros([32, 20, 64]);
    throws(
      () => lstm.forward(x),
      /^LSTM\(input=100, hidden=128\): expected input \[\.\.\., 100\], got \[32, 20, 64\]$/,
    );
    x.dispose();
    lstm.dispose();

    const gru = new nn.GRU(4, 6, { numLayers: 2 });
    const x4 = torch.zeros([2, 3, 5, 4]);
    throws(
      () => gru.forward(x4),
      /GRU\(input=4, hidden=6\): expected a 3-D input \(L, B, 4\) \(or \(B, L, 4\) with batchFirst\) or a 2-D unbatched \(L, 4\), got \[2, 3, 5, 4\]/,
    );
    const x3 = torch.zeros([5, 3, 4]);
    const h1 = torch.zeros([1, 3, 6]);
    throws(
      () => gru.forward(x3, h1),
      /GRU\(input=4, hidden=6\): expected h0 of shape \[2, 3, 6\] \(numLayers \* numDirections, batch, hidden\), got \[1, 3, 6\]/,
    );
    const x2 = torch.zeros([5, 4]);
    const h3 = torch.zeros([2, 1, 6]);
    throws(
      () => gru.forward(x2, h3),
      /GRU\(input=4, hidden=6\): expected h0 of shape \[2, 6\] \(numLayers \* numDirections, hidden\), got \[2, 1, 6\]/,
    );
    for (const t of [x4, x3, h1, x2, h3]) t.dispose();
    gru.dispose();

    const proj = new nn.LSTM(4, 6, { projSize: 2 });
    const xp = torch.zeros([5, 3, 4]);
    const h = torch.zeros([1, 3, 2]);
    const cBad = torch.zeros([1, 3, 2]);
    throws(
      () => proj.forward(xp, [h, cBad]),
      /LSTM\(input=4, hidden=6\): expected c0 of shape \[1, 3, 6\] \(numLayers \* numDirections, batch, hidden\), got \[1, 3, 2\]/,
    );
    throws(
      () => proj.forward(xp, h as never),
      /LSTM\(input=4, hidden=6\): expected the initial state as \[h0, c0\] \(two tensors\)/,
    );
    const hBad = torch.zeros([1, 3, 6]);
    throws(
      () => proj.forward(xp, [hBad, hBad]),
      /expected h0 of shape \[1, 3, 2\] \(numLayers \* numDirections, batch, projSize\), got \[1, 3, 6\]/,
    );
    for (const t of [xp, h, cBad, hBad]) t.dispose();
    proj.dispose();
  });

  it("cells: input size, rank and state shapes", () => {
    const cell = new nn.LSTMCell(4, 6);
    const x = torch.zeros([3, 5]);
    throws(
      () => cell.forward(x),
      /^LSTMCell\(input=4, hidden=6\): expected input \[\.\.\., 4\], got \[3, 5\]$/,
    );
    const x3 = torch.zeros([2, 3, 4]);
    throws(
      () => cell.forward(x3),
      /LSTMCell\(input=4, hidden=6\): expected a 2-D input \(B, 4\) or a 1-D unbatched \(4\), got \[2, 3, 4\]/,
    );
    const good = torch.zeros([3, 4]);
    const h = torch.zeros([2, 6]);
    throws(
      () => cell.forward(good, [h, h]),
      /LSTMCell\(input=4, hidden=6\): expected h of shape \[3, 6\] for the input \[3, 4\], got \[2, 6\]/,
    );
    throws(() => cell.forward(good, h as never), /expected the state as \[h, c\] \(two tensors\)/);
    const gru = new nn.GRUCell(4, 6);
    throws(
      () => gru.forward(good, h),
      /GRUCell\(input=4, hidden=6\): expected h of shape \[3, 6\] for the input \[3, 4\], got \[2, 6\]/,
    );
    throws(
      () => gru.forward([1, 2, 3, 4] as never),
      /GRUCell\(input=4, hidden=6\): expected a Tensor/,
    );
    for (const t of [x, x3, good, h]) t.dispose();
    cell.dispose();
    gru.dispose();
  });
});
