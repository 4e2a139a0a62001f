import { AutogradError } from "../core/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "./grad-mode.js";
import { recordNode } from "./gradient.js";

/** What `forward` and `backward` of a custom Function share (PyTorch's `ctx`). */
export class FunctionCtx {
  #toSave: Tensor[] = [];
  savedTensors: readonly Tensor[] = [];
  /** Free-form values for backward (shapes, options). */
  readonly values: Record<string, unknown> = {};
  /** Which inputs need a gradient (in argument order; false for non-tensors). */
  needsInputGrad: readonly boolean[] = [];

  /** Tensors that `backward` will read back as `ctx.savedTensors`. */
  saveForBackward(...tensors: Tensor[]): void {
    this.#toSave = tensors;
  }
  /** @internal */
  takeSaved(): Tensor[] {
    return this.#toSave;
  }
}

/** A forward argument: tensors take part in autograd, anything else is passed through. */
type Arg = unknown;

function isTensor(v: unknown): v is Tensor {
  return typeof v === "object" && v !== null && "storage" in v && "gradFn" in v;
}

/**
 * A user-defined differentiable op, as PyTorch's `torch.autograd.Function`: subclass it with
 * static `forward(ctx, ...args)` and `backward(ctx, ...grads)`, and call `apply`.
 *
 * @example
 * class Exp extends torch.autograd.Function {
 *   static forward(ctx: FunctionCtx, x: Tensor) { const y = x.exp(); ctx.saveForBackward(y); return y; }
 *   static backward(ctx: FunctionCtx, g: Tensor) { return g.mul(ctx.savedTensors[0]!); }
 * }
 * const y = Exp.apply(x) as Tensor;
 */
export class Function {
  static forward(_ctx: FunctionCtx, ..._args: Arg[]): Tensor | Tensor[] {
    throw new AutogradError("Function", "subclasses must implement static forward(ctx, ...args)");
  }
  static backward(
    _ctx: FunctionCtx,
    ..._grads: (Tensor | null)[]
  ): Tensor | null | (Tensor | null)[] {
    throw new AutogradError("Function", "subclasses must implement static backward(ctx, ...grads)");
  }

  /** Runs `forward` without recording, then records one node whose gradient is `backward`. */
  static apply(...args: Arg[]): Tensor | Tensor[] {
    const ctx = new FunctionCtx();
    ctx.needsInputGrad = args.map((a) => isTensor(a) && a.requiresGrad);
    const result = noGrad(() => this.forward(ctx, ...args));
    const outputs = Array.isArray(result) ? result : [result];
    const tensorArgs = args.map((a) => (isTensor(a) ? a : null));
    const name = this.name || "Function";
    const backward = this.backward.bind(this);
    recordNode(
      name,
      tensorArgs,
      outputs,
      (grads, saved) => {
        ctx.savedTensors = saved;
        const r = backward(ctx, ...grads);
        const list = Array.isArray(r) ? r : [r];
        if (list.length !== args.length) {
          throw new AutogradError(
            name,
            `backward returned ${list.length} gradients, but forward took ${args.length} arguments`,
          );
        }
        return list.map((g, i) => (tensorArgs[i] ? g : null));
      },
      ctx.takeSaved(),
    );
    return result;
  }
}
