/**
 * The demo page's drawing-to-digit step (examples/mnist-web/digitize.ts), as MNIST made its
 * digits: the ink's bounding box scaled to fit 20x20, the centre of mass at the 28x28 centre.
 */
import { describe, expect, it } from "vitest";

import { digitize } from "../../examples/mnist-web/digitize.js";

/** A `w` x `h` black canvas with a white rectangle [x0, x1) x [y0, y1). */
function canvas(w: number, h: number, x0: number, x1: number, y0: number, y1: number) {
  const ink = new Float32Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) ink[y * w + x] = 1;
  return ink;
}

function stats(d: Float32Array) {
  let mass = 0;
  let mx = 0;
  let my = 0;
  let [x0, x1, y0, y1] = [28, -1, 28, -1];
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      const v = d[y * 28 + x]!;
      if (v > 0)
        [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  return { cx: mx / mass, cy: my / mass, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe("digitize (examples/mnist-web)", () => {
  it("nothing drawn: null", () => {
    expect(digitize(new Float32Array(280 * 280), 280, 280)).toBeNull();
  });

  it("a tall stroke in a corner: scaled to 20 high, aspect kept, centred by mass", () => {
    // 40 x 160 pixels in the top-left of a 280 x 280 canvas
    const d = digitize(canvas(280, 280, 10, 50, 5, 165), 280, 280)!;
    expect(d).toHaveLength(784);
    const s = stats(d);
    expect(s.h).toBe(20);
    expect(s.w).toBe(5);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...d)).toBeCloseTo(1, 5);
  });

  it("a wide stroke: scaled to 20 wide; partial pixels averaged in [0, 1]", () => {
    const d = digitize(canvas(300, 200, 100, 290, 150, 175), 300, 200)!;
    const s = stats(d);
    expect(s.w).toBe(20);
    expect(s.h).toBe(3);
    expect(d.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
