/**
 * Printing: `String(t)` must match PyTorch 1.13's `repr(t)` character for character. Every expected
 * string below was printed by `/usr/bin/python3 -c "import torch; print(repr(torch.tensor(...)))"`
 * (Debian python3-torch 1.13), with the PyTorch expression in the test name or a comment.
 */
import { inspect } from "node:util";

import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

/** `repr` of a tensor made by `make`, disposing everything it made. */
function repr(make: () => torch.Tensor): string {
  return torch.tidy(() => make().toString());
}

describe("format: PyTorch's repr", () => {
  withLeakCheck();

  it("1-D float with integer values: tensor([1., 2., 3.])", () => {
    expect(repr(() => torch.tensor([1, 2, 3], { dtype: "float32" }))).toBe("tensor([1., 2., 3.])");
    expect(repr(() => torch.zeros([3]))).toBe("tensor([0., 0., 0.])");
    expect(repr(() => torch.tensor([0], { dtype: "float32" }))).toBe("tensor([0.])");
  });

  it("4 decimals and right-aligned columns, with the newline + indent PyTorch uses", () => {
    // torch.tensor([[1.5, 2.], [3., 4.]])
    expect(
      repr(() =>
        torch.tensor([
          [1.5, 2],
          [3, 4],
        ]),
      ),
    ).toBe("tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])");
    // torch.tensor([-1.5, 2.25, -3.125]): the sign takes a column
    expect(repr(() => torch.tensor([-1.5, 2.25, -3.125]))).toBe(
      "tensor([-1.5000,  2.2500, -3.1250])",
    );
    expect(repr(() => torch.tensor([0.1, 0.25]))).toBe("tensor([0.1000, 0.2500])");
    expect(repr(() => torch.tensor([-0.5, 0]))).toBe("tensor([-0.5000,  0.0000])");
    // torch.tensor([123456.7]) in float32
    expect(repr(() => torch.tensor([123456.7]))).toBe("tensor([123456.7031])");
  });

  it("3-D and 4-D: one blank line per extra dimension between blocks", () => {
    expect(
      repr(() =>
        torch.tensor([
          [
            [1.5, 2],
            [3, 4],
          ],
          [
            [1, 2],
            [3, 4],
          ],
        ]),
      ),
    ).toBe(
      "tensor([[[1.5000, 2.0000],\n         [3.0000, 4.0000]],\n\n        [[1.0000, 2.0000],\n         [3.0000, 4.0000]]])",
    );
    // torch.arange(6.).view(1, 2, 3)
    expect(repr(() => torch.arange(0, 6, 1, { dtype: "float32" }).view(1, 2, 3))).toBe(
      "tensor([[[0., 1., 2.],\n         [3., 4., 5.]]])",
    );
    // torch.ones(2, 1, 1, 2)
    expect(repr(() => torch.ones([2, 1, 1, 2]))).toBe(
      "tensor([[[[1., 1.]]],\n\n\n        [[[1., 1.]]]])",
    );
  });

  it("scientific notation for wide ranges, tiny and huge values", () => {
    expect(repr(() => torch.tensor([1e-5, 1, 1000]))).toBe(
      "tensor([1.0000e-05, 1.0000e+00, 1.0000e+03])",
    );
    expect(repr(() => torch.tensor([1e-5, 2e-5]))).toBe("tensor([1.0000e-05, 2.0000e-05])");
    expect(repr(() => torch.tensor([1e-4, 1.5]))).toBe("tensor([1.0000e-04, 1.5000e+00])");
    // integral floats above 1e8
    // (JS cannot tell 1e10 from an integer, so the dtype is given; see creation.test.ts)
    expect(repr(() => torch.tensor([1e10, 1], { dtype: "float32" }))).toBe(
      "tensor([1.0000e+10, 1.0000e+00])",
    );
    expect(repr(() => torch.tensor([1e9, 1], { dtype: "float32" }))).toBe(
      "tensor([1.0000e+09, 1.0000e+00])",
    );
    // torch.tensor([[-1e-5, 1.], [2., 3.]])
    expect(
      repr(() =>
        torch.tensor([
          [-1e-5, 1],
          [2, 3],
        ]),
      ),
    ).toBe("tensor([[-1.0000e-05,  1.0000e+00],\n        [ 2.0000e+00,  3.0000e+00]])");
    // ratio exactly 1000 stays fixed: torch.tensor([1., 1000.])
    expect(repr(() => torch.tensor([1, 1000], { dtype: "float32" }))).toBe(
      "tensor([   1., 1000.])",
    );
  });

  // Regression test, fixed bug (format.ts floatFormatter): for floats that are all integers PyTorch switches to scientific
  // notation when max/min > 1000 (not only when max > 1e8); we print `tensor([   1., 2000.])`.
  it("integral floats with max/min > 1000 use scientific notation: torch.tensor([1., 2000.])", () => {
    expect(repr(() => torch.tensor([1, 2000], { dtype: "float32" }))).toBe(
      "tensor([1.0000e+00, 2.0000e+03])",
    );
  });

  it("nan and inf", () => {
    expect(repr(() => torch.tensor([NaN, 1.5, Infinity]))).toBe("tensor([   nan, 1.5000,    inf])");
    expect(repr(() => torch.tensor([NaN]))).toBe("tensor([nan])");
    expect(repr(() => torch.tensor([-Infinity, 2.5]))).toBe("tensor([  -inf, 2.5000])");
  });

  // Regression test, fixed bug (format.ts formatTensor): PyTorch sizes the columns from the finite values only (nan and inf
  // are never padded beyond that width), so torch.tensor([1., nan]) prints `tensor([1., nan])`;
  // we pad "1." to the width of "nan": `tensor([ 1., nan])`.
  it("the column width ignores nan/inf: torch.tensor([1., float('nan')])", () => {
    expect(repr(() => torch.tensor([1, NaN]))).toBe("tensor([1., nan])");
  });

  it("int32 shows dtype=torch.int32 and aligns on the widest value", () => {
    expect(repr(() => torch.tensor([1, 2, 3], { dtype: "int32" }))).toBe(
      "tensor([1, 2, 3], dtype=torch.int32)",
    );
    expect(
      repr(() =>
        torch.tensor(
          [
            [1, -20],
            [300, 4],
          ],
          { dtype: "int32" },
        ),
      ),
    ).toBe("tensor([[  1, -20],\n        [300,   4]], dtype=torch.int32)");
  });

  it("float64 shows dtype=torch.float64", () => {
    expect(repr(() => torch.tensor([1, 2], { dtype: "float64" }))).toBe(
      "tensor([1., 2.], dtype=torch.float64)",
    );
  });

  it("bool prints True/False, right-aligned, with no dtype", () => {
    expect(repr(() => torch.tensor([true, false]))).toBe("tensor([ True, False])");
    expect(
      repr(() =>
        torch.tensor([
          [true, false],
          [false, true],
        ]),
      ),
    ).toBe("tensor([[ True, False],\n        [False,  True]])");
    expect(repr(() => torch.tensor([[true, true]]))).toBe("tensor([[True, True]])");
  });

  it("0-d tensors", () => {
    expect(repr(() => torch.tensor(3.5))).toBe("tensor(3.5000)");
    expect(repr(() => torch.tensor(3, { dtype: "int32" }))).toBe("tensor(3, dtype=torch.int32)");
    expect(repr(() => torch.tensor(true))).toBe("tensor(True)");
  });

  it("empty tensors: size=(...) beyond 1-D, dtype for non-float32", () => {
    expect(repr(() => torch.tensor([]))).toBe("tensor([])");
    expect(repr(() => torch.zeros([2, 0]))).toBe("tensor([], size=(2, 0))");
    expect(repr(() => torch.zeros([2, 0, 3]))).toBe("tensor([], size=(2, 0, 3))");
    expect(repr(() => torch.zeros([0], { dtype: "int32" }))).toBe("tensor([], dtype=torch.int32)");
  });

  it("requires_grad=True on leaves, grad_fn=<...Backward0> on results", () => {
    torch.tidy(() => {
      const x = torch.tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
      expect(x.toString()).toBe("tensor([1., 2., 3.], requires_grad=True)");
      const y = x.mul(2);
      expect(y.toString()).toBe("tensor([2., 4., 6.], grad_fn=<MulBackward0>)");
      const s = y.sum();
      expect(s.toString()).toBe("tensor(12., grad_fn=<SumBackward0>)");
      // the graph is never differentiated: free what its nodes saved
      torch.autograd.releaseGraph(s);
      const d = torch.tensor([1, 2], { dtype: "float64", requiresGrad: true });
      expect(d.toString()).toBe("tensor([1., 2.], dtype=torch.float64, requires_grad=True)");
      // detached and noGrad results print neither
      expect(x.detach().toString()).toBe("tensor([1., 2., 3.])");
      expect(torch.noGrad(() => x.mul(2)).toString()).toBe("tensor([2., 4., 6.])");
    });
  });

  // Regression test, fixed bug (format.ts render): same ' ...' elision bug as below (the row elision "        ...," is right).
  it("summarizes > 1000 elements with ... (rows and columns)", () => {
    // torch.arange(1001, dtype=torch.int32).view(7, 143)
    expect(repr(() => torch.arange(1001).view(7, 143))).toBe(
      [
        "tensor([[   0,    1,    2,  ...,  140,  141,  142],",
        "        [ 143,  144,  145,  ...,  283,  284,  285],",
        "        [ 286,  287,  288,  ...,  426,  427,  428],",
        "        ...,",
        "        [ 572,  573,  574,  ...,  712,  713,  714],",
        "        [ 715,  716,  717,  ...,  855,  856,  857],",
        "        [ 858,  859,  860,  ...,  998,  999, 1000]], dtype=torch.int32)",
      ].join("\n"),
    );
  });

  // Regression test, fixed bug (format.ts render): inside a row PyTorch writes the elision as " ..." (so ",  ..., "), but we
  // write ", ..., "; `tensor([   0,    1,    2, ..., 1997, 1998, 1999], dtype=torch.int32)`.
  it("summarized rows elide with ' ...' as PyTorch: torch.arange(2000, dtype=torch.int32)", () => {
    expect(repr(() => torch.arange(2000))).toBe(
      "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], dtype=torch.int32)",
    );
  });

  it("summarized float rows: ((torch.arange(1100.) + 1000) / 1000)", () => {
    expect(repr(() => torch.arange(0, 1100, 1, { dtype: "float32" }).add(1000).div(1000))).toBe(
      "tensor([1.0000, 1.0010, 1.0020,  ..., 2.0970, 2.0980, 2.0990])",
    );
  });

  it("summarization counts only the shown values for the width (no ' ...' in rows)", () => {
    // Checks the parts we get right today, independent of the ' ...' bug above.
    const s = repr(() =>
      torch.arange(0, 1100, 1, { dtype: "float32" }).add(1000).div(1000).view(11, 100),
    );
    const lines = s.split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[0]!.startsWith("tensor([[1.0000, 1.0010, 1.0020,")).toBe(true);
    expect(lines[3]).toBe("        ...,");
    expect(lines[6]!.endsWith("2.0970, 2.0980, 2.0990]])")).toBe(true);
  });

  // Regression test, fixed bug (format.ts): PyTorch wraps rows at linewidth 80 (continuation lines indented to the
  // bracket); we print every row on one line. torch.arange(20.):
  it("wraps long rows at 80 columns: torch.arange(20.)", () => {
    expect(repr(() => torch.arange(0, 20, 1, { dtype: "float32" }))).toBe(
      "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n        14., 15., 16., 17., 18., 19.])",
    );
  });

  it("prints views by their values, not their storage", () => {
    // torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int32).t()[::2]
    const s = repr(() =>
      torch
        .tensor(
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
          { dtype: "int32" },
        )
        .t()
        .index("::2"),
    );
    expect(s).toBe("tensor([[1, 4],\n        [3, 6]], dtype=torch.int32)");
  });

  it("toStringAsync and util.inspect (console.log) agree with toString", async () => {
    const t = torch.tensor([
      [1.5, 2],
      [3, 4],
    ]);
    const s = t.toString();
    expect(await t.toStringAsync()).toBe(s);
    expect(inspect(t)).toBe(s);
    t.dispose();
  });

  it("a disposed tensor prints a placeholder instead of throwing", () => {
    const t = torch.ones([2, 3]);
    t.dispose();
    expect(t.toString()).toBe("tensor(<disposed> [2, 3], dtype=float32)");
  });
});
