import { describe, expect, it } from "vitest";
import * as torch from "../../src/index.js";
import { expectNoLeaks } from "../util/leaks.js";

describe("scatter backward with src larger than index", () => {
  it("gives src zeros outside the index's extent", () => {
    expectNoLeaks(() => {
      // torch: x.scatter(1, [[0], [1]], src) with src [2, 3]: only src[:, :1] is used
      const x = torch.zeros([2, 3]);
      const src = torch.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: "float32", requiresGrad: true },
      );
      const idx = torch.tensor([[0], [1]], { dtype: "int32" });
      const y = x.scatter(1, idx, src);
      const w = torch.tensor(
        [
          [10, 20, 30],
          [40, 50, 60],
        ],
        { dtype: "float32" },
      );
      const weighted = y.mul(w);
      const loss = weighted.sum();
      loss.backward();
      expect(src.grad!.tolistSync()).toEqual([
        [10, 0, 0],
        [50, 0, 0],
      ]);
      for (const t of [x, src, idx, y, w, weighted, loss]) t.dispose();
    });
  });
});
