/**
 * A drawing to an MNIST digit: MNIST's digits were size-normalised to fit a 20x20 box (keeping
 * their aspect ratio) and placed in a 28x28 frame with their centre of mass at the centre. A
 * digit drawn on a big canvas goes through the same steps, or the network sees something unlike
 * what it learned (a digit in a corner, or far too thin).
 */

/** MNIST's frame and the box its digits are scaled into. */
const SIDE = 28;
const BOX = 20;

/**
 * `ink` is a `width` x `height` image (row-major, ink in [0, 1], e.g. a canvas's red channel /
 * 255 for white on black). Returns 28 x 28 values in [0, 1], or null when nothing is drawn.
 */
export function digitize(
  ink: ArrayLike<number>,
  width: number,
  height: number,
): Float32Array | null {
  // 1. the bounding box of the ink
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (ink[y * width + x]! > 0.05) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return null;
  // 2. the box scaled so that its longer side is 20 pixels, by area averaging
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const scale = BOX / Math.max(w, h);
  const sw = Math.max(1, Math.round(w * scale));
  const sh = Math.max(1, Math.round(h * scale));
  const small = new Float32Array(sw * sh);
  for (let sy = 0; sy < sh; sy++)
    for (let sx = 0; sx < sw; sx++) {
      const ax = x0 + (sx * w) / sw;
      const bx = x0 + ((sx + 1) * w) / sw;
      const ay = y0 + (sy * h) / sh;
      const by = y0 + ((sy + 1) * h) / sh;
      let sum = 0;
      let area = 0;
      for (let y = Math.floor(ay); y < Math.ceil(by); y++) {
        const wy = Math.min(y + 1, by) - Math.max(y, ay);
        for (let x = Math.floor(ax); x < Math.ceil(bx); x++) {
          const wgt = wy * (Math.min(x + 1, bx) - Math.max(x, ax));
          sum += wgt * ink[y * width + x]!;
          area += wgt;
        }
      }
      small[sy * sw + sx] = area > 0 ? Math.min(1, sum / area) : 0;
    }
  // 3. placed in the 28x28 frame with its centre of mass at the frame's centre
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < sh; y++)
    for (let x = 0; x < sw; x++) {
      const v = small[y * sw + x]!;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  const dx = Math.round(SIDE / 2 - mx / mass);
  const dy = Math.round(SIDE / 2 - my / mass);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < sh; y++)
    for (let x = 0; x < sw; x++) {
      const tx = x + dx;
      const ty = y + dy;
      if (tx >= 0 && tx < SIDE && ty >= 0 && ty < SIDE) out[ty * SIDE + tx] = small[y * sw + x]!;
    }
  return out;
}
