import { AutogradError, ShapeError } from "../core/errors.js";
import { keep, tidy } from "../core/memory.js";
import { fmtShape, shapesEqual } from "../core/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { enableGrad, noGrad } from "./grad-mode.js";
import type { Node } from "./node.js";
import { backendOfAll } from "../ops/dispatch.js";
import { add } from "../ops/elementwise.js";
import { contiguousCopy } from "../ops/elementwise.js";
import { onesLike } from "../tensor/creation.js";

/**
 * The backward pass: runs the recorded nodes in reverse topological order (Kahn's algorithm over
 * the consumers of each node), sums the gradients that meet at a tensor, accumulates into leaf
 * `.grad` (or captures them, for `autograd.grad`), and frees each node's saved tensors once it has
 * run unless `retainGraph` is set.
 *
 * The gradient tensors it makes are its own temporaries: it counts their uses and disposes each
 * one when no pending gradient holds it any more.
 */

/** The options of `Tensor.backward` and `torch.autograd.backward`, with PyTorch's defaults. */
export interface BackwardOptions {
  /** Keep the saved tensors, so the graph can be differentiated again (default: createGraph). */
  retainGraph?: boolean;
  /** Record the backward pass itself, so the gradients are differentiable (default false). */
  createGraph?: boolean;
  /** Accumulate only into these leaves. */
  inputs?: Tensor[];
}

class GradPool {
  readonly #uses = new Map<Tensor, number>();
  readonly #protected = new Set<Tensor>();

  hold(t: Tensor): void {
    this.#uses.set(t, (this.#uses.get(t) ?? 0) + 1);
  }
  protect(t: Tensor): void {
    this.#protected.add(t);
  }
  isExclusive(t: Tensor): boolean {
    return (this.#uses.get(t) ?? 0) <= 1 && !this.#protected.has(t);
  }
  /** Drops one use; disposes the tensor when none is left and it is not protected. */
  drop(t: Tensor): void {
    const n = (this.#uses.get(t) ?? 0) - 1;
    if (n > 0) {
      this.#uses.set(t, n);
      return;
    }
    this.#uses.delete(t);
    if (!this.#protected.has(t)) t.dispose();
  }
  /** Disposes a tensor nobody took. */
  dropIfUnused(t: Tensor): void {
    if (!this.#uses.has(t) && !this.#protected.has(t)) t.dispose();
  }
}

type Capture = Map<Tensor, Tensor | null>;

/** The nodes reachable from `roots`, with how many consumers each has inside the graph. */
function dependencies(roots: readonly Node[]): Map<Node, number> {
  const deps = new Map<Node, number>();
  // NOTE: roots may repeat (two outputs of one node, as an LSTM cell's h' and c'); walking a node
  // twice would count its edges twice, and its inputs' nodes would never become ready.
  const seen = new Set<Node>(roots);
  const stack = [...seen];
  for (const r of seen) deps.set(r, 0);
  while (stack.length) {
    const node = stack.pop()!;
    for (const e of node.next) {
      if (!e || !("node" in e)) continue;
      deps.set(e.node, (deps.get(e.node) ?? 0) + 1);
      if (!seen.has(e.node)) {
        seen.add(e.node);
        stack.push(e.node);
      }
    }
  }
  return deps;
}

/**
 * A gradient that outlives the pass: the tensor itself if no one else holds it, else a copy.
 * A `.grad` is also kept from enclosing `tidy` scopes (it belongs to its tensor); a gradient
 * returned by `autograd.grad` is not (it belongs to the caller, like any result).
 */
function adopt(g: Tensor, pool: GradPool, createGraph: boolean, asGrad: boolean): Tensor {
  const exclusive =
    pool.isExclusive(g) &&
    g.storage.refs === 1 &&
    g.offset === 0 &&
    g.isContiguous() &&
    g.numel() === g.storage.size;
  const out = exclusive ? g : createGraph ? contiguousCopy(g) : noGrad(() => contiguousCopy(g));
  pool.protect(out);
  return asGrad ? keep(out) : out;
}

function runHooks(
  hooks: readonly ((g: Tensor) => Tensor | void)[],
  g: Tensor,
  pool: GradPool,
): Tensor {
  for (const hook of hooks) {
    const r = hook(g);
    if (r && r !== g) {
      pool.hold(r);
      pool.drop(g);
      g = r;
    }
  }
  return g;
}

function accumulateLeaf(leaf: Tensor, g: Tensor, pool: GradPool, createGraph: boolean): void {
  if (!leaf.grad) {
    leaf.grad = adopt(g, pool, createGraph, true);
    return;
  }
  if (createGraph) {
    const sum = add(leaf.grad, g);
    leaf.grad.dispose();
    leaf.grad = keep(sum);
    pool.protect(sum);
  } else {
    const acc = leaf.grad;
    noGrad(() => acc.add_(g));
  }
}

function execute(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  retainGraph: boolean,
  createGraph: boolean,
  capture: Capture | null,
  only: Set<Tensor> | null,
): void {
  const pool = new GradPool();
  for (const g of rootGrads) pool.protect(g);
  const buffers = new Map<Node, (Tensor | null)[]>();

  const deliverToLeaf = (leaf: Tensor, g: Tensor) => {
    g = runHooks(leaf.leafHooks, g, pool);
    if (capture) {
      if (capture.has(leaf)) {
        const prev = capture.get(leaf);
        const sum = prev ? add(prev, g) : adopt(g, pool, createGraph, false);
        if (prev) {
          pool.protect(sum);
          prev.dispose();
        }
        capture.set(leaf, sum);
      }
    } else if (!only || only.has(leaf)) {
      accumulateLeaf(leaf, g, pool, createGraph);
    }
    pool.drop(g);
  };

  // The sums this pass made itself, while they wait in the buffer they were made for: nobody
  // else holds them yet, so later gradients meeting at that output are added into them in place
  // (an RNN's weight meets T step gradients: T - 2 fewer allocations). Once their node runs they
  // leave this set (its backward may pass them on, or views of them). With createGraph the sums
  // must stay on the graph.
  const ownSums = new Set<Tensor>();
  const deliverToNode = (node: Node, index: number, g: Tensor) => {
    let buf = buffers.get(node);
    if (!buf) buffers.set(node, (buf = new Array<Tensor | null>(node.numOutputs).fill(null)));
    const prev = buf[index];
    if (prev && ownSums.has(prev) && shapesEqual(prev.shape, g.shape) && prev.dtype === g.dtype) {
      noGrad(() => prev.add_(g));
      pool.drop(g);
      return;
    }
    if (prev) {
      const sum = add(prev, g);
      if (!createGraph) ownSums.add(sum);
      pool.hold(sum);
      pool.drop(prev);
      pool.drop(g);
      buf[index] = sum;
    } else buf[index] = g;
  };

  const rootNodes: Node[] = [];
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i]!;
    const g = rootGrads[i]!;
    pool.hold(g);
    if (r.gradFn) {
      deliverToNode(r.gradFn, r.outputIndex, g);
      rootNodes.push(r.gradFn);
    } else deliverToLeaf(r, g);
  }

  try {
    const deps = dependencies(rootNodes);
    const ready = [...new Set(rootNodes)].filter((n) => deps.get(n) === 0);
    const mode = createGraph ? enableGrad : noGrad;
    while (ready.length) {
      const node = ready.pop()!;
      const buf = buffers.get(node) ?? new Array<Tensor | null>(node.numOutputs).fill(null);
      for (let i = 0; i < buf.length; i++) {
        const g = buf[i];
        if (!g) continue;
        const hooks = node.hooks?.get(i);
        if (hooks) buf[i] = runHooks(hooks, g, pool);
        const retained = node.retained?.get(i);
        if (retained && !retained.isDisposed) {
          if (retained.grad) retained.grad.dispose();
          retained.grad = adopt(buf[i]!, pool, createGraph, true);
        }
        if (capture) {
          for (const [t] of capture)
            if (t.gradFn === node && t.outputIndex === i)
              capture.set(t, adopt(buf[i]!, pool, createGraph, false));
        }
      }
      // A node that received no gradient at all passes none on (its consumers' grads were null).
      // tidy: what the backward function makes besides the gradients it returns is freed here.
      const results = buf.some((g) => g)
        ? mode(() => tidy(() => node.apply(buf)))
        : node.next.map(() => null);
      for (let k = 0; k < node.next.length; k++) {
        const e = node.next[k];
        const r = results[k];
        if (!e) continue;
        if ("node" in e) {
          if (r) {
            pool.hold(r);
            deliverToNode(e.node, e.index, r);
          }
          const left = deps.get(e.node)! - 1;
          deps.set(e.node, left);
          if (left === 0) ready.push(e.node);
        } else if (r) {
          pool.hold(r);
          deliverToLeaf(e.leaf, r);
        }
      }
      for (const r of results) if (r) pool.dropIfUnused(r);
      buffers.delete(node);
      for (const g of buf) {
        if (!g) continue;
        ownSums.delete(g);
        pool.drop(g);
      }
      if (!retainGraph) node.release();
    }
  } finally {
    // on success nothing is pending; after an error, free what was
    for (const buf of buffers.values()) for (const g of buf) if (g) pool.drop(g);
  }
}

function defaultGrads(
  roots: readonly Tensor[],
  grads: readonly (Tensor | null | undefined)[],
  op: string,
): Tensor[] {
  return roots.map((r, i) => {
    if (!r.requiresGrad)
      throw new AutogradError(
        op,
        `element ${i} of tensors does not require grad and does not have a gradFn`,
      );
    const g = grads[i];
    if (g) {
      if (!shapesEqual(g.shape, r.shape))
        throw new ShapeError(
          op,
          `mismatch in shape: gradient has shape ${fmtShape(g.shape)} but output ${i} has shape ${fmtShape(r.shape)}`,
        );
      return g;
    }
    if (r.numel() !== 1)
      throw new AutogradError(
        op,
        `grad can be implicitly created only for scalar outputs; got an output of shape ${fmtShape(r.shape)}`,
      );
    return noGrad(() => onesLike(r));
  });
}

/** @internal `t.backward()`: accumulates d(roots)/d(leaf) into every leaf's `.grad`. */
export function runBackward(
  roots: readonly Tensor[],
  grads: readonly (Tensor | null | undefined)[],
  options: BackwardOptions = {},
): void {
  const createGraph = options.createGraph ?? false;
  // A disposed loss has dropped its graph: refuse it before anything is made.
  backendOfAll("backward", [...roots, ...grads.filter((g): g is Tensor => !!g)]);
  const rootGrads = defaultGrads(roots, grads, "backward");
  const made = rootGrads.filter((g, i) => g !== grads[i]);
  try {
    execute(
      roots,
      rootGrads,
      options.retainGraph ?? createGraph,
      createGraph,
      null,
      options.inputs ? new Set(options.inputs) : null,
    );
  } finally {
    for (const g of made) g.dispose();
  }
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned instead of accumulated into
 * `.grad` (PyTorch's `torch.autograd.grad`): one per input, of the input's shape (null for an
 * unused input with `allowUnused`). `gradOutputs[i]` has the shape of `outputs[i]` (a scalar output
 * may leave it out). Options (defaults): `retainGraph` (= createGraph), `createGraph` (false: with
 * it the gradients are differentiable again), `allowUnused` (false).
 *
 * @example
 * const [dy] = torch.autograd.grad([y], [x], { createGraph: true });
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: {
    gradOutputs?: readonly (Tensor | null)[];
    retainGraph?: boolean;
    createGraph?: boolean;
    allowUnused?: boolean;
  } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? (outputs as Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as Tensor[]) : [inputs as Tensor];
  for (const t of ins)
    if (!t.requiresGrad)
      throw new AutogradError(
        "autograd.grad",
        `one of the inputs (shape ${fmtShape(t.shape)}) does not require grad`,
      );
  const createGraph = options.createGraph ?? false;
  const given = options.gradOutputs ?? [];
  backendOfAll("autograd.grad", [...outs, ...ins, ...given.filter((g): g is Tensor => !!g)]);
  const rootGrads = defaultGrads(outs, given, "autograd.grad");
  const capture: Capture = new Map(ins.map((t) => [t, null]));
  try {
    execute(outs, rootGrads, options.retainGraph ?? createGraph, createGraph, capture, null);
  } finally {
    rootGrads.forEach((g, i) => g !== given[i] && g.dispose());
  }
  const unused = ins.findIndex((t) => !capture.get(t));
  if (unused >= 0 && !options.allowUnused) {
    for (const g of capture.values()) g?.dispose();
    throw new AutogradError(
      "autograd.grad",
      `input ${unused} (shape ${fmtShape(ins[unused]!.shape)}) was not used in the graph; pass { allowUnused: true } to get null`,
    );
  }
  return ins.map((t) => capture.get(t) ?? null);
}

/**
 * Frees the saved tensors of every node behind `t` without running backward (a graph that will
 * never be differentiated, e.g. after `autograd.grad` with `retainGraph`). No PyTorch equivalent:
 * there the garbage collector frees the graph.
 *
 * @example
 * const [g] = torch.autograd.grad(y, x, { retainGraph: true });
 * torch.autograd.releaseGraph(y);
 */
export function releaseGraph(t: Tensor): void {
  if (!t.gradFn) return;
  for (const node of dependencies([t.gradFn]).keys()) node.release();
}
