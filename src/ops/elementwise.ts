/**
 * The elementwise family, in one import: the primitive tables, their runners, the public
 * functions, copies and casts, and the in-place ops. Each part has its own file under
 * `elementwise/`.
 */
export { UNARY, type UnaryDef } from "./elementwise/unary-table.js";
export { BINARY, type BinaryDef } from "./elementwise/binary-table.js";
export { binary, scalarTensor, unary, where } from "./elementwise/run.js";
export { COPY, cast, contiguousCopy } from "./elementwise/copy.js";
export * from "./elementwise/functions.js";
export {
  binaryInPlace,
  copyInPlace,
  fillInPlace,
  inPlace,
  randomInPlace,
} from "./elementwise/in-place.js";
