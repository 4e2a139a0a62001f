/**
 * Saving and loading state dicts as safetensors: the byte layout (against the reference writer's
 * own test vectors and files PyTorch's layout produced), round trips of every dtype, the golden
 * files from `test/golden/gen_safetensors.py` (a real PyTorch MLP with BatchNorm, and every dtype
 * we read), `torch.save`/`torch.load` through a temp file, and every corruption case, each of which
 * must throw its message and create no tensor.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { assertAllClose } from "../util/allclose.js";
import { expectNoLeaks, memorySnapshot, withLeakCheck } from "../util/leaks.js";
import { CPU_VS_TORCH_MATMUL, EXACT } from "../util/tolerance.js";

type StateDict = Record<string, Tensor>;

const GOLDEN = fileURLToPath(new URL("../golden/safetensors/", import.meta.url));
const SCRIPT = fileURLToPath(new URL("../golden/gen_safetensors.py", import.meta.url));
const golden = (name: string): Uint8Array => new Uint8Array(readFileSync(join(GOLDEN, name)));

const enc = new TextEncoder();
const dec = new TextDecoder();

function disposeAll(sd: StateDict): void {
  for (const t of Object.values(sd)) t.dispose();
}

/** A safetensors file from a header (JSON text, or an object to stringify) and the data bytes. */
function file(
  header: string | object,
  data: ArrayLike<number> = [],
  options: { pad?: boolean; size?: bigint } = {},
): Uint8Array {
  let json = enc.encode(typeof header === "string" ? header : JSON.stringify(header));
  if (options.pad ?? true) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, options.size ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The header of a safetensors file: its size and JSON text (padding included). */
function headerOf(bytes: Uint8Array): { size: number; text: string } {
  const size = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { size, text: dec.decode(bytes.subarray(8, 8 + size)) };
}

const f32Bytes = (xs: number[]): number[] => [...new Uint8Array(new Float32Array(xs).buffer)];
const f64Bytes = (xs: number[]): number[] => [...new Uint8Array(new Float64Array(xs).buffer)];
const i32Bytes = (xs: number[]): number[] => [...new Uint8Array(new Int32Array(xs).buffer)];
const i64Bytes = (xs: bigint[]): number[] => [...new Uint8Array(new BigInt64Array(xs).buffer)];

/** Bit patterns, so that NaN, -0 and infinities compare exactly. */
function bits(a: ArrayLike<number>, dtype: torch.DType): string[] {
  if (dtype === "float32") return [...new Uint32Array(Float32Array.from(a).buffer)].map(String);
  if (dtype === "float64") return [...new BigUint64Array(Float64Array.from(a).buffer)].map(String);
  return Array.from(a, String);
}

type Encoded = number | boolean | "nan" | "inf" | "-inf";
const decode = (v: Encoded): number =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : +v;

// ---------------------------------------------------------------------------------------------

describe("saveBytes: the reference writer's layout", () => {
  withLeakCheck();

  it("an empty state dict is '{}' padded to 8 bytes (the reference's test_empty)", async () => {
    const bytes = await torch.saveBytes({});
    expect([...bytes]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  });

  it("metadata comes first, as a string map (the reference's test_empty with metadata)", async () => {
    const bytes = await torch.saveBytes({}, { metadata: { framework: "pt" } });
    expect([...bytes]).toEqual([...file('{"__metadata__":{"framework":"pt"}}')]);
    expect(bytes.length).toBe(8 + 40);
    // keys are sorted (the reference's HashMap order is random)
    const sorted = await torch.saveBytes({}, { metadata: { z: "1", a: "2", "": "" } });
    expect(headerOf(sorted).text.trimEnd()).toBe('{"__metadata__":{"":"","a":"2","z":"1"}}');
  });

  it("one F32 tensor: compact JSON, no padding when the header is a multiple of 8 (test_serialization)", async () => {
    const t = torch.tensor([0, 1, 2, 3, 4, 5], { dtype: "float32", shape: [1, 2, 3] });
    const bytes = await torch.saveBytes({ "attn.0": t });
    t.dispose();
    const expected = file(
      '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}',
      f32Bytes([0, 1, 2, 3, 4, 5]),
    );
    expect(headerOf(expected).size).toBe(64);
    expect([...bytes]).toEqual([...expected]);
  });

  it("pads the header with spaces so the data starts 8-aligned (test_serialization_forced_alignement)", async () => {
    const t = torch.tensor([0, 1, 2, 3, 4, 5], { dtype: "float32", shape: [1, 1, 2, 3] });
    const bytes = await torch.saveBytes({ attn0: t });
    t.dispose();
    const { size, text } = headerOf(bytes);
    expect(size).toBe(72);
    expect(text).toBe(
      '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}' + " ".repeat(7),
    );
    expect([...bytes.subarray(8 + 72)]).toEqual(f32Bytes([0, 1, 2, 3, 4, 5]));
  });

  it("sorts by dtype (F64, F32, I32, BOOL) then by the names' UTF-8 bytes, and every tensor's data is aligned", async () => {
    const sd: StateDict = {
      mask: torch.tensor([true, false, true]),
      b: torch.tensor([1, 2], { dtype: "float32" }),
      "10": torch.tensor([3], { dtype: "int32" }),
      a: torch.tensor([0.5], { dtype: "float64" }),
      "2": torch.tensor([7], { dtype: "float32" }),
      é: torch.tensor([8], { dtype: "float32" }),
      z: torch.tensor([9], { dtype: "float32" }),
      "\uffff": torch.tensor([10], { dtype: "float32" }),
      "\u{1F600}": torch.tensor([11], { dtype: "float32" }),
    };
    const bytes = await torch.saveBytes(sd);
    disposeAll(sd);
    const { size, text } = headerOf(bytes);
    expect(size % 8).toBe(0);
    const header = JSON.parse(text) as Record<
      string,
      { dtype: string; data_offsets: [number, number] }
    >;
    // NOTE: JS object key order would put "10" and "2" first; the file order is the writer's. And
    // UTF-8 order puts U+FFFF before U+1F600, where UTF-16 order would not.
    const order = [...text.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
    expect(order).toEqual(["a", "2", "b", "z", "é", "\uffff", "\u{1F600}", "10", "mask"]);
    let end = 0;
    for (const name of order) {
      const {
        dtype,
        data_offsets: [b, e],
      } = header[name!]!;
      expect(b).toBe(end);
      const itemsize = { F64: 8, F32: 4, I32: 4, BOOL: 1 }[dtype]!;
      expect((8 + size + b) % itemsize).toBe(0);
      end = e;
    }
    expect(bytes.length).toBe(8 + size + end);
  });

  it("escapes names as the reference does and matches its bytes for a file of every dtype (roundtrip.safetensors)", async () => {
    const ref = golden("roundtrip.safetensors");
    const sd = torch.loadBytes(ref);
    const metadata = { format: "pt", note: 'ü "quoted"' };
    const again = await torch.saveBytes(sd, { metadata });
    disposeAll(sd);
    expect(headerOf(again).text).toBe(headerOf(ref).text);
    expect(Buffer.from(again).equals(Buffer.from(ref))).toBe(true);
    expect(headerOf(ref).text).toContain('"tab\\tnew\\nline\\u0001":');
  });

  it("writes float64 as F64, int32 as I32 and bool as 0/1 bytes, little-endian", async () => {
    const sd = {
      n: torch.tensor([-1, 2 ** 31 - 1], { dtype: "int32" }),
      m: torch.tensor([true, false]),
      d: torch.tensor(0.1, { dtype: "float64" }),
    };
    const bytes = await torch.saveBytes(sd);
    disposeAll(sd);
    expect(headerOf(bytes).text.trimEnd()).toBe(
      '{"d":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"n":{"dtype":"I32","shape":[2],"data_offsets":[8,16]},"m":{"dtype":"BOOL","shape":[2],"data_offsets":[16,18]}}',
    );
    expect([...bytes.subarray(bytes.length - 18)]).toEqual([
      ...f64Bytes([0.1]),
      ...i32Bytes([-1, 2 ** 31 - 1]),
      1,
      0,
    ]);
    expect(bytes[bytes.length - 11]).toBe(0x3f); // the top byte of 0.1 comes last: little-endian
  });
});

describe("round trips", () => {
  withLeakCheck();

  it("every dtype, 0-d and empty tensors keep dtype, shape and exact bits", async () => {
    const sd: StateDict = {
      f32: torch.tensor([1.5, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38], {
        dtype: "float32",
      }),
      f64: torch.tensor([1 / 3, -0, NaN, 5e-324, -1e300], { dtype: "float64" }),
      i32: torch.tensor([-(2 ** 31), 2 ** 31 - 1, 0, -5], { dtype: "int32" }),
      bool: torch.tensor([
        [true, false],
        [false, true],
      ]),
      scalar: torch.tensor(2.5),
      scalarInt: torch.tensor(7),
      scalarBool: torch.tensor(true),
      scalarF64: torch.tensor(0.1, { dtype: "float64" }),
      empty: torch.zeros([0]),
      empty2d: torch.zeros([3, 0, 2], { dtype: "int32" }),
      emptyBool: torch.zeros([0, 4], { dtype: "bool" }),
      emptyF64: torch.zeros([2, 0], { dtype: "float64" }),
    };
    const back = torch.loadBytes(await torch.saveBytes(sd));
    expect(Object.keys(back).sort()).toEqual(Object.keys(sd).sort());
    for (const [k, t] of Object.entries(sd)) {
      const u = back[k]!;
      expect(u.dtype, k).toBe(t.dtype);
      expect(u.shape, k).toEqual(t.shape);
      expect(u.requiresGrad, k).toBe(false);
      expect(bits(u.dataSync(), u.dtype), k).toEqual(bits(t.dataSync(), t.dtype));
    }
    disposeAll(sd);
    disposeAll(back);
  });

  it("non-contiguous views (transposed, strided, expanded, offset) are saved contiguous", async () => {
    const base = torch.tidy(() => torch.arange(0, 24, 1, { dtype: "float32" }).reshape(2, 3, 4));
    const views: StateDict = torch.tidy(() => ({
      transposed: base.transpose(0, 2),
      strided: base.index(":", "::2", "1::2"),
      expanded: torch.arange(3).reshape(3, 1).expand(3, 4),
      narrowed: base.narrow(2, 1, 2),
      permuted: base.permute(1, 0, 2),
    }));
    expect(Object.values(views).some((v) => v.isContiguous())).toBe(false);
    const bytes = await torch.saveBytes(views);
    const header = JSON.parse(headerOf(bytes).text) as Record<
      string,
      { shape: number[]; data_offsets: [number, number] }
    >;
    for (const [k, v] of Object.entries(views)) {
      expect(header[k]!.shape).toEqual(v.shape);
      expect(header[k]!.data_offsets[1] - header[k]!.data_offsets[0]).toBe(v.numel() * 4);
    }
    const back = torch.loadBytes(bytes);
    for (const [k, v] of Object.entries(views)) {
      expect(back[k]!.isContiguous()).toBe(true);
      expect(back[k]!.tolistSync(), k).toEqual(v.tolistSync());
    }
    base.dispose();
    disposeAll(views);
    disposeAll(back);
  });

  it("loaded tensors are independent copies; parameters and tensors that require grad save their values", async () => {
    const data = torch.tensor([1, 2, 3], { dtype: "float32" });
    const p = new torch.nn.Parameter(data);
    const bytes = await torch.saveBytes({ w: p });
    const { w } = torch.loadBytes(bytes);
    expect(w).not.toBeInstanceOf(torch.nn.Parameter);
    expect(w!.requiresGrad).toBe(false);
    w!.fill_(0);
    expect(p.tolistSync()).toEqual([1, 2, 3]);
    // The same bytes load again: loading does not consume or alias them.
    const again = torch.loadBytes(bytes);
    expect(again.w!.tolistSync()).toEqual([1, 2, 3]);
    p.dispose();
    data.dispose();
    w!.dispose();
    disposeAll(again);
  });

  it("takes an ArrayBuffer, a Node Buffer, or a Uint8Array at any byte offset (unaligned data)", async () => {
    const t = torch.tensor([1.25, -2, 3], { dtype: "float64" });
    const bytes = await torch.saveBytes({ t });
    t.dispose();
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    for (const src of [bytes.slice().buffer, Buffer.from(bytes), shifted.subarray(3)]) {
      const sd = torch.loadBytes(src);
      expect(sd.t!.tolistSync()).toEqual([1.25, -2, 3]);
      disposeAll(sd);
    }
  });

  it("a tensor named __proto__ (or constructor) is an own key of the loaded dict", () => {
    const bytes = file(
      '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"I32","shape":[],"data_offsets":[4,8]}}',
      [...f32Bytes([2]), ...i32Bytes([5])],
    );
    const sd = torch.loadBytes(bytes);
    expect(Object.keys(sd)).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(sd)).toBe(Object.prototype);
    expect(sd["__proto__"]!.tolistSync()).toEqual([2]);
    expect(sd["constructor"]!.itemSync()).toBe(5);
    disposeAll(sd);
  });

  it("places tensors on options.device; an uninitialised device throws and creates nothing", async () => {
    const t = torch.ones([2]);
    const bytes = await torch.saveBytes({ t });
    t.dispose();
    const sd = torch.loadBytes(bytes, { device: "cpu" });
    expect(sd.t!.device).toBe("cpu");
    disposeAll(sd);
    const before = torch.memory().numTensors;
    expect(() => torch.loadBytes(bytes, { device: "gpujs" })).toThrow(torch.DeviceError);
    expect(() => torch.loadBytes(bytes, { device: "gpujs" })).toThrow(
      /^loadBytes: device "gpujs" is not initialised/,
    );
    expect(torch.memory().numTensors).toBe(before);
  });

  it("saveBytes leaves no temporaries behind (views are read through a disposed contiguous copy)", async () => {
    const base = torch.randn([4, 5]);
    const view = base.t();
    await expectNoLeaks(async () => {
      await torch.saveBytes({ view, base });
    });
    view.dispose();
    base.dispose();
  });
});

describe("golden files written as PyTorch's safetensors does", () => {
  withLeakCheck();

  interface DtypesFixture {
    metadata: Record<string, string>;
    tensors: Record<string, { file_dtype: string; shape: number[]; values: Encoded[] }>;
  }
  const dtypes = JSON.parse(readFileSync(join(GOLDEN, "dtypes.json"), "utf8")) as DtypesFixture;

  it("dtypes.safetensors: F16/BF16 -> float32 and I64 -> int32 exactly as torch converts them", () => {
    const sd = torch.loadBytes(golden("dtypes.safetensors"));
    expect(Object.keys(sd).sort()).toEqual(Object.keys(dtypes.tensors).sort());
    const as: Record<string, torch.DType> = {
      F16: "float32",
      BF16: "float32",
      F32: "float32",
      F64: "float64",
      I64: "int32",
      I32: "int32",
      BOOL: "bool",
    };
    for (const [k, { file_dtype, shape, values }] of Object.entries(dtypes.tensors)) {
      const t = sd[k]!;
      expect(t.dtype, k).toBe(as[file_dtype]);
      expect(t.shape, k).toEqual(shape);
      const want = values.map(decode);
      // The fixture holds torch's value as float64; as float32 it must be bit-identical.
      expect(bits(t.dataSync(), t.dtype), k).toEqual(bits(want, t.dtype));
    }
    expect(sd.f16!.dataSync()[1]).toBe(-0);
    expect(sd.f16!.dataSync()[7]).toBe(2 ** -24); // the smallest subnormal half
    disposeAll(sd);
  });

  interface MlpFixture {
    keys: string[];
    state_dict: Record<string, { dtype: string; shape: number[]; data: number[] }>;
    input: { shape: number[]; data: number[] };
    logits: { shape: number[]; data: number[] };
  }
  const mlp = JSON.parse(readFileSync(join(GOLDEN, "mlp.json"), "utf8")) as MlpFixture;
  const input = () => torch.tensor(Float32Array.from(mlp.input.data), { shape: mlp.input.shape });

  it("mlp.safetensors: PyTorch's keys, shapes and values; the I64 num_batches_tracked loads as int32", () => {
    const sd = torch.loadBytes(golden("mlp.safetensors"));
    // File order: I64 first, then F32 by name, as the reference writer sorts.
    expect(Object.keys(sd)).toEqual([
      "1.num_batches_tracked",
      "0.bias",
      "0.weight",
      "1.bias",
      "1.running_mean",
      "1.running_var",
      "1.weight",
      "3.bias",
      "3.weight",
    ]);
    expect(Object.keys(sd).sort()).toEqual([...mlp.keys].sort());
    for (const [k, want] of Object.entries(mlp.state_dict)) {
      const t = sd[k]!;
      expect(t.dtype, k).toBe(want.dtype === "I64" ? "int32" : "float32");
      expect(t.shape, k).toEqual(want.shape);
      assertAllClose(t.dataSync(), Float32Array.from(want.data), EXACT, k);
    }
    expect(sd["1.num_batches_tracked"]!.itemSync()).toBe(3);
    disposeAll(sd);
  });

  it("mlp.safetensors gives PyTorch's logits with plain tensor ops (Linear, BatchNorm1d eval, ReLU, Linear)", () => {
    const sd = torch.loadBytes(golden("mlp.safetensors"));
    const logits = torch.tidy(() => {
      const x = input();
      const h = x.matmul(sd["0.weight"]!.t()).add(sd["0.bias"]!);
      const bn = h
        .sub(sd["1.running_mean"]!)
        .div(sd["1.running_var"]!.add(1e-5).sqrt())
        .mul(sd["1.weight"]!)
        .add(sd["1.bias"]!);
      return bn.relu().matmul(sd["3.weight"]!.t()).add(sd["3.bias"]!);
    });
    expect(logits.shape).toEqual(mlp.logits.shape);
    assertAllClose(logits.dataSync(), mlp.logits.data, CPU_VS_TORCH_MATMUL, "mlp logits");
    logits.dispose();
    disposeAll(sd);
  });

  it("mlp.safetensors loads into nn.Sequential(Linear, BatchNorm1d, ReLU, Linear), gives PyTorch's logits and saves back the same", async () => {
    const { Sequential, Linear, BatchNorm1d, ReLU } = torch.nn;
    const model = new Sequential(
      new Linear(4, 8),
      new BatchNorm1d(8),
      new ReLU(),
      new Linear(8, 3),
    );
    const sd = torch.loadBytes(golden("mlp.safetensors"));
    model.loadStateDict(sd);
    // The model's own state dict saves to the same bytes as the loaded one (keys, shapes, dtypes).
    const fromModel = await torch.saveBytes(model.stateDict());
    expect(Buffer.from(fromModel).equals(Buffer.from(await torch.saveBytes(sd)))).toBe(true);
    disposeAll(sd);
    model.eval();
    const logits = torch.noGrad(() => torch.tidy(() => model.forward(input()) as Tensor));
    assertAllClose(logits.dataSync(), mlp.logits.data, CPU_VS_TORCH_MATMUL, "nn mlp logits");
    logits.dispose();
    model.dispose();
  });

  // The file PyTorch reads back: `/usr/bin/python3 test/golden/gen_safetensors.py --check <it>`.
  const roundtripPath = join(tmpdir(), "webtorch-mlp-roundtrip.safetensors");
  it(`re-saves mlp.safetensors to ${roundtripPath}: the same layout, I64 written back as I32`, async () => {
    const ref = golden("mlp.safetensors");
    const sd = torch.loadBytes(ref);
    const bytes = await torch.saveBytes(sd);
    disposeAll(sd);
    writeFileSync(roundtripPath, bytes);
    // Only the I64 -> I32 change differs: 4 fewer data bytes, and the header names I32 with the
    // offsets moved (I32 sorts after F32, so num_batches_tracked moves to the end).
    const refHeader = JSON.parse(headerOf(ref).text) as Record<string, unknown>;
    const ourHeader = JSON.parse(headerOf(bytes).text) as Record<
      string,
      { dtype: string; shape: number[] }
    >;
    expect(Object.keys(ourHeader)).toEqual([
      "0.bias",
      "0.weight",
      "1.bias",
      "1.running_mean",
      "1.running_var",
      "1.weight",
      "3.bias",
      "3.weight",
      "1.num_batches_tracked",
    ]);
    expect(Object.keys(ourHeader).sort()).toEqual(Object.keys(refHeader).sort());
    expect(ourHeader["1.num_batches_tracked"]).toEqual({
      dtype: "I32",
      shape: [],
      data_offsets: [396, 400],
    });
    expect(bytes.length).toBe(8 + headerOf(bytes).size + 400);
  });

  const python = process.env.WEBTORCH_PYTHON_CHECK;
  it.runIf(python)(
    `PyTorch reads our file back and gets the same tensors and logits (WEBTORCH_PYTHON_CHECK=${python ?? "unset"})`,
    () => {
      const r = spawnSync(python!, [SCRIPT, "--check", roundtripPath], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toMatch(/^OK /m);
      expect(r.status).toBe(0);
    },
  );
});

describe("torch.save / torch.load", () => {
  withLeakCheck();
  const dir = mkdtempSync(join(tmpdir(), "webtorch-io-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("round-trips a state dict through a file", async () => {
    const sd: StateDict = {
      "fc.weight": torch.randn([3, 2]),
      "fc.bias": torch.zeros([3]),
      steps: torch.tensor(4),
      flags: torch.tensor([true]),
    };
    const path = join(dir, "model.safetensors");
    await torch.save(sd, path, { metadata: { format: "pt" } });
    expect(
      Buffer.from(readFileSync(path)).equals(
        Buffer.from(await torch.saveBytes(sd, { metadata: { format: "pt" } })),
      ),
    ).toBe(true);
    const back = await torch.load(path);
    for (const [k, t] of Object.entries(sd)) {
      expect(back[k]!.dtype).toBe(t.dtype);
      expect(back[k]!.tolistSync()).toEqual(t.tolistSync());
    }
    disposeAll(sd);
    disposeAll(back);
    const onCpu = await torch.load(new URL(`file://${path}`), { device: "cpu" });
    expect(onCpu["fc.weight"]!.device).toBe("cpu");
    disposeAll(onCpu);
  });

  it("loads PyTorch's golden file from its path", async () => {
    const sd = await torch.load(join(GOLDEN, "mlp.safetensors"));
    expect(sd["0.weight"]!.shape).toEqual([8, 4]);
    disposeAll(sd);
  });

  it("errors name the path; a missing file rejects with Node's ENOENT", async () => {
    const path = join(dir, "truncated.safetensors");
    const t = torch.ones([4]);
    writeFileSync(path, (await torch.saveBytes({ t })).subarray(0, 20));
    t.dispose();
    const before = torch.memory().numTensors;
    await expect(torch.load(path)).rejects.toThrow(`load(${JSON.stringify(path)}): header size`);
    await expect(torch.load(join(dir, "missing.safetensors"))).rejects.toThrow(/ENOENT/);
    expect(torch.memory().numTensors).toBe(before);
  });

  it("save validates before writing anything", async () => {
    const path = join(dir, "never.safetensors");
    await expect(torch.save({ x: () => 1 } as unknown as StateDict, path)).rejects.toThrow(
      /^save: "x" is not a Tensor, number, string, boolean, null, array or plain object; got function$/,
    );
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });
});

describe("saveBytes argument errors", () => {
  withLeakCheck();

  it("rejects what is not a state dict of live tensors", async () => {
    await expect(torch.saveBytes(null as unknown as StateDict)).rejects.toThrow(
      /^saveBytes: expected a state dict \(an object of name -> Tensor\); got null$/,
    );
    const t = torch.ones([2]);
    await expect(torch.saveBytes(t as unknown as StateDict)).rejects.toThrow(/got a Tensor$/);
    await expect(torch.saveBytes([t] as unknown as StateDict)).rejects.toThrow(/got an array$/);
    await expect(torch.saveBytes({ a: t, b: new Map() } as unknown as StateDict)).rejects.toThrow(
      /^saveBytes: "b" is not a Tensor, number, string, boolean, null, array or plain object; got a Map$/,
    );
    await expect(torch.saveBytes({ __metadata__: t })).rejects.toThrow(
      /^saveBytes: "__metadata__" cannot name a tensor/,
    );
    await expect(torch.saveBytes({ "bad\ud800": t })).rejects.toThrow(
      /^saveBytes: the name "bad\\ud800" is not valid Unicode/,
    );
    await expect(
      torch.saveBytes({ a: t }, { metadata: { n: 1 } as unknown as Record<string, string> }),
    ).rejects.toThrow(/^saveBytes: metadata values must be strings; "n" is number 1$/);
    await expect(
      torch.saveBytes({ a: t }, { metadata: [] as unknown as Record<string, string> }),
    ).rejects.toThrow(/^saveBytes: metadata must be an object/);
    const gone = torch.ones([2, 3]);
    gone.dispose();
    await expect(torch.saveBytes({ gone })).rejects.toThrow(
      /^saveBytes: "gone" \(a float32 tensor of shape \[2, 3\]\) was used after dispose\(\)$/,
    );
    t.dispose();
  });
});

describe("loadBytes on corrupt or unsupported files: a clear error and no tensor", () => {
  withLeakCheck();

  const ok =
    '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}';
  const okData = [...f32Bytes([1, 2]), ...i32Bytes([3])];
  const valid = file(ok, okData);
  const tensorJson = (entries: Record<string, unknown>) => JSON.stringify(entries);

  const cases: [string, () => Uint8Array | ArrayBuffer, RegExp, typeof torch.TensorError?][] = [
    [
      "empty input",
      () => new Uint8Array(0),
      /^loadBytes: the data is too short for a safetensors file: 0 bytes, and the header size alone takes 8$/,
    ],
    ["7 bytes", () => valid.subarray(0, 7), /too short for a safetensors file: 7 bytes/],
    [
      "header size past the end",
      () => valid.subarray(0, 50),
      /^loadBytes: header size 112 runs past the end of the data \(50 bytes, so at most 42\): the file is truncated or corrupt$/,
    ],
    [
      "header size over the limit",
      () => file(ok, okData, { size: 2n ** 40n }),
      /^loadBytes: header size 1099511627776 is over the 100000000-byte limit/,
    ],
    [
      "header size u64 max",
      () => file(ok, okData, { size: 2n ** 64n - 1n }),
      /header size 18446744073709551615 is over the 100000000-byte limit/,
    ],
    [
      "header not UTF-8",
      () => {
        const b = file('{"ab":{}}');
        b[10] = 0xff;
        return b;
      },
      /^loadBytes: the header is not valid UTF-8$/,
    ],
    [
      "header not JSON",
      () => file(ok.slice(0, 40)),
      /^loadBytes: the header is not valid JSON \(.*\): "\{\\"a\\":/,
    ],
    [
      "header a JSON array",
      () => file("[1, 2]"),
      /^loadBytes: the header must be a JSON object; got \[1,2\]$/,
    ],
    [
      "header JSON null",
      () => file("null"),
      /^loadBytes: the header must be a JSON object; got null$/,
    ],
    [
      "entry not an object",
      () => file('{"a":5}'),
      /^loadBytes: tensor "a": expected \{"dtype", "shape", "data_offsets"\}; got 5$/,
    ],
    [
      "unknown dtype",
      () =>
        file(
          tensorJson({ a: { dtype: "F128", shape: [1], data_offsets: [0, 16] } }),
          new Array(16).fill(0),
        ),
      /^loadBytes: tensor "a": unknown dtype "F128"$/,
    ],
    [
      "missing dtype",
      () => file(tensorJson({ a: { shape: [1], data_offsets: [0, 4] } }), [0, 0, 0, 0]),
      /^loadBytes: tensor "a": unknown dtype undefined$/,
    ],
    [
      "negative shape",
      () =>
        file(tensorJson({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }), [0, 0, 0, 0]),
      /^loadBytes: tensor "a": shape must be an array of non-negative integers; got \[-1\]$/,
    ],
    [
      "fractional shape",
      () =>
        file(tensorJson({ a: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] } }), [0, 0, 0, 0]),
      /shape must be an array of non-negative integers; got \[1.5\]/,
    ],
    [
      "shape not an array",
      () => file(tensorJson({ a: { dtype: "F32", shape: 1, data_offsets: [0, 4] } }), [0, 0, 0, 0]),
      /shape must be an array of non-negative integers; got 1$/,
    ],
    [
      "three data_offsets",
      () =>
        file(
          tensorJson({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4, 8] } }),
          [0, 0, 0, 0],
        ),
      /^loadBytes: tensor "a": data_offsets must be two non-negative integers \[begin, end\]; got \[0,4,8\]$/,
    ],
    [
      "negative data_offsets",
      () => file(tensorJson({ a: { dtype: "F32", shape: [1], data_offsets: [-4, 0] } })),
      /data_offsets must be two non-negative integers/,
    ],
    [
      "data_offsets ending before they begin",
      () =>
        file(tensorJson({ a: { dtype: "F32", shape: [1], data_offsets: [4, 0] } }), [0, 0, 0, 0]),
      /^loadBytes: tensor "a": data_offsets \[4, 0\] end before they begin$/,
    ],
    [
      "truncated data",
      () => valid.subarray(0, valid.length - 1),
      /^loadBytes: tensor "b": data_offsets \[8, 12\] run past the end of the data \(11 bytes after the header\): the file is truncated or corrupt$/,
    ],
    [
      "shape x dtype does not match the offsets",
      () =>
        file(
          tensorJson({ a: { dtype: "F32", shape: [2, 3], data_offsets: [0, 20] } }),
          new Array(20).fill(0),
        ),
      /^loadBytes: tensor "a": F32 \[2, 3\] needs 24 bytes, but data_offsets \[0, 20\] span 20$/,
    ],
    [
      "I64 given F32 offsets",
      () =>
        file(
          tensorJson({ a: { dtype: "I64", shape: [2], data_offsets: [0, 8] } }),
          new Array(8).fill(0),
        ),
      /tensor "a": I64 \[2\] needs 16 bytes, but data_offsets \[0, 8\] span 8/,
    ],
    [
      "overflowing shape",
      () =>
        file(
          tensorJson({ a: { dtype: "F32", shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }),
          [0, 0, 0, 0],
        ),
      /tensor "a": F32 \[1099511627776, 1099511627776\] needs more bytes than a file can hold/,
    ],
    [
      "overlapping tensors",
      () =>
        file(
          tensorJson({
            a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
            b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
          }),
          new Array(8).fill(0),
        ),
      /^loadBytes: tensor "b": data_offsets \[4, 8\] overlap tensor "a" \(which ends at 8\)$/,
    ],
    [
      "the same bytes twice",
      () =>
        file(
          tensorJson({
            a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
            b: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
          }),
          [0, 0, 0, 0],
        ),
      /tensor "b": data_offsets \[0, 4\] overlap tensor "a" \(which ends at 4\)/,
    ],
    [
      "a gap between tensors",
      () =>
        file(
          tensorJson({
            a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
            b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
          }),
          new Array(12).fill(0),
        ),
      /^loadBytes: tensor "b": data_offsets \[8, 12\] leave bytes 4\.\.8 unused after tensor "a"$/,
    ],
    [
      "a gap at the start",
      () =>
        file(
          tensorJson({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }),
          new Array(8).fill(0),
        ),
      /^loadBytes: tensor "a": data_offsets \[4, 8\] leave bytes 0\.\.4 unused$/,
    ],
    [
      "trailing bytes no tensor covers",
      () => file(ok, [...okData, 0, 0, 0, 0]),
      /^loadBytes: the tensors cover 12 bytes of data, but the file has 16 after the header$/,
    ],
    [
      "data but no tensors",
      () => file("{}", [1, 2]),
      /the tensors cover 0 bytes of data, but the file has 2 after the header/,
    ],
    [
      "non-string metadata",
      () => file(tensorJson({ __metadata__: { epoch: 3 } })),
      /^loadBytes: "__metadata__" must be an object of string -> string; got \{"epoch":3\}$/,
    ],
    [
      "I64 above int32 (after a valid tensor)",
      () =>
        file(
          tensorJson({
            ok: { dtype: "F32", shape: [1], data_offsets: [16, 20] },
            big: { dtype: "I64", shape: [2], data_offsets: [0, 16] },
          }),
          [...i64Bytes([1n, 2n ** 31n]), ...f32Bytes([1])],
        ),
      /^loadBytes: tensor "big": I64 value 2147483648 \(element 1\) is out of int32 range; webtorch's integer dtype is int32$/,
    ],
    [
      "I64 below int32",
      () =>
        file(
          tensorJson({ small: { dtype: "I64", shape: [], data_offsets: [0, 8] } }),
          i64Bytes([-(2n ** 31n) - 1n]),
        ),
      /I64 value -2147483649 \(element 0\) is out of int32 range/,
    ],
    [
      "I64 far out of range",
      () =>
        file(
          tensorJson({ huge: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }),
          i64Bytes([2n ** 62n]),
        ),
      /I64 value 4611686018427387904/,
    ],
    [
      "unsupported dtypes",
      () =>
        file(
          tensorJson({
            u8: { dtype: "U8", shape: [2], data_offsets: [8, 10] },
            c: { dtype: "C64", shape: [1], data_offsets: [0, 8] },
            ok: { dtype: "F32", shape: [], data_offsets: [10, 14] },
          }),
          new Array(14).fill(0),
        ),
      /^loadBytes: unsupported dtype for "c" \(C64\), "u8" \(U8\); webtorch reads F32, F64, F16 and BF16 \(as float32\), I32, I64 \(as int32\) and BOOL$/,
      torch.NotImplementedError,
    ],
    [
      "an fp8 tensor",
      () =>
        file(tensorJson({ q: { dtype: "F8_E4M3", shape: [3], data_offsets: [0, 3] } }), [0, 0, 0]),
      /unsupported dtype for "q" \(F8_E4M3\)/,
      torch.NotImplementedError,
    ],
    [
      "not bytes at all",
      () => "{}" as unknown as Uint8Array,
      /^loadBytes: expected a Uint8Array \(or ArrayBuffer\) of safetensors bytes; got string \{\}$/,
    ],
  ];

  it.each(cases)("%s", (_name, make, message, errorClass = torch.ValueError) => {
    const bytes = make();
    const before = memorySnapshot();
    let caught: unknown;
    try {
      torch.loadBytes(bytes);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(errorClass);
    expect((caught as Error).message).toMatch(message);
    expect((caught as torch.TensorError).op).toBe("loadBytes");
    const after = memorySnapshot();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numStorages).toBe(before.numStorages);
  });

  it("the valid file these cases corrupt does load", () => {
    const sd = torch.loadBytes(valid);
    expect(sd.a!.tolistSync()).toEqual([1, 2]);
    expect(sd.b!.tolistSync()).toEqual([3]);
    disposeAll(sd);
  });

  it("accepts what the reference accepts: unpadded headers, any key order, empty tensors sharing an offset, metadata", () => {
    const bytes = file(
      tensorJson({
        b: { dtype: "I32", shape: [1], data_offsets: [8, 12] },
        e1: { dtype: "F32", shape: [0], data_offsets: [8, 8] },
        __metadata__: { format: "pt" },
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        e2: { dtype: "BOOL", shape: [0, 3], data_offsets: [12, 12] },
      }),
      okData,
      { pad: false },
    );
    expect(headerOf(bytes).size % 8).not.toBe(0);
    const sd = torch.loadBytes(bytes);
    expect(Object.keys(sd)).toEqual(["a", "e1", "b", "e2"]);
    expect(sd.a!.tolistSync()).toEqual([1, 2]);
    expect(sd.e2!.shape).toEqual([0, 3]);
    disposeAll(sd);
    // "__metadata__": null is the reference's "no metadata"
    const nullMeta = torch.loadBytes(
      file('{"__metadata__":null,"x":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}', [1]),
    );
    expect(nullMeta.x!.tolistSync()).toEqual([true]);
    disposeAll(nullMeta);
  });
});
