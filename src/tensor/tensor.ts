import type { Backend, DeviceName } from "../backends/backend.js";
import { isContiguous, type Storage, type View } from "../core/layout.js";
import type { DType, DTypeName, TypedArray } from "../core/dtype.js";
import { isDTypeName, isFloat, normalizeDType } from "../core/dtype.js";
import { AutogradError, DeviceError, DTypeError, TensorError, ValueError } from "../core/errors.js";
import {
  finalizationTurn,
  finalizer,
  noteTensorCreated,
  noteTensorDisposed,
  releaseStorage,
  track,
  type Tracked,
} from "../core/memory.js";
import { fmtShape, numel, type Shape } from "../core/shape.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import type { GradHook, Node } from "../autograd/node.js";
import { runBackward } from "../autograd/engine.js";
import { registerTensorClass } from "../ops/dispatch.js";
import { cast, contiguousCopy } from "../ops/elementwise.js";
import { axis, transpose } from "../ops/movement.js";
import { installElementwiseMethods, type ElementwiseMethods } from "./methods/elementwise.js";
import { installInPlaceMethods, type InPlaceMethods } from "./methods/in-place.js";
import { installReduceMethods, type ReduceMethods } from "./methods/reduce.js";
import { installPrintingMethods, type PrintingMethods } from "./methods/printing.js";
import { installShapeMethods, type ShapeMethods } from "./methods/shape.js";
import { nest } from "./nest.js";
import { toDevice, toDeviceAsync } from "./transfer.js";

/** A JS value that acts as a 0-d tensor in ops (a weak scalar). */
export type Scalar = number | boolean;
/** A tensor or a JS number (a weak scalar that takes the tensor's dtype where it can). */
export type TensorOrScalar = Tensor | Scalar;
/** A nested array of numbers/booleans, as `tolist()` returns and `tensor()` takes. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array on one device, with autograd. A tensor is a strided view of a storage:
 * views (`view`, `transpose`, `index`, ...) share the storage and differ only in shape, strides
 * and offset.
 *
 * Values are read back asynchronously (`await t.data()`, `await t.tolist()`, `await t.item()`);
 * on the CPU `dataSync()`/`itemSync()` also work.
 *
 * @example
 * const x = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum();
 * y.backward();
 * console.log(await x.grad!.tolist()); // [[2, 4], [6, 8]]
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see interface Tensor
export class Tensor implements View, Tracked {
  /** The buffer it views, shared with its other views. */
  readonly storage: Storage;
  /** The size of each dim (`Tensor.shape`), e.g. `[2, 3]`; `[]` for a scalar. */
  readonly shape: Shape;
  /** In elements; 0 for broadcast dims. */
  readonly strides: readonly number[];
  /** Where its first element is in the storage, in elements. */
  readonly offset: number;
  /** The accumulated gradient of a leaf (or of a tensor that called `retainGrad`). */
  grad: Tensor | null = null;
  #gradFn: Node | null = null;
  /** A saved handle's gradFn is a weak reference: it does not keep the graph alive. */
  #weakGradFn = false;
  /** For a saved handle on a leaf: the leaf whose `.grad` receives its gradient. */
  #leaf: Tensor | null = null;
  /** What the FinalizationRegistry releases if this tensor is collected undisposed. */
  readonly #held: { storage: Storage; device: string; node: Node | null };
  /** Which output of `gradFn` this tensor is. */
  outputIndex = 0;
  /** Set by `torch.keep`: no enclosing `tidy` disposes it. */
  kept = false;
  #requiresGrad = false;
  #disposed = false;
  #hooks: GradHook[] | null = null;

  /** Use `torch.tensor`, `torch.zeros`, ... to make tensors. @internal */
  constructor(storage: Storage, shape: Shape, strides: readonly number[], offset: number) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    storage.refs++;
    noteTensorCreated(storage.backend.name);
    this.#held = { storage, device: storage.backend.name, node: null };
    finalizer.register(this, this.#held, this);
    track(this);
  }

  /** The op that made this tensor, if it was recorded on the tape. */
  get gradFn(): Node | null {
    return this.#gradFn;
  }

  #setGradFn(node: Node | null): void {
    if (node === this.#gradFn) return;
    const old = this.#gradFn;
    this.#gradFn = node;
    if (this.#weakGradFn) return;
    node?.ref();
    this.#held.node = node;
    old?.unref();
  }

  /**
   * The leaf whose `.grad` a gradient reaching this tensor goes to: itself, or the original of a
   * saved handle.
   * @internal
   */
  get gradLeaf(): Tensor {
    return this.#leaf ?? this;
  }

  // ---- metadata ----

  /** The element type: `"float32"`, `"float64"`, `"int32"` or `"bool"` (`Tensor.dtype`). */
  get dtype(): DType {
    return this.storage.dtype;
  }
  /** The device its storage lives on: `"cpu"` or `"webgpu"` (`Tensor.device`). */
  get device(): DeviceName {
    return this.storage.backend.name;
  }
  /** The backend object that owns its storage (its kernels and memory). @internal */
  get backend(): Backend {
    return this.storage.backend;
  }
  /** The number of dims (`Tensor.ndim`); 0 for a scalar. */
  get ndim(): number {
    return this.shape.length;
  }
  /** The in-place version counter of the storage (shared by all views of it). */
  get version(): number {
    return this.storage.version;
  }
  /** Whether `dispose()` was called; using a disposed tensor throws. */
  get isDisposed(): boolean {
    return this.#disposed;
  }
  /** Whether no recorded op made it (`Tensor.is_leaf`): user tensors and parameters are leaves. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /**
   * Whether autograd tracks it (`Tensor.requires_grad`); set it on a float leaf to make
   * `backward()` fill its `.grad`.
   */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(on: boolean) {
    this.requiresGrad_(on);
  }
  /** Whether a non-leaf keeps its `.grad` (see `retainGrad`). */
  get retainsGrad(): boolean {
    return this.gradFn?.retained?.get(this.outputIndex) === this;
  }

  /**
   * The shape, or the size of dim `dim` (`Tensor.size`); a negative dim counts from the end.
   *
   * @example
   * torch.zeros([2, 3]).size(-1); // 3
   */
  size(): Shape;
  size(dim: number): number;
  size(dim?: number): Shape | number {
    if (dim === undefined) return this.shape;
    return this.shape[axis(dim, this.ndim, "size")]!;
  }
  /** The number of elements (`Tensor.numel`): the product of the shape. */
  numel(): number {
    return numel(this.shape);
  }
  /** The number of dims (`Tensor.dim`), as `ndim`. */
  dim(): number {
    return this.shape.length;
  }
  /** Whether its elements are one dense row-major block (`Tensor.is_contiguous`). */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  /** Whether its dtype is float32 or float64 (`Tensor.is_floating_point`). */
  isFloatingPoint(): boolean {
    return isFloat(this.dtype);
  }

  // ---- memory ----

  /** Frees this tensor's hold on its storage (and its `.grad`). Using it afterwards throws. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    finalizer.unregister(this);
    noteTensorDisposed(this.storage.backend.name);
    releaseStorage(this.storage);
    if (this.grad && this.grad !== this) this.grad.dispose();
    this.grad = null;
    this.#setGradFn(null);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * Makes this tensor a handle on `src`'s data, keeping its identity (PyTorch's `t.data = src`):
   * how `module.to(device)` moves parameters that optimizers already hold.
   */
  setData_(src: Tensor): this {
    this.#checkLive("setData_");
    if (src.storage === this.storage && src.offset === this.offset && src.strides === this.strides)
      return this;
    const old = this.storage;
    src.storage.refs++;
    const self = this as {
      storage: Storage;
      shape: Shape;
      strides: readonly number[];
      offset: number;
    };
    self.storage = src.storage;
    self.shape = src.shape;
    self.strides = src.strides;
    self.offset = src.offset;
    this.#held.storage = src.storage;
    this.#held.device = src.device;
    noteTensorDisposed(old.backend.name);
    noteTensorCreated(src.device);
    releaseStorage(old);
    return this;
  }

  /** A second handle on the same view, owned by an autograd node (not by any scope). @internal */
  share(): Tensor {
    const t = new Tensor(this.storage, this.shape, this.strides, this.offset);
    t.kept = true;
    // It stays on the graph (for double backward) without holding the graph alive.
    t.#weakGradFn = true;
    t.#gradFn = this.#gradFn;
    t.outputIndex = this.outputIndex;
    t.#requiresGrad = this.#requiresGrad;
    if (!this.#gradFn && this.#requiresGrad) t.#leaf = this.gradLeaf;
    return t;
  }

  /** Makes this tensor output `index` of `node`. @internal */
  attachGradFn(node: Node, index: number): void {
    this.#setGradFn(node);
    this.outputIndex = index;
    this.#requiresGrad = true;
  }

  // ---- readback ----

  #checkLive(op: string): void {
    if (this.#disposed)
      throw new TensorError(
        op,
        `a ${this.dtype} tensor of shape ${fmtShape(this.shape)} was used after dispose()`,
      );
  }

  /**
   * The values in row-major order, as a fresh typed array of its dtype (bool: Uint8Array). The one
   * asynchronous read; it waits for the GPU work that writes the tensor.
   *
   * @example
   * const values = await t.data(); // Float32Array
   */
  async data(): Promise<TypedArray> {
    this.#checkLive("data");
    let out: TypedArray;
    if (this.isContiguous()) out = this.#window(await this.backend.read(this.storage));
    else {
      const c = contiguousCopy(this);
      try {
        out = (await c.backend.read(c.storage)).slice();
      } finally {
        c.dispose();
      }
    }
    // Lets the FinalizationRegistry free what loops without tidy dropped (see finalizationTurn).
    const turn = finalizationTurn();
    if (turn) await turn;
    return out;
  }

  /**
   * The values, read synchronously: CPU tensors only (a GPU tensor throws a `DeviceError` that
   * says to `await t.data()`).
   */
  dataSync(): TypedArray {
    this.#checkLive("dataSync");
    this.#checkSyncRead("dataSync", "data");
    const backend = this.backend;
    if (this.isContiguous()) return this.#window(backend.readSync(this.storage));
    const c = contiguousCopy(this);
    const out = backend.readSync(c.storage).slice();
    c.dispose();
    return out;
  }

  /** Throws a `DeviceError` naming `op` (and the async form to use) off the CPU. */
  #checkSyncRead(op: string, asyncForm: string): asserts this is { backend: { readSync: object } } {
    const backend = this.backend;
    if (!backend.readSync)
      throw new DeviceError(
        op,
        `cannot read a ${backend.name} tensor synchronously; use await t.${asyncForm}()`,
      );
  }

  /** A copy of this contiguous tensor's elements out of its storage's contents. */
  #window(all: TypedArray): TypedArray {
    return all.slice(this.offset, this.offset + this.numel());
  }

  /**
   * The values as nested arrays (`Tensor.tolist`): booleans for bool tensors, a bare value for 0-d.
   *
   * @example
   * await torch.tensor([[1, 2], [3, 4]]).tolist(); // [[1, 2], [3, 4]]
   */
  async tolist(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype);
  }
  /** `tolist()`, read synchronously: CPU tensors only. */
  tolistSync(): NestedArray {
    this.#checkLive("tolistSync");
    this.#checkSyncRead("tolistSync", "tolist");
    return nest(this.dataSync(), this.shape, this.dtype);
  }

  /**
   * The value of a one-element tensor (`Tensor.item`): a number, or a boolean for a bool tensor
   * as PyTorch's (type it `await t.item<boolean>()`).
   *
   * @example
   * const loss = await lossTensor.item();
   */
  item(): Promise<number>;
  item<T extends number | boolean>(): Promise<T>;
  async item(): Promise<number | boolean> {
    this.#checkLive("item");
    this.#checkItem();
    const v = (await this.data())[0]!;
    return this.dtype === "bool" ? v !== 0 : v;
  }
  /** `item()`, read synchronously: CPU tensors only (a boolean for a bool tensor). */
  itemSync(): number;
  itemSync<T extends number | boolean>(): T;
  itemSync(): number | boolean {
    this.#checkLive("itemSync");
    this.#checkSyncRead("itemSync", "item");
    this.#checkItem();
    const v = this.dataSync()[0]!;
    return this.dtype === "bool" ? v !== 0 : v;
  }
  #checkItem(): void {
    if (this.numel() !== 1)
      throw new ValueError(
        "item",
        `a tensor with ${this.numel()} elements cannot be converted to a number (shape ${fmtShape(this.shape)})`,
      );
  }

  // ---- devices and dtypes ----

  /**
   * This tensor on `device` and/or as `dtype` (`Tensor.to`); itself when nothing changes.
   * Synchronous from the CPU; differentiable. From a GPU to the CPU use `await t.toAsync("cpu")`.
   *
   * @example
   * const g = x.to("webgpu");
   * const d = x.to("float64");
   * const labels = y.to("long"); // int32
   */
  to(target: DeviceName | DTypeName, dtype?: DTypeName): Tensor {
    if (target !== "cpu" && target !== "webgpu" && target !== "gpujs" && isDTypeName(target))
      return this.toType(target, "to");
    const to = normalizeDType(dtype, "to");
    const moved = toDevice(this, target as DeviceName);
    if (to && to !== moved.dtype) {
      const cast = moved.toType(to);
      if (moved !== this) moved.dispose();
      return cast;
    }
    return moved;
  }
  /** `to(device)` that also works from a GPU to the CPU (the read is asynchronous). */
  toAsync(device: DeviceName): Promise<Tensor> {
    return toDeviceAsync(this, device);
  }
  /** This tensor on the CPU (`Tensor.cpu`); from a GPU use `await t.toAsync("cpu")`. */
  cpu(): Tensor {
    return this.to("cpu");
  }
  /**
   * This tensor as `dtype` (`Tensor.type`): a converted copy, or itself if it already has it;
   * differentiable between float dtypes. (`op` names the method in errors: `float`, `to`, ...; internal.)
   */
  toType(dtype: DTypeName, op = "toType"): Tensor {
    this.#checkLive(op);
    const d = normalizeDType(dtype, op);
    return d === this.dtype ? this : cast(this, d);
  }
  /** As float32 (`Tensor.float`). */
  float(): Tensor {
    return this.toType("float32", "float");
  }
  /** As float64 (`Tensor.double`; CPU only). */
  double(): Tensor {
    return this.toType("float64", "double");
  }
  /** As int32 (`Tensor.int`). */
  int(): Tensor {
    return this.toType("int32", "int");
  }
  /**
   * As int32 (`Tensor.long`: PyTorch's int64; 64-bit integers are stored as int32 here, and a
   * value outside int32 is an error).
   *
   * @example
   * const labels = torch.tensor([0, 2, 1]).long(); // int32
   */
  long(): Tensor {
    return this.toType("int32", "long");
  }
  /** As bool, nonzero is true (`Tensor.bool`). */
  bool(): Tensor {
    return this.toType("bool", "bool");
  }

  // ---- autograd ----

  /**
   * Sets `requiresGrad` on a float leaf and returns it (`Tensor.requires_grad_`).
   *
   * @example
   * const w = torch.randn([3, 3]).requiresGrad_();
   */
  requiresGrad_(on = true): this {
    this.#checkLive("requiresGrad_");
    if (!this.isLeaf) {
      throw new AutogradError(
        "requiresGrad_",
        "you can only change requiresGrad of leaf tensors; use detach() to make a leaf from a non-leaf",
      );
    }
    if (on && !isFloat(this.dtype))
      throw new DTypeError(
        "requiresGrad_",
        `only floating-point tensors can require gradients; got ${this.dtype}`,
      );
    this.#requiresGrad = on;
    return this;
  }

  /**
   * Computes the gradient of this tensor with respect to the graph's leaves and adds it to their
   * `.grad` (`Tensor.backward`); `gradient` defaults to 1 for a one-element tensor. Frees the
   * graph's saved tensors unless `retainGraph`; `createGraph` records the backward pass (double
   * backward).
   *
   * @example
   * const loss = model.forward(x).sub(y).square().mean();
   * loss.backward();
   */
  backward(
    gradient?: Tensor,
    options: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] } = {},
  ): void {
    runBackward([this], gradient ? [gradient] : [null], options);
  }

  /** Keeps `.grad` for this non-leaf tensor after backward (`Tensor.retain_grad`). */
  retainGrad(): void {
    this.#checkLive("retainGrad");
    if (!this.requiresGrad)
      throw new AutogradError(
        "retainGrad",
        "cannot retain the gradient of a tensor that does not require grad",
      );
    if (this.isLeaf) return;
    this.gradFn!.retained ??= new Map();
    this.gradFn!.retained.set(this.outputIndex, this);
  }

  /**
   * Registers `hook(grad)`, called when this tensor's gradient is computed; a returned tensor
   * replaces the gradient (`Tensor.register_hook`). Returns a function that removes the hook.
   */
  registerHook(hook: GradHook): () => void {
    this.#checkLive("registerHook");
    if (!this.requiresGrad)
      throw new AutogradError(
        "registerHook",
        "cannot register a hook on a tensor that does not require grad",
      );
    if (this.gradFn) {
      this.gradFn.addHook(this.outputIndex, hook);
      const list = this.gradFn.hooks!.get(this.outputIndex)!;
      return () => void list.splice(list.indexOf(hook) >>> 0, 1);
    }
    (this.#hooks ??= []).push(hook);
    const list = this.#hooks;
    return () => void list.splice(list.indexOf(hook) >>> 0, 1);
  }
  /** The hooks of a leaf. @internal */
  get leafHooks(): readonly GradHook[] {
    return this.#hooks ?? [];
  }

  /**
   * A tensor sharing this storage, cut from the graph (`Tensor.detach`): a leaf that does not
   * require grad.
   */
  detach(): Tensor {
    this.#checkLive("detach");
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }
  /** Cuts this tensor from the graph in place (`Tensor.detach_`). */
  detach_(): this {
    this.#checkLive("detach_");
    this.#setGradFn(null);
    this.#requiresGrad = false;
    return this;
  }

  // ---- in-place ----

  /** Checks that an in-place op may write this tensor. @internal */
  checkInPlace(op: string, overlapOk = false): void {
    this.#checkLive(op);
    // as PyTorch: a write through a broadcast (stride-0) dim would land several results on one
    // element (fill_ and zero_, which write one value everywhere, pass overlapOk)
    if (!overlapOk && this.shape.some((n, i) => n > 1 && this.strides[i] === 0)) {
      throw new TensorError(
        op,
        "unsupported operation: more than one element of the written-to tensor refers to a single memory location; clone() it first",
      );
    }
    if (this.isLeaf && this.requiresGrad && isGradEnabled()) {
      throw new AutogradError(
        op,
        "a leaf tensor that requires grad is being used in an in-place operation; wrap it in torch.noGrad(() => ...) or use the out-of-place op",
      );
    }
  }
  /** Takes the place of `result` in the graph after its values were copied in. @internal */
  rebase(result: Tensor): void {
    if (result.gradFn) {
      this.#setGradFn(result.gradFn);
      this.outputIndex = result.outputIndex;
      this.#requiresGrad = true;
    }
  }

  // ---- views and copies of the tensor itself ----

  /** The last two dims swapped (`Tensor.mT`), a view. Shapes: `(*, m, n)` -> `(*, n, m)`. */
  get mT(): Tensor {
    this.#checkLive("mT");
    return transpose(this, -2, -1);
  }
  /** This tensor if contiguous, else a contiguous copy (`Tensor.contiguous`); differentiable. */
  contiguous(): Tensor {
    this.#checkLive("contiguous");
    return this.isContiguous() ? this : contiguousCopy(this);
  }
  /** A contiguous copy that stays on the graph (`Tensor.clone`): its gradient flows back. */
  clone(): Tensor {
    this.#checkLive("clone");
    return contiguousCopy(this);
  }
}

// NOTE: the op methods (`x.add(y)`, `x.sum()`, `x.view(...)`, ...) are declared in `methods/` and
// installed on the prototype below; this merges their declarations into the class's type.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- installed below
export interface Tensor
  extends ElementwiseMethods, InPlaceMethods, ReduceMethods, ShapeMethods, PrintingMethods {}

installElementwiseMethods(Tensor.prototype);
installInPlaceMethods(Tensor.prototype);
installReduceMethods(Tensor.prototype);
installShapeMethods(Tensor.prototype);
installPrintingMethods(Tensor.prototype);
registerTensorClass(Tensor);
