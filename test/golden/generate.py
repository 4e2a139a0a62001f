#!/usr/bin/python3
"""Writes the PyTorch golden fixtures that webtorch's op list is checked against.

The samples and each op's PyTorch call live in ONE place, the TypeScript op list (test/op-info);
`npm run golden` exports it to test/golden/op-list.json and then runs this script with Debian's
torch (`apt-get install python3-torch`; run with /usr/bin/python3):

    npm run golden

For each op of the list, its `torch` expression is evaluated here (with the helpers below) to a
function of (xs, kw), and run on every sample: xs are the sample's inputs (each a contiguous base
tensor, then its layout), kw its options in webtorch's names. One JSON file per family:

    {"torch_version": "...", "family": "...", "cases": [case, ...]}

and each case:

    {"name": "add/broadcast_row", "op": "add",
     "digest": "1a2b3c4d",                # the sample's digest: the runners refuse stale fixtures
     "outputs": [{"data": [...row-major...], "shape": [...], "dtype": "..."}],
     "grad_outputs": [{"data": ..., "shape": ...} | null],   # one per output
     "grads": [{"data": ..., "shape": ...} | "none" | null],  # one per input (of the base tensor):
                                          # null: no grad required; "none": PyTorch's .grad is None
     "reference": "float64"}    # only where the reference was computed in float64 (`ref64`)

The inputs are not repeated here: the runners take them from the op list. Each case's
grad_output comes from a RandomState seeded with the CRC32 of the case name. NaN and infinities
are the strings "nan", "inf" and "-inf". PyTorch's int64 is recorded as "int32" (webtorch's
integer dtype). Layouts: {"transpose": [d0, d1]}, {"permute": [...]}, {"expand": [...]},
{"slice": "::2, 1:"} (Python slice syntax, comma separated; ints, "a:b:c", "None", "...").
"""

import json
import math
import os
import warnings
import zlib

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_default_dtype(torch.float32)
warnings.filterwarnings("ignore", message="Using padding=.same. with even kernel")

DTYPES = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.int64: "int32",
    torch.int32: "int32",
    torch.bool: "bool",
}
TORCH_DTYPE = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int64, "bool": torch.bool,
               "int64": torch.int64, "long": torch.int64}
INF = float("inf")
NAN = float("nan")

# ---------------------------------------------------------------------------------------------
# encoding


def enc_float(v, dtype):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if dtype == "float32":
        # the shortest decimal that round-trips to this float32 (keeps the files small)
        return float(str(np.float32(v)))
    return v


def enc_tensor(t):
    t = t.detach()
    dtype = DTYPES[t.dtype]
    flat = t.reshape(-1).tolist()
    if dtype == "bool":
        data = [bool(v) for v in flat]
    elif dtype == "int32":
        data = [int(v) for v in flat]
    else:
        data = [enc_float(v, dtype) for v in flat]
    return {"data": data, "shape": list(t.shape), "dtype": dtype}


# ---------------------------------------------------------------------------------------------
# layouts


def parse_slice(text):
    out = []
    for part in text.split(","):
        p = part.strip()
        if p == "...":
            out.append(Ellipsis)
        elif p == "None":
            out.append(None)
        elif ":" in p:
            nums = [int(s) if s.strip() else None for s in p.split(":")]
            out.append(slice(*nums))
        else:
            out.append(int(p))
    return tuple(out)


def index_tuple(args):
    """webtorch's index(...) arguments as a Python index tuple."""
    out = []
    for a in args:
        if a is None:
            out.append(None)
        elif a == "...":
            out.append(Ellipsis)
        elif isinstance(a, int):
            out.append(a)
        else:
            nums = [int(s) if s.strip() else None for s in a.split(":")]
            out.append(slice(*nums))
    return tuple(out)


def apply_layout(t, layout):
    if layout is None:
        return t
    (kind, arg), = layout.items()
    if kind == "transpose":
        return t.transpose(arg[0], arg[1])
    if kind == "permute":
        return t.permute(*arg)
    if kind == "expand":
        return t.expand(*arg)
    if kind == "slice":
        return t[parse_slice(arg)]
    raise ValueError(f"unknown layout {layout}")


# ---------------------------------------------------------------------------------------------
# the golden cases of one family


def decode(v):
    """A value as the op list's JSON holds it: NaN, infinities and -0 are strings."""
    if v == "nan":
        return NAN
    if v == "inf":
        return INF
    if v == "-inf":
        return -INF
    if v == "-0":
        return -0.0
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


NP_DTYPE = {"float32": np.float32, "float64": np.float64, "int32": np.int64, "bool": bool}


class Family:
    def __init__(self, name):
        self.name = name
        self.cases = []
        self.names = set()

    def case(self, sample, op, fn):
        """Runs fn on the sample's inputs; records outputs and (if grad) the input gradients.

        A sample with ref64 has its reference computed in float64 from the same float32 values,
        rounded to float32: PyTorch's own float32 result is the less accurate one there.
        """
        name = sample["name"]
        assert name not in self.names, f"duplicate case {name}"
        self.names.add(name)
        ref64 = sample["ref64"]
        bases, xs = [], []
        for i in sample["inputs"]:
            data = np.array(decode(i["data"]), dtype=NP_DTYPE[i["dtype"]]).reshape(i["shape"])
            b = torch.tensor(data, dtype=TORCH_DTYPE[i["dtype"]])
            if ref64 and i["dtype"] == "float32":
                b = b.double()
            b.requires_grad_(bool(i["requires_grad"]))
            bases.append(b)
            xs.append(apply_layout(b, i["layout"]))
        result = fn(xs, {k: decode(v) for k, v in sample["kwargs"].items()})
        outs = list(result) if isinstance(result, (tuple, list)) else [result]
        if ref64:
            outs = [o.float() if o.dtype == torch.float64 else o for o in outs]
        entry = {"name": name, "op": op, "digest": sample["digest"], "outputs": [enc_tensor(o) for o in outs]}
        if ref64:
            entry["reference"] = "float64"
        diff = [o.requires_grad for o in outs]
        if sample["grad"] and any(diff):
            g_rs = np.random.RandomState(zlib.crc32(name.encode()))
            gouts = [
                torch.tensor(g_rs.randn(*o.shape) if o.dim() else g_rs.randn(), dtype=o.dtype) if d else None
                for o, d in zip(outs, diff)
            ]
            torch.autograd.backward([o for o, d in zip(outs, diff) if d], [g for g in gouts if g is not None])
            entry["grad_outputs"] = [grad_entry(g) if g is not None else None for g in gouts]
            # per input: null when it does not require grad, "none" where PyTorch's .grad is None
            entry["grads"] = [
                (grad_entry(b.grad.to(TORCH_DTYPE[i["dtype"]])) if b.grad is not None else "none")
                if b.requires_grad else None
                for i, b in zip(sample["inputs"], bases)
            ]
        self.cases.append(entry)

    def write(self):
        path = os.path.join(HERE, f"{self.name}.json")
        doc = {"torch_version": torch.__version__, "family": self.name, "cases": self.cases}
        with open(path, "w") as f:
            json.dump(doc, f, allow_nan=False, separators=(",", ":"))
            f.write("\n")
        print(f"{self.name}.json: {len(self.cases)} cases, {os.path.getsize(path) / 1024:.0f} KB")


def grad_entry(g):
    e = enc_tensor(g)
    return {"data": e["data"], "shape": e["shape"]}


# ---------------------------------------------------------------------------------------------
# helpers for the PyTorch calls the op list names (test/op-info: each entry's `torch`)


def operands(xs, kw):
    """(a, b) of a binary op: two tensors, or a tensor and a scalar ({"other"} or {"self"})."""
    if "self" in kw:
        return kw["self"], xs[0]
    if "other" in kw:
        return xs[0], kw["other"]
    return xs[0], xs[1]


def wrap(a, b):
    """For torch functions that take no Python scalar: the scalar as a 0-d tensor (a wrapped number)."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a, b
    dt = torch.result_type(a, b)
    if not isinstance(a, torch.Tensor):
        a = torch.tensor(a, dtype=dt)
    if not isinstance(b, torch.Tensor):
        b = torch.tensor(b, dtype=dt)
    return a, b


def binop(fn, needs_wrap=False):
    def run(xs, kw):
        a, b = operands(xs, kw)
        if needs_wrap:
            a, b = wrap(a, b)
        return fn(a, b)

    return run


def add_op(xs, kw):
    a, b = operands(xs, kw)
    if not isinstance(a, torch.Tensor):
        return a + b * kw.get("alpha", 1)
    return torch.add(a, b, alpha=kw.get("alpha", 1))


def sub_op(xs, kw):
    a, b = operands(xs, kw)
    if not isinstance(a, torch.Tensor):
        return torch.rsub(b, a, alpha=kw.get("alpha", 1))
    return torch.sub(a, b, alpha=kw.get("alpha", 1))


def div_op(xs, kw):
    a, b = operands(xs, kw)
    mode = kw.get("roundingMode")
    if not isinstance(a, torch.Tensor):
        a = torch.tensor(a, dtype=torch.result_type(b, a))
    return torch.div(a, b, rounding_mode=mode)


def dims(kw):
    d = kw.get("dim")
    return tuple(d) if isinstance(d, list) else d


def reduce_op(fn):
    """sum/mean/amax/...: all elements without "dim", else (dim, keepdim)."""

    def run(xs, kw):
        if kw.get("dim") is None:
            r = fn(xs[0])
            return r.reshape([1] * xs[0].dim()) if kw.get("keepdim") else r
        return fn(xs[0], dims(kw), keepdim=kw.get("keepdim", False))

    return run


def var_op(fn):
    def run(xs, kw):
        return fn(xs[0], dim=dims(kw), correction=kw.get("correction", 1), keepdim=kw.get("keepdim", False))

    return run


def maxmin_op(fn):
    def run(xs, kw):
        if "dim" not in kw:
            return fn(xs[0])
        r = fn(xs[0], kw["dim"], keepdim=kw.get("keepdim", False))
        return (r.values, r.indices)

    return run


def clamp_op(xs, kw):
    if len(xs) == 3:
        return torch.clamp(xs[0], xs[1], xs[2])
    return torch.clamp(xs[0], min=kw.get("min"), max=kw.get("max"))


def where_op(xs, kw):
    cond = xs[0]
    rest = xs[1:]
    a = kw["self"] if "self" in kw else rest.pop(0)
    b = kw["other"] if "other" in kw else rest.pop(0)
    return torch.where(cond, a, b)


def pool_opts(kw):
    m = {"stride": "stride", "padding": "padding", "dilation": "dilation", "ceilMode": "ceil_mode",
         "countIncludePad": "count_include_pad", "divisorOverride": "divisor_override"}
    return {m[k]: tuple(v) if isinstance(v, list) else v for k, v in kw.items() if k != "kernelSize"}


def conv_kw(kw):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()}


def to_tuple(v):
    return tuple(v) if isinstance(v, list) else v


def unary(fn):
    return lambda xs, kw: fn(xs[0])


def dtype_kw(kw):
    return {"dtype": TORCH_DTYPE[kw["dtype"]]} if "dtype" in kw else {}


def lstm_cell(gates, c):
    """One LSTM step from its gate pre-activations [B, 4H] (order i, f, g, o) -> (h', c')."""
    i, f, g, o = gates.chunk(4, 1)
    cy = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(cy), cy


def gru_cell(gi, gh, h):
    """One GRU step from gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh [B, 3H] (order r, z, n) -> h'."""
    ir, iz, in_ = gi.chunk(3, 1)
    hr, hz, hn = gh.chunk(3, 1)
    r = torch.sigmoid(ir + hr)
    z = torch.sigmoid(iz + hz)
    n = torch.tanh(in_ + r * hn)
    return (1 - z) * n + z * h


def check_cell_formulas():
    """lstm_cell and gru_cell are PyTorch's own cells (torch.lstm_cell / torch.gru_cell) once the
    gates are computed from weights: checked in float64 on random data before any fixture uses them."""
    g = torch.Generator().manual_seed(0)
    b, n_in, h = 3, 4, 5
    x, hx, cx = (torch.randn(b, k, generator=g, dtype=torch.float64) for k in (n_in, h, h))
    for gates_n, cell in ((4, "lstm"), (3, "gru")):
        w_ih = torch.randn(gates_n * h, n_in, generator=g, dtype=torch.float64)
        w_hh = torch.randn(gates_n * h, h, generator=g, dtype=torch.float64)
        b_ih = torch.randn(gates_n * h, generator=g, dtype=torch.float64)
        b_hh = torch.randn(gates_n * h, generator=g, dtype=torch.float64)
        gi = x @ w_ih.T + b_ih
        gh = hx @ w_hh.T + b_hh
        if cell == "lstm":
            ours = lstm_cell(gi + gh, cx)
            theirs = torch.lstm_cell(x, (hx, cx), w_ih, w_hh, b_ih, b_hh)
        else:
            ours = (gru_cell(gi, gh, hx),)
            theirs = (torch.gru_cell(x, hx, w_ih, w_hh, b_ih, b_hh),)
        for a, t in zip(ours, theirs):
            assert torch.allclose(a, t, rtol=1e-12, atol=1e-12), f"{cell}_cell differs from torch.{cell}_cell"


def op_list_goldens():
    """Every op of the list (test/golden/op-list.json, exported from test/op-info) on every sample."""
    with open(os.path.join(HERE, "op-list.json")) as f:
        doc = json.load(f)
    families = {}
    for op in doc["ops"]:
        fam = families.setdefault(op["family"], Family(op["family"]))
        fn = eval(op["torch"], globals())  # the entry's PyTorch call: a function of (xs, kw)
        for sample in op["samples"]:
            fam.case(sample, op["name"], fn)
    for fam in families.values():
        fam.write()


# The other families' generators: each writes its own fixture when run as a script.
OTHER_GENERATORS = [
    "gen_nn_basic.py",
    "gen_nn_conv_loss.py",
    "gen_nn_attention.py",
    "gen_nn_rnn.py",
    "gen_optim.py",
    "gen_safetensors.py",
    "gen_examples.py",
]


if __name__ == "__main__":
    import runpy

    check_cell_formulas()
    op_list_goldens()
    here = os.path.dirname(os.path.abspath(__file__))
    for script in OTHER_GENERATORS:
        runpy.run_path(os.path.join(here, script), run_name="__main__")
