/**
 * Error messages that used to mislead (issue 9): a PyTorch device name, an unexpected key in
 * `loadStateDict`, a missing file in `torch.load`. Each names the op, says what is wrong, and
 * the failed call changes and leaks nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const nn = torch.nn;

describe("misleading messages", () => {
  withLeakCheck();

  it('x.to("cuda") says cuda is not a webtorch device, lists the devices and suggests webgpu', async () => {
    const x = torch.ones([2]);
    const msg =
      /^to: "cuda" is not a webtorch device; the devices are "cpu", "webgpu" and "gpujs"; for a GPU use "webgpu" \(await torch\.init\(\{ device: "webgpu" \}\), then \.to\("webgpu"\)\)$/;
    expect(() => x.to("cuda" as never)).toThrow(torch.DeviceError);
    expect(() => x.to("cuda" as never)).toThrow(msg);
    expect(() => x.to("cuda:0" as never)).toThrow(
      /^to: "cuda:0" is not a webtorch device; .*"webgpu"/,
    );
    expect(() => x.to("mps" as never)).toThrow(/^to: "mps" is not a webtorch device/);
    await expect(x.toAsync("cuda" as never)).rejects.toThrow(
      /^toAsync: "cuda" is not a webtorch device; the devices are "cpu", "webgpu" and "gpujs"; for a GPU use "webgpu"/,
    );
    // no hint for a name that is not a PyTorch GPU
    expect(() => x.to("tpu" as never)).toThrow(
      /^to: "tpu" is not a webtorch device; the devices are "cpu", "webgpu" and "gpujs"$/,
    );
    expect(() => torch.full([2], 0, { device: "cuda" as never })).toThrow(
      /^full: "cuda" is not a webtorch device; .*for a GPU use "webgpu"/,
    );
    expect(() => torch.tensor([1], { device: "cuda" as never })).toThrow(
      /^tensor: "cuda" is not a webtorch device/,
    );
    // NOTE: this file never acquires gpujs (test/util/backends.ts would)
    expect(() => torch.setDefaultDevice("gpujs")).toThrow(
      /^setDefaultDevice: device "gpujs" is not initialised; call await torch.init\(\{ device: "gpujs" \}\) first/,
    );
    await expect(torch.init({ device: "cuda" as never })).rejects.toThrow(
      /^init: "cuda" is not a webtorch device; the devices are "cpu", "webgpu" and "gpujs" \(or "auto"\); for a GPU use "webgpu"$/,
    );
    expect(torch.getDefaultDevice()).toBe("cpu");
    expect(x.device).toBe("cpu");
    x.dispose();
  });

  it("an unexpected key in loadStateDict is a ValueError naming the keys, and changes nothing", () => {
    const lin = new nn.Linear(2, 1);
    const before = [...lin.weight.dataSync()];
    const sd = {
      weight: torch.zeros([1, 2]),
      bias: torch.zeros([1]),
      "fc.weight": torch.zeros([1]),
      extra: torch.zeros([1]),
    };
    expect(() => lin.loadStateDict(sd)).toThrow(torch.ValueError);
    expect(() => lin.loadStateDict(sd)).toThrow(
      /^Linear\.loadStateDict: error\(s\) loading the state dict; nothing was changed\. unexpected key\(s\) in state_dict: "fc\.weight", "extra"$/,
    );
    expect([...lin.weight.dataSync()]).toEqual(before);
    // a missing key alone is a ValueError too; a size mismatch alone stays a ShapeError
    const missing = { weight: sd.weight };
    expect(() => lin.loadStateDict(missing)).toThrow(torch.ValueError);
    expect(() => lin.loadStateDict(missing)).toThrow(
      /^Linear\.loadStateDict: error\(s\) loading the state dict; nothing was changed\. missing key\(s\) in state_dict: "bias"$/,
    );
    const misShaped = { weight: torch.zeros([2, 2]), bias: sd.bias };
    expect(() => lin.loadStateDict(misShaped)).toThrow(torch.ShapeError);
    expect(() => lin.loadStateDict(misShaped)).toThrow(
      /^Linear\.loadStateDict: .*size mismatch: weight/,
    );
    expect([...lin.weight.dataSync()]).toEqual(before);
    for (const t of [...Object.values(sd), misShaped.weight]) t.dispose();
    lin.dispose();
  });

  it("torch.load of a missing file is a ValueError naming load and the path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "webtorch-load-"));
    try {
      const path = join(dir, "missing.safetensors");
      const err = await torch.load(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(torch.ValueError);
      expect((err as Error).message).toMatch(
        /^load: cannot read the file \(no such file or directory, ENOENT\); got ".*missing\.safetensors"$/,
      );
      expect((err as { cause?: { code?: string } }).cause?.code).toBe("ENOENT");
      // a directory that does not exist when saving
      const t = torch.ones([1]);
      await expect(torch.save({ t }, join(dir, "no", "such", "dir.safetensors"))).rejects.toThrow(
        /^save: cannot write the file \(no such file or directory, ENOENT\); got ".*dir\.safetensors"$/,
      );
      // reading a directory
      await expect(torch.load(dir)).rejects.toThrow(
        /^load: cannot read the file \(it is a directory, EISDIR\); got/,
      );
      t.dispose();
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
