import type { Tolerance } from "./tolerance.js";

/**
 * Elementwise comparison with a tolerance: `|actual - expected| <= atol + rtol * |expected|`.
 * NaN equals NaN; an infinity must be matched exactly (same sign); a finite expected value needs a
 * finite actual one.
 */
export function isClose(actual: number, expected: number, tol: Tolerance): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  if (!Number.isFinite(actual)) return false;
  return Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);
}

/** Row-major flat index -> multi-index, for messages (`[1, 0, 2]`). */
function multiIndex(flat: number, shape: readonly number[] | undefined): string {
  if (!shape || shape.length === 0) return `${flat}`;
  const idx: number[] = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d]!;
    idx[d] = s > 0 ? rest % s : 0;
    rest = s > 0 ? Math.floor(rest / s) : 0;
  }
  return `${flat} [${idx.join(", ")}]`;
}

/**
 * The first mismatch between `actual` and `expected` as a readable message, or null when they
 * agree: `add/broadcast_row output 0: 2 of 6 elements differ; first at 4 [1, 1]: got 1.5, expected
 * 1.25 (|diff| 0.25 > 1.0e-6 + 1.0e-5 * |expected|)`.
 */
export function allCloseMessage(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label: string,
  shape?: readonly number[],
): string | null {
  if (actual.length !== expected.length)
    return `${label}: got ${actual.length} elements, expected ${expected.length}`;
  let first = -1;
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!isClose(actual[i]!, expected[i]!, tol)) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return null;
  const a = actual[first]!;
  const e = expected[first]!;
  const why =
    Number.isFinite(a) && Number.isFinite(e)
      ? ` (|diff| ${Math.abs(a - e).toExponential(3)} > ${tol.atol.toExponential(1)} + ${tol.rtol.toExponential(1)} * |expected|)`
      : "";
  return `${label}: ${count} of ${expected.length} elements differ; first at ${multiIndex(first, shape)}: got ${a}, expected ${e}${why}`;
}

/** Throws an Error with {@link allCloseMessage}'s text when the arrays differ. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label: string,
  shape?: readonly number[],
): void {
  const msg = allCloseMessage(actual, expected, tol, label, shape);
  if (msg !== null) throw new Error(msg);
}
