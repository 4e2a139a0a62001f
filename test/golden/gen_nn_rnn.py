#!/usr/bin/python3
"""Writes test/golden/nn_rnn.json: PyTorch's behaviour of the recurrent modules (RNN, LSTM, GRU),
their cells and a small sequence classifier, which test/nn/rnn-*.test.ts load into webtorch and
compare.

Run with Debian's torch (`apt-get install python3-torch`):

    /usr/bin/python3 test/golden/gen_nn_rnn.py

Deterministic (one seeded generator per case). The file:

    {"torch_version": "...", "cases": [case, ...], "cells": [cell, ...], "simple_lstm": {...},
     "packing": [pack, ...]}

A module case:

    {"name": "LSTM/2layer_bidir",
     "module": {"type": "LSTM", "args": [4, 6], "kwargs": {"numLayers": 2, ...}},  # webtorch's names
     "mode": "train" | "eval", "repr": str(module),
     "state_dict": {key: tensor, ...},           # in PyTorch's order (the keys' order is checked)
     "input": tensor,                            # padded (L, B, Hin) / (B, L, Hin) / (L, Hin)
     "packed": null | {"lengths": [...], "enforce_sorted": bool},  # pack_padded_sequence(input, ...)
     "h0": tensor | null, "c0": tensor | null,   # the initial state given (null: none)
     "output": tensor,                           # the packed data when packed
     "hn": tensor, "cn": tensor | null,
     "grad_output": tensor, "grad_hn": tensor, "grad_cn": tensor | null,
     "grads": {"input": tensor, "h0": tensor | null, "c0": tensor | null},
     "param_grads": {key: tensor, ...}}

The gradients are those of sum(output * grad_output) + sum(hn * grad_hn) (+ sum(cn * grad_cn)).
A cell case has the same fields with "h0"/"c0" the state and "output" the new h ("cn" the new c).
A tensor is {"data": [...row-major...], "shape": [...], "dtype": "float32" | "int32"}.
"""

import json
import os
import re
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_default_dtype(torch.float32)
warnings.filterwarnings("ignore")

L, B, HIN, H = 5, 3, 4, 6


def enc(t):
    if t is None:
        return None
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {"data": [int(v) for v in t.reshape(-1).tolist()], "shape": list(t.shape), "dtype": "int32"}
    assert t.dtype == torch.float32, t.dtype
    data = [float(str(np.float32(v))) for v in t.reshape(-1).tolist()]
    return {"data": data, "shape": list(t.shape), "dtype": "float32"}


def snake(name):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def build(kind, args, kwargs):
    return getattr(nn, kind)(*args, **{snake(k): v for k, v in kwargs.items()})


def rand(gen, *shape, requires_grad=True):
    return torch.randn(*shape, generator=gen).requires_grad_(requires_grad)


def scalar_loss(pairs):
    return sum((y * g).sum() for y, g in pairs if y is not None)


CASES = []


def case(name, kind, args=(HIN, H), kwargs=None, mode="train", shape=None, h0=False, packed=None):
    """`shape`: the padded input's shape (default (L, B, Hin), batch-first when asked);
    `packed`: (lengths, enforce_sorted) to feed pack_padded_sequence(input, lengths)."""
    kwargs = kwargs or {}
    gen = torch.Generator().manual_seed(100 + len(CASES))
    torch.manual_seed(0)
    m = build(kind, list(args), kwargs)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    m.train(mode == "train")
    batch_first = kwargs.get("batchFirst", False)
    if shape is None:
        shape = (B, L, args[0]) if batch_first else (L, B, args[0])
    x = rand(gen, *shape)
    dirs = 2 if kwargs.get("bidirectional") else 1
    layers = kwargs.get("numLayers", 1)
    hout = kwargs.get("projSize", 0) or args[1]
    unbatched = len(shape) == 2
    state_batch = () if unbatched else (shape[0] if batch_first else shape[1],)
    h = rand(gen, dirs * layers, *state_batch, hout) if h0 else None
    c = rand(gen, dirs * layers, *state_batch, args[1]) if h0 and kind == "LSTM" else None
    inp = x
    if packed:
        inp = pack_padded_sequence(x, packed[0], batch_first=batch_first, enforce_sorted=packed[1])
    hx = (h, c) if kind == "LSTM" and h0 else h
    out, hn = m(inp, hx) if h0 else m(inp)
    cn = None
    if kind == "LSTM":
        hn, cn = hn
    out_t = out.data if packed else out
    g_out, g_hn = torch.randn(out_t.shape, generator=gen), torch.randn(hn.shape, generator=gen)
    g_cn = torch.randn(cn.shape, generator=gen) if cn is not None else None
    scalar_loss([(out_t, g_out), (hn, g_hn), (cn, g_cn)]).backward()
    CASES.append({
        "name": name,
        "module": {"type": kind, "args": list(args), "kwargs": kwargs},
        "mode": mode,
        "repr": str(m),
        "state_dict": {k: enc(v) for k, v in m.state_dict().items()},
        "input": enc(x),
        "packed": {"lengths": packed[0], "enforce_sorted": packed[1]} if packed else None,
        "h0": enc(h), "c0": enc(c),
        "output": enc(out_t), "hn": enc(hn), "cn": enc(cn),
        "grad_output": enc(g_out), "grad_hn": enc(g_hn), "grad_cn": enc(g_cn),
        "grads": {"input": enc(x.grad), "h0": enc(h.grad) if h is not None else None,
                  "c0": enc(c.grad) if c is not None else None},
        "param_grads": {k: enc(p.grad) for k, p in m.named_parameters()},
    })


for kind, extra in [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]:
    tag = kind + ("_relu" if extra else "")
    case(f"{tag}/basic", kind, kwargs=dict(extra))
    case(f"{tag}/h0", kind, kwargs=dict(extra), h0=True)
    case(f"{tag}/2layer_bidir_h0", kind, kwargs={**extra, "numLayers": 2, "bidirectional": True}, h0=True)
    case(f"{tag}/batch_first_no_bias_eval", kind, kwargs={**extra, "batchFirst": True, "bias": False}, mode="eval")
    case(f"{tag}/unbatched_h0", kind, kwargs={**extra, "numLayers": 2}, shape=(L, HIN), h0=True)
    case(f"{tag}/packed_unsorted_bidir_h0", kind, kwargs={**extra, "bidirectional": True, "numLayers": 2},
         h0=True, packed=([2, 5, 3], False))
    if kind != "RNN" or not extra:
        case(f"{tag}/packed_sorted_batch_first", kind, kwargs={**extra, "batchFirst": True},
             shape=(4, L, HIN), packed=([5, 3, 3, 1], True))
        case(f"{tag}/dropout0_train_2layer", kind, kwargs={**extra, "numLayers": 2, "dropout": 0.0})

case("LSTM/proj", "LSTM", kwargs={"projSize": 3}, h0=True)
case("LSTM/proj_2layer_bidir_batch_first", "LSTM",
     kwargs={"projSize": 3, "numLayers": 2, "bidirectional": True, "batchFirst": True}, h0=True)
case("LSTM/proj_packed_unsorted", "LSTM", kwargs={"projSize": 4, "bidirectional": True},
     h0=True, packed=([3, 5, 1], False))
case("GRU/dropout_eval_3layer", "GRU", kwargs={"numLayers": 3, "dropout": 0.5}, mode="eval")


CELLS = []


def cell(name, kind, kwargs=None, state=True, unbatched=False):
    kwargs = kwargs or {}
    gen = torch.Generator().manual_seed(500 + len(CELLS))
    torch.manual_seed(0)
    m = build(kind, [HIN, H], kwargs)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    lead = () if unbatched else (B,)
    x = rand(gen, *lead, HIN)
    h = rand(gen, *lead, H) if state else None
    c = rand(gen, *lead, H) if state and kind == "LSTMCell" else None
    if kind == "LSTMCell":
        out, cn = m(x, (h, c)) if state else m(x)
    else:
        out, cn = (m(x, h) if state else m(x)), None
    g_out = torch.randn(out.shape, generator=gen)
    g_cn = torch.randn(cn.shape, generator=gen) if cn is not None else None
    scalar_loss([(out, g_out), (cn, g_cn)]).backward()
    CELLS.append({
        "name": name,
        "module": {"type": kind, "args": [HIN, H], "kwargs": kwargs},
        "repr": str(m),
        "state_dict": {k: enc(v) for k, v in m.state_dict().items()},
        "input": enc(x), "h0": enc(h), "c0": enc(c),
        "output": enc(out), "cn": enc(cn), "grad_output": enc(g_out), "grad_cn": enc(g_cn),
        "grads": {"input": enc(x.grad), "h0": enc(h.grad) if h is not None else None,
                  "c0": enc(c.grad) if c is not None else None},
        "param_grads": {k: enc(p.grad) for k, p in m.named_parameters()},
    })


for kind in ["RNNCell", "LSTMCell", "GRUCell"]:
    cell(f"{kind}/state", kind)
    cell(f"{kind}/no_state", kind, state=False)
    cell(f"{kind}/unbatched_no_bias", kind, {"bias": False}, unbatched=True)
cell("RNNCell/relu", "RNNCell", {"nonlinearity": "relu"})


def simple_lstm():
    """The seeds' SimpleLSTM: 2-layer batch-first LSTM, zero initial states, last step -> Linear ->
    cross-entropy; one forward and backward."""

    class SimpleLSTM(nn.Module):
        def __init__(self, input_size, hidden_size, num_layers, num_classes):
            super().__init__()
            self.hidden_size = hidden_size
            self.num_layers = num_layers
            self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
            self.fc = nn.Linear(hidden_size, num_classes)

        def forward(self, x):
            h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).detach()
            c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).detach()
            out, _ = self.lstm(x, (h0, c0))
            return self.fc(out[:, -1, :])

    torch.manual_seed(7)
    gen = torch.Generator().manual_seed(8)
    model = SimpleLSTM(10, 8, 2, 3)
    x = torch.randn(4, 6, 10, generator=gen)
    y = torch.randint(0, 3, (4,), generator=gen)
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    return {
        "sizes": {"inputSize": 10, "hiddenSize": 8, "numLayers": 2, "numClasses": 3},
        "repr": str(model),
        "state_dict": {k: enc(v) for k, v in model.state_dict().items()},
        "input": enc(x), "target": enc(y), "logits": enc(logits), "loss": float(loss),
        "param_grads": {k: enc(p.grad) for k, p in model.named_parameters()},
    }


def packing():
    """padSequence / packPaddedSequence / padPackedSequence / packSequence on small sequences."""
    gen = torch.Generator().manual_seed(900)
    seqs = [torch.randn(n, 2, generator=gen) for n in (2, 4, 1, 4)]
    out = []
    for enforce in (False,):
        for batch_first in (False, True):
            padded = pad_sequence(seqs, batch_first=batch_first, padding_value=-1.0)
            packed = pack_padded_sequence(padded, [2, 4, 1, 4], batch_first=batch_first, enforce_sorted=enforce)
            back, lengths = pad_packed_sequence(packed, batch_first=batch_first, padding_value=9.0, total_length=6)
            out.append({
                "name": f"unsorted_batch_first={batch_first}",
                "sequences": [enc(s) for s in seqs], "batch_first": batch_first,
                "padded": enc(padded), "lengths": [2, 4, 1, 4],
                "data": enc(packed.data), "batch_sizes": enc(packed.batch_sizes),
                "sorted_indices": enc(packed.sorted_indices), "unsorted_indices": enc(packed.unsorted_indices),
                "repadded": enc(back), "repadded_lengths": enc(lengths),
            })
    sorted_seqs = sorted(seqs, key=lambda s: -s.shape[0])
    packed = pack_sequence(sorted_seqs)
    out.append({
        "name": "pack_sequence_sorted",
        "sequences": [enc(s) for s in sorted_seqs], "batch_first": False,
        "data": enc(packed.data), "batch_sizes": enc(packed.batch_sizes),
        "sorted_indices": None, "unsorted_indices": None,
    })
    return out


def main():
    fixture = {"torch_version": torch.__version__, "cases": CASES, "cells": CELLS,
               "simple_lstm": simple_lstm(), "packing": packing()}
    path = os.path.join(HERE, "nn_rnn.json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(CASES)} module cases, {len(CELLS)} cells ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
