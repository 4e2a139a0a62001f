#!/usr/bin/python3
"""Writes test/golden/nn_basic.json: PyTorch's behaviour of the basic nn layers, which
test/nn/layers-basic.test.ts loads into webtorch's modules and compares.

Run with Debian's torch (`apt-get install python3-torch`):

    /usr/bin/python3 test/golden/gen_nn_basic.py

Deterministic (torch.manual_seed per case). The file:

    {"torch_version": "...", "cases": [case, ...]}

and each case:

    {"name": "Linear/basic",
     "module": {"type": "Linear", "args": [4, 3], "kwargs": {"bias": true},   # webtorch's names
                "children": [[name, module], ...] | null},                     # containers only
     "mode": "train" | "eval",
     "repr": "Linear(in_features=4, out_features=3, bias=True)",             # str(module)
     "state_dict": {"weight": tensor, ...},      # loaded with loadStateDict before the forward
     "pre_inputs": [[tensor, ...], ...],          # forwards run before the checked one (no backward)
     "inputs": [tensor, ...] | null,              # null: a container without forward (repr only)
     "output": tensor, "grad_output": tensor,
     "input_grads": [tensor | null, ...],         # after output.backward(grad_output)
     "param_grads": {"weight": tensor, ...},
     "state_after": {"running_mean": tensor, ...}}   # the whole state dict after the forward

A tensor is {"data": [...row-major...], "shape": [...], "dtype": "float32" | "int32",
"requires_grad": bool}. PyTorch's int64 is recorded as int32 (webtorch's integer dtype).
`kwargs` use webtorch's camelCase names; this script converts them to PyTorch's snake_case.
"""

import json
import os
import re
import warnings
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_default_dtype(torch.float32)
warnings.filterwarnings("ignore")


def enc(t):
    requires_grad = bool(t.requires_grad) and t.is_leaf
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {"data": [int(v) for v in t.reshape(-1).tolist()], "shape": list(t.shape), "dtype": "int32", "requires_grad": False}
    assert t.dtype == torch.float32, t.dtype
    data = [float(str(np.float32(v))) for v in t.reshape(-1).tolist()]
    return {"data": data, "shape": list(t.shape), "dtype": "float32", "requires_grad": requires_grad}


def snake(name):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def build(spec):
    kind = spec["type"]
    if spec.get("children") is not None:
        children = [(n, build(c)) for n, c in spec["children"]]
        if kind == "Sequential":
            if all(n is None for n, _ in children):
                return nn.Sequential(*[m for _, m in children])
            return nn.Sequential(OrderedDict(children))
        if kind == "ModuleList":
            return nn.ModuleList([m for _, m in children])
        if kind == "ModuleDict":
            return nn.ModuleDict(OrderedDict(children))
        raise ValueError(kind)
    kwargs = {snake(k): v for k, v in spec.get("kwargs", {}).items()}
    # a JS array stands for a Python tuple (Unflatten prints its size as given)
    args = [tuple(a) if isinstance(a, list) else a for a in spec.get("args", [])]
    return getattr(nn, kind)(*args, **kwargs)


def mod(kind, *args, **kwargs):
    return {"type": kind, "args": list(args), "kwargs": kwargs, "children": None}


def container(kind, children):
    return {"type": kind, "args": [], "kwargs": {}, "children": children}


# Inputs that hit the activations' corners: exact zeros, the bounds of hardtanh, large values
# (softplus's threshold, ELU's overflow guard).
SPECIAL = [-30.0, -3.0, -2.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0, 2.0, 3.0, 25.0, 30.0]


def randomize_state(module, gen):
    """Replaces every float parameter/buffer with random values (variances stay positive)."""
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=gen))


def make_input(spec, gen):
    if isinstance(spec, dict) and "int" in spec:
        return torch.tensor(spec["int"], dtype=torch.int64)
    if isinstance(spec, dict) and "values" in spec:
        return torch.tensor(spec["values"], dtype=torch.float32).reshape(spec["shape"]).requires_grad_(True)
    return torch.randn(spec, generator=gen).requires_grad_(True)


CASES = []


def case(name, spec, inputs, mode="train", pre_inputs=(), randomize=True, state=None):
    CASES.append((name, spec, inputs, mode, list(pre_inputs), randomize, state))


def run_case(name, spec, input_specs, mode, pre_specs, randomize, state):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234 + len(name))
    module = build(spec)
    if randomize:
        randomize_state(module, gen)
    if state:
        with torch.no_grad():
            for k, v in state.items():
                module.state_dict()[k].copy_(torch.tensor(v))
    state_dict = {k: enc(v) for k, v in module.state_dict().items()}
    module.train(mode == "train")
    out = {"name": name, "module": spec, "mode": mode, "repr": str(module), "state_dict": state_dict}
    if input_specs is None:
        out["inputs"] = None
        return out
    pre = []
    for specs in pre_specs:
        xs = [make_input(s, gen) for s in specs]
        pre.append([enc(x.detach()) for x in xs])
        module(*xs)
    xs = [make_input(s, gen) for s in input_specs]
    out["pre_inputs"] = pre
    out["inputs"] = [enc(x) for x in xs]
    y = module(*xs)
    g = torch.randn(y.shape, generator=gen)
    y.backward(g)
    out["output"] = enc(y)
    out["grad_output"] = enc(g)
    out["input_grads"] = [enc(x.grad) if x.grad is not None else None for x in xs]
    out["param_grads"] = {k: enc(p.grad) for k, p in module.named_parameters() if p.grad is not None}
    out["state_after"] = {k: enc(v) for k, v in module.state_dict().items()}
    return out


special = {"values": SPECIAL, "shape": [2, 7]}

# ---- linear.ts ----
case("Linear/basic", mod("Linear", 4, 3), [[5, 4]])
case("Linear/no_bias_3d", mod("Linear", 4, 3, bias=False), [[2, 3, 4]])
case("Linear/vector_input", mod("Linear", 4, 3), [[4]])
case("Linear/eval", mod("Linear", 6, 2), [[3, 6]], mode="eval")
case("Bilinear/basic", mod("Bilinear", 3, 4, 2), [[5, 3], [5, 4]])
case("Bilinear/no_bias_3d", mod("Bilinear", 3, 2, 4, bias=False), [[2, 3, 3], [2, 3, 2]])
case("Identity/basic", mod("Identity", 54, unused_argument1=0.1), [[2, 3]])
case("Flatten/default", mod("Flatten"), [[2, 3, 4, 5]])
case("Flatten/range", mod("Flatten", 0, 1), [[2, 3, 4]])
case("Unflatten/basic", mod("Unflatten", 1, [2, 3]), [[4, 6]])
case("Unflatten/negative", mod("Unflatten", -1, [2, -1]), [[3, 8]])

# ---- activation.ts ----
case("ReLU/special", mod("ReLU"), [special])
case("LeakyReLU/default", mod("LeakyReLU"), [special])
case("LeakyReLU/slope", mod("LeakyReLU", negativeSlope=0.2), [[3, 4]])
case("ELU/default", mod("ELU"), [special])
case("ELU/alpha", mod("ELU", alpha=0.5), [[3, 4]])
case("GELU/none", mod("GELU"), [special])
case("GELU/tanh", mod("GELU", approximate="tanh"), [special])
case("SiLU/special", mod("SiLU"), [special])
case("Mish/special", mod("Mish"), [special])
case("Softplus/default", mod("Softplus"), [special])
case("Softplus/beta_threshold", mod("Softplus", beta=2, threshold=1), [special])
case("Sigmoid/special", mod("Sigmoid"), [special])
case("Tanh/special", mod("Tanh"), [special])
case("Hardtanh/default", mod("Hardtanh"), [special])
case("Hardtanh/range", mod("Hardtanh", minVal=-2.0, maxVal=0.5), [special])
case("Softmax/dim1", mod("Softmax", 1), [[3, 5]])
case("Softmax/dim_neg", mod("Softmax", -1), [[2, 3, 4]])
case("Softmax/dim_none_3d", mod("Softmax"), [[2, 3, 4]])
case("LogSoftmax/dim1", mod("LogSoftmax", 1), [[3, 5]])
case("PReLU/shared", mod("PReLU"), [[2, 3, 4]])
case("PReLU/channels", mod("PReLU", numParameters=3), [[2, 3, 4]])
case("PReLU/init", mod("PReLU", init=0.1), [special], randomize=False)

# ---- normalization.ts ----
case("BatchNorm1d/train", mod("BatchNorm1d", 3), [[6, 3]])
case("BatchNorm1d/eval", mod("BatchNorm1d", 3), [[6, 3]], mode="eval")
case("BatchNorm1d/train_3d", mod("BatchNorm1d", 3), [[4, 3, 5]])
case("BatchNorm1d/momentum_none", mod("BatchNorm1d", 3, momentum=None), [[5, 3]], pre_inputs=[[[5, 3]], [[5, 3]]], state={"num_batches_tracked": 2})
case("BatchNorm1d/no_affine", mod("BatchNorm1d", 3, affine=False), [[6, 3]])
case("BatchNorm1d/untracked_train", mod("BatchNorm1d", 3, trackRunningStats=False), [[6, 3]])
case("BatchNorm1d/untracked_eval", mod("BatchNorm1d", 3, trackRunningStats=False), [[6, 3]], mode="eval")
case("BatchNorm1d/init", mod("BatchNorm1d", 4), [[3, 4]], randomize=False)
case("BatchNorm2d/train", mod("BatchNorm2d", 3, momentum=0.3, eps=1e-3), [[2, 3, 4, 4]])
case("BatchNorm2d/eval", mod("BatchNorm2d", 3), [[2, 3, 4, 4]], mode="eval")
case("LayerNorm/basic", mod("LayerNorm", 5), [[3, 5]])
case("LayerNorm/2d_shape", mod("LayerNorm", [3, 4]), [[2, 3, 4]])
case("LayerNorm/no_affine_eps", mod("LayerNorm", 6, elementwiseAffine=False, eps=1e-3), [[2, 2, 6]])
case("GroupNorm/basic", mod("GroupNorm", 2, 6), [[2, 6, 5]])
case("GroupNorm/no_affine_4d", mod("GroupNorm", 3, 6, affine=False), [[2, 6, 2, 2]])
case("GroupNorm/one_group", mod("GroupNorm", 1, 4, eps=1e-2), [[3, 4]])

# ---- dropout.ts (eval only: the train masks come from a different generator) ----
case("Dropout/eval", mod("Dropout", 0.3), [[3, 4]], mode="eval")
case("Dropout2d/eval", mod("Dropout2d"), [[2, 3, 2, 2]], mode="eval")

# ---- embedding.ts ----
case("Embedding/basic", mod("Embedding", 10, 3), [{"int": [[1, 2, 4], [4, 3, 9]]}])
case("Embedding/padding", mod("Embedding", 10, 3, paddingIdx=2), [{"int": [[1, 2, 4], [2, 3, 2]]}])
case("Embedding/padding_negative", mod("Embedding", 6, 2, paddingIdx=-1), [{"int": [5, 0, 5, 1]}])
case("Embedding/max_norm", mod("Embedding", 5, 4, maxNorm=1.0), [{"int": [[0, 1], [3, 1]]}])

# ---- container.ts ----
case(
    "Sequential/mlp",
    container("Sequential", [[None, mod("Linear", 4, 8)], [None, mod("Tanh")], [None, mod("Linear", 8, 2)]]),
    [[3, 4]],
)
case(
    "Sequential/named",
    container("Sequential", [["fc", mod("Linear", 3, 5)], ["bn", mod("BatchNorm1d", 5)], ["act", mod("GELU")], ["out", mod("Linear", 5, 1)]]),
    [[4, 3]],
)
case(
    "Sequential/nested",
    container("Sequential", [[None, container("Sequential", [[None, mod("Linear", 2, 2)], [None, mod("ReLU")]])], [None, mod("LayerNorm", 2)]]),
    [[3, 2]],
)
case("ModuleList/repr", container("ModuleList", [[None, mod("Linear", 2, 3)], [None, mod("ReLU")], [None, mod("Dropout", 0.25)]]), None)
case("ModuleDict/repr", container("ModuleDict", [["enc", mod("Linear", 2, 3, bias=False)], ["act", mod("LeakyReLU", negativeSlope=0.1)]]), None)


def main():
    out = {"torch_version": torch.__version__, "cases": [run_case(*c) for c in CASES]}
    path = os.path.join(HERE, "nn_basic.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(out['cases'])} cases")


if __name__ == "__main__":
    main()
