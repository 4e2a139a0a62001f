/**
 * Draws digits in the terminal with shade characters, side by side, with a caption under each:
 *
 * ```
 *        ░▓█▓░              ▒▓▓▒
 *       ▒██▓██░            ▓█▓▓█▒
 *       ...
 *   pred 0 ✓ 99.9%     pred 6 ✗ 71.2%
 *   true 0             true 5
 * ```
 *
 * Terminal cells are about twice as tall as wide, so each character covers a 1-wide, 2-tall block
 * of pixels (box-averaged when the digit is shrunk to fit the terminal's width).
 */

/** From light to dark: a pixel's mean intensity in [0, 1] picks one. */
const SHADES = [" ", "░", "▒", "▓", "█"] as const;
/** MNIST digits sit in the middle 20x20 of their 28x28 frame: this many border pixels are cut. */
const CROP = 2;

export interface DigitCaption {
  /** The predicted class. */
  pred: number;
  /** The true class, when known. */
  label?: number;
  /** The predicted class's probability, in [0, 1]. */
  prob?: number;
}

/**
 * Renders one 28x28 image (row-major values in [0, 1]; `offset` into `pixels`) as `rows` lines of
 * `width` characters.
 */
function renderDigit(
  pixels: ArrayLike<number>,
  offset: number,
  size: number,
  width: number,
): string[] {
  const src = size - 2 * CROP;
  const rows = Math.max(1, Math.round(width / 2));
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const y0 = CROP + (r * src) / rows;
    const y1 = CROP + ((r + 1) * src) / rows;
    let line = "";
    for (let c = 0; c < width; c++) {
      const x0 = CROP + (c * src) / width;
      const x1 = CROP + ((c + 1) * src) / width;
      line += SHADES[shadeIndex(boxMean(pixels, offset, size, x0, x1, y0, y1))];
    }
    lines.push(line);
  }
  return lines;
}

/** The area-weighted mean of the pixels under the box [x0, x1) x [y0, y1) (fractional edges). */
function boxMean(
  pixels: ArrayLike<number>,
  offset: number,
  size: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
): number {
  let sum = 0;
  let area = 0;
  for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
    const wy = Math.min(y + 1, y1) - Math.max(y, y0);
    for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
      const w = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
      sum += w * pixels[offset + y * size + x]!;
      area += w;
    }
  }
  return area > 0 ? sum / area : 0;
}

function shadeIndex(v: number): number {
  const clamped = Math.min(1, Math.max(0, v));
  return Math.min(SHADES.length - 1, Math.round(clamped * (SHADES.length - 1)));
}

/**
 * Draws `count` images of `pixels` ([count, 28, 28] row-major, values in [0, 1]: unnormalised)
 * side by side with their captions, fitting `columns` terminal columns (default: the terminal's
 * width, or 120 when stdout is not a terminal).
 */
export function drawDigits(
  pixels: ArrayLike<number>,
  captions: readonly DigitCaption[],
  options: { size?: number; columns?: number } = {},
): string {
  const size = options.size ?? 28;
  const columns = options.columns ?? (process.stdout.isTTY ? process.stdout.columns : 120);
  const gap = 3;
  const n = captions.length;
  const fit = Math.floor((columns - 2 - gap * (n - 1)) / Math.max(1, n));
  const width = Math.max(14, Math.min(size - 2 * CROP, fit));
  const blocks = captions.map((cap, i) => {
    const mark = cap.label === undefined ? "" : cap.pred === cap.label ? " ✓" : " ✗";
    const prob = cap.prob === undefined ? "" : ` ${(100 * cap.prob).toFixed(1)}%`;
    const lines = renderDigit(pixels, i * size * size, size, width);
    lines.push(`pred ${cap.pred}${mark}${prob}`);
    if (cap.label !== undefined) lines.push(`true ${cap.label}`);
    return lines;
  });
  const height = Math.max(...blocks.map((b) => b.length));
  const out: string[] = [];
  for (let r = 0; r < height; r++) {
    const cells = blocks.map((b) => (b[r] ?? "").padEnd(width));
    out.push(`  ${cells.join(" ".repeat(gap))}`.trimEnd());
  }
  return out.join("\n");
}
