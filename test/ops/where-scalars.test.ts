import { describe, expect, it } from "vitest";
import * as torch from "../../src/index.js";
import { expectNoLeaks } from "../util/leaks.js";

describe("where with two JS values", () => {
  it("integers give int32, floats float32, booleans bool (torch.where(c, 2, 0))", () => {
    expectNoLeaks(() => {
      const c = torch.tensor([true, false]);
      const ints = torch.where(c, 2, 0);
      const floats = torch.where(c, 2.5, 0);
      const bools = torch.where(c, false, true);
      expect([ints.dtype, floats.dtype, bools.dtype]).toEqual(["int32", "float32", "bool"]);
      expect(ints.tolistSync()).toEqual([2, 0]);
      expect(floats.tolistSync()).toEqual([2.5, 0]);
      expect(bools.tolistSync()).toEqual([false, true]);
      for (const t of [c, ints, floats, bools]) t.dispose();
    });
  });

  it("gather rejects negative indices, as PyTorch", () => {
    expectNoLeaks(() => {
      const x = torch.tensor([1, 2, 3], { dtype: "float32" });
      const idx = torch.tensor([-1], { dtype: "int32" });
      expect(() => x.gather(0, idx)).toThrow(
        /gather: index -1 is out of bounds for dimension 0 with size 3/,
      );
      x.dispose();
      idx.dispose();
    });
  });
});

describe("in-place binary ops", () => {
  it("write straight into the tensor, and refuse an operand that aliases it differently", () => {
    expectNoLeaks(() => {
      const a = torch.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: "float32" },
      );
      const storage = a.storage;
      a.add_(1).mul_(2);
      expect(a.storage).toBe(storage);
      expect(a.tolistSync()).toEqual([
        [4, 6],
        [8, 10],
      ]);
      // an operand laid differently over a's own memory is refused, as PyTorch (nothing changes)
      const at = a.t();
      expect(() => a.add_(at)).toThrow(/^add_: unsupported operation/);
      expect(a.tolistSync()).toEqual([
        [4, 6],
        [8, 10],
      ]);
      expect(a.version).toBe(2);
      at.dispose();
      a.dispose();
    });
  });
});
