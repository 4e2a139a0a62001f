import { fmtShape } from "../../core/shape.js";
import { formatTensor } from "../format.js";
import type { Tensor } from "../tensor.js";
import { defineMethods } from "./install.js";

/**
 * How a tensor prints and converts to a JS primitive, as Tensor methods.
 */

export interface PrintingMethods {
  /** PyTorch's printout, e.g. `tensor([[1., 2.], [3., 4.]], requires_grad=True)`. */
  toString(): string;
  /** PyTorch's printout of the tensor, from any device. */
  toStringAsync(): Promise<string>;
  /**
   * JS's implicit conversion: the "string" hint (`String(t)`, `${t}`) gives the printout; a number
   * (`t > 0`, `+t`) or the default hint (`l1 += t`, `"" + t`) throws a `TypeError`, since a value
   * needs a read: `await t.item()`.
   */
  [Symbol.toPrimitive](hint: "string" | "number" | "default"): string;
}

/** What PyTorch prints after the values: the device, `grad_fn=<...>` or `requires_grad=True`. */
function suffix(t: Tensor): string[] {
  const extra: string[] = [];
  if (t.device !== "cpu") extra.push(`device='${t.device}'`);
  if (t.gradFn)
    extra.push(`grad_fn=<${t.gradFn.name[0]!.toUpperCase()}${t.gradFn.name.slice(1)}Backward0>`);
  else if (t.requiresGrad) extra.push("requires_grad=True");
  return extra;
}

function toString(this: Tensor): string {
  if (this.isDisposed) return `tensor(<disposed> ${fmtShape(this.shape)}, dtype=${this.dtype})`;
  if (!this.backend.readSync)
    return `tensor(<${this.device}> shape=${fmtShape(this.shape)}, dtype=${this.dtype}; use await t.toStringAsync())`;
  return formatTensor(this.dataSync(), this.shape, this.dtype, suffix(this));
}

/** @internal Puts the printing methods on `Tensor.prototype`. */
export function installPrintingMethods(proto: object): void {
  defineMethods(proto, {
    toString,
    async toStringAsync(this: Tensor): Promise<string> {
      return formatTensor(await this.data(), this.shape, this.dtype, suffix(this));
    },
  });
  Object.defineProperties(proto, {
    [Symbol.toPrimitive]: {
      value(this: Tensor, hint: "string" | "number" | "default"): string {
        if (hint === "string") return this.toString();
        throw new TypeError(
          `Tensor: a tensor of shape ${fmtShape(this.shape)} cannot be used as a ${hint === "number" ? "number" : "primitive value"} (as in t > 0, +t or s += t); read its value with await t.item() (or t.itemSync() on the CPU), or use tensor ops (t.gt(0), s.add(t))`,
        );
      },
      writable: true,
      configurable: true,
    },
    // Prints like PyTorch's `print(t)` (Node's console.log shows the same).
    [Symbol.for("nodejs.util.inspect.custom")]: {
      value(this: Tensor): string {
        return this.toString();
      },
      writable: true,
      configurable: true,
    },
  });
}
