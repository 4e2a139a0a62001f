/**
 * The shape family, in one import: views (`movement/views.ts`), slices (`movement/slicing.ts`)
 * and joins (`movement/concat.ts`).
 */
export {
  axis,
  expand,
  flatShapeArgs,
  flatten,
  flip,
  flipView,
  permute,
  repeat,
  reshape,
  squeeze,
  t,
  transpose,
  unflatten,
  unsqueeze,
  view,
} from "./movement/views.js";
export { chunk, index, narrow, select, split, unbind, type IndexArg } from "./movement/slicing.js";
export { cat, stack } from "./movement/concat.js";
