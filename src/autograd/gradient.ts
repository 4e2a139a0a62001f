import type { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "./grad-mode.js";
import { Node, type BackwardContext, type BackwardFn, type Edge } from "./node.js";

/**
 * How an op declares its gradient, once, next to the op: a `Gradient` names the node, says which
 * tensors backward reads back (`saves`) and gives the backward function. The op's forward calls
 * `recordGradient(GRADIENT, inputs, outputs, attrs)` after running its kernel (`defineOp` does it
 * for a primitive); that is the only way a frontend op reaches the tape.
 *
 * @example
 * // d(AB) = dA B + A dB: dA = g B^T, dB = A^T g
 * const MM: Gradient = {
 *   name: "mm",
 *   saves: { inputs: [0, 1] },
 *   backward: ([g], [a, b], ctx) => [
 *     ctx.needsInputGrad(0) ? mm(g!, b!.mT) : null,
 *     ctx.needsInputGrad(1) ? mm(a!.mT, g!) : null,
 *   ],
 * };
 */
export interface Gradient<A = undefined> {
  /** The node's name: PyTorch's `grad_fn` without `Backward0` (`mm`, `sum`, `conv2d`). */
  readonly name: string;
  /**
   * Which inputs and outputs (by position) backward reads back; they stay alive until backward
   * has run (or the graph is dropped), and an in-place change to them makes backward throw. What
   * else backward needs (input shapes, dims) goes in the op's `attrs`, not in tensors.
   */
  readonly saves?: SavesSpec;
  /**
   * The gradient of each input (null where none is wanted or defined), given the gradient of each
   * output; `saved` holds what `saves` names, inputs first. Written with differentiable Tensor
   * ops, so that double backward works.
   */
  readonly backward: BackwardFn<A>;
}

/** The inputs and outputs, by position, whose tensors backward reads back. */
export interface SavesSpec {
  readonly inputs?: readonly number[];
  readonly outputs?: readonly number[];
}

export type { BackwardContext };

/**
 * The gradient of an op that is linear in its one input (a view, a sum, a cast, a move): it
 * saves no tensor, and `dx = backward(g, attrs)`.
 *
 * @example
 * // d(view(x))/dx: reshape g back to x's shape
 * const VIEW = linearGradient<{ from: Shape }>("view", (g, { from }) => reshape(g, from));
 */
export function linearGradient<A = undefined>(
  name: string,
  backward: (g: Tensor, attrs: A) => Tensor,
): Gradient<A> {
  return { name, backward: ([g], _, { attrs }) => [backward(g!, attrs)] };
}

/** Whether an op on these inputs must be recorded on the tape. */
export function needsGrad(...inputs: readonly (Tensor | null | undefined)[]): boolean {
  return anyNeedsGrad(inputs);
}

/** `needsGrad` over an array (no rest-argument copy). */
export function anyNeedsGrad(inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]?.requiresGrad) return true;
  return false;
}

const NOTHING: readonly Tensor[] = [];

/**
 * Records an op on the tape when any input requires grad: its float outputs get a `gradFn` node
 * that runs `gradient.backward` with `attrs`. Returns whether it recorded.
 */
export function recordGradient<A>(
  gradient: Gradient<A>,
  inputs: readonly (Tensor | null | undefined)[],
  outputs: readonly Tensor[],
  attrs: A,
): boolean {
  if (!anyNeedsGrad(inputs)) return false;
  const saves = gradient.saves;
  let saved = NOTHING;
  if (saves) {
    const list: Tensor[] = [];
    if (saves.inputs) for (const i of saves.inputs) list.push(inputs[i]!);
    if (saves.outputs) for (const o of saves.outputs) list.push(outputs[o]!);
    saved = list;
  }
  return recordNode(gradient.name, inputs, outputs, gradient.backward as BackwardFn, saved, attrs);
}

function edgeOf(t: Tensor | null | undefined): Edge {
  if (!t || !t.requiresGrad) return null;
  if (t.gradFn) return { node: t.gradFn, index: t.outputIndex };
  return { leaf: t.gradLeaf };
}

/**
 * @internal The tape itself, for `recordGradient` and custom `autograd.Function`s: the float
 * outputs get a `gradFn` node whose backward function receives handles to `saved` (kept alive
 * until backward frees them, even if the originals are disposed). An op with no float output
 * records nothing: no gradient can flow from it.
 */
export function recordNode(
  name: string,
  inputs: readonly (Tensor | null | undefined)[],
  outputs: readonly Tensor[],
  backward: BackwardFn,
  saved: readonly Tensor[],
  attrs?: unknown,
): boolean {
  if (!anyNeedsGrad(inputs)) return false;
  let floatOutputs = 0;
  for (const o of outputs) if (o.dtype === "float32" || o.dtype === "float64") floatOutputs++;
  if (floatOutputs === 0) return false;
  const node = new Node(name, inputs.map(edgeOf), outputs.length, backward, attrs);
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i]!;
    if (o.dtype === "float32" || o.dtype === "float64") o.attachGradFn(node, i);
  }
  node.save(saved);
  return true;
}
