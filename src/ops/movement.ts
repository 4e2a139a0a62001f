import { promoteTypes } from "../core/dtype.js";
import { ShapeError, ValueError } from "../core/errors.js";
import { contiguousStrides, isContiguous } from "../core/layout.js";
import {
  checkShape,
  fmtShape,
  inferShape,
  normalizeAxes,
  normalizeAxis,
  numel,
  shapesEqual,
  type Shape,
} from "../core/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { expandStrides, sumTo } from "./broadcast.js";
import { backendOf, emptyTensor, needsGrad, record, runKernel, composite } from "./dispatch.js";
import { COPY } from "./elementwise.js";

/**
 * Shape ops. Views (view, permute, expand, narrow, index, ...) share the input's storage and
 * change only shape, strides and offset; the rest (cat, repeat, contiguous) copy.
 */

/** Normalises a possibly negative dim against ndim (dims count from the end when negative). */
export const axis = normalizeAxis;

/** Accepts `f(2, 3)`, `f([2, 3])` and `f()` alike. */
export function flatShapeArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && typeof args[0] !== "number") return [...args[0]!];
  return args as number[];
}

/** A view of x's storage; its gradient is `backward(g)`. */
function makeView(
  x: Tensor,
  shape: Shape,
  strides: readonly number[],
  offset: number,
  name: string,
  backward: (g: Tensor) => Tensor,
): Tensor {
  backendOf(name, x);
  const out = new Tensor(x.storage, shape, strides, offset);
  if (needsGrad(x)) record(name, [x], [out], ([g]) => [backward(g!)]);
  return out;
}

/**
 * The gradient of an arbitrary view: zeros of the input's shape with `g` written through the same
 * view. Its own gradient is the view again, so double backward works.
 */
function viewBackward(g: Tensor, inputShape: Shape, applyView: (t: Tensor) => Tensor): Tensor {
  const backend = backendOf("viewBackward", g);
  const gx = emptyTensor(backend, g.dtype, inputShape, "viewBackward");
  runKernel(backend, "fill", { value: 0, out: gx });
  const base = gx.detach();
  const target = applyView(base);
  runKernel(backend, "unary", { op: COPY, x: g, out: target });
  target.dispose();
  base.dispose();
  record("viewBackward", [g], [gx], ([gg]) => [applyView(gg!)]);
  return gx;
}

/**
 * Strides for viewing (shape, strides) as `target` without copying, or null when impossible
 * (PyTorch's `computeStride`: each run of merged dims must be contiguous within itself).
 */
function viewStrides(shape: Shape, strides: readonly number[], target: Shape): number[] | null {
  if (numel(shape) <= 1 || isContiguous(shape, strides)) return contiguousStrides(target);
  const out = new Array<number>(target.length);
  let viewD = target.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= target[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

export function view(x: Tensor, shape0: Shape): Tensor {
  const shape = inferShape(shape0, x.numel(), "view", x.shape);
  const strides = viewStrides(x.shape, x.strides, shape);
  if (!strides) {
    throw new ShapeError(
      "view",
      `view size ${fmtShape(shape0)} is not compatible with input of shape ${fmtShape(x.shape)} and strides ${fmtShape(x.strides)}; use reshape(...) instead`,
    );
  }
  const from = x.shape;
  return makeView(x, shape, strides, x.offset, "view", (g) => reshape(g, from));
}

export function reshape(x: Tensor, shape0: Shape): Tensor {
  return composite("reshape", [x], () => {
    const shape = inferShape(shape0, x.numel(), "reshape", x.shape);
    if (viewStrides(x.shape, x.strides, shape)) return view(x, shape);
    const c = contiguousCopy(x);
    const out = view(c, shape);
    c.dispose();
    return out;
  });
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  return composite("flatten", [x], () => {
    if (x.ndim === 0) return reshape(x, [1]);
    const s = axis(startDim, x.ndim, "flatten");
    const e = axis(endDim, x.ndim, "flatten");
    if (s > e)
      throw new ValueError("flatten", `startDim ${startDim} cannot come after endDim ${endDim}`);
    const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
    return reshape(x, shape);
  });
}

export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  return composite("unflatten", [x], () => {
    const d = axis(dim, x.ndim, "unflatten");
    const inner = inferShape(sizes, x.shape[d]!, "unflatten", x.shape);
    return view(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
  });
}

export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normalizeAxes(dim, x.ndim, "squeeze");
  const keep = x.shape.map((s, i) => !(s === 1 && dims.includes(i)));
  const from = x.shape;
  return makeView(
    x,
    x.shape.filter((_, i) => keep[i]),
    x.strides.filter((_, i) => keep[i]),
    x.offset,
    "squeeze",
    (g) => reshape(g, from),
  );
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = axis(dim, x.ndim + 1, "unsqueeze");
  const shape = [...x.shape.slice(0, d), 1, ...x.shape.slice(d)];
  const inner = d < x.ndim ? x.strides[d]! * x.shape[d]! : 1;
  const strides = [...x.strides.slice(0, d), inner, ...x.strides.slice(d)];
  return makeView(x, shape, strides, x.offset, "unsqueeze", (g) => squeeze(g, d));
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim)
    throw new ShapeError(
      "permute",
      `number of dims ${dims.length} doesn't match the input's ${x.ndim} (shape ${fmtShape(x.shape)}); got dims ${fmtShape(dims)}`,
    );
  const order = dims.map((d) => axis(d, x.ndim, "permute"));
  if (new Set(order).size !== order.length)
    throw new ValueError("permute", `repeated dim in ${fmtShape(dims)}`);
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => (inverse[d] = i));
  return makeView(
    x,
    order.map((d) => x.shape[d]!),
    order.map((d) => x.strides[d]!),
    x.offset,
    "permute",
    (g) => permute(g, inverse),
  );
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  return composite("transpose", [x], () => {
    const order = x.shape.map((_, i) => i);
    const a = axis(dim0, x.ndim, "transpose");
    const b = axis(dim1, x.ndim, "transpose");
    order[a] = b;
    order[b] = a;
    return permute(x, order);
  });
}

export function t(x: Tensor): Tensor {
  if (x.ndim > 2)
    throw new ShapeError(
      "t",
      `expects a tensor with <= 2 dimensions, but got shape ${fmtShape(x.shape)}; use transpose(dim0, dim1)`,
    );
  return x.ndim < 2 ? makeView(x, x.shape, x.strides, x.offset, "t", (g) => g) : transpose(x, 0, 1);
}

/** A broadcast view (stride 0 on repeated dims); -1 keeps a size. Its gradient is a sum. */
export function expand(x: Tensor, shape0: readonly number[]): Tensor {
  if (shape0.length < x.ndim)
    throw new ShapeError(
      "expand",
      `the number of sizes ${fmtShape(shape0)} must be at least the tensor's number of dims (shape ${fmtShape(x.shape)})`,
    );
  const lead = shape0.length - x.ndim;
  const shape = shape0.map((s, i) => (s === -1 && i >= lead ? x.shape[i - lead]! : s));
  checkShape(shape, "expand");
  for (let i = 0; i < x.ndim; i++) {
    const have = x.shape[i]!;
    if (have !== 1 && have !== shape[lead + i]) {
      throw new ShapeError(
        "expand",
        `the expanded size ${shape[lead + i]} must match the existing size ${have} at dim ${lead + i} (shape ${fmtShape(x.shape)} to ${fmtShape(shape0)})`,
      );
    }
  }
  if (shapesEqual(shape, x.shape))
    return makeView(x, x.shape, x.strides, x.offset, "expand", (g) => g);
  const from = x.shape;
  return makeView(x, shape, expandStrides(x.shape, x.strides, shape), x.offset, "expand", (g) =>
    sumTo(g, from),
  );
}

/** A contiguous copy that stays on the graph (gradient: identity). */
export function contiguousCopy(x: Tensor): Tensor {
  const backend = backendOf("contiguous", x);
  const out = emptyTensor(backend, x.dtype, x.shape, "contiguous");
  runKernel(backend, "unary", { op: COPY, x, out });
  record("clone", [x], [out], ([g]) => [g]);
  return out;
}

export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  return composite("repeat", [x], () => {
    if (sizes.length < x.ndim)
      throw new ShapeError(
        "repeat",
        `number of repeat dims ${sizes.length} can't be smaller than the number of tensor dims ${x.ndim}`,
      );
    checkShape(sizes, "repeat");
    const lead = sizes.length - x.ndim;
    const padded = [...new Array<number>(lead).fill(1), ...x.shape];
    // [a, b] repeated (r0, r1): view as [1, a, 1, b], expand to [r0, a, r1, b], copy to [r0*a, r1*b].
    const inter = padded.flatMap((s) => [1, s]);
    const expanded = padded.flatMap((s, i) => [sizes[i]!, s]);
    const v = reshape(x, inter);
    const e = expand(v, expanded);
    const out = reshape(
      e,
      padded.map((s, i) => s * sizes[i]!),
    );
    if (v !== x) v.dispose();
    e.dispose();
    return out;
  });
}

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
  const from = x.shape;
  return makeView(x, shape, x.strides, x.offset + s * x.strides[d]!, "narrow", (g) =>
    viewBackward(g, from, (z) => narrow(z, d, s, length)),
  );
}

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
  const from = x.shape;
  return makeView(
    x,
    x.shape.filter((_, k) => k !== d),
    x.strides.filter((_, k) => k !== d),
    x.offset + i * x.strides[d]!,
    "select",
    (g) => viewBackward(g, from, (z) => select(z, d, i)),
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

/** Basic indexing as one view: `x.index(":", -1, "1:4:2", null, "...")`. */
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
  const from = x.shape;
  return makeView(x, shape, strides, offset, "index", (g) =>
    viewBackward(g, from, (z) => index(z, args)),
  );
}

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
  const out: Tensor[] = [];
  let start = 0;
  for (const len of sections) {
    out.push(narrow(x, d, start, len));
    start += len;
  }
  return out;
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ValueError("chunk", `chunks must be a positive integer; got ${chunks}`);
  const d = axis(dim, x.ndim, "chunk");
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}

export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = axis(dim, x.ndim, "unbind");
  return Array.from({ length: x.shape[d]! }, (_, i) => select(x, d, i));
}

/** Reversed along `dims` (a copy, as in PyTorch). */
export function flip(x: Tensor, dims0: number | readonly number[]): Tensor {
  return composite("flip", [x], () => {
    const dims = normalizeAxes(dims0, x.ndim, "flip");
    const v = flipView(x, dims);
    const out = contiguousCopy(v);
    v.dispose();
    return out;
  });
}

/** A negative-stride view reversed along `dims`. */
export function flipView(x: Tensor, dims: readonly number[]): Tensor {
  let offset = x.offset;
  const strides = x.strides.slice();
  for (const d of dims) {
    if (x.shape[d]! > 0) offset += (x.shape[d]! - 1) * x.strides[d]!;
    strides[d] = -strides[d]!;
  }
  return makeView(x, x.shape, strides, offset, "flip", (g) => flipView(g, dims));
}

/** Concatenates along `dim`; all tensors must agree elsewhere. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError("cat", "expected a non-empty list of tensors");
  const first = tensors[0]!;
  const backend = backendOf("cat", ...tensors);
  const d = axis(dim, first.ndim, "cat");
  let dtype = first.dtype;
  let total = 0;
  for (const x of tensors) {
    if (x.ndim !== first.ndim)
      throw new ShapeError(
        "cat",
        `tensors must have the same number of dimensions: got ${fmtShape(first.shape)} and ${fmtShape(x.shape)}`,
      );
    for (let k = 0; k < x.ndim; k++) {
      if (k !== d && x.shape[k] !== first.shape[k]) {
        throw new ShapeError(
          "cat",
          `sizes of tensors must match except in dimension ${d}: got ${fmtShape(first.shape)} and ${fmtShape(x.shape)} (dim ${k})`,
        );
      }
    }
    total += x.shape[d]!;
    dtype = promoteTypes(dtype, x.dtype);
  }
  const shape = first.shape.slice();
  shape[d] = total;
  const out = emptyTensor(backend, dtype, shape, "cat");
  runKernel(backend, "cat", { xs: tensors, dim: d, out });
  if (needsGrad(...tensors)) {
    const sizes = tensors.map((x) => x.shape[d]!);
    record("cat", tensors, [out], ([g]) => split(g!, sizes, d));
  }
  return out;
}

/** Stacks along a new `dim`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return composite("stack", tensors, () => {
    if (tensors.length === 0) throw new ValueError("stack", "expected a non-empty list of tensors");
    const first = tensors[0]!;
    for (const x of tensors) {
      if (!shapesEqual(x.shape, first.shape))
        throw new ShapeError(
          "stack",
          `expects each tensor to be equal size, but got ${fmtShape(first.shape)} and ${fmtShape(x.shape)}`,
        );
    }
    const d = axis(dim, first.ndim + 1, "stack");
    const parts = tensors.map((x) => unsqueeze(x, d));
    const out = cat(parts, d);
    for (const p of parts) p.dispose();
    return out;
  });
}
