/**
 * An LSTM state dict that PyTorch saved as safetensors (test/golden/gen_safetensors.py's
 * `gen_lstm`: 2 layers, bidirectional, with a projection) loads into `nn.LSTM` unchanged, gives
 * PyTorch's output and states, and saves back to the very same bytes.
 */
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { assertAllClose } from "../util/allclose.js";
import { withLeakCheck } from "../util/leaks.js";
import { CPU_VS_TORCH_MATMUL } from "../util/tolerance.js";

interface Json {
  shape: number[];
  data: number[];
}
interface LstmFixture {
  model: string;
  keys: string[];
  input: Json;
  output: Json;
  hn: Json;
  cn: Json;
}

const dir = new URL("../golden/safetensors/", import.meta.url);
const fileBytes = new Uint8Array(readFileSync(new URL("lstm.safetensors", dir)));
const fx = JSON.parse(readFileSync(new URL("lstm.json", dir), "utf8")) as LstmFixture;

describe(`safetensors from PyTorch: ${fx.model}`, () => {
  withLeakCheck();

  it("loads into nn.LSTM with PyTorch's keys, gives its output and states, and saves back the same bytes", async () => {
    const lstm = new torch.nn.LSTM(4, 6, {
      numLayers: 2,
      bidirectional: true,
      projSize: 3,
      batchFirst: true,
    });
    expect(Object.keys(lstm.stateDict())).toEqual(fx.keys);
    const sd = torch.loadBytes(fileBytes);
    expect(Object.keys(sd).sort()).toEqual([...fx.keys].sort());
    lstm.loadStateDict(sd);
    Object.values(sd).forEach((t) => t.dispose());

    const again = await torch.saveBytes(lstm.stateDict());
    expect(
      Buffer.from(again).equals(Buffer.from(fileBytes)),
      "the same bytes as PyTorch's file",
    ).toBe(true);

    const x = torch.tensor(Float32Array.from(fx.input.data), { shape: fx.input.shape });
    const [out, [hn, cn]] = torch.noGrad(() => lstm.forward(x));
    for (const [t, want, name] of [
      [out, fx.output, "output"],
      [hn, fx.hn, "hn"],
      [cn, fx.cn, "cn"],
    ] as const) {
      expect([...t.shape], name).toEqual(want.shape);
      assertAllClose(t.dataSync(), want.data, CPU_VS_TORCH_MATMUL, name, want.shape);
    }
    for (const t of [x, out, hn, cn]) t.dispose();
    lstm.dispose();
  });
});
