import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { withLeakCheck } from "../util/leaks.js";

const { nn } = torch;

/**
 * Module semantics, as PyTorch's nn.Module: registration by field assignment, dotted names and
 * state-dict order, buffers, loadStateDict's all-or-nothing checks, train/eval, to(), zeroGrad,
 * apply, requiresGrad_, hooks through `call`, and printing. The expected keys and printouts are
 * PyTorch's (from the equivalent Python model).
 */

function param(data: number[]): torch.nn.Parameter {
  const t = torch.tensor(data, { dtype: "float32" });
  const p = new nn.Parameter(t);
  t.dispose();
  return p;
}

/**
 * class Net(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.features = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.BatchNorm1d(8))
 *         self.head = nn.ModuleDict({"cls": nn.Linear(8, 3), "reg": nn.Linear(8, 1, bias=False)})
 *         self.scale = nn.Parameter(torch.ones(1))
 *         self.register_buffer("steps", torch.zeros((), dtype=torch.long))
 *         self.register_buffer("cache", torch.zeros(2), persistent=False)
 */
class Net extends nn.Module {
  features = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.BatchNorm1d(8));
  head = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1, { bias: false }) });
  scale = param([1]);
  constructor() {
    super();
    this.registerBuffer("steps", torch.zeros([], { dtype: "int32" }));
    this.registerBuffer("cache", torch.zeros([2]), { persistent: false });
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() =>
      (this.head.get("cls") as InstanceType<typeof nn.Linear>)
        .forward(this.features.forward(x))
        .mul(this.scale),
    );
  }
}

const NET_REPR =
  "Net(\n  (features): Sequential(\n    (0): Linear(in_features=4, out_features=8, bias=True)\n    (1): ReLU()\n    (2): BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n  )\n  (head): ModuleDict(\n    (cls): Linear(in_features=8, out_features=3, bias=True)\n    (reg): Linear(in_features=8, out_features=1, bias=False)\n  )\n)";

describe("Module", () => {
  withLeakCheck();

  it("registers fields and names parameters, buffers and state-dict keys in PyTorch's order", () => {
    const net = new Net();
    expect([...net.namedParameters()].map(([k]) => k)).toEqual([
      "scale",
      "features.0.weight",
      "features.0.bias",
      "features.2.weight",
      "features.2.bias",
      "head.cls.weight",
      "head.cls.bias",
      "head.reg.weight",
    ]);
    expect([...net.namedBuffers()].map(([k]) => k)).toEqual([
      "steps",
      "cache",
      "features.2.running_mean",
      "features.2.running_var",
      "features.2.num_batches_tracked",
    ]);
    expect(Object.keys(net.stateDict())).toEqual([
      "scale",
      "steps",
      "features.0.weight",
      "features.0.bias",
      "features.2.weight",
      "features.2.bias",
      "features.2.running_mean",
      "features.2.running_var",
      "features.2.num_batches_tracked",
      "head.cls.weight",
      "head.cls.bias",
      "head.reg.weight",
    ]);
    expect([...net.namedChildren()].map(([k]) => k)).toEqual(["features", "head"]);
    expect([...net.namedModules()].map(([k]) => k)).toEqual([
      "",
      "features",
      "features.0",
      "features.1",
      "features.2",
      "head",
      "head.cls",
      "head.reg",
    ]);
    expect(net.parameters()).toHaveLength(8);
    expect(net.stateDict()["scale"]).toBe(net.scale);
    expect(String(net)).toBe(NET_REPR);
    net.dispose();
  });

  it("registers a parameter assigned after construction, and counts a shared one once", () => {
    const a = new nn.Linear(3, 3);
    const b = new nn.Linear(3, 3);
    class Tied extends nn.Module {
      enc = a;
      dec = b;
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Tied();
    (m as unknown as { extra: torch.nn.Parameter }).extra = param([0]);
    expect([...m.namedParameters()].map(([k]) => k)).toEqual([
      "extra",
      "enc.weight",
      "enc.bias",
      "dec.weight",
      "dec.bias",
    ]);
    // weight tying: the same Parameter object in two places
    b.weight.dispose();
    b.weight = a.weight;
    expect([...m.namedParameters()].map(([k]) => k)).toEqual([
      "extra",
      "enc.weight",
      "enc.bias",
      "dec.bias",
    ]);
    m.registerParameter("explicit_name", param([1]));
    expect(Object.keys(m.stateDict())).toContain("explicit_name");
    expect(() => m.registerParameter("a.b", null)).toThrow(
      'registerParameter: invalid name "a.b" (must be non-empty and contain no ".")',
    );
    expect(() => m.registerBuffer("", null)).toThrow(
      'registerBuffer: invalid name "" (must be non-empty and contain no ".")',
    );
    m.dispose();
  });

  it("keeps non-persistent buffers out of the state dict; setBuffer replaces a buffer", () => {
    const net = new Net();
    expect(net.getBuffer("cache")!.shape).toEqual([2]);
    expect(Object.keys(net.stateDict())).not.toContain("cache");
    expect(net.buffers()).toHaveLength(5);
    net.setBuffer("cache", torch.ones([3]));
    expect(net.getBuffer("cache")!.shape).toEqual([3]);
    const one = torch.ones([1]);
    expect(() => net.setBuffer("nope", one)).toThrow('setBuffer: no buffer named "nope"');
    one.dispose();
    net.dispose();
  });

  it("loadStateDict copies values in, and accepts a PyTorch-keyed dict from another model", () => {
    torch.manualSeed(0);
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    for (const [k, t] of Object.entries(a.stateDict()))
      expect([...b.stateDict()[k]!.dataSync()]).toEqual([...t.dataSync()]);
    // the values were copied, not shared
    expect(b.scale).not.toBe(a.scale);
    a.dispose();
    b.dispose();
  });

  it("loadStateDict (strict) names every missing, unexpected and mis-shaped key and changes nothing", () => {
    const lin = new nn.Linear(2, 3);
    const before = [...lin.weight.dataSync()];
    const bad = {
      weight: torch.zeros([3, 5]),
      extra: torch.zeros([1]),
      "bn.running_mean": torch.zeros([2]),
    };
    let msg = "";
    try {
      lin.loadStateDict(bad);
    } catch (e) {
      msg = (e as Error).message;
      expect(e).toBeInstanceOf(torch.ValueError);
    }
    expect(msg).toBe(
      'Linear.loadStateDict: error(s) loading the state dict; nothing was changed. missing key(s) in state_dict: "bias". unexpected key(s) in state_dict: "extra", "bn.running_mean". size mismatch: weight: copying a param with shape [3, 5], the shape in the current model is [3, 2]',
    );
    expect([...lin.weight.dataSync()]).toEqual(before);
    // strict: false loads what matches and reports the rest
    const partial = { bias: torch.ones([3]), extra: torch.zeros([1]) };
    expect(lin.loadStateDict(partial, { strict: false })).toEqual({
      missingKeys: ["weight"],
      unexpectedKeys: ["extra"],
    });
    expect(lin.bias!.tolistSync()).toEqual([1, 1, 1]);
    expect([...lin.weight.dataSync()]).toEqual(before);
    // a mis-shaped key fails even when not strict
    const four = torch.ones([4]);
    expect(() => lin.loadStateDict({ bias: four }, { strict: false })).toThrow(
      "size mismatch: bias: copying a param with shape [4], the shape in the current model is [3]",
    );
    for (const t of [...Object.values(bad), ...Object.values(partial), four]) t.dispose();
    lin.dispose();
  });

  it("train/eval propagate to every descendant and change what dropout and batch norm do", () => {
    const model = new nn.Sequential(
      new nn.Linear(4, 4),
      new nn.Dropout(0.5),
      new nn.Sequential(new nn.BatchNorm1d(4)),
    );
    expect([...model.modules()].every((m) => m.training)).toBe(true);
    expect(model.eval()).toBe(model);
    expect([...model.modules()].some((m) => m.training)).toBe(false);
    torch.tidy(() => {
      const x = torch.randn([8, 4]);
      const y1 = model.forward(x);
      const y2 = model.forward(x);
      // eval: no dropout, running statistics: deterministic
      expect([...y1.dataSync()]).toEqual([...y2.dataSync()]);
    });
    model.train();
    expect([...model.modules()].every((m) => m.training)).toBe(true);
    model.train(false);
    expect(model.at(1).training).toBe(false);
    model.dispose();
  });

  it('to("float64") converts parameters (keeping their identity), float buffers and grads, not int buffers', () => {
    const net = new Net();
    const w = net.features.at(0) as InstanceType<typeof nn.Linear>;
    const weight = w.weight;
    torch.tidy(() =>
      net
        .forward(torch.randn([5, 4]))
        .sum()
        .backward(),
    );
    expect(net.to("float64")).toBe(net);
    expect(w.weight).toBe(weight);
    expect(weight.dtype).toBe("float64");
    expect(weight.grad!.dtype).toBe("float64");
    expect(weight.requiresGrad).toBe(true);
    expect(net.getBuffer("cache")!.dtype).toBe("float64");
    expect(net.stateDict()["features.2.running_var"]!.dtype).toBe("float64");
    expect(net.stateDict()["features.2.num_batches_tracked"]!.dtype).toBe("int32");
    expect(net.getBuffer("steps")!.dtype).toBe("int32");
    const y = torch.tidy(() => net.forward(torch.randn([5, 4], { dtype: "float64" })));
    expect(y.dtype).toBe("float64");
    y.dispose();
    net.to("cpu");
    net.dispose();
  });

  it("zeroGrad drops the gradients by default and zeroes them with setToNone: false", () => {
    const lin = new nn.Linear(3, 2);
    const step = () =>
      torch.tidy(() =>
        lin
          .forward(torch.ones([1, 3]))
          .sum()
          .backward(),
      );
    step();
    expect(lin.weight.grad).not.toBeNull();
    lin.zeroGrad();
    expect(lin.weight.grad).toBeNull();
    expect(lin.bias!.grad).toBeNull();
    step();
    lin.zeroGrad({ setToNone: false });
    expect(lin.weight.grad!.dataSync().every((v) => v === 0)).toBe(true);
    step();
    step();
    // gradients accumulate across backward calls
    expect(lin.bias!.grad!.tolistSync()).toEqual([2, 2]);
    lin.dispose();
  });

  it("apply visits children first, then the module; requiresGrad_ toggles every parameter", () => {
    const model = new nn.Sequential(
      new nn.Linear(2, 2),
      new nn.Sequential(new nn.Tanh(), new nn.Linear(2, 1)),
    );
    const order: string[] = [];
    model.apply((m) => order.push(m.constructor.name));
    expect(order).toEqual(["Linear", "Tanh", "Linear", "Sequential", "Sequential"]);
    model.apply((m) => {
      if (m instanceof nn.Linear) {
        nn.init.constant_(m.weight, 0.5);
        nn.init.zeros_(m.bias!);
      }
    });
    expect((model.at(0) as InstanceType<typeof nn.Linear>).weight.tolistSync()).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    expect(model.requiresGrad_(false)).toBe(model);
    expect(model.parameters().every((p) => !p.requiresGrad)).toBe(true);
    model.requiresGrad_();
    expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
    model.dispose();
  });

  it("call runs forward pre-hooks and hooks; removing them stops them", () => {
    const lin = new nn.Linear(2, 2);
    nn.init.eye_(lin.weight);
    nn.init.zeros_(lin.bias!);
    const calls: string[] = [];
    const removePre = lin.registerForwardPreHook((_m, args) => {
      calls.push("pre");
      return [(args[0] as Tensor).mul(2)];
    });
    const removePost = lin.registerForwardHook((_m, _args, out) => {
      calls.push("post");
      return (out as Tensor).add(1);
    });
    torch.tidy(() => {
      const x = torch.tensor([[1, 2]], { dtype: "float32" });
      expect(lin.call(x).tolistSync()).toEqual([[3, 5]]);
      // forward itself runs no hooks
      expect(lin.forward(x).tolistSync()).toEqual([[1, 2]]);
      removePre();
      removePost();
      expect(lin.call(x).tolistSync()).toEqual([[1, 2]]);
    });
    expect(calls).toEqual(["pre", "post"]);
    lin.dispose();
  });

  it("prints a module with its extra repr and children", () => {
    class Scaled extends nn.Module {
      inner = new nn.Linear(2, 2);
      constructor(readonly factor: number) {
        super();
      }
      forward(x: Tensor): Tensor {
        return torch.tidy(() => this.inner.forward(x).mul(this.factor));
      }
      override extraRepr(): string {
        return `factor=${this.factor}`;
      }
    }
    const m = new Scaled(3);
    expect(String(m)).toBe(
      "Scaled(\n  factor=3\n  (inner): Linear(in_features=2, out_features=2, bias=True)\n)",
    );
    const p = param([1, 2]);
    expect(String(p)).toBe("Parameter containing:\ntensor([1., 2.], requires_grad=True)");
    p.dispose();
    m.dispose();
  });

  it("a functional model trains: one SGD step by hand lowers the loss", () => {
    torch.manualSeed(0);
    const model = new nn.Sequential(
      new nn.Linear(3, 8),
      new nn.GELU(),
      new nn.LayerNorm(8),
      new nn.Linear(8, 1),
    );
    const x = torch.randn([16, 3]);
    const target = torch.randn([16, 1]);
    const lossOf = () => torch.tidy(() => model.forward(x).sub(target).square().mean());
    const l0 = lossOf();
    torch.tidy(() => l0.backward());
    torch.noGrad(() => {
      torch.tidy(() => {
        for (const p of model.parameters()) p.sub_(p.grad!.mul(0.1));
      });
    });
    model.zeroGrad();
    const l1 = torch.noGrad(lossOf);
    expect(l1.itemSync()).toBeLessThan(l0.itemSync());
    for (const t of [x, target, l0, l1]) t.dispose();
    model.dispose();
  });

  it("dispose frees every parameter, buffer and gradient", () => {
    const before = torch.memory().numTensors;
    const net = new Net();
    torch.tidy(() =>
      net
        .forward(torch.randn([3, 4]))
        .sum()
        .backward(),
    );
    net.dispose();
    expect(torch.memory().numTensors).toBe(before);
    expect(net.scale.isDisposed).toBe(true);
    expect(() => net.scale.add(1)).toThrow(/used after dispose/);
  });
});
