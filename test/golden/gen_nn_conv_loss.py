#!/usr/bin/python3
"""Writes test/golden/nn_conv_loss.json: PyTorch goldens for the convolution and pooling layers,
the losses and torch.nn.utils, checked by test/nn/{conv-pool,loss,utils}.test.ts.

Run with Debian's torch (`apt-get install python3-torch`):

    /usr/bin/python3 test/golden/gen_nn_conv_loss.py

Deterministic: each case seeds torch (module init) and numpy (inputs) from the CRC32 of its name.

    {"torch_version": "...", "modules": [case, ...], "utils": [case, ...]}

A module case:

    {"name": "conv2d/same_even", "module": "Conv2d",
     "args": [...], "kwargs": {...},          # webtorch's constructor (options in camelCase;
                                              # a tensor option is {"tensor": T})
     "repr": "Conv2d(2, 3, kernel_size=...)",  # str(module)
     "state": {"weight": T, ...},              # module.state_dict()
     "inputs": [T + {"requires_grad": bool}],
     "forward_kwargs": {...},                  # extra forward arguments (outputSize)
     "outputs": [T, ...],                      # one, or values + indices (returnIndices)
     "grad_output": T | null,                  # null: out.backward() of a scalar loss
     "input_grads": [T | null], "param_grads": {"weight": T, ...},
     "tol": null | {"rtol": r, "atol": a}}     # a per-case loosening, with its reason in "why"

T is {"data": [...row-major...], "shape": [...], "dtype": "float32" | "int32" | "bool"}; NaN and
infinities are the strings "nan", "inf", "-inf"; int64 is written as "int32".
"""

import json
import math
import os
import warnings
import zlib

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float32)

DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int32", torch.int32: "int32", torch.bool: "bool"}


def enc_float(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(str(np.float32(v)))


def enc(t):
    t = t.detach()
    dtype = DTYPES[t.dtype]
    flat = t.reshape(-1).tolist()
    if dtype == "bool":
        data = [bool(v) for v in flat]
    elif dtype == "int32":
        data = [int(v) for v in flat]
    else:
        data = [enc_float(v) for v in flat]
    return {"data": data, "shape": list(t.shape), "dtype": dtype}


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def enc_kwargs(kw):
    out = {}
    for k, v in kw.items():
        if isinstance(v, torch.Tensor):
            v = {"tensor": enc(v)}
        elif isinstance(v, tuple):
            v = list(v)
        elif isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
            v = enc_float(v)
        out[camel(k)] = v
    return out


rs = np.random.RandomState(0)


def randn(*shape, scale=1.0):
    return torch.tensor((rs.randn(*shape) * scale).astype(np.float32))


def uniform(lo, hi, *shape):
    return torch.tensor(rs.uniform(lo, hi, size=shape).astype(np.float32))


def distinct(*shape):
    """Values without ties (a shuffled, jittered ramp): max pooling's gradient is then unique."""
    n = int(np.prod(shape))
    v = (np.arange(n) - n / 2) * 0.37 + rs.uniform(-0.1, 0.1, size=n)
    rs.shuffle(v)
    return torch.tensor(v.reshape(shape).astype(np.float32))


def randint(lo, hi, *shape):
    return torch.tensor(rs.randint(lo, hi, size=shape).astype(np.int64))


MODULES = []
NAMES = set()


def case(name, module, args, kwargs, inputs, forward_kwargs=None, grads=True, tol=None, why=None):
    """inputs: (tensor, requires_grad) pairs, built after reseeding (call with a lambda)."""
    global rs
    assert name not in NAMES, name
    NAMES.add(name)
    seed = zlib.crc32(name.encode())
    rs = np.random.RandomState(seed)
    torch.manual_seed(seed)
    kwargs = kwargs() if callable(kwargs) else kwargs
    m = getattr(nn, module)(*args, **kwargs)
    # non-default parameter values, so that init is not what is being compared
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(randn(*p.shape, scale=0.5))
    ins = []
    for t, rg in inputs():
        t = t.clone()
        if rg:
            t.requires_grad_(True)
        ins.append(t)
    fkw = forward_kwargs or {}
    out = m(*ins, **fkw)
    outs = list(out) if isinstance(out, tuple) else [out]
    go = None
    if grads:
        main = outs[0]
        if main.dim() == 0:
            main.backward()
        else:
            go = randn(*main.shape)
            main.backward(go)
    c = {
        "name": name,
        "module": module,
        "args": list(args),
        "kwargs": enc_kwargs(kwargs),
        "repr": str(m),
        "state": {k: enc(v) for k, v in m.state_dict().items()},
        "inputs": [dict(enc(t), requires_grad=t.requires_grad) for t in ins],
        "forward_kwargs": enc_kwargs(fkw),
        "outputs": [enc(o) for o in outs],
        "grad_output": enc(go) if go is not None else None,
        "input_grads": [enc(t.grad) if grads and t.requires_grad and t.grad is not None else None for t in ins],
        "param_grads": {k: enc(p.grad) for k, p in m.named_parameters() if grads and p.grad is not None},
        "grads": grads,
        "tol": tol,
        "why": why,
    }
    MODULES.append(c)


# ---- convolution ----

case("conv2d/basic", "Conv2d", [3, 4, 3], {}, lambda: [(randn(2, 3, 7, 6), True)])
case("conv2d/padding1", "Conv2d", [1, 8, 3], {"padding": 1}, lambda: [(randn(2, 1, 8, 8), True)])
case("conv2d/stride_dilation", "Conv2d", [2, 3, (3, 2)], {"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1)}, lambda: [(randn(2, 2, 9, 8), True)])
case("conv2d/same_odd_groups", "Conv2d", [4, 6, 3], {"padding": "same", "groups": 2}, lambda: [(randn(2, 4, 5, 6), True)])
case("conv2d/same_even_asymmetric", "Conv2d", [2, 3, (4, 3)], {"padding": "same", "dilation": (1, 2)}, lambda: [(randn(2, 2, 6, 7), True)])
case("conv2d/same_even_both", "Conv2d", [2, 2, 2], {"padding": "same"}, lambda: [(randn(1, 2, 4, 5), True)])
case("conv2d/valid_nobias", "Conv2d", [3, 2, 2], {"padding": "valid", "bias": False}, lambda: [(randn(2, 3, 5, 4), True)])
case("conv2d/depthwise", "Conv2d", [4, 8, 3], {"padding": 1, "groups": 4}, lambda: [(randn(2, 4, 6, 6), True)])
case("conv2d/unbatched", "Conv2d", [2, 3, 3], {"stride": 2}, lambda: [(randn(2, 7, 5), True)])
case("conv1d/basic", "Conv1d", [3, 5, 3], {"stride": 2, "padding": 1}, lambda: [(randn(2, 3, 10), True)])
case("conv1d/same_even_groups", "Conv1d", [4, 4, 4], {"padding": "same", "groups": 2}, lambda: [(randn(2, 4, 9), True)])
case("conv1d/unbatched_dilation_nobias", "Conv1d", [2, 3, 2], {"dilation": 2, "bias": False}, lambda: [(randn(2, 6), True)])
case("conv1d/valid", "Conv1d", [2, 2, 3], {"padding": "valid"}, lambda: [(randn(3, 2, 5), True)])
case("convT2d/basic", "ConvTranspose2d", [3, 4, 3], {}, lambda: [(randn(2, 3, 4, 5), True)])
case("convT2d/stride_outpad_groups", "ConvTranspose2d", [4, 6, 3], {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}, lambda: [(randn(2, 4, 4, 3), True)])
case("convT2d/dilation_nobias", "ConvTranspose2d", [2, 3, (2, 3)], {"stride": (1, 2), "padding": (0, 1), "dilation": (2, 1), "bias": False}, lambda: [(randn(2, 2, 3, 4), True)])
case("convT2d/output_size", "ConvTranspose2d", [2, 2, 3], {"stride": 2, "padding": 1}, lambda: [(randn(1, 2, 4, 4), True)], forward_kwargs={"output_size": [8, 7]})
case("convT2d/unbatched", "ConvTranspose2d", [2, 3, 2], {"stride": 2}, lambda: [(randn(2, 3, 3), True)])

# ---- pooling ----

case("maxpool2d/basic", "MaxPool2d", [2], {}, lambda: [(distinct(2, 3, 6, 6), True)])
case("maxpool2d/ceil_pad", "MaxPool2d", [3], {"stride": 2, "padding": 1, "ceil_mode": True}, lambda: [(distinct(2, 2, 7, 8), True)])
case("maxpool2d/dilation", "MaxPool2d", [(2, 3)], {"stride": (2, 1), "dilation": (2, 1)}, lambda: [(distinct(1, 2, 7, 6), True)])
case("maxpool2d/return_indices", "MaxPool2d", [2], {"stride": 1, "return_indices": True}, lambda: [(distinct(2, 2, 4, 5), True)])
case("maxpool2d/unbatched_indices_ceil", "MaxPool2d", [2], {"return_indices": True, "ceil_mode": True}, lambda: [(distinct(2, 5, 5), True)])
case("maxpool1d/ceil", "MaxPool1d", [3], {"stride": 2, "ceil_mode": True}, lambda: [(distinct(2, 3, 10), True)])
case("maxpool1d/indices_pad_dilation", "MaxPool1d", [3], {"stride": 2, "padding": 1, "dilation": 2, "return_indices": True}, lambda: [(distinct(2, 2, 11), True)])
case("maxpool1d/unbatched", "MaxPool1d", [2], {}, lambda: [(distinct(3, 7), True)])
case("avgpool2d/basic", "AvgPool2d", [2], {}, lambda: [(randn(2, 3, 6, 6), True)])
case("avgpool2d/pad_exclude", "AvgPool2d", [3], {"stride": 2, "padding": 1, "count_include_pad": False}, lambda: [(randn(2, 2, 7, 6), True)])
case("avgpool2d/ceil", "AvgPool2d", [3], {"stride": 2, "padding": 1, "ceil_mode": True}, lambda: [(randn(2, 2, 8, 7), True)])
case("avgpool2d/ceil_exclude", "AvgPool2d", [(3, 2)], {"stride": 2, "padding": (1, 0), "ceil_mode": True, "count_include_pad": False}, lambda: [(randn(1, 2, 8, 7), True)])
case("avgpool2d/ceil_nopad", "AvgPool2d", [2], {"ceil_mode": True}, lambda: [(randn(1, 2, 5, 5), True)])
case("avgpool2d/divisor_override", "AvgPool2d", [2], {"stride": 1, "divisor_override": 3}, lambda: [(randn(1, 2, 4, 4), True)])
case("avgpool2d/unbatched", "AvgPool2d", [(2, 3)], {"stride": (1, 2)}, lambda: [(randn(2, 5, 7), True)])
case("avgpool1d/basic", "AvgPool1d", [3], {"stride": 2, "padding": 1}, lambda: [(randn(2, 3, 9), True)])
case("avgpool1d/ceil_exclude", "AvgPool1d", [3], {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, lambda: [(randn(2, 2, 8), True)])
case("avgpool1d/unbatched", "AvgPool1d", [2], {}, lambda: [(randn(3, 6), True)])
case("adaptive/even", "AdaptiveAvgPool2d", [2], {}, lambda: [(randn(2, 3, 8, 6), True)])
case("adaptive/uneven", "AdaptiveAvgPool2d", [(3, 4)], {}, lambda: [(randn(2, 3, 7, 9), True)])
case("adaptive/none", "AdaptiveAvgPool2d", [(None, 3)], {}, lambda: [(randn(2, 2, 5, 7), True)])
case("adaptive/global", "AdaptiveAvgPool2d", [1], {}, lambda: [(randn(2, 4, 5, 3), True)])
case("adaptive/upsample", "AdaptiveAvgPool2d", [(5, 4)], {}, lambda: [(randn(1, 2, 3, 3), True)])
case("adaptive/unbatched", "AdaptiveAvgPool2d", [(2, 3)], {}, lambda: [(randn(3, 5, 5), True)])

# ---- losses ----

for red in ["mean", "sum", "none"]:
    case(f"mse/{red}", "MSELoss", [], {"reduction": red}, lambda: [(randn(3, 4), True), (randn(3, 4), True)])
case("l1/mean", "L1Loss", [], {}, lambda: [(randn(3, 4), True), (randn(3, 4), False)])
case("l1/none", "L1Loss", [], {"reduction": "none"}, lambda: [(randn(2, 5), True), (randn(2, 5), True)])
case("smoothl1/beta", "SmoothL1Loss", [], {"beta": 0.5}, lambda: [(randn(4, 5), True), (randn(4, 5), True)])
case("smoothl1/beta0_sum", "SmoothL1Loss", [], {"beta": 0.0, "reduction": "sum"}, lambda: [(randn(3, 3), True), (randn(3, 3), False)])
case("smoothl1/none", "SmoothL1Loss", [], {"reduction": "none"}, lambda: [(randn(6, 2, scale=2), True), (randn(6, 2), False)])
case("huber/mean", "HuberLoss", [], {}, lambda: [(randn(4, 5, scale=2), True), (randn(4, 5), True)])
case("huber/delta_none", "HuberLoss", [], {"delta": 0.7, "reduction": "none"}, lambda: [(randn(3, 4), True), (randn(3, 4), False)])

case("bce/mean", "BCELoss", [], {}, lambda: [(uniform(0.02, 0.98, 4, 3), True), (uniform(0, 1, 4, 3), True)])
case("bce/weight_sum", "BCELoss", [], lambda: {"weight": uniform(0.5, 2, 3), "reduction": "sum"}, lambda: [(uniform(0.05, 0.95, 4, 3), True), (torch.tensor(rs.randint(0, 2, size=(4, 3)).astype(np.float32)), False)])
case("bce/none_near_saturated", "BCELoss", [], {"reduction": "none"}, lambda: [(torch.tensor([1e-6, 0.999, 0.5, 1e-3, 0.9999]), True), (torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0]), False)])
case("bce/saturated_forward", "BCELoss", [], {"reduction": "none"}, lambda: [(torch.tensor([0.0, 1.0, 0.0, 1.0, 0.3]), False), (torch.tensor([1.0, 0.0, 0.0, 1.0, 0.5]), False)], grads=False)
case("bcelogits/mean", "BCEWithLogitsLoss", [], {}, lambda: [(randn(4, 3, scale=2), True), (uniform(0, 1, 4, 3), True)])
case("bcelogits/weight_posweight_none", "BCEWithLogitsLoss", [], lambda: {"weight": uniform(0.5, 2, 4, 1), "pos_weight": uniform(0.5, 3, 3), "reduction": "none"}, lambda: [(randn(4, 3, scale=2), True), (uniform(0, 1, 4, 3), True)])
case("bcelogits/posweight_sum", "BCEWithLogitsLoss", [], lambda: {"pos_weight": uniform(0.5, 3, 5), "reduction": "sum"}, lambda: [(randn(2, 5), True), (torch.tensor(rs.randint(0, 2, size=(2, 5)).astype(np.float32)), False)])
case("bcelogits/extreme_zero", "BCEWithLogitsLoss", [], {"reduction": "none"}, lambda: [(torch.tensor([1e4, -1e4, 0.0, 0.0, 30.0, -30.0, 1e4, -1e4]), True), (torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0]), False)])
case("bcelogits/extreme_posweight_mean", "BCEWithLogitsLoss", [], lambda: {"pos_weight": torch.tensor([2.0, 0.5])}, lambda: [(torch.tensor([[1e4, -1e4], [0.0, 50.0]]), True), (torch.tensor([[0.0, 1.0], [0.5, 1.0]]), False)])

case("ce/basic", "CrossEntropyLoss", [], {}, lambda: [(randn(5, 4), True), (randint(0, 4, 5), False)])
case("ce/weight", "CrossEntropyLoss", [], lambda: {"weight": uniform(0.2, 2, 4)}, lambda: [(randn(6, 4), True), (randint(0, 4, 6), False)])
case("ce/ignore_default_weight", "CrossEntropyLoss", [], lambda: {"weight": uniform(0.2, 2, 3)}, lambda: [(randn(5, 3), True), (torch.tensor([0, -100, 2, -100, 1]), False)])
case("ce/ignore_class_sum", "CrossEntropyLoss", [], {"ignore_index": 2, "reduction": "sum"}, lambda: [(randn(6, 4), True), (torch.tensor([2, 0, 1, 2, 3, 0]), False)])
case("ce/ignore_class_none", "CrossEntropyLoss", [], {"ignore_index": 1, "reduction": "none"}, lambda: [(randn(5, 3), True), (torch.tensor([1, 0, 2, 1, 0]), False)])
case("ce/smoothing_mean", "CrossEntropyLoss", [], {"label_smoothing": 0.1}, lambda: [(randn(6, 5), True), (randint(0, 5, 6), False)])
case("ce/smoothing_weight_ignore", "CrossEntropyLoss", [], lambda: {"label_smoothing": 0.2, "weight": uniform(0.2, 2, 4), "ignore_index": 0}, lambda: [(randn(7, 4), True), (torch.tensor([0, 1, 2, 3, 0, 3, 1]), False)])
case("ce/smoothing_weight_none", "CrossEntropyLoss", [], lambda: {"label_smoothing": 0.3, "weight": uniform(0.2, 2, 3), "reduction": "none"}, lambda: [(randn(4, 3), True), (torch.tensor([0, -100, 2, 1]), False)])
case("ce/smoothing_sum", "CrossEntropyLoss", [], {"label_smoothing": 0.15, "reduction": "sum"}, lambda: [(randn(4, 3), True), (torch.tensor([0, 2, 2, 1]), False)])
case("ce/extreme_logits", "CrossEntropyLoss", [], {}, lambda: [(torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4], [1e4, 1e4, 1e4]]), True), (torch.tensor([0, 2, 2, 1]), False)])
case("ce/extreme_logits_smoothing_none", "CrossEntropyLoss", [], {"label_smoothing": 0.1, "reduction": "none"}, lambda: [(torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]]), True), (torch.tensor([1, 0]), False)])
case("ce/neg_inf_logits", "CrossEntropyLoss", [], {}, lambda: [(torch.tensor([[-math.inf, 1.0, 2.0], [0.5, -math.inf, -math.inf], [3.0, 0.0, -math.inf]]), True), (torch.tensor([1, 0, 1]), False)])
case("ce/neg_inf_ignored", "CrossEntropyLoss", [], {"reduction": "sum"}, lambda: [(torch.tensor([[-math.inf, 1.0, 2.0], [0.5, 1.0, -1.0]]), True), (torch.tensor([-100, 2]), False)])
case("ce/probs_mean", "CrossEntropyLoss", [], {}, lambda: [(randn(4, 5), True), (torch.softmax(randn(4, 5), 1), True)])
case("ce/probs_weight_smoothing", "CrossEntropyLoss", [], lambda: {"weight": uniform(0.2, 2, 3), "label_smoothing": 0.2}, lambda: [(randn(5, 3), True), (torch.softmax(randn(5, 3), 1), False)])
case("ce/probs_none", "CrossEntropyLoss", [], {"reduction": "none"}, lambda: [(randn(3, 4), True), (torch.softmax(randn(3, 4), 1), True)])
case("ce/probs_kdim_sum", "CrossEntropyLoss", [], {"reduction": "sum"}, lambda: [(randn(2, 3, 2, 2), True), (torch.softmax(randn(2, 3, 2, 2), 1), False)])
case("ce/kdim_weight_ignore", "CrossEntropyLoss", [], lambda: {"weight": uniform(0.2, 2, 4)}, lambda: [(randn(2, 4, 3, 2), True), (torch.tensor([[[0, 1], [3, -100], [2, 2]], [[-100, 1], [0, 3], [1, 1]]]), False)])
case("ce/kdim_none", "CrossEntropyLoss", [], {"reduction": "none"}, lambda: [(randn(2, 3, 4), True), (randint(0, 3, 2, 4), False)])
case("ce/unbatched", "CrossEntropyLoss", [], {}, lambda: [(randn(5), True), (torch.tensor(3), False)])
case("ce/all_ignored", "CrossEntropyLoss", [], {}, lambda: [(randn(3, 4), True), (torch.tensor([-100, -100, -100]), False)])
case("ce/double_softmax_pipeline", "CrossEntropyLoss", [], {"label_smoothing": 0.05}, lambda: [(randn(8, 10, scale=3), True), (randint(0, 10, 8), False)])

case("nll/weight_ignore", "NLLLoss", [], lambda: {"weight": uniform(0.2, 2, 4), "ignore_index": 3}, lambda: [(torch.log_softmax(randn(6, 4), 1), True), (torch.tensor([0, 3, 1, 2, 3, 1]), False)])
case("nll/none", "NLLLoss", [], {"reduction": "none"}, lambda: [(randn(4, 3), True), (torch.tensor([2, 0, -100, 1]), False)])
case("nll/kdim_sum", "NLLLoss", [], {"reduction": "sum"}, lambda: [(randn(2, 3, 4), True), (randint(0, 3, 2, 4), False)])
case("nll/unbatched", "NLLLoss", [], {}, lambda: [(randn(4), True), (torch.tensor(1), False)])

case("kldiv/batchmean", "KLDivLoss", [], {"reduction": "batchmean"}, lambda: [(torch.log_softmax(randn(3, 5), 1), True), (torch.softmax(randn(3, 5), 1), True)])
case("kldiv/mean_zero_targets", "KLDivLoss", [], {}, lambda: [(torch.log_softmax(randn(2, 4), 1), True), (torch.tensor([[0.0, 0.5, 0.5, 0.0], [0.25, 0.25, 0.25, 0.25]]), False)])
case("kldiv/log_target_sum", "KLDivLoss", [], {"reduction": "sum", "log_target": True}, lambda: [(torch.log_softmax(randn(3, 4), 1), True), (torch.log_softmax(randn(3, 4), 1), True)])
case("kldiv/none", "KLDivLoss", [], {"reduction": "none"}, lambda: [(randn(2, 3), True), (uniform(0.1, 1, 2, 3), True)])

case("cosine/margin_mean", "CosineEmbeddingLoss", [], {"margin": 0.2}, lambda: [(randn(6, 4), True), (randn(6, 4), True), (torch.tensor([1, -1, 1, -1, -1, 1]), False)])
case("cosine/none", "CosineEmbeddingLoss", [], {"reduction": "none", "margin": -0.5}, lambda: [(randn(5, 3), True), (randn(5, 3), True), (torch.tensor([1.0, -1.0, -1.0, 1.0, -1.0]), False)])
case("cosine/unbatched_sum", "CosineEmbeddingLoss", [], {"reduction": "sum"}, lambda: [(randn(4), True), (randn(4), True), (torch.tensor(-1), False)])


# ---- torch.nn.utils ----

UTILS = []


def utils_case(name, fn, norm_type=None, max_norm=None, clip_value=None):
    global rs
    rs = np.random.RandomState(zlib.crc32(name.encode()))
    shapes = [(3, 4), (5,), (2, 2, 2)]
    params = [torch.nn.Parameter(randn(*s)) for s in shapes]
    grads = [randn(*s, scale=2) for s in shapes]
    # the last parameter has no gradient: it is skipped
    for p, g in zip(params[:2], grads[:2]):
        p.grad = g.clone()
    c = {"name": name, "fn": fn, "params": [enc(p) for p in params], "grads": [enc(g) for g in grads[:2]] + [None]}
    if fn == "clipGradNorm_":
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        c.update(maxNorm=max_norm, normType=enc_float(norm_type) if math.isinf(norm_type) else norm_type, total=enc(total))
    elif fn == "clipGradValue_":
        torch.nn.utils.clip_grad_value_(params, clip_value)
        c.update(clipValue=clip_value)
    elif fn == "parametersToVector":
        c.update(vector=enc(torch.nn.utils.parameters_to_vector(params)))
    c["clipped"] = [enc(p.grad) if p.grad is not None else None for p in params]
    UTILS.append(c)


utils_case("clip_norm/l2_clips", "clipGradNorm_", norm_type=2.0, max_norm=1.0)
utils_case("clip_norm/l2_no_clip", "clipGradNorm_", norm_type=2.0, max_norm=100.0)
utils_case("clip_norm/l1", "clipGradNorm_", norm_type=1.0, max_norm=2.0)
utils_case("clip_norm/inf", "clipGradNorm_", norm_type=math.inf, max_norm=0.5)
utils_case("clip_norm/p3_5", "clipGradNorm_", norm_type=3.5, max_norm=1.5)
utils_case("clip_value", "clipGradValue_", clip_value=0.8)
utils_case("to_vector", "parametersToVector")

out = {"torch_version": torch.__version__, "modules": MODULES, "utils": UTILS}
path = os.path.join(HERE, "nn_conv_loss.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {path}: {len(MODULES)} module cases, {len(UTILS)} utils cases")
