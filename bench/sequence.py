"""PyTorch's side of bench/sequence.ts: the same sequence-model training steps, timed here.

Run by bench/sequence.ts with /usr/bin/python3 (Debian's torch 1.13) as
  python3 bench/sequence.py '{"models": ["lstm", "gru", "transformer"], "steps": 20,
                              "warmup": 3, "threads": 2}'
and prints one JSON line: the torch version, the BLAS libraries this process actually mapped
(from /proc/self/maps, so a table cannot claim OpenBLAS when the reference BLAS ran), and per
model the median ms per step and the last loss. Which BLAS loads is decided by the caller's
LD_LIBRARY_PATH (libtorch links libblas.so.3).
"""

import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, STEPS_IN, INPUT, HIDDEN, CLASSES = 32, 20, 100, 128, 10
SEQ, D_MODEL, HEADS, FF = 64, 128, 4, 512
LR = 1e-3


class Recurrent(nn.Module):
    """The seeds' SimpleLSTM (or the same with a GRU): zero initial states, last step -> Linear."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        cls = nn.LSTM if kind == "lstm" else nn.GRU
        self.rnn = cls(INPUT, HIDDEN, 2, batch_first=True)
        self.fc = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        h0 = torch.zeros(2, x.size(0), HIDDEN)
        if self.kind == "lstm":
            out, _ = self.rnn(x, (h0, torch.zeros(2, x.size(0), HIDDEN)))
        else:
            out, _ = self.rnn(x, h0)
        return self.fc(out[:, -1, :])


class Encoder(nn.Module):
    """2-layer TransformerEncoder, mean over the sequence -> Linear."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(
            D_MODEL, HEADS, dim_feedforward=FF, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.fc = nn.Linear(D_MODEL, CLASSES)

    def forward(self, x):
        return self.fc(self.encoder(x).mean(1))


def bench(kind, steps, warmup):
    torch.manual_seed(0)
    model = Encoder() if kind == "transformer" else Recurrent(kind)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    shape = (BATCH, SEQ, D_MODEL) if kind == "transformer" else (BATCH, STEPS_IN, INPUT)
    x = torch.randn(*shape)
    y = torch.randint(0, CLASSES, (BATCH,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    samples, loss = [], float("nan")
    for _ in range(steps):
        t0 = time.perf_counter()
        loss = step()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    finite = math.isfinite(loss)
    return {"ms": samples[len(samples) // 2], "steps": steps, "loss": loss if finite else None}


def mapped_blas():
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "/" in line}
    return sorted(p for p in paths if "blas" in p.rsplit("/", 1)[-1].lower())


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg["threads"])
    results = {m: bench(m, cfg["steps"], cfg["warmup"]) for m in cfg["models"]}
    print(
        json.dumps(
            {
                "version": torch.__version__,
                "threads": torch.get_num_threads(),
                "blas": mapped_blas(),
                "results": results,
            }
        )
    )


main()
