import { isFloat, type DType } from "../../core/dtype.js";
import { DTypeError } from "../../core/errors.js";

/**
 * The dtype rules of the elementwise primitives: the output dtype given the (promoted) input
 * dtype. A rule throws a `DTypeError` naming the op for dtypes the op does not take.
 */
export type DTypeRule = (dtype: DType, op: string) => DType;

/** The input's dtype, whatever it is (add, mul, abs, floor, ...). */
export const keepDtype: DTypeRule = (d) => d;

/**
 * Floating point: integers and bools compute in the default float dtype, as in PyTorch (exp, log,
 * sin, true division, atan2, ...).
 */
export const toFloat: DTypeRule = (d) => (isFloat(d) ? d : "float32");

/** Numbers but not bools (sub, neg, maximum, clamp, remainder, ...). */
export const numeric: DTypeRule = (d, op) => {
  if (d === "bool") throw new DTypeError(op, `not supported for bool tensors`);
  return d;
};

/** Comparisons, logical ops and tests (eq, logicalAnd, isnan, ...). */
export const toBool: DTypeRule = () => "bool";
