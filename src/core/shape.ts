import { ShapeError, ValueError } from "./errors.js";

/** A tensor's shape: its size along each dim (`[]` for a scalar), as PyTorch's `torch.Size`. */
export type Shape = readonly number[];

/** `[2, 3]`, the one way shapes appear in messages (`${shape}` would print `2,3`). */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Normalises a possibly negative axis against `ndim`; throws naming `op` when out of range. */
export function normalizeAxis(axis: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(axis) || axis < -n || axis >= n) {
    throw new ValueError(
      op,
      `dim ${axis} is out of range for a tensor of ${ndim} dimension${ndim === 1 ? "" : "s"} (expected in [${-n}, ${n - 1}])`,
    );
  }
  return axis < 0 ? axis + n : axis;
}

/** Normalises a list of axes (or all axes for `undefined`), sorted and without repeats. */
export function normalizeAxes(
  axes: number | readonly number[] | undefined | null,
  ndim: number,
  op: string,
): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(a, ndim, op));
  // A 0-d tensor accepts dim 0 / -1, as PyTorch, and has nothing to reduce over.
  if (ndim === 0) return [];
  const set = new Set(out);
  if (set.size !== out.length)
    throw new ValueError(op, `dim ${fmtShape(list)} has a repeated dimension`);
  return out.sort((x, y) => x - y);
}

/** PyTorch's broadcasting: align from the right; sizes must match or be 1. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 1; i <= n; i++) {
    const da = i <= a.length ? a[a.length - i]! : 1;
    const db = i <= b.length ? b[b.length - i]! : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        op,
        `shapes ${fmtShape(a)} and ${fmtShape(b)} are not broadcastable (dim ${-i}: ${da} vs ${db})`,
      );
    }
    out[n - i] = da === 1 ? db : da;
  }
  return out;
}

/** Checks that a user-given size list is made of non-negative integers. */
export function checkShape(shape: Shape, op: string): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ValueError(
        op,
        `invalid size ${fmtShape(shape)}: sizes must be non-negative integers`,
      );
    n *= d;
  }
  if (n > MAX_NUMEL)
    throw new ValueError(
      op,
      `invalid size ${fmtShape(shape)}: ${n} elements is more than a tensor can hold (2^31 - 1)`,
    );
}

/** The most elements one tensor can hold (a typed array's index is an int32 on every backend). */
export const MAX_NUMEL = 2 ** 31 - 1;

/**
 * Resolves a `view`/`reshape` target with at most one `-1` against `total` elements.
 */
export function inferShape(shape: Shape, total: number, op: string, from: Shape): number[] {
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === -1) {
      if (infer >= 0)
        throw new ShapeError(op, `only one dimension can be inferred; got ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, `invalid size ${d} in ${fmtShape(shape)}`);
    } else known *= d;
  }
  const out = shape.slice();
  if (infer >= 0) {
    if (known === 0 || total % known !== 0)
      throw new ShapeError(
        op,
        `shape ${fmtShape(shape)} is invalid for input of size ${total} (shape ${fmtShape(from)})`,
      );
    out[infer] = total / known;
  } else if (known !== total) {
    throw new ShapeError(
      op,
      `shape ${fmtShape(shape)} is invalid for input of size ${total} (shape ${fmtShape(from)})`,
    );
  }
  return out;
}
