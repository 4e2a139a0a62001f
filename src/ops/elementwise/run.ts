import { needsGrad, recordGradient, type Gradient } from "../../autograd/gradient.js";
import type { Backend } from "../../backends/backend.js";
import { checkInt32, promoteTypes, scalarResultType, type DType } from "../../core/dtype.js";
import { DTypeError, ValueError } from "../../core/errors.js";
import { checkOperand, checkTensorArg } from "../../core/options.js";
import type { View } from "../../core/layout.js";
import { broadcastShapes, shapesEqual, type Shape } from "../../core/shape.js";
import type { Tensor, TensorOrScalar } from "../../tensor/tensor.js";
import { expandStrides, reduceGradTo } from "../broadcast.js";
import { backendOf, emptyTensor, rawView, runKernel, tensorFromArray } from "../dispatch.js";
import { checkValues } from "../value-checks.js";
import type { BinaryDef, BroadcastAttrs } from "./binary-table.js";
import type { UnaryDef } from "./unary-table.js";

/**
 * The runners of the elementwise primitives: `unary`, `binary` and `where`. Broadcasting is
 * resolved here, once: inputs reach kernels as stride-0 views of the output's shape, and JS
 * numbers become 0-d tensors of the dtype they take (PyTorch's weak "wrapped numbers").
 */

/** A JS number as a 0-d tensor of `dtype` on `backend` (PyTorch's wrapped number). */
export function scalarTensor(value: number | boolean, dtype: DType, backend: Backend): Tensor {
  const data =
    dtype === "float64"
      ? new Float64Array([+value])
      : dtype === "int32"
        ? new Int32Array([+value])
        : dtype === "bool"
          ? new Uint8Array([value ? 1 : 0])
          : new Float32Array([+value]);
  return tensorFromArray(backend, dtype, [], data, "tensor");
}

/** @internal Runs a unary primitive of the table: out = f(x), of x's shape. */
export function unary(def: UnaryDef, x: Tensor): Tensor {
  checkTensorArg(def.name, x, "input");
  const backend = backendOf(def.name, x);
  const out = emptyTensor(backend, def.dtype(x.dtype, def.name), x.shape, def.name, true);
  runKernel(backend, "unary", { op: def, x, out });
  if (def.gradient && needsGrad(x)) recordGradient(def.gradient, [x], [out], undefined);
  return out;
}

/**
 * PyTorch's rule for 0-d CPU tensors: beside tensors on another device, one is treated as a
 * scalar there (moved). Returns the operands, with those moved; anything else (several devices,
 * a disposed tensor, a 0-d tensor that needs a gradient, which would have to be read back from
 * the GPU synchronously in backward) is left for `backendOf` to report.
 */
function hoistCpuScalars(operands: readonly TensorOrScalar[]): TensorOrScalar[] {
  let device: Tensor["device"] | undefined;
  for (const v of operands)
    if (typeof v === "object" && !v.isDisposed && v.device !== "cpu") {
      if (device !== undefined && device !== v.device) return [...operands];
      device = v.device;
    }
  if (device === undefined) return [...operands];
  const to = device;
  return operands.map((v) =>
    typeof v === "object" && !v.isDisposed && v.device === "cpu" && v.ndim === 0 && !needsGrad(v)
      ? v.to(to)
      : v,
  );
}

/** Disposes the operands `hoistCpuScalars` made. */
function disposeHoisted(made: readonly TensorOrScalar[], given: readonly TensorOrScalar[]): void {
  made.forEach((v, i) => {
    if (typeof v === "object" && v !== given[i]) v.dispose();
  });
}

/** @internal Runs a binary primitive of the table with broadcasting: out = f(a, b). */
export function binary(def: BinaryDef, a1: TensorOrScalar, b1: TensorOrScalar): Tensor {
  checkOperand(def.name, a1, "input");
  checkOperand(def.name, b1, "other");
  const hoisted = hoistCpuScalars([a1, b1]);
  try {
    return binaryOn(def, hoisted[0]!, hoisted[1]!);
  } finally {
    disposeHoisted(hoisted, [a1, b1]);
  }
}

function binaryOn(def: BinaryDef, a0: TensorOrScalar, b0: TensorOrScalar): Tensor {
  const backend = backendOfOperands(def.name, a0, b0);
  const promoted = operandType(a0, b0);
  const outDtype = def.dtype(promoted, def.name);
  checkIntOperands(def, promoted, outDtype, a0, b0);
  const a = asTensor(a0, promoted, backend);
  const b = asTensor(b0, promoted, backend);
  const shape = shapesEqual(a.shape, b.shape)
    ? a.shape
    : broadcastShapes(a.shape, b.shape, def.name);
  const out = emptyTensor(backend, outDtype, shape, def.name, true);
  runKernel(backend, "binary", {
    op: def,
    a: broadcastView(a, shape),
    b: broadcastView(b, shape),
    out,
  });
  if (def.gradient && needsGrad(a, b))
    recordGradient(def.gradient, [a, b], [out], broadcastAttrs(a, b));
  if (a !== a0) a.dispose();
  if (b !== b0) b.dispose();
  return out;
}

// cond ? a : b: the gradient flows to the branch that was taken
const WHERE: Gradient<BroadcastAttrs> = {
  name: "where",
  saves: { inputs: [0] },
  backward: ([g], [cond], ctx) => {
    const { aShape, aDtype, bShape, bDtype } = ctx.attrs;
    return [
      null,
      ctx.needsInputGrad(1) ? reduceGradTo(where(cond!, g!, 0), aShape, aDtype) : null,
      ctx.needsInputGrad(2) ? reduceGradTo(where(cond!, 0, g!), bShape, bDtype) : null,
    ];
  },
};

/**
 * `cond ? a : b` elementwise (`torch.where`); either branch may be a JS number, and the gradient
 * flows to the branch taken. Shapes: `cond` (bool), `a`, `b` broadcast together.
 *
 * @example
 * torch.where(x.gt(0), x, 0); // relu
 */
export function where(cond0: Tensor, a1: TensorOrScalar, b1: TensorOrScalar): Tensor {
  checkTensorArg("where", cond0, "condition");
  checkOperand("where", a1, "input");
  checkOperand("where", b1, "other");
  const hoisted = hoistCpuScalars([cond0, a1, b1]);
  try {
    return whereOn(hoisted[0] as Tensor, hoisted[1]!, hoisted[2]!);
  } finally {
    disposeHoisted(hoisted, [cond0, a1, b1]);
  }
}

function whereOn(cond: Tensor, a0: TensorOrScalar, b0: TensorOrScalar): Tensor {
  const backend = backendOfOperands("where", cond, a0, b0);
  if (cond.dtype !== "bool")
    throw new DTypeError("where", `condition must be a bool tensor; got ${cond.dtype}`);
  const dtype = operandType(a0, b0);
  const a = asTensor(a0, dtype, backend);
  const b = asTensor(b0, dtype, backend);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, "where"), b.shape, "where");
  const out = emptyTensor(backend, dtype, shape, "where", true);
  runKernel(backend, "where", {
    cond: broadcastView(cond, shape),
    a: broadcastView(a, shape),
    b: broadcastView(b, shape),
    out,
  });
  if (needsGrad(a, b)) recordGradient(WHERE, [cond, a, b], [out], broadcastAttrs(a, b));
  if (a !== a0) a.dispose();
  if (b !== b0) b.dispose();
  return out;
}

/** The public names of the integer divisions (the primitives' names are internal). */
const INT_DIVISIONS: Readonly<Record<string, string>> = {
  divTrunc: "div",
  divFloor: "div",
  remainder: "remainder",
  fmod: "fmod",
};

/**
 * Integers never wrap or divide by zero silently: a JS number that becomes an int32 operand must
 * fit int32, and an integer division (div with a rounding mode, floorDivide, remainder, fmod) by
 * zero raises, as PyTorch's ZeroDivisionError (a tensor divisor on a GPU: at the next read).
 *
 * @internal
 */
export function checkIntOperands(
  def: BinaryDef,
  promoted: DType,
  outDtype: DType,
  a: TensorOrScalar,
  b: TensorOrScalar,
): void {
  if (promoted === "int32")
    for (const v of [a, b]) if (typeof v === "number") checkInt32(v, def.name);
  const op = INT_DIVISIONS[def.name];
  if (op === undefined || outDtype === "float32" || outDtype === "float64") return;
  const error = () =>
    new ValueError(
      op,
      `integer division by zero (PyTorch's ZeroDivisionError); got a zero divisor for ${outDtype} operands`,
    );
  if (typeof b !== "object") {
    if (+b === 0) throw error();
  } else checkValues(b, { kind: "nonzero" }, error);
}

function broadcastAttrs(a: Tensor, b: Tensor): BroadcastAttrs {
  return { aShape: a.shape, aDtype: a.dtype, bShape: b.shape, bDtype: b.dtype };
}

/** `t` as a view of the broadcast `shape` (itself when it already has it). */
export function broadcastView(t: Tensor, shape: Shape): View {
  return shapesEqual(t.shape, shape)
    ? t
    : rawView(t, shape, expandStrides(t.shape, t.strides, shape));
}

/** The backend of the tensor operands (JS numbers have none). */
function backendOfOperands(op: string, ...operands: TensorOrScalar[]): Backend {
  return backendOf(op, ...operands.filter((v): v is Tensor => typeof v === "object"));
}

/** The result dtype of a binary op on these operands (JS numbers are weak). */
export function operandType(a: TensorOrScalar, b: TensorOrScalar): DType {
  if (typeof a !== "object" && typeof b !== "object") return scalarsType(a, b);
  if (typeof a !== "object") return scalarResultType((b as Tensor).dtype, a);
  if (typeof b !== "object") return scalarResultType(a.dtype, b);
  // PyTorch: a 0-d tensor beside a dimensioned one only matters if its category is higher
  if (a.ndim === 0 && b.ndim > 0) return category(a.dtype) > category(b.dtype) ? a.dtype : b.dtype;
  if (b.ndim === 0 && a.ndim > 0) return category(b.dtype) > category(a.dtype) ? b.dtype : a.dtype;
  return promoteTypes(a.dtype, b.dtype);
}

/** Two JS values (e.g. `where(c, 2, 0)`): bools stay bool, integers are int32, else float32. */
function scalarsType(a: number | boolean, b: number | boolean): DType {
  if (typeof a === "boolean" && typeof b === "boolean") return "bool";
  return [a, b].every((v) => typeof v === "boolean" || Number.isInteger(v)) ? "int32" : "float32";
}

/** bool < integer < floating point */
function category(d: DType): number {
  return d === "bool" ? 0 : d === "int32" ? 1 : 2;
}

function asTensor(x: TensorOrScalar, dtype: DType, backend: Backend): Tensor {
  return typeof x === "object" ? x : scalarTensor(x, dtype, backend);
}
