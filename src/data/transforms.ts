import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { tidy } from "../core/memory.js";
import { fmtShape } from "../core/shape.js";
import { gather } from "../ops/indexing.js";
import { cat } from "../ops/movement.js";
import { full, tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { globalUniforms } from "./sampling.js";

/**
 * Transforms for batches of images (`torch.transforms`, after torchvision's): each is a function
 * `(images: Tensor [N, C, H, W]) => Tensor` built from tensor ops, so it runs on the images'
 * device. Random transforms draw a separate set of parameters for every image of the batch from
 * the global generator (reproducible after `torch.manualSeed`). A transform never disposes its
 * input; it returns a new tensor.
 *
 * @example
 * const augment = torch.transforms.compose([
 *   torch.transforms.randomAffine({ degrees: 10, translate: [0.1, 0.1] }),
 *   torch.transforms.normalize([0.1307], [0.3081]),
 * ]);
 * const xb = augment(x); // x: [64, 1, 28, 28]
 */

/** A batched image transform: `[N, C, H, W]` in, a new tensor out. */
export type Transform = (images: Tensor) => Tensor;

function checkImages(x: Tensor, op: string): [n: number, c: number, h: number, w: number] {
  if (x.ndim !== 4)
    throw new ShapeError(op, `expected images [N, C, H, W]; got shape ${fmtShape(x.shape)}`);
  return x.shape as unknown as [number, number, number, number];
}

/**
 * Applies `transforms` in order, freeing the intermediate results (never the input), as
 * torchvision's `Compose`.
 *
 * @example
 * const t = torch.transforms.compose([torch.transforms.randomCrop(28, { padding: 2 }), norm]);
 */
export function compose(transforms: readonly Transform[]): Transform {
  transforms.forEach((t, k) => {
    if (typeof t !== "function")
      throw new ValueError("compose", `transform ${k} is not a function; got ${typeof t}`);
  });
  const list = transforms.slice();
  return (images: Tensor): Tensor => {
    let x = images;
    for (const t of list) {
      const y = t(x);
      if (x !== images && x !== y) x.dispose();
      x = y;
    }
    return x;
  };
}

function perChannel(v: number | readonly number[], name: string, op: string): number[] {
  const list = typeof v === "number" ? [v] : Array.from(v);
  if (list.length === 0 || list.some((a) => typeof a !== "number" || !Number.isFinite(a)))
    throw new ValueError(op, `${name} must be finite numbers; got [${list.join(", ")}]`);
  return list;
}

/**
 * `(x - mean[c]) / std[c]` per channel (torchvision's `Normalize`): a subtraction then a division,
 * as torchvision computes it. `mean` and `std` are one number (all channels) or one per channel.
 *
 * images: `[N, C, H, W]` float. Returns the same shape.
 *
 * @example
 * const norm = torch.transforms.normalize([0.1307], [0.3081]); // MNIST's mean and std
 */
export function normalize(
  mean: number | readonly number[],
  std: number | readonly number[],
): Transform {
  const op = "normalize";
  const m = perChannel(mean, "mean", op);
  const s = perChannel(std, "std", op);
  if (s.some((v) => v === 0))
    throw new ValueError(op, `std must be non-zero; got [${s.join(", ")}]`);
  return (images: Tensor): Tensor => {
    const [, c] = checkImages(images, op);
    if (!isFloat(images.dtype))
      throw new DTypeError(op, `expected floating-point images; got ${images.dtype}`);
    for (const [name, v] of [
      ["mean", m],
      ["std", s],
    ] as const)
      if (v.length !== 1 && v.length !== c)
        throw new ShapeError(
          op,
          `${name} has ${v.length} values but the images ${fmtShape(images.shape)} have ${c} channels`,
        );
    return tidy(() => {
      const opts = { dtype: images.dtype, device: images.device, shape: [1, m.length, 1, 1] };
      const mt = tensor(Float64Array.from(m), opts);
      const st = tensor(Float64Array.from(s), { ...opts, shape: [1, s.length, 1, 1] });
      return images.sub(mt).div(st);
    });
  };
}

/**
 * Resamples each image at computed source positions: `index` holds, for every image `n`, tap `k`
 * and output pixel `p`, a position `y * W + x` in the input, or `H * W` for "outside" (which reads
 * `fill`); `weights` (same layout) blends the `taps`. One `gather` does all the reads.
 */
function resample(
  x: Tensor,
  index: Int32Array,
  weights: Float32Array | null,
  taps: number,
  outH: number,
  outW: number,
  fill: number,
): Tensor {
  const [n, c, h, w] = x.shape as unknown as [number, number, number, number];
  const p = outH * outW;
  return tidy(() => {
    const flat = x.reshape([n, c, h * w]);
    const padded = cat([flat, full([n, c, 1], fill, { dtype: x.dtype, device: x.device })], 2);
    const idx = tensor(index, { shape: [n, 1, taps * p], device: x.device });
    const g = gather(padded, 2, idx.expand([n, c, taps * p]));
    if (weights === null) return g.view([n, c, outH, outW]);
    const wt = tensor(weights, { shape: [n, 1, taps, p], device: x.device });
    return g.view([n, c, taps, p]).mul(wt).sum(2).view([n, c, outH, outW]);
  });
}

function checkFill(fill: number, op: string): void {
  if (typeof fill !== "number" || Number.isNaN(fill))
    throw new ValueError(op, `fill must be a number; got ${String(fill)}`);
}

/** Options of `randomCrop`. */
export interface RandomCropOptions {
  /**
   * Zero padding added before cropping (torchvision's order): one number for all four sides,
   * `[leftRight, topBottom]`, or `[left, top, right, bottom]`. Default 0.
   */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** The value of the padding (default 0). */
  fill?: number;
}

/**
 * Crops each image at a random position after padding it (torchvision's `RandomCrop`): the crop's
 * top-left corner is uniform over every position where it fits in the padded image, drawn per
 * image. With `padding: p` and `size` equal to the image size, this shifts each image by up to `p`
 * pixels in each direction, filling the uncovered border with `fill`.
 *
 * size: the crop's `[height, width]`, or one number for a square. images: `[N, C, H, W]`.
 * Returns `[N, C, height, width]`.
 *
 * @example
 * const shift = torch.transforms.randomCrop(28, { padding: 2 }); // shifts of -2..2 pixels
 */
export function randomCrop(
  size: number | readonly [number, number],
  options: RandomCropOptions = {},
): Transform {
  const op = "randomCrop";
  const [ch, cw] = typeof size === "number" ? [size, size] : [size[0], size[1]];
  if (![ch, cw].every((v) => Number.isInteger(v) && v > 0))
    throw new ValueError(op, `size must be positive integers; got ${JSON.stringify(size)}`);
  const pad = options.padding ?? 0;
  const p4 =
    typeof pad === "number"
      ? [pad, pad, pad, pad]
      : pad.length === 2
        ? [pad[0], pad[1], pad[0], pad[1]]
        : pad.length === 4
          ? [pad[0], pad[1], pad[2], pad[3]]
          : null;
  if (!p4 || !p4.every((v) => Number.isInteger(v) && v >= 0))
    throw new ValueError(
      op,
      `padding must be a non-negative integer, [leftRight, topBottom] or [left, top, right, bottom]; got ${JSON.stringify(pad)}`,
    );
  const [pl, pt, pr, pb] = p4 as [number, number, number, number];
  const fill = options.fill ?? 0;
  checkFill(fill, op);
  return (images: Tensor): Tensor => {
    const [n, , h, w] = checkImages(images, op);
    const ph = h + pt + pb;
    const pw = w + pl + pr;
    if (ch > ph || cw > pw)
      throw new ShapeError(
        op,
        `crop size ${fmtShape([ch, cw])} is larger than the padded image ${fmtShape([ph, pw])}`,
      );
    const u = globalUniforms(2 * n);
    const outside = h * w;
    const index = new Int32Array(n * ch * cw);
    for (let s = 0; s < n; s++) {
      // top-left of the crop in padded coordinates, then shifted back to the input's
      const top = Math.floor(u[2 * s]! * (ph - ch + 1)) - pt;
      const left = Math.floor(u[2 * s + 1]! * (pw - cw + 1)) - pl;
      let o = s * ch * cw;
      for (let i = 0; i < ch; i++) {
        const y = top + i;
        const rowOk = y >= 0 && y < h;
        for (let j = 0; j < cw; j++, o++) {
          const xx = left + j;
          index[o] = rowOk && xx >= 0 && xx < w ? y * w + xx : outside;
        }
      }
    }
    return resample(images, index, null, 1, ch, cw, fill);
  };
}

/** Options of `randomAffine`. */
export interface RandomAffineOptions {
  /**
   * Rotation range in degrees: `d` for `[-d, d]`, or `[min, max]`. Positive angles turn the image
   * clockwise, as torchvision's `RandomAffine` does. Default 0.
   */
  degrees?: number | readonly [number, number];
  /**
   * Largest shift as fractions of the width and height, `[tx, ty]` in [0, 1]: each image moves by
   * a whole number of pixels `round(uniform(-tx * W, tx * W))` across (likewise down). Default none.
   */
  translate?: readonly [number, number];
  /** Scale range `[min, max]` (positive), uniform per image. Default none (1). */
  scale?: readonly [number, number];
  /** `"nearest"` (torchvision's default) or `"bilinear"`. */
  interpolation?: "nearest" | "bilinear";
  /** The value of pixels that come from outside the image (default 0). */
  fill?: number;
}

function range(
  v: number | readonly [number, number] | undefined,
  name: string,
  op: string,
): [number, number] {
  if (v === undefined) return [0, 0];
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0)
      throw new ValueError(op, `${name} must be a non-negative number or [min, max]; got ${v}`);
    return [-v, v];
  }
  if (v.length !== 2 || !v.every(Number.isFinite) || v[0] > v[1])
    throw new ValueError(
      op,
      `${name} must be [min, max] with min <= max; got ${JSON.stringify(v)}`,
    );
  return [v[0], v[1]];
}

/**
 * A random rotation, shift and scale of each image about its center (torchvision's
 * `RandomAffine` without shear). Output pixel `p` reads the input at
 * `M (p - center - t) + center`, where `M` is the inverse rotation and scale and `t` the shift,
 * with the center at `((W - 1) / 2, (H - 1) / 2)`; positions outside the image read `fill`. The
 * source positions are computed per image in JavaScript and read with one `gather` (four taps
 * blended for `"bilinear"`). With `degrees: 0` and no shift or scale it is the identity.
 *
 * images: `[N, C, H, W]`. Returns the same shape.
 *
 * @example
 * const augment = torch.transforms.randomAffine({ degrees: 10, translate: [0.1, 0.1] });
 */
export function randomAffine(options: RandomAffineOptions = {}): Transform {
  const op = "randomAffine";
  const [dLo, dHi] = range(options.degrees, "degrees", op);
  const translate = options.translate ?? [0, 0];
  if (translate.length !== 2 || !translate.every((v) => Number.isFinite(v) && v >= 0 && v <= 1))
    throw new ValueError(
      op,
      `translate must be [tx, ty] with values in [0, 1]; got ${JSON.stringify(translate)}`,
    );
  const [sLo, sHi] = options.scale ?? [1, 1];
  if (!(sLo > 0 && sHi >= sLo && Number.isFinite(sHi)))
    throw new ValueError(
      op,
      `scale must be [min, max] with 0 < min <= max; got ${JSON.stringify(options.scale)}`,
    );
  const interpolation = options.interpolation ?? "nearest";
  if (interpolation !== "nearest" && interpolation !== "bilinear")
    throw new ValueError(
      op,
      `interpolation must be "nearest" or "bilinear"; got ${JSON.stringify(interpolation)}`,
    );
  const fill = options.fill ?? 0;
  checkFill(fill, op);
  return (images: Tensor): Tensor => {
    const [n, , h, w] = checkImages(images, op);
    const u = globalUniforms(4 * n);
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    const maxDx = translate[0] * w;
    const maxDy = translate[1] * h;
    const p = h * w;
    const outside = p;
    const bilinear = interpolation === "bilinear";
    const taps = bilinear ? 4 : 1;
    const index = new Int32Array(n * taps * p);
    const weights = bilinear ? new Float32Array(n * taps * p) : null;
    const at = (y: number, x: number): number =>
      y >= 0 && y < h && x >= 0 && x < w ? y * w + x : outside;
    for (let s = 0; s < n; s++) {
      const angle = ((dLo + u[4 * s]! * (dHi - dLo)) * Math.PI) / 180;
      const tx = Math.round(-maxDx + u[4 * s + 1]! * 2 * maxDx);
      const ty = Math.round(-maxDy + u[4 * s + 2]! * 2 * maxDy);
      const sc = sLo + u[4 * s + 3]! * (sHi - sLo);
      const cos = Math.cos(angle) / sc;
      const sin = Math.sin(angle) / sc;
      const base = s * taps * p;
      for (let i = 0; i < h; i++) {
        const oy = i - cy - ty;
        for (let j = 0; j < w; j++) {
          const ox = j - cx - tx;
          const sx = cos * ox + sin * oy + cx;
          const sy = -sin * ox + cos * oy + cy;
          const o = i * w + j;
          if (!bilinear) {
            index[base + o] = at(Math.round(sy), Math.round(sx));
            continue;
          }
          const x0 = Math.floor(sx);
          const y0 = Math.floor(sy);
          const fx = sx - x0;
          const fy = sy - y0;
          index[base + o] = at(y0, x0);
          index[base + p + o] = at(y0, x0 + 1);
          index[base + 2 * p + o] = at(y0 + 1, x0);
          index[base + 3 * p + o] = at(y0 + 1, x0 + 1);
          weights![base + o] = (1 - fx) * (1 - fy);
          weights![base + p + o] = fx * (1 - fy);
          weights![base + 2 * p + o] = (1 - fx) * fy;
          weights![base + 3 * p + o] = fx * fy;
        }
      }
    }
    return resample(images, index, weights, taps, h, w, fill);
  };
}
