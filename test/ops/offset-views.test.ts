import { describe, expect, it } from "vitest";
import * as torch from "../../src/index.js";
import { expectNoLeaks } from "../util/leaks.js";

describe("kernels on contiguous views with an offset", () => {
  it("conv2d, its gradients and maxPool2d read from the view's offset", () => {
    expectNoLeaks(() => {
      torch.manualSeed(3);
      const x = torch.randn([3, 2, 5, 5]);
      const w = torch.randn([4, 2, 3, 3]);
      const view = x.narrow(0, 1, 2); // contiguous, offset 50
      const copy = view.clone();
      const a = torch.conv2d(view, w, null, { padding: 1 });
      const b = torch.conv2d(copy, w, null, { padding: 1 });
      expect(a.tolistSync()).toEqual(b.tolistSync());
      const pa = torch.maxPool2d(view, 2);
      const pb = torch.maxPool2d(copy, 2);
      expect(pa.tolistSync()).toEqual(pb.tolistSync());
      for (const t of [x, w, view, copy, a, b, pa, pb]) t.dispose();
    });
  });

  it("scatterAdd on bool tensors is a logical or", () => {
    expectNoLeaks(() => {
      const x = torch.tensor([false, true, false]);
      const idx = torch.tensor([0, 0, 1], { dtype: "int32" });
      const src = torch.tensor([true, true, true]);
      const out = x.scatterAdd(0, idx, src);
      expect(out.tolistSync()).toEqual([true, true, false]);
      for (const t of [x, idx, src, out]) t.dispose();
    });
  });
});
