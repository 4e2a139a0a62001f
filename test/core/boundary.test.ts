/**
 * Tensor arguments, sizes and window hyperparameters checked at the boundary (issue 9): each
 * misuse is a typed error naming the op, and leaks nothing.
 */
import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const F = torch.nn.functional;

describe("tensor arguments", () => {
  withLeakCheck();

  it("binary ops refuse undefined and strings", () => {
    const x = torch.ones([2]);
    expect(() => x.add(undefined as never)).toThrow(
      /^add: other must be a Tensor or a number; got undefined$/,
    );
    expect(() => x.mul("abc" as never)).toThrow(
      /^mul: other must be a Tensor or a number; got the string "abc"$/,
    );
    expect(() => torch.add(null as never, x)).toThrow(torch.TensorError);
    const c = x.gt(0);
    expect(() => torch.where(c, x, {} as never)).toThrow(
      /^where: other must be a Tensor or a number; got an object$/,
    );
    x.dispose();
    c.dispose();
  });

  it("a nested array where a Tensor belongs suggests torch.tensor", () => {
    const x = torch.ones([2, 2]);
    expect(() => x.matmul([[1], [2]] as never)).toThrow(
      /^matmul: expected a Tensor; got the array \[\[1\], \[2\]\] \(make it a Tensor with torch\.tensor\(\.\.\.\)\)$/,
    );
    expect(() => x.add([1, 2] as never)).toThrow(
      /^add: other must be a Tensor or a number; got the array \[1, 2\] \(make it a Tensor with torch\.tensor\(\.\.\.\)\)$/,
    );
    x.dispose();
  });

  it("unary ops and F entry points refuse a non-Tensor", () => {
    expect(() => F.relu(undefined as never)).toThrow(
      /^relu: input must be a Tensor; got undefined$/,
    );
    expect(() => torch.exp(3 as never)).toThrow(/^exp: input must be a Tensor; got the number 3$/);
    expect(() => torch.sum([1, 2] as never)).toThrow(
      /^sum: expected a Tensor; got the array \[1, 2\]/,
    );
  });

  it("torch.tensor refuses null, undefined and strings", () => {
    expect(() => torch.tensor(null as never)).toThrow(
      /^tensor: data must be a number, a boolean, a nested array or a typed array; got null$/,
    );
    expect(() => torch.tensor(undefined as never)).toThrow(/^tensor: .*; got undefined$/);
    expect(() => torch.tensor("1" as never)).toThrow(/^tensor: .*; got the string "1"$/);
  });
});

describe("sizes", () => {
  withLeakCheck();

  it("NaN, negative, fractional and impossibly large sizes name the op and the size", () => {
    const before = torch.memory().numBytes;
    expect(() => torch.arange(NaN)).toThrow(
      /^arange: start, end and step must be numbers; got start 0, end NaN, step 1$/,
    );
    expect(() => torch.arange(Infinity)).toThrow(/^arange: invalid size \[Infinity\]/);
    expect(() => torch.zeros([1e6, 1e6])).toThrow(
      /^zeros: invalid size \[1000000, 1000000\]: 1000000000000 elements is more than a tensor can hold \(2\^31 - 1\)$/,
    );
    expect(() => torch.zeros([-1])).toThrow(
      /^zeros: invalid size \[-1\]: sizes must be non-negative integers$/,
    );
    expect(() => torch.ones([1.5])).toThrow(/^ones: invalid size \[1\.5\]/);
    expect(() => torch.randn([2, NaN])).toThrow(/^randn: invalid size \[2, NaN\]/);
    expect(() => torch.rand(3, -2)).toThrow(/^rand: invalid size \[3, -2\]/);
    expect(torch.memory().numBytes).toBe(before);
    expect(Number.isNaN(torch.memory().numBytes)).toBe(false);
  });
});

describe("convolution and pooling hyperparameters", () => {
  withLeakCheck();

  it("pooling refuses stride or dilation <= 0, negative padding and a zero kernel", () => {
    const x = torch.ones([1, 1, 4, 4]);
    expect(() => F.maxPool2d(x, 2, { dilation: 0 })).toThrow(
      /^maxPool2d: dilation must be integers >= 1; got 0$/,
    );
    expect(() => F.maxPool2d(x, 2, { stride: 0 })).toThrow(
      /^maxPool2d: stride must be integers >= 1; got 0$/,
    );
    expect(() => F.maxPool2d(x, [0, 0])).toThrow(
      /^maxPool2d: kernelSize must be integers >= 1; got \[0, 0\]$/,
    );
    expect(() => F.avgPool2d(x, 2, { padding: -1 })).toThrow(
      /^avgPool2d: padding must be integers >= 0; got -1$/,
    );
    x.dispose();
  });

  it("convolution refuses a zero-size kernel and bad transposed hyperparameters", () => {
    const x = torch.ones([1, 1, 4, 4]);
    const w0 = torch.ones([1, 1, 0, 0]);
    const w = torch.ones([1, 1, 2, 2]);
    expect(() => F.conv2d(x, w0)).toThrow(
      /^conv2d: kernel size must be at least 1; got weight \[1, 1, 0, 0\]$/,
    );
    expect(() => F.convTranspose2d(x, w0)).toThrow(
      /^convTranspose2d: kernel size must be at least 1; got weight \[1, 1, 0, 0\]$/,
    );
    expect(() => F.convTranspose2d(x, w, null, { stride: 0 })).toThrow(
      /^convTranspose2d: stride must be integers >= 1; got 0$/,
    );
    expect(() => F.convTranspose2d(x, w, null, { padding: -1 })).toThrow(
      /^convTranspose2d: padding must be integers >= 0; got -1$/,
    );
    for (const t of [x, w0, w]) t.dispose();
  });

  it("cat refuses 0-d tensors as PyTorch", () => {
    const a = torch.tensor(1);
    const b = torch.tensor(2);
    expect(() => torch.cat([a, b])).toThrow(
      /^cat: zero-dimensional tensor \(at position 0\) cannot be concatenated; got shape \[\]$/,
    );
    expect(() => torch.cat(a as never)).toThrow(
      /^cat: expected an array of tensors; got a Tensor$/,
    );
    a.dispose();
    b.dispose();
  });
});
