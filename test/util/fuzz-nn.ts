/**
 * The misuse fuzzer's second half (see fuzz.ts): `torch.nn.functional`, the modules' forward
 * calls and constructors, and the optimizers, which the op list does not hold. Each entry makes
 * valid arguments; the fuzzer breaks one at a time: a tensor argument becomes a non-tensor or a
 * disposed tensor, a size becomes NaN, negative, fractional or a string, an options object gets
 * an unknown key.
 */
import type * as Torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { disposeObject, NOT_TENSORS, type FuzzCall } from "./fuzz.js";

type TorchModule = typeof Torch;
type Own = <T extends Tensor>(t: T) => T;

interface Entry {
  /** The name errors must start with (`mseLoss`, or `Linear` for `Linear(in=3, out=2): ...`). */
  name: string;
  /** Other names its errors may start with (a loss module's functional form). */
  aliases?: string[];
  /** Fresh valid arguments; tensors made through `own`. */
  args: (own: Own) => unknown[];
  /** The call itself. */
  call: (args: unknown[]) => unknown;
  /** Argument positions that must be Tensors. */
  tensors?: number[];
  /** Argument positions that are sizes (positive integers). */
  sizes?: number[];
  /** The position of an options object, if the call takes one. */
  options?: number;
  /** Whether a number where the options belong is this call's shorthand (dropout's p). */
  numberOptions?: boolean;
  /** False for constructors (they return a module or an optimizer). */
  returnsTensor?: boolean;
}

const BAD_SIZES: readonly [string, unknown][] = [
  ["NaN", Number.NaN],
  ["-1", -1],
  ["1.5", 1.5],
  ["a string", "3"],
  ["undefined", undefined],
];

/** The entries, over `torch` (so the same table runs on an older checkout). */
function entries(torch: TorchModule): Entry[] {
  const { nn, optim } = torch;
  const F = nn.functional;
  const r = (own: Own, ...shape: number[]) => own(torch.randn(shape));
  const i32 = (own: Own, data: number[]) => own(torch.tensor(data, { dtype: "int32" }));
  const loss = (name: keyof typeof F): Entry => ({
    name,
    args: (own) => [r(own, 3, 4), r(own, 3, 4)],
    call: ([a, b]) => (F[name] as (a: unknown, b: unknown) => unknown)(a, b),
    tensors: [0, 1],
  });
  const unary = (name: keyof typeof F): Entry => ({
    name,
    args: (own) => [r(own, 2, 3)],
    call: ([x]) => (F[name] as (x: unknown) => unknown)(x),
    tensors: [0],
  });
  const forward = (name: string, make: () => Torch.nn.Module, ...shape: number[]): Entry => ({
    name,
    args: (own) => [make(), r(own, ...shape)],
    call: ([m, x]) => (m as { forward: (x: unknown) => unknown }).forward(x),
    tensors: [1],
  });
  const ctor = (name: string, make: (...a: unknown[]) => unknown, ...args: unknown[]): Entry => ({
    name,
    args: () => [...args, {}],
    call: (a) => make(...a),
    sizes: args.map((_, k) => k),
    options: args.length,
    returnsTensor: false,
  });
  return [
    ...(
      ["mseLoss", "l1Loss", "smoothL1Loss", "huberLoss", "binaryCrossEntropyWithLogits"] as const
    ).map(loss),
    {
      name: "binaryCrossEntropy",
      args: (own) => [own(torch.rand([3])), own(torch.rand([3]))],
      call: ([a, b]) => F.binaryCrossEntropy(a as Tensor, b as Tensor),
      tensors: [0, 1],
    },
    {
      name: "klDiv",
      args: (own) => [r(own, 2, 3), own(torch.rand([2, 3]))],
      call: ([a, b]) => F.klDiv(a as Tensor, b as Tensor),
      tensors: [0, 1],
    },
    {
      name: "cosineEmbeddingLoss",
      args: (own) => [r(own, 2, 3), r(own, 2, 3), own(torch.tensor([1, -1]))],
      call: ([a, b, y]) => F.cosineEmbeddingLoss(a as Tensor, b as Tensor, y as Tensor),
      tensors: [0, 1, 2],
    },
    {
      name: "crossEntropy",
      args: (own) => [r(own, 3, 4), i32(own, [0, 3, 1])],
      call: ([a, t]) => F.crossEntropy(a as Tensor, t as Tensor),
      tensors: [0, 1],
    },
    {
      name: "nllLoss",
      args: (own) => [r(own, 3, 4), i32(own, [0, 3, 1])],
      call: ([a, t]) => F.nllLoss(a as Tensor, t as Tensor),
      tensors: [0, 1],
    },
    ...(["leakyRelu", "elu", "gelu", "silu", "mish", "softplus", "hardtanh"] as const).map(unary),
    {
      name: "prelu",
      args: (own) => [r(own, 2, 3), own(torch.full([1], 0.25))],
      call: ([x, w]) => F.prelu(x as Tensor, w as Tensor),
      tensors: [0, 1],
    },
    {
      name: "linear",
      args: (own) => [r(own, 2, 3), r(own, 4, 3)],
      call: ([x, w]) => F.linear(x as Tensor, w as Tensor),
      tensors: [0, 1],
    },
    {
      name: "bilinear",
      args: (own) => [r(own, 2, 3), r(own, 2, 2), r(own, 4, 3, 2)],
      call: ([a, b, w]) => F.bilinear(a as Tensor, b as Tensor, w as Tensor),
      tensors: [0, 1, 2],
    },
    {
      name: "dropout",
      args: (own) => [r(own, 2, 3), { p: 0.5 }],
      call: ([x, o]) => F.dropout(x as Tensor, o as { p: number }),
      tensors: [0],
      options: 1,
      numberOptions: true,
    },
    {
      name: "layerNorm",
      args: (own) => [r(own, 2, 3), [3], {}],
      call: ([x, s, o]) => F.layerNorm(x as Tensor, s as number[], o as object),
      tensors: [0],
      options: 2,
    },
    {
      name: "groupNorm",
      args: (own) => [r(own, 2, 4, 3), 2, {}],
      call: ([x, g, o]) => F.groupNorm(x as Tensor, g as number, o as object),
      tensors: [0],
      sizes: [1],
      options: 2,
    },
    {
      name: "embedding",
      args: (own) => [i32(own, [0, 2]), r(own, 3, 2)],
      call: ([i, w]) => F.embedding(i as Tensor, w as Tensor),
      tensors: [0, 1],
    },
    {
      name: "scaledDotProductAttention",
      args: (own) => [r(own, 2, 4, 8), r(own, 2, 5, 8), r(own, 2, 5, 8), {}],
      call: ([q, k, v, o]) =>
        F.scaledDotProductAttention(q as Tensor, k as Tensor, v as Tensor, o as object),
      tensors: [0, 1, 2],
      options: 3,
    },
    forward("Linear", () => new nn.Linear(3, 2), 4, 3),
    forward("Conv2d", () => new nn.Conv2d(1, 2, 3), 1, 1, 5, 5),
    forward("LayerNorm", () => new nn.LayerNorm([3]), 2, 3),
    forward("BatchNorm2d", () => new nn.BatchNorm2d(2), 2, 2, 3, 3),
    forward("LSTM", () => new nn.LSTM(3, 4), 5, 2, 3),
    forward("GRU", () => new nn.GRU(3, 4), 5, 2, 3),
    forward("RNN", () => new nn.RNN(3, 4), 5, 2, 3),
    forward("TransformerEncoderLayer", () => new nn.TransformerEncoderLayer(8, 2), 5, 2, 8),
    {
      name: "MultiheadAttention",
      args: (own) => [new nn.MultiheadAttention(8, 2), r(own, 5, 2, 8), r(own, 5, 2, 8)],
      call: ([m, q, kv]) =>
        (m as Torch.nn.MultiheadAttention).forward(q as Tensor, kv as Tensor, kv as Tensor),
      tensors: [1, 2],
    },
    {
      name: "CrossEntropyLoss",
      aliases: ["crossEntropy"],
      args: (own) => [new nn.CrossEntropyLoss(), r(own, 3, 4), i32(own, [0, 3, 1])],
      call: ([m, a, t]) => (m as Torch.nn.CrossEntropyLoss).forward(a as Tensor, t as Tensor),
      tensors: [1, 2],
    },
    ctor(
      "Linear",
      (...a) => new (nn.Linear as never as new (...a: unknown[]) => unknown)(...a),
      3,
      2,
    ),
    ctor(
      "Conv2d",
      (...a) => new (nn.Conv2d as never as new (...a: unknown[]) => unknown)(...a),
      1,
      2,
      3,
    ),
    ctor("LSTM", (...a) => new (nn.LSTM as never as new (...a: unknown[]) => unknown)(...a), 3, 4),
    ctor("GRU", (...a) => new (nn.GRU as never as new (...a: unknown[]) => unknown)(...a), 3, 4),
    ctor(
      "Embedding",
      (...a) => new (nn.Embedding as never as new (...a: unknown[]) => unknown)(...a),
      5,
      3,
    ),
    ctor(
      "MultiheadAttention",
      (...a) => new (nn.MultiheadAttention as never as new (...a: unknown[]) => unknown)(...a),
      8,
      2,
    ),
    ctor(
      "TransformerEncoderLayer",
      (...a) => new (nn.TransformerEncoderLayer as never as new (...a: unknown[]) => unknown)(...a),
      8,
      2,
    ),
    ctor(
      "BatchNorm2d",
      (...a) => new (nn.BatchNorm2d as never as new (...a: unknown[]) => unknown)(...a),
      3,
    ),
    {
      name: "Adam",
      args: (own) => [[own(torch.zeros([2], { requiresGrad: true }))], { lr: 0.01 }],
      call: ([p, o]) => new optim.Adam(p as Tensor[], o as { lr: number }),
      options: 1,
      returnsTensor: false,
    },
    {
      name: "SGD",
      args: (own) => [[own(torch.zeros([2], { requiresGrad: true }))], { lr: 0.01 }],
      call: ([p, o]) => new optim.SGD(p as Tensor[], o as { lr: number }),
      options: 1,
      returnsTensor: false,
    },
  ];
}

/** Every bad call over `nn`, `nn.functional` and `optim`. */
export function nnFuzzCalls(torch: TorchModule): FuzzCall[] {
  const calls: FuzzCall[] = [];
  // only what this checkout has (an older one, replayed for the before figures, has fewer)
  const exists = (name: string) =>
    name in torch.nn.functional || name in torch.nn || name in torch.optim;
  for (const e of entries(torch).filter((e) => exists(e.name))) {
    const target = { name: e.name, aliases: e.aliases };
    const broken = (what: string, k: number, bad: (v: unknown, own: Own) => unknown) => {
      let args: unknown[] = [];
      calls.push({
        op: target,
        what,
        // the tensors among the arguments are the inputs compared before and after
        inputs: (own) => {
          args = e.args(own);
          return args.filter((a): a is Tensor => a instanceof torch.Tensor);
        },
        call: (_, own) => {
          const a = args.slice();
          a[k] = bad(a[k], own);
          try {
            return e.call(a);
          } finally {
            // the modules and optimizers the entry made (its tensors are the fuzzer's to check)
            for (const v of args) if (!(v instanceof torch.Tensor)) disposeObject(v);
          }
        },
        returnsTensor: e.returnsTensor ?? true,
      });
    };
    for (const k of e.tensors ?? []) {
      for (const [what, make] of NOT_TENSORS) broken(`argument ${k}: ${what}`, k, () => make());
      broken(`argument ${k}: a disposed tensor`, k, (v, own) => {
        const d = own(own((v as Tensor).detach()).clone());
        d.dispose();
        return d;
      });
    }
    for (const k of e.sizes ?? [])
      for (const [what, v] of BAD_SIZES) broken(`size ${k}: ${what}`, k, () => v);
    if (e.options !== undefined) {
      const k = e.options;
      broken("an unknown option", k, (o) => ({ ...(o as object), bogusOption: 1 }));
      if (!e.numberOptions) broken("a number where the options belong", k, () => 0.5);
    }
  }
  return calls;
}
