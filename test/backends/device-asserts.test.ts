/**
 * Data-dependent errors on every backend (issue 9): an index out of range, an integer division by
 * zero, a probability outside [0, 1], NaN cast to int32. The CPU throws from the call; WebGPU
 * cannot throw from a kernel, so the call returns and the next read (or `torch.sync()`) throws
 * the same typed error, as CUDA's device-side asserts do. Afterwards the device works on.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DeviceName, Tensor } from "../../src/index.js";
import { describeBackend, describeBackends } from "../util/backends.js";
import { withLeakCheck } from "../util/leaks.js";

const F = torch.nn.functional;
const i32 = (data: torch.NestedArray, device: DeviceName) =>
  torch.tensor(data, { dtype: "int32", device });

interface Case {
  name: string;
  /** Makes the inputs on `device` (each through `keep`, which disposes it after) and calls the op. */
  run: (device: DeviceName, keep: <T extends Tensor>(t: T) => T) => Tensor;
  error: RegExp;
}

const CASES: Case[] = [
  {
    name: "gather, an index past the end",
    run: (d, keep) => {
      const x = keep(torch.ones([2, 3], { device: d }));
      const idx = keep(
        i32(
          [
            [0, 5],
            [1, 2],
          ],
          d,
        ),
      );
      return torch.gather(x, 1, idx);
    },
    error: /^gather: index 5 is out of bounds for dimension 1 with size 3$/,
  },
  {
    name: "indexSelect, a negative index",
    run: (d, keep) => {
      const x = keep(torch.ones([4, 2], { device: d }));
      const idx = keep(i32([0, -1], d));
      return torch.indexSelect(x, 0, idx);
    },
    error: /^indexSelect: index -1 is out of bounds for dimension 0 with size 4$/,
  },
  {
    name: "scatterAdd, an index past the end",
    run: (d, keep) => {
      const x = keep(torch.zeros([3], { device: d }));
      const idx = keep(i32([0, 3], d));
      const src = keep(torch.ones([2], { device: d }));
      return torch.scatterAdd(x, 0, idx, src);
    },
    error: /^scatterAdd: index 3 is out of bounds for dimension 0 with size 3$/,
  },
  {
    name: "a transposed index: the flat position is row-major, as on the CPU",
    run: (d, keep) => {
      const x = keep(torch.ones([3, 3], { device: d }));
      const base = keep(
        i32(
          [
            [0, 1, 2],
            [0, 9, 1],
            [2, 2, 2],
          ],
          d,
        ),
      );
      const idx = keep(base.t());
      return torch.gather(x, 0, idx);
    },
    error: /^gather: index 9 is out of bounds for dimension 0 with size 3$/,
  },
  {
    name: "embedding",
    run: (d, keep) => {
      const w = keep(torch.ones([4, 2], { device: d }));
      const idx = keep(i32([1, 4], d));
      return F.embedding(idx, w);
    },
    error: /^embedding: index 4 is out of range for 4 embeddings \(expected in \[0, 3\]\)$/,
  },
  {
    name: "crossEntropy, a target past the classes (ignoreIndex passes)",
    run: (d, keep) => {
      const logits = keep(torch.zeros([3, 4], { device: d }));
      const target = keep(i32([-100, 1, 7], d));
      return F.crossEntropy(logits, target);
    },
    error:
      /^crossEntropy: target 7 is out of bounds for 4 classes \(at flat index 2; ignoreIndex is -100\)$/,
  },
  {
    name: "oneHot",
    run: (d, keep) => {
      const x = keep(i32([0, 3], d));
      return torch.oneHot(x, 3);
    },
    error: /^oneHot: class values must be smaller than numClasses \(3\); got 3$/,
  },
  {
    name: "NaN cast to int32",
    run: (d, keep) => {
      const x = keep(torch.tensor([1, Number.NaN], { device: d }));
      return x.to("int32");
    },
    error: /^to: value NaN does not fit int32/,
  },
  {
    name: "a float past int32 cast to int32",
    run: (d, keep) => {
      const x = keep(torch.tensor([3e9], { device: d }));
      return x.to("int32");
    },
    error: /^to: value 3000000000 does not fit int32/,
  },
  {
    name: "integer division by a zero tensor divisor",
    run: (d, keep) => {
      const a = keep(i32([4, 5], d));
      const b = keep(i32([2, 0], d));
      return a.floorDivide(b);
    },
    error: /^div: integer division by zero \(PyTorch's ZeroDivisionError\)/,
  },
  {
    name: "binaryCrossEntropy of a value above 1",
    run: (d, keep) => {
      const p = keep(torch.tensor([0.5, 1.5], { device: d }));
      const y = keep(torch.tensor([0, 1], { device: d }));
      return F.binaryCrossEntropy(p, y);
    },
    error: /^binaryCrossEntropy: all elements of input should be between 0 and 1; got 1\.5$/,
  },
  {
    name: "binaryCrossEntropy of NaN",
    run: (d, keep) => {
      const p = keep(torch.tensor([Number.NaN], { device: d }));
      const y = keep(torch.tensor([0], { device: d }));
      return F.binaryCrossEntropy(p, y);
    },
    error: /^binaryCrossEntropy: all elements of input should be between 0 and 1; got NaN$/,
  },
];

/** The error the call raised (cpu, gpujs) or the read after it raised (webgpu), and which did. */
async function raised(c: Case, device: DeviceName): Promise<{ error: unknown; at: string }> {
  const made: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => {
    made.push(t);
    return t;
  };
  let at = "call";
  try {
    const out = keep(c.run(device, keep));
    at = "read";
    await out.data();
    return { error: null, at: "nowhere" };
  } catch (error) {
    return { error, at };
  } finally {
    for (const t of made) t.dispose();
  }
}

describeBackends("data-dependent errors", (device) => {
  withLeakCheck();

  for (const c of CASES) {
    it(c.name, async () => {
      const { error, at } = await raised(c, device);
      expect(error).toBeInstanceOf(torch.ValueError);
      expect((error as Error).message).toMatch(c.error);
      // NOTE: gpujs checks values on the host (its `check` runs on the CPU), so it raises at
      // the call, as the CPU does; webgpu checks on the device and raises at the next read
      expect(at).toBe(device === "webgpu" ? "read" : "call");
      // the device goes on: the next op and read work
      const t = torch.arange(3, { device });
      expect(await t.tolist()).toEqual([0, 1, 2]);
      t.dispose();
    });
  }

  it("values in range raise nothing (ignored targets, the last index, exact int32 bounds)", async () => {
    const x = torch.tensor(
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      { device },
    );
    const idx = i32(
      [
        [2, 0],
        [1, 2],
      ],
      device,
    );
    const logits = torch.zeros([2, 3], { device });
    const target = i32([-100, 2], device);
    const big = torch.tensor([-2147483648, 2147483520], { device });
    const seven = i32([7], device);
    const two = i32([2], device);
    const outs = [
      torch.gather(x, 1, idx),
      F.crossEntropy(logits, target),
      big.to("int32"),
      seven.floorDivide(two),
    ];
    expect(await outs[0]!.tolist()).toEqual([
      [2, 0],
      [4, 5],
    ]);
    expect(await outs[2]!.tolist()).toEqual([-2147483648, 2147483520]);
    expect(await outs[3]!.tolist()).toEqual([3]);
    await torch.sync();
    for (const t of [x, idx, logits, target, big, seven, two, ...outs]) t.dispose();
  });
});

describeBackend("device-side asserts", "webgpu", (device) => {
  withLeakCheck();

  it("torch.sync() throws the first failed check, then resolves", async () => {
    const x = torch.ones([3], { device });
    const bad = i32([7], device);
    const worse = i32([9], device);
    const first = torch.indexSelect(x, 0, bad);
    const second = torch.indexSelect(x, 0, worse);
    await expect(torch.sync()).rejects.toThrow(/^indexSelect: index 7 is out of bounds/);
    await expect(torch.sync()).resolves.toBeUndefined();
    for (const t of [x, bad, worse, first, second]) t.dispose();
  });

  it("a read of an unrelated tensor throws too (the error is the device's, as on CUDA)", async () => {
    const x = torch.ones([3], { device });
    const idx = i32([3], device);
    const y = torch.gather(x, 0, idx);
    const other = torch.full([2], 4, { device });
    await expect(other.tolist()).rejects.toThrow(/^gather: index 3 is out of bounds/);
    expect(await other.tolist()).toEqual([4, 4]);
    for (const t of [x, idx, y, other]) t.dispose();
  });

  it("checks run on the device: no CPU fallback, and a failed one does not stop later ops", async () => {
    const before = torch.backendStats().fallbacks["webgpu:check"] ?? 0;
    const x = torch.tensor([1, 2, 3], { device });
    const idx = i32([0, 3], device);
    const y = torch.gather(x, 0, idx); // [1, 0]: an index out of range reads 0, as documented
    const z = x.add(1);
    await expect(torch.sync()).rejects.toThrow(torch.ValueError);
    expect(await z.tolist()).toEqual([2, 3, 4]);
    expect(torch.backendStats().fallbacks["webgpu:check"] ?? 0).toBe(before);
    for (const t of [x, idx, y, z]) t.dispose();
  });
});

describe("torch.sync", () => {
  it("resolves on the CPU and refuses an unknown device", async () => {
    await expect(torch.sync("cpu")).resolves.toBeUndefined();
    await expect(torch.sync("cuda" as never)).rejects.toThrow(/^sync: unknown device; got "cuda"/);
  });
});
