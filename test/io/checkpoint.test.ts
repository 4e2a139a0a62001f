/**
 * Checkpoints: `torch.save({ model, optimizer, scheduler, epoch }, path)` and `torch.load(path)`
 * round-trip nested objects (tensors as safetensors entries under dotted keys, the rest as JSON
 * in the metadata), and a run resumed from one ends exactly where an uninterrupted run does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn, optim } = torch;

const dir = mkdtempSync(join(tmpdir(), "webtorch-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Disposes every tensor in a nested object. */
function disposeAll(v: unknown): void {
  if (v instanceof torch.Tensor) v.dispose();
  else if (v !== null && typeof v === "object") for (const x of Object.values(v)) disposeAll(x);
}

function makeRun() {
  const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 1));
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const sched = new optim.StepLR(opt, 2, { gamma: 0.5 });
  return { model, opt, sched };
}

type Run = ReturnType<typeof makeRun>;

function train(run: Run, x: Tensor, y: Tensor, steps: number): void {
  for (let i = 0; i < steps; i++) {
    run.opt.zeroGrad();
    const loss = torch.tidy(() => run.model.forward(x).sub(y).square().mean());
    loss.backward();
    loss.dispose();
    run.opt.step();
    run.sched.step();
  }
}

async function params(run: Run): Promise<number[][]> {
  return Promise.all(run.model.parameters().map(async (p) => Array.from(await p.data())));
}

function disposeRun(run: Run): void {
  run.opt.zeroGrad();
  run.model.dispose();
  run.opt.dispose();
}

describe("checkpoints", () => {
  withLeakCheck();

  it("a run resumed from a checkpoint ends exactly where the uninterrupted run does", async () => {
    torch.manualSeed(0);
    const x = torch.randn([8, 3]);
    const y = torch.randn([8, 1]);

    torch.manualSeed(1);
    const whole = makeRun();
    train(whole, x, y, 10);
    const expected = await params(whole);

    torch.manualSeed(1);
    const first = makeRun();
    train(first, x, y, 5);
    const path = join(dir, "run.safetensors");
    const optState = first.opt.stateDict();
    await torch.save(
      {
        model: first.model.stateDict(),
        optimizer: optState,
        scheduler: first.sched.stateDict(),
        epoch: 5,
      },
      path,
    );
    optim.disposeStateDict(optState);

    torch.manualSeed(123); // different initial weights, all overwritten by the checkpoint
    const resumed = makeRun();
    const ckpt = await torch.load<{
      model: Record<string, Tensor>;
      optimizer: torch.optim.OptimizerStateDict;
      scheduler: torch.optim.SchedulerStateDict;
      epoch: number;
    }>(path);
    expect(ckpt.epoch).toBe(5);
    resumed.model.loadStateDict(ckpt.model);
    resumed.opt.loadStateDict(ckpt.optimizer);
    resumed.sched.loadStateDict(ckpt.scheduler);
    disposeAll(ckpt);
    expect(resumed.opt.paramGroups[0]!.lr).toBe(first.opt.paramGroups[0]!.lr);
    train(resumed, x, y, 5);

    expect(await params(resumed)).toEqual(expected);
    for (const r of [whole, first, resumed]) disposeRun(r);
    x.dispose();
    y.dispose();
  });

  it("round-trips nested values, and flat state dicts stay plain safetensors", async () => {
    const t = torch.tensor([1, 2, 3]);
    const i = torch.tensor([[1, 2]], { dtype: "int32" });
    const value = {
      a: { w: t, list: [i, 1.5, "s", true, null, { deep: -2 }] },
      n: Infinity,
      m: -Infinity,
      z: Number.NaN,
      "dotted.key": "x",
    };
    const bytes = await torch.saveBytes(value);
    const header = JSON.parse(
      new TextDecoder().decode(
        bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))),
      ),
    ) as Record<string, unknown>;
    expect(Object.keys(header).sort()).toEqual(["__metadata__", "a.list.0", "a.w"]);
    expect(Object.keys(header.__metadata__ as object)).toEqual(["webtorch.checkpoint"]);
    const back = torch.loadBytes<typeof value>(bytes);
    expect(await (back.a.w as Tensor).tolist()).toEqual([1, 2, 3]);
    const [bi, ...rest] = back.a.list;
    expect((bi as Tensor).dtype).toBe("int32");
    expect(await (bi as Tensor).tolist()).toEqual([[1, 2]]);
    expect(rest).toEqual([1.5, "s", true, null, { deep: -2 }]);
    expect([back.n, back.m, back.z, back["dotted.key"]]).toEqual([Infinity, -Infinity, NaN, "x"]);
    disposeAll(back);

    // a flat state dict: no metadata, loaded as name -> Tensor
    const flat = await torch.saveBytes({ t });
    expect(new TextDecoder().decode(flat.subarray(8, 16))).toBe('{"t":{"d');
    const sd = torch.loadBytes(flat);
    expect(Object.keys(sd)).toEqual(["t"]);
    sd.t!.dispose();
    t.dispose();
    i.dispose();
  });

  it("refuses what a checkpoint cannot hold, naming where, and leaves nothing behind", async () => {
    const t = torch.ones([2]);
    await expect(torch.saveBytes({ a: { b: [1, () => 0] } })).rejects.toThrow(
      /^saveBytes: "a\.b\.1" is not a Tensor, number, string, boolean, null, array or plain object; got function$/,
    );
    await expect(torch.saveBytes({ a: { b: t }, "a.b": t })).rejects.toThrow(
      /^saveBytes: two tensors of the checkpoint would both be saved as "a\.b" \(keys with dots collide with nested keys\)$/,
    );
    const cyclic: Record<string, unknown> = { t };
    cyclic.self = cyclic;
    await expect(torch.saveBytes(cyclic)).rejects.toThrow(
      /^saveBytes: "self" contains itself \(a cycle\); a checkpoint must be a tree$/,
    );
    await expect(torch.saveBytes({ x: { $tensor: "t" } })).rejects.toThrow(
      /^saveBytes: "x" has a key "\$tensor" or "\$number", which checkpoints reserve$/,
    );
    await expect(
      torch.saveBytes({ t, n: 1 }, { metadata: { "webtorch.checkpoint": "x" } }),
    ).rejects.toThrow(
      /^saveBytes: metadata cannot have the key "webtorch\.checkpoint": a checkpoint keeps its structure there$/,
    );
    const gone = torch.ones([1]);
    gone.dispose();
    await expect(torch.saveBytes({ m: { w: gone }, epoch: 1 })).rejects.toThrow(
      /^saveBytes: "m\.w" \(a float32 tensor of shape \[1\]\) was used after dispose\(\)$/,
    );
    // a checkpoint whose structure names a tensor the file lacks: a ValueError, no tensor left
    await expect(
      torch.saveBytes({ t }, { metadata: { "webtorch.checkpoint": "{}" } }),
    ).rejects.toThrow(/^saveBytes: metadata cannot have the key "webtorch\.checkpoint"/);
    const json = JSON.stringify({
      __metadata__: { "webtorch.checkpoint": JSON.stringify({ u: { $tensor: "u" } }) },
    });
    const head = new TextEncoder().encode(json.padEnd(Math.ceil(json.length / 8) * 8, " "));
    const bytes = new Uint8Array(8 + head.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(head.length), true);
    bytes.set(head, 8);
    expect(() => torch.loadBytes(bytes)).toThrow(
      /^loadBytes: the checkpoint names a tensor "u" that the file does not hold$/,
    );
    t.dispose();
  });
});
