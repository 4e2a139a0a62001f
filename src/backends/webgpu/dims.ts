/**
 * Fitting strided dimensions into a kernel's fixed number of uniform slots (matmul's 4 batch
 * dims, gather/scatter's 8): merge the dims every operand walks contiguously, then loop on the
 * host over whatever is still left over.
 *
 * @module
 */
import { numel } from "../../core/shape.js";

/**
 * Merges adjacent dimensions that every stride set walks contiguously and drops size-1 ones
 * (as `coalesce` in backends/cpu/strided.ts); dimension `keep` (if any) is never merged or
 * dropped, and its new position is returned.
 */
export function coalesceDims(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  keep = -1,
): { shape: number[]; strides: number[][]; keep: number } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  let kept = -1;
  let lastMergeable = false;
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (d === keep) {
      kept = outShape.length;
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
      lastMergeable = false;
      continue;
    }
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (lastMergeable && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
    lastMergeable = true;
  }
  return { shape: outShape, strides: outStrides, keep: kept };
}

/**
 * Splits the dimensions of `shape` into at most `maxRank` kept ones (dimension `keep`, if any,
 * always among them) and the leading rest, over which the caller loops on the host. Returns the
 * kept shape/strides and, per host iteration, the offset to add for each stride set.
 */
export function splitRank(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  maxRank: number,
  keep = -1,
): { shape: number[]; strides: number[][]; keep: number; offsets: number[][] } {
  const dims = shape.map((_, d) => d);
  const others = dims.filter((d) => d !== keep);
  const loopCount = Math.max(0, shape.length - maxRank);
  const looped = others.slice(0, loopCount);
  const kept = dims.filter((d) => !looped.includes(d));
  const offsets: number[][] = [];
  const idx = looped.map(() => 0);
  const total = numel(looped.map((d) => shape[d]!));
  for (let i = 0; i < total; i++) {
    offsets.push(strides.map((s) => looped.reduce((acc, d, j) => acc + idx[j]! * s[d]!, 0)));
    for (let j = looped.length - 1; j >= 0; j--) {
      if (++idx[j]! < shape[looped[j]!]!) break;
      idx[j] = 0;
    }
  }
  return {
    shape: kept.map((d) => shape[d]!),
    strides: strides.map((s) => kept.map((d) => s[d]!)),
    keep: keep >= 0 ? kept.indexOf(keep) : -1,
    offsets,
  };
}
