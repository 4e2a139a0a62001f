import { AutogradError } from "../core/errors.js";
import type { Tensor } from "../tensor/tensor.js";

/** Where a gradient flows: into a node's output slot, or into a leaf tensor's `.grad`. */
export type Edge = { node: Node; index: number } | { leaf: Tensor } | null;

/** What a backward function knows of its node besides the gradients and the saved tensors. */
export interface BackwardContext<A = unknown> {
  /** What the op recorded for its gradient beyond tensors (dims, input shapes, dtypes). */
  readonly attrs: A;
  /** Whether input `i` takes part in autograd, i.e. whether its gradient is wanted. */
  needsInputGrad(i: number): boolean;
}

/**
 * The backward function of one recorded op: given the gradient of each output (null where an
 * output got none), returns the gradient of each input (null where an input needs none). It is
 * written with Tensor ops, so running it with grad mode on records a graph (double backward).
 */
export type BackwardFn<A = unknown> = (
  grads: readonly (Tensor | null)[],
  saved: readonly Tensor[],
  ctx: BackwardContext<A>,
) => readonly (Tensor | null)[];

/**
 * A tensor hook (PyTorch's `register_hook`): sees the gradient flowing into its tensor, of the
 * tensor's shape, and may return a replacement of the same shape.
 */
export type GradHook = (grad: Tensor) => Tensor | void;

/** One op on the tape. It is its backward function's context (see `BackwardContext`). */
export class Node implements BackwardContext {
  readonly name: string;
  readonly next: readonly Edge[];
  readonly numOutputs: number;
  readonly #backward: BackwardFn;
  readonly attrs: unknown;
  #saved: Tensor[] = [];
  #savedVersions: number[] = [];
  #released = false;
  /** Live tensors whose gradFn this is, plus live nodes with an edge to it. */
  #refs = 0;
  #dead = false;
  /** Non-leaf tensors that asked for `.grad` (`retainGrad`) and their hooks, per output slot. */
  retained: Map<number, Tensor> | null = null;
  hooks: Map<number, GradHook[]> | null = null;

  constructor(
    name: string,
    next: Edge[],
    numOutputs: number,
    backward: BackwardFn,
    attrs: unknown = undefined,
  ) {
    this.name = name;
    this.next = next;
    this.numOutputs = numOutputs;
    this.#backward = backward;
    this.attrs = attrs;
    for (const e of next) if (e && "node" in e) e.node.ref();
  }

  /**
   * Keeps handles on what backward needs, noting their versions. Called once the outputs are
   * attached, so that a saved output is itself on the graph (double backward).
   */
  save(tensors: readonly Tensor[]): void {
    this.#saved = tensors.map((t) => t.share());
    this.#savedVersions = this.#saved.map((t) => t.version);
  }

  /**
   * Graph lifetime is reference counted, since JavaScript cannot tell when a graph becomes
   * unreachable: each output tensor and each consuming node holds a reference. When the last one
   * goes (the outputs disposed, or collected), the saved tensors are freed and the release runs on
   * up the graph, so a discarded forward pass frees what it saved even without backward.
   */
  ref(): void {
    this.#refs++;
  }
  unref(): void {
    // NOTE: iterative, not recursive: a graph can be a chain of many thousand nodes.
    const stack: Node[] = [this];
    while (stack.length) {
      const node = stack.pop()!;
      if (--node.#refs > 0 || node.#dead) continue;
      node.#dead = true;
      node.release();
      for (const e of node.next) if (e && "node" in e) stack.push(e.node);
    }
  }

  get released(): boolean {
    return this.#released;
  }

  get saved(): readonly Tensor[] {
    return this.#saved;
  }

  /** Runs the backward function after checking that nothing it saved was changed in place. */
  apply(grads: readonly (Tensor | null)[]): readonly (Tensor | null)[] {
    if (this.#released) {
      throw new AutogradError(
        "backward",
        `trying to backward through the graph a second time (through ${this.name}); the saved tensors were freed after the first backward. Pass { retainGraph: true } to the first backward call`,
      );
    }
    for (let i = 0; i < this.#saved.length; i++) {
      const t = this.#saved[i]!;
      if (t.version !== this.#savedVersions[i]) {
        throw new AutogradError(
          "backward",
          `one of the tensors needed for gradient computation (input of ${this.name}, shape [${t.shape.join(", ")}]) has been modified by an in-place operation: it is at version ${t.version}, expected version ${this.#savedVersions[i]}`,
        );
      }
    }
    return this.#backward(grads, this.#saved, this);
  }

  needsInputGrad(i: number): boolean {
    return (this.next[i] ?? null) !== null;
  }

  /** Frees the saved tensors; a later `apply` throws. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const t of this.#saved) t.dispose();
    this.#saved = [];
  }

  addHook(index: number, hook: GradHook): void {
    this.hooks ??= new Map();
    const list = this.hooks.get(index) ?? [];
    list.push(hook);
    this.hooks.set(index, list);
  }
}
