/**
 * Options objects at the boundary (issue 9): a positional value where the options object belongs
 * is refused with the webtorch form, unknown keys get "did you mean", values of the wrong type are
 * refused. Every failed call leaks nothing.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { checkOptions, editDistance, suggestKey } from "../../src/core/options.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn, optim } = torch;
const F = nn.functional;

describe("checkOptions", () => {
  it("accepts undefined and a plain object of known keys", () => {
    expect(() => checkOptions("op", undefined, { a: "number" })).not.toThrow();
    expect(() =>
      checkOptions("op", { a: 1, b: undefined }, { a: "number", b: "boolean" }),
    ).not.toThrow();
  });
  it("suggests the nearest key by edit distance, and camelCase for snake_case", () => {
    expect(editDistance("bais", "bias")).toBe(2);
    expect(suggestKey("bais", ["bias", "dtype", "device"])).toBe("bias");
    expect(suggestKey("weight_decay", ["lr", "weightDecay"])).toBe("weightDecay");
    expect(suggestKey("zzzzzz", ["lr", "weightDecay"])).toBeUndefined();
  });
  it("refuses a value of another type", () => {
    expect(() => checkOptions("op", { a: "x" }, { a: "number|null" })).toThrow(
      /^op: option a must be a number or null; got the string "x"$/,
    );
  });
});

describe("options objects in nn, optim and ops", () => {
  withLeakCheck();

  it("nn.Conv2d refuses positional stride/padding", () => {
    const Conv2d = nn.Conv2d as unknown as new (...args: unknown[]) => unknown;
    expect(() => new Conv2d(1, 32, 3, 1, 1)).toThrow(
      /^Conv2d: options must be an object such as \{ stride: 1, padding: 1 \}; got the number 1 as argument 4$/,
    );
    expect(() => new nn.Conv2d(1, 32, 3, 1 as never)).toThrow(torch.ValueError);
  });

  it("nn.Linear: unknown key gets did you mean; wrong type refused", () => {
    expect(() => new nn.Linear(2, 2, { bais: false } as never)).toThrow(
      /^Linear: unknown option "bais" \(did you mean "bias"\?\); got \{ bais \}$/,
    );
    expect(() => new nn.Linear(2, 2, { bias: "no" } as never)).toThrow(
      /^Linear: option bias must be a boolean; got the string "no"$/,
    );
    expect(() => new nn.Linear(2, 2, false as never)).toThrow(
      /^Linear: options must be an object such as \{ bias: true \}; got the boolean false as argument 3$/,
    );
  });

  it("other layers check their options", () => {
    expect(() => new nn.MaxPool2d(2, 2 as never)).toThrow(
      /^MaxPool2d: options must be an object such as \{ stride: 2, padding: 1 \}; got the number 2 as argument 2$/,
    );
    expect(() => new nn.BatchNorm2d(4, { eps: "1e-5" } as never)).toThrow(
      /^BatchNorm2d: option eps must be a number; got the string "1e-5"$/,
    );
    expect(() => new nn.LayerNorm(4, { elementwiseAfine: false } as never)).toThrow(
      /^LayerNorm: unknown option "elementwiseAfine" \(did you mean "elementwiseAffine"\?\)/,
    );
    expect(() => new nn.CrossEntropyLoss({ ignore_index: 1 } as never)).toThrow(
      /^CrossEntropyLoss: unknown option "ignore_index" \(did you mean "ignoreIndex"\?\)/,
    );
    expect(() => new nn.MSELoss("sum" as never)).toThrow(
      /^MSELoss: options must be an object such as \{ reduction: "\.\.\." \}; got the string "sum" as argument 1$/,
    );
    expect(() => new nn.ReLU({ inPlace: true } as never)).toThrow(
      /^ReLU: unknown option "inPlace" \(did you mean "inplace"\?\)/,
    );
    expect(() => new nn.Embedding(4, 2, { padding_idx: 0 } as never)).toThrow(
      /^Embedding: unknown option "padding_idx" \(did you mean "paddingIdx"\?\)/,
    );
    expect(() => new nn.Dropout(0.5, true as never)).toThrow(
      /^Dropout: options must be an object such as \{ inplace: true \}; got the boolean true as argument 2$/,
    );
    expect(() => new nn.GroupNorm(2, 4, { afine: true } as never)).toThrow(
      /^GroupNorm: unknown option "afine" \(did you mean "affine"\?\)/,
    );
  });

  it("optim.Adam refuses a positional lr", () => {
    const p = torch.zeros([2], { dtype: "float32", requiresGrad: true });
    expect(() => new optim.Adam([p], 0.01 as never)).toThrow(
      /^Adam: options must be an object such as \{ lr: 0\.01 \}; got the number 0\.01 as argument 2$/,
    );
    expect(() => new optim.SGD([p], { lr: 0.1, momentun: 0.9 } as never)).toThrow(
      /^SGD: unknown option "momentun" \(did you mean momentum\?\)$/,
    );
    p.dispose();
  });

  it("triu/tril refuse an options object for diagonal", () => {
    const x = torch.ones([3, 3]);
    expect(() => torch.triu(x, { diagonal: 1 } as never)).toThrow(
      /^triu: diagonal must be an integer given positionally, as torch\.triu\(x, 1\); got an object$/,
    );
    expect(() => x.tril(0.5)).toThrow(
      /^tril: diagonal must be an integer given positionally; got the number 0\.5$/,
    );
    x.dispose();
  });

  it("var/std refuse PyTorch's positional unbiased", () => {
    const x = torch.ones([3, 3]);
    expect(() => x.var(0, false as never)).toThrow(
      /^var: options must be an object such as \{ correction: 0 \} \(PyTorch's unbiased=False\); got the boolean false$/,
    );
    expect(() => torch.std(x, 0, true as never)).toThrow(
      /^std: options must be an object such as \{ correction: 1 \} \(PyTorch's unbiased=True\); got the boolean true$/,
    );
    expect(() => x.var(0, { unbaised: false } as never)).toThrow(
      /^var: unknown option "unbaised" \(did you mean "unbiased"\?\)/,
    );
    x.dispose();
  });

  it("functional conv and pool refuse positional options", () => {
    const x = torch.ones([1, 1, 4, 4]);
    const w = torch.ones([1, 1, 3, 3]);
    expect(() => F.conv2d(x, w, null, 1 as never)).toThrow(
      /^conv2d: options must be an object such as \{ stride: 1, padding: 1 \}; got the number 1 as argument 4$/,
    );
    expect(() => F.maxPool2d(x, 2, 2 as never)).toThrow(
      /^maxPool2d: options must be an object such as \{ stride: 2, padding: 1 \}; got the number 2 as argument 3$/,
    );
    expect(() => F.avgPool2d(x, 2, { strde: 2 } as never)).toThrow(
      /^avgPool2d: unknown option "strde" \(did you mean "stride"\?\)/,
    );
    x.dispose();
    w.dispose();
  });
});
