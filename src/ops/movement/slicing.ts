import {
  linearGradient,
  needsGrad,
  recordGradient,
  type Gradient,
} from "../../autograd/gradient.js";
import { ShapeError, ValueError } from "../../core/errors.js";
import { fmtShape, type Shape } from "../../core/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { backendOf, emptyTensor, newTensor, runKernel } from "../dispatch.js";
import { COPY } from "../elementwise/copy.js";
import { cat, stack } from "./concat.js";
import { axis, makeView } from "./views.js";

/**
 * Slicing views: narrow, select and basic indexing (`x.index(":", -1, "1:4:2")`), and the splits
 * made of them (split, chunk, unbind). A slice's gradient writes g into zeros of the input's shape
 * through the same slice.
 */

/** What a slice records: the input's shape, and the same slice to apply to its gradient. */
interface SliceAttrs {
  readonly from: Shape;
  readonly reslice: (t: Tensor) => Tensor;
}

function sliceGradient(name: string): Gradient<SliceAttrs> {
  return linearGradient(name, (g, { from, reslice }) => viewBackward(g, from, reslice));
}

const NARROW = /* @__PURE__ */ sliceGradient("narrow");
const SELECT = /* @__PURE__ */ sliceGradient("select");
const INDEX = /* @__PURE__ */ sliceGradient("index");

// the gradient of writing g through a slice is reading the slice again
const VIEW_BACKWARD = /* @__PURE__ */ linearGradient<{ reslice: (t: Tensor) => Tensor }>(
  "viewBackward",
  (gg, { reslice }) => reslice(gg),
);

/**
 * The gradient of a slice: zeros of the input's shape with `g` written through the same slice.
 * Its own gradient is the slice again, so double backward works.
 */
function viewBackward(g: Tensor, inputShape: Shape, reslice: (t: Tensor) => Tensor): Tensor {
  const backend = backendOf("viewBackward", g);
  const gx = emptyTensor(backend, g.dtype, inputShape, "viewBackward");
  runKernel(backend, "fill", { value: 0, out: gx });
  const base = gx.detach();
  const target = reslice(base);
  runKernel(backend, "unary", { op: COPY, x: g, out: target });
  target.dispose();
  base.dispose();
  if (needsGrad(g)) recordGradient(VIEW_BACKWARD, [g], [gx], { reslice });
  return gx;
}

/**
 * `length` entries of dim `dim` from `start` (`torch.narrow`, x[..., start:start+length, ...]);
 * a view. A negative start counts from the end. Shapes: `(a, n, b)` with dim 1 -> `(a, length, b)`.
 *
 * @example
 * torch.arange(10).narrow(0, 2, 3); // [2, 3, 4]
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = axis(dim, x.ndim, "narrow");
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (
    !Number.isInteger(s) ||
    !Number.isInteger(length) ||
    s < 0 ||
    length < 0 ||
    s + length > size
  ) {
    throw new ValueError(
      "narrow",
      `start ${start} + length ${length} exceeds dimension size ${size} (dim ${dim} of ${fmtShape(x.shape)})`,
    );
  }
  const shape = x.shape.slice();
  shape[d] = length;
  return makeView(x, shape, x.strides, x.offset + s * x.strides[d]!, NARROW, {
    from: x.shape,
    reslice: (z) => narrow(z, d, s, length),
  });
}

/**
 * Entry `index` of dim `dim`, which is removed (`torch.select`, x[..., index, ...]); a view.
 * A negative index counts from the end. Shapes: `(a, n, b)` with dim 1 -> `(a, b)`.
 */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = axis(dim, x.ndim, "select");
  const size = x.shape[d]!;
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new ValueError(
      "select",
      `index ${index} is out of range for dimension ${dim} with size ${size} (shape ${fmtShape(x.shape)})`,
    );
  }
  const i = index < 0 ? index + size : index;
  return makeView(
    x,
    x.shape.filter((_, k) => k !== d),
    x.strides.filter((_, k) => k !== d),
    x.offset + i * x.strides[d]!,
    SELECT,
    { from: x.shape, reslice: (z) => select(z, d, i) },
  );
}

/** One entry of `index(...)`: an integer, a slice string `"a:b:c"`, `":"`, `"..."` or `null`. */
export type IndexArg = number | string | null;

interface Slice {
  start: number;
  stop: number;
  step: number;
}

function parseSlice(s: string, size: number): Slice {
  const parts = s.split(":");
  if (parts.length < 2 || parts.length > 3)
    throw new ValueError(
      "index",
      `invalid slice "${s}"; expected "start:stop" or "start:stop:step"`,
    );
  const num = (p: string | undefined, dflt: number): number => {
    if (p === undefined || p.trim() === "") return dflt;
    const v = Number(p);
    if (!Number.isInteger(v))
      throw new ValueError("index", `invalid slice "${s}": ${p} is not an integer`);
    return v;
  };
  const step = num(parts[2], 1);
  if (step <= 0) throw new ValueError("index", `slice step must be positive; got "${s}"`);
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  return { start: clampIdx(num(parts[0], 0)), stop: clampIdx(num(parts[1], size)), step };
}

/**
 * Basic indexing as one view, as `x[...]` in PyTorch: integers select (dropping the dim),
 * `"a:b:c"` strings slice, `null` adds a size-1 dim, `"..."` stands for the dims not named.
 * Shapes: `(a, b, c)` indexed `(":", -1, null)` -> `(a, 1, c)`.
 *
 * @example
 * x.index(":", -1, "1:4:2"); // x[:, -1, 1:4:2]
 */
export function index(x: Tensor, args: readonly IndexArg[]): Tensor {
  const ellipses = args.filter((a) => a === "...").length;
  if (ellipses > 1)
    throw new ValueError("index", `an index can only have a single ellipsis ("...")`);
  const consuming = args.filter((a) => a !== null && a !== "...").length;
  if (consuming > x.ndim)
    throw new ValueError(
      "index",
      `too many indices for a tensor of dimension ${x.ndim} (shape ${fmtShape(x.shape)}): got ${consuming}`,
    );
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = x.offset;
  let d = 0;
  for (const a of args) {
    if (a === null) {
      shape.push(1);
      strides.push(d < x.ndim ? x.strides[d]! * x.shape[d]! : 1);
    } else if (a === "...") {
      const n = x.ndim - consuming;
      for (let k = 0; k < n; k++, d++) {
        shape.push(x.shape[d]!);
        strides.push(x.strides[d]!);
      }
    } else if (typeof a === "number") {
      const size = x.shape[d]!;
      if (!Number.isInteger(a) || a < -size || a >= size)
        throw new ValueError(
          "index",
          `index ${a} is out of bounds for dimension ${d} with size ${size}`,
        );
      offset += (a < 0 ? a + size : a) * x.strides[d]!;
      d++;
    } else if (typeof a === "string") {
      const size = x.shape[d]!;
      const { start, stop, step } = parseSlice(a, size);
      shape.push(Math.max(0, Math.ceil((stop - start) / step)));
      strides.push(x.strides[d]! * step);
      offset += start * x.strides[d]!;
      d++;
    } else {
      throw new ValueError(
        "index",
        `unsupported index ${String(a)}; use numbers, "a:b:c" slices, null or "..."; for tensor indices use indexSelect or gather`,
      );
    }
  }
  for (; d < x.ndim; d++) {
    shape.push(x.shape[d]!);
    strides.push(x.strides[d]!);
  }
  return makeView(x, shape, strides, offset, INDEX, {
    from: x.shape,
    reslice: (z) => index(z, args),
  });
}

/**
 * x cut along `dim` into pieces of `size` (the last may be smaller) or of the given sizes
 * (`torch.split`); each piece is a view. Shapes: `(a, 5)` split 2 along 1 -> `(a, 2)`, `(a, 2)`,
 * `(a, 1)`.
 *
 * @example
 * torch.arange(5).split([2, 3]).map((t) => t.shape); // [[2], [3]]
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = axis(dim, x.ndim, "split");
  const size = x.shape[d]!;
  let sections: number[];
  if (typeof sizeOrSections === "number") {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0)
      throw new ValueError("split", `split size must be a positive integer; got ${sizeOrSections}`);
    sections = [];
    for (let s = 0; s < size; s += sizeOrSections)
      sections.push(Math.min(sizeOrSections, size - s));
    if (size === 0) sections.push(0);
  } else {
    sections = [...sizeOrSections];
    const total = sections.reduce((a, b) => a + b, 0);
    if (total !== size)
      throw new ShapeError(
        "split",
        `split sizes ${fmtShape(sections)} sum to ${total}, but dimension ${dim} has size ${size} (shape ${fmtShape(x.shape)})`,
      );
  }
  return pieces(x, d, sections, true);
}

/** What split and unbind record: the dim, each piece's size along it, whether pieces keep it. */
interface PiecesAttrs {
  readonly dim: number;
  readonly sizes: readonly number[];
  readonly keepDim: boolean;
  readonly from: Shape;
}

// One node for all the pieces: their gradients are put back together by one cat (or stack),
// with zeros for a piece that got none. One node per piece would write each gradient into zeros
// of the whole input and sum those: O(pieces x input) work, which made an RNN's per-step inputs
// cost O(T^2).
const PIECES: Gradient<PiecesAttrs> = {
  name: "split",
  backward: (grads, _, { attrs }) => {
    const like = grads.find((g): g is Tensor => g != null)!;
    const made: Tensor[] = [];
    const parts = grads.map((g, i) => {
      if (g) return g;
      const shape = attrs.from.slice();
      shape[attrs.dim] = attrs.sizes[i]!;
      if (!attrs.keepDim) shape.splice(attrs.dim, 1);
      const z = emptyTensor(like.backend, like.dtype, shape, "split");
      runKernel(like.backend, "fill", { value: 0, out: z });
      made.push(z);
      return z;
    });
    const gx = attrs.keepDim ? cat(parts, attrs.dim) : stack(parts, attrs.dim);
    for (const z of made) z.dispose();
    return [gx];
  },
};

/**
 * x's pieces of `sizes` along dim `d`, as views recorded by one node; without `keepDim` each
 * piece has size 1 along `d` and loses that dim (unbind).
 */
function pieces(x: Tensor, d: number, sizes: readonly number[], keepDim: boolean): Tensor[] {
  backendOf(keepDim ? "split" : "unbind", x);
  const out: Tensor[] = [];
  let start = 0;
  for (const len of sizes) {
    const shape = x.shape.slice();
    const strides = x.strides.slice();
    shape[d] = len;
    if (!keepDim) {
      shape.splice(d, 1);
      strides.splice(d, 1);
    }
    out.push(newTensor(x.storage, shape, strides, x.offset + start * x.strides[d]!));
    start += len;
  }
  if (needsGrad(x)) recordGradient(PIECES, [x], out, { dim: d, sizes, keepDim, from: x.shape });
  return out;
}

/**
 * x cut into `chunks` pieces of equal size (the last may be smaller) along `dim`
 * (`torch.chunk`); views. Shapes: `(6, b)` in 3 chunks -> three `(2, b)`.
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ValueError("chunk", `chunks must be a positive integer; got ${chunks}`);
  const d = axis(dim, x.ndim, "chunk");
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}

/**
 * The entries along `dim`, each without that dim (`torch.unbind`); views.
 * Shapes: `(n, a, b)` -> n tensors `(a, b)`.
 */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = axis(dim, x.ndim, "unbind");
  return pieces(x, d, new Array<number>(x.shape[d]!).fill(1), false);
}
