/**
 * nn.utils.rnn (padSequence, packPaddedSequence, padPackedSequence, packSequence, PackedSequence)
 * against PyTorch's values (test/golden/gen_nn_rnn.py: data, batchSizes, sortedIndices,
 * unsortedIndices, the padded round trip and its lengths), on every backend, plus its errors.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { describeBackends } from "../util/backends.js";
import { withLeakCheck } from "../util/leaks.js";
import { EXACT } from "../util/tolerance.js";
import { decode, expectClose, fixture } from "./rnn-fixture.js";

const { rnn } = torch.nn.utils;

describeBackends("nn.utils.rnn vs PyTorch", (device) => {
  withLeakCheck();

  for (const c of fixture.packing) {
    it(`${c.name}: pad, pack (lengths as an array and as an int32 tensor), pad back`, async () => {
      const seqs = c.sequences.map((s) => decode(s, device));
      const made: Tensor[] = [...seqs];
      try {
        let input: Tensor;
        if (c.padded) {
          input = rnn.padSequence(seqs, { batchFirst: c.batch_first, paddingValue: -1 });
          made.push(input);
          await expectClose(input, c.padded, EXACT, "padSequence");
        }
        for (const lengthsAsTensor of [false, true]) {
          const lengthsT = torch.tensor(Int32Array.from(c.lengths ?? []));
          made.push(lengthsT);
          const packed = c.padded
            ? rnn.packPaddedSequence(input!, lengthsAsTensor ? lengthsT : c.lengths!, {
                batchFirst: c.batch_first,
                enforceSorted: false,
              })
            : rnn.packSequence(seqs);
          try {
            await expectClose(packed.data, c.data, EXACT, "data");
            expect(packed.data.device).toBe(device);
            expect(packed.batchSizes.device, "batchSizes live on the CPU, as PyTorch's").toBe(
              "cpu",
            );
            await expectClose(packed.batchSizes, c.batch_sizes, EXACT, "batchSizes");
            if (c.sorted_indices) {
              await expectClose(packed.sortedIndices, c.sorted_indices, EXACT, "sortedIndices");
              await expectClose(
                packed.unsortedIndices,
                c.unsorted_indices!,
                EXACT,
                "unsortedIndices",
              );
            } else {
              expect(packed.sortedIndices).toBeNull();
              expect(packed.unsortedIndices).toBeNull();
            }
            if (!c.repadded) continue;
            const [back, lengths] = rnn.padPackedSequence(packed, {
              batchFirst: c.batch_first,
              paddingValue: 9,
              totalLength: 6,
            });
            made.push(back, lengths);
            await expectClose(back, c.repadded, EXACT, "padPackedSequence");
            await expectClose(lengths, c.repadded_lengths!, EXACT, "lengths");
            expect(lengths.device).toBe("cpu");
          } finally {
            packed.dispose();
          }
        }
      } finally {
        made.forEach((t) => t.dispose());
      }
    });
  }

  it("gradients flow through pack and pad back to the padded input (zero at the padding)", async () => {
    const x = torch.zeros([4, 3, 1], { device, requiresGrad: true });
    const packed = rnn.packPaddedSequence(x, [4, 1, 2], { enforceSorted: false });
    const [back, lengths] = rnn.padPackedSequence(packed);
    const w = torch.tensor(
      [
        [[1], [2], [3]],
        [[4], [5], [6]],
        [[7], [8], [9]],
        [[10], [11], [12]],
      ],
      {
        device,
      },
    );
    const loss = torch.tidy(() => back.mul(w).sum());
    loss.backward();
    // each live position gets its weight back, each padded one 0; lengths [4, 1, 2] in batch order
    const g = x.grad!.reshape(4, 3);
    expect(await g.tolist()).toEqual([
      [1, 2, 3],
      [4, 0, 6],
      [7, 0, 0],
      [10, 0, 0],
    ]);
    expect(await lengths.tolist()).toEqual([4, 1, 2]);
    for (const t of [x, back, lengths, w, loss, g]) t.dispose();
    packed.dispose();
  });
});

describe("nn.utils.rnn errors", () => {
  withLeakCheck();

  it("packPaddedSequence: unsorted lengths with enforceSorted (the default)", () => {
    const x = torch.zeros([5, 3, 2]);
    expect(() => rnn.packPaddedSequence(x, [2, 5, 3])).toThrow(
      /packPaddedSequence: lengths must be sorted in decreasing order when enforceSorted is true \(pass enforceSorted: false to sort them here\); got \[2, 5, 3\]/,
    );
    expect(() => rnn.packPaddedSequence(x, [5, 0, 3], { enforceSorted: false })).toThrow(
      /packPaddedSequence: the length of every sequence must be greater than 0; got \[5, 0, 3\]/,
    );
    expect(() => rnn.packPaddedSequence(x, [5, 3])).toThrow(
      /packPaddedSequence: expected 3 lengths \(one per sequence of the batch \[5, 3, 2\]\); got 2/,
    );
    expect(() => rnn.packPaddedSequence(x, [6, 3, 3])).toThrow(
      /packPaddedSequence: a length exceeds the padded length 5 of \[5, 3, 2\]; got \[6, 3, 3\]/,
    );
    expect(() => rnn.packPaddedSequence(x, [5, 3, 1], { enforce_sorted: false } as never)).toThrow(
      /packPaddedSequence: unknown option "enforce_sorted" \(did you mean "enforceSorted"\?\)/,
    );
    const f = torch.tensor([5, 3, 1]);
    expect(() => rnn.packPaddedSequence(x, f)).toThrow(
      /packPaddedSequence: lengths must be a 1-D int32 tensor; got a 1-D float32 tensor/,
    );
    f.dispose();
    x.dispose();
  });

  it("padPackedSequence: totalLength shorter than the longest sequence", () => {
    const x = torch.zeros([5, 2, 1]);
    const packed = rnn.packPaddedSequence(x, [5, 2]);
    expect(() => rnn.padPackedSequence(packed, { totalLength: 3 })).toThrow(
      /padPackedSequence: expected totalLength to be at least the length of the longest sequence \(5\); got totalLength=3/,
    );
    packed.dispose();
    x.dispose();
  });

  it("padSequence: sequences with different trailing dims, or none", () => {
    const a = torch.zeros([3, 2]);
    const b = torch.zeros([2, 3]);
    expect(() => rnn.padSequence([a, b])).toThrow(
      /padSequence: every sequence must be \(L, \*\) with the same trailing dims; got \[3, 2\] and \[2, 3\] \(sequence 1\)/,
    );
    expect(() => rnn.padSequence([])).toThrow(/padSequence: expected a non-empty array of tensors/);
    a.dispose();
    b.dispose();
  });

  it("PackedSequence: batch sizes that do not fit the data", () => {
    const data = torch.zeros([4, 2]);
    const sizes = torch.tensor(Int32Array.from([2, 1]));
    expect(() => new rnn.PackedSequence(data, sizes)).toThrow(
      /PackedSequence: expected non-increasing positive batchSizes that sum to data's first dim; got batchSizes \[2, 1\] for data \[4, 2\]/,
    );
    data.dispose();
    sizes.dispose();
  });
});
