#!/usr/bin/python3
"""Writes test/golden/examples_models.json: the models of examples/char-lstm and examples/tiny-gpt,
as their files' docstrings write them in PyTorch, at small sizes. test/examples/models.test.ts loads
each state dict into the webtorch model and compares the logits, the next-character loss and the
gradient of every parameter.

Run with Debian's torch (`apt-get install python3-torch`):

    /usr/bin/python3 test/golden/gen_examples.py

Deterministic (torch.manual_seed per case). The file:

    {"torch_version": "...",
     "cases": [{"name": "CharLSTM", "config": {...}, "state_dict": {key: tensor},
                "x": tensor, "y": tensor, "logits": tensor, "loss": float,
                "grads": {key: tensor}}, ...]}

A tensor is {"data": [...row-major...], "shape": [...], "dtype": "float32" | "int32"}.
"""

import json
import os
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.filterwarnings("ignore")


def enc(t):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {"data": [int(v) for v in t.reshape(-1).tolist()], "shape": list(t.shape), "dtype": "int32"}
    data = [float(str(np.float32(v))) for v in t.reshape(-1).tolist()]
    return {"data": data, "shape": list(t.shape), "dtype": "float32"}


class CharLSTM(nn.Module):
    """examples/char-lstm/model.ts"""

    def __init__(self, vocab_size, hidden_size=256, num_layers=1, embedding_dim=64):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, hx=None):
        out, hx = self.lstm(self.embed(x), hx)
        return self.head(out), hx


class TinyGPT(nn.Module):
    """examples/tiny-gpt/model.ts"""

    def __init__(self, vocab_size, block_size, d_model=128, nhead=4, num_layers=2, dropout=0.0):
        super().__init__()
        self.tokens = nn.Embedding(vocab_size, d_model)
        self.positions = nn.Embedding(block_size, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, 4 * d_model, dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, num_layers)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, x):
        L = x.shape[1]
        h = self.tokens(x) + self.positions(torch.arange(L, device=x.device))
        mask = nn.Transformer.generate_square_subsequent_mask(L)
        # NOTE: torch 1.13's TransformerEncoder has no is_causal (2.x's hint); the mask is the same
        h = self.blocks(h, mask=mask)
        return self.head(self.norm(h))


def case(name, config, model, vocab, batch, length):
    # random, non-trivial weights: PyTorch's init, then every parameter nudged so that LayerNorm's
    # weight/bias and the biases are not 1 and 0
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    model.train()
    x = torch.randint(0, vocab, (batch, length))
    y = torch.randint(0, vocab, (batch, length))
    out = model(x)
    logits = out[0] if isinstance(out, tuple) else out
    loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
    loss.backward()
    return {
        "name": name,
        "config": config,
        "state_dict": {k: enc(v) for k, v in model.state_dict().items()},
        "x": enc(x),
        "y": enc(y),
        "logits": enc(logits),
        "loss": float(loss),
        "grads": {k: enc(p.grad) for k, p in model.named_parameters()},
    }


def main():
    cases = []
    torch.manual_seed(0)
    cfg = {"vocab": 11, "hidden": 8, "layers": 2, "embeddingDim": 6}
    model = CharLSTM(11, hidden_size=8, num_layers=2, embedding_dim=6)
    cases.append(case("CharLSTM", cfg, model, 11, batch=3, length=7))

    torch.manual_seed(1)
    cfg = {"vocab": 13, "blockSize": 8, "dModel": 8, "nhead": 2, "numLayers": 2}
    model = TinyGPT(13, 8, d_model=8, nhead=2, num_layers=2)
    cases.append(case("TinyGPT", cfg, model, 13, batch=2, length=6))

    out = {"torch_version": torch.__version__, "cases": cases}
    path = os.path.join(HERE, "examples_models.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(cases)} cases")


if __name__ == "__main__":
    main()
