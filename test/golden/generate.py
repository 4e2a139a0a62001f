#!/usr/bin/python3
"""Writes the PyTorch golden fixtures that test/golden/golden.test.ts checks webtorch against.

Run with Debian's torch (`apt-get install python3-torch`):

    /usr/bin/python3 test/golden/generate.py      # or: npm run golden

Deterministic: each family starts from a fixed numpy RandomState, and each case's grad_output
comes from a RandomState seeded with the CRC32 of the case name. One JSON file per family:

    {"torch_version": "...", "family": "...", "cases": [case, ...]}

and each case:

    {"name": "add/broadcast_row", "op": "add",
     "inputs": [{"data": [...row-major...], "shape": [2, 3], "dtype": "float32",
                 "requires_grad": true, "layout": null | {"transpose": [0, 1]} | ...}],
     "kwargs": {...},                     # webtorch's option names (camelCase)
     "outputs": [{"data": [...], "shape": [...], "dtype": "..."}],
     "grad_outputs": [{"data": ..., "shape": ...} | null],   # one per output
     "grads": [{"data": ..., "shape": ...} | null],           # one per input (of the base tensor)
     "reference": "float64"}    # only where the reference was computed in float64 (see `ref64`)

NaN and infinities are the strings "nan", "inf" and "-inf". PyTorch's int64 is recorded as
"int32" (webtorch's integer dtype). A non-contiguous input is built contiguous (`data`, `shape`)
and then transformed by `layout`; its gradient refers to that base tensor. Layouts:
{"transpose": [d0, d1]}, {"permute": [...]}, {"expand": [...]}, {"slice": "::2, 1:"} (Python
slice syntax, comma separated; ints, "a:b:c", "None", "...").

`kwargs` use webtorch's names: scalar operands are {"other": x} or {"self": x}, options such as
{"alpha": 2}, {"roundingMode": "floor"}, {"correction": 0}, {"keepdim": true}.
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
TORCH_DTYPE = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int64, "bool": torch.bool}
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


def enc_value(v):
    """kwargs values: floats with NaN/inf as strings, tuples as lists."""
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(v, (list, tuple)):
        return [enc_value(x) for x in v]
    if isinstance(v, dict):
        return {k: enc_value(x) for k, x in v.items()}
    return v


# ---------------------------------------------------------------------------------------------
# inputs and layouts


class T:
    """An input: contiguous base data, its dtype, whether it requires grad, and a layout."""

    def __init__(self, data, dtype="float32", grad=None, layout=None):
        self.data = np.asarray(data)
        self.dtype = dtype
        self.grad = grad
        self.layout = layout


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
# the cases of one family

rs = np.random.RandomState(0)


def reseed(seed):
    global rs
    rs = np.random.RandomState(seed)


def randn(*shape):
    return rs.randn(*shape).astype(np.float32)


def uniform(lo, hi, *shape):
    return rs.uniform(lo, hi, size=shape).astype(np.float32)


def distinct(*shape, scale=1.0):
    """Random values without ties (a shuffled, jittered ramp), for max/min/sort gradients."""
    n = int(np.prod(shape)) if shape else 1
    v = (np.arange(n) - n / 2) * 0.37 + rs.uniform(-0.1, 0.1, size=n)
    rs.shuffle(v)
    return (v * scale).reshape(shape).astype(np.float32)


def randint(lo, hi, *shape):
    return rs.randint(lo, hi, size=shape).astype(np.int64)


class Family:
    def __init__(self, name):
        self.name = name
        self.cases = []
        self.names = set()
        reseed(zlib.crc32(name.encode()))

    def case(self, name, op, inputs, kwargs=None, grad=True, fn=None, ref64=False):
        """Runs PY_OPS[op] (or fn) on the inputs, records outputs and (if grad) input gradients.

        ref64: compute the reference in float64 from the same float32 values and round it to
        float32, for cases where PyTorch's own float32 result is the less accurate one.
        """
        assert name not in self.names, f"duplicate case {name}"
        self.names.add(name)
        kwargs = kwargs or {}
        inputs = [i if isinstance(i, T) else T(i) for i in inputs]
        bases, xs = [], []
        for i in inputs:
            floating = i.dtype in ("float32", "float64")
            req = floating and (grad if i.grad is None else i.grad)
            b = torch.tensor(i.data, dtype=TORCH_DTYPE[i.dtype])
            if ref64 and i.dtype == "float32":
                b = b.double()
            b.requires_grad_(bool(req))
            bases.append(b)
            xs.append(apply_layout(b, i.layout))
        result = (fn or PY_OPS[op])(xs, kwargs)
        outs = list(result) if isinstance(result, (tuple, list)) else [result]
        if ref64:
            outs = [o.float() if o.dtype == torch.float64 else o for o in outs]
        entry = {
            "name": name,
            "op": op,
            "inputs": [
                {
                    "data": enc_tensor(b.to(TORCH_DTYPE[i.dtype]))["data"],
                    "shape": list(b.shape),
                    "dtype": i.dtype,
                    "requires_grad": b.requires_grad,
                    "layout": i.layout,
                }
                for i, b in zip(inputs, bases)
            ],
            "kwargs": enc_value(kwargs),
            "outputs": [enc_tensor(o) for o in outs],
        }
        if ref64:
            entry["reference"] = "float64"
        diff = [o.requires_grad for o in outs]
        if any(diff):
            g_rs = np.random.RandomState(zlib.crc32(name.encode()))
            gouts = [
                torch.tensor(g_rs.randn(*o.shape) if o.dim() else g_rs.randn(), dtype=o.dtype) if d else None
                for o, d in zip(outs, diff)
            ]
            torch.autograd.backward([o for o, d in zip(outs, diff) if d], [g for g in gouts if g is not None])
            entry["grad_outputs"] = [grad_entry(g) if g is not None else None for g in gouts]
            entry["grads"] = [
                grad_entry((b.grad if b.grad is not None else torch.zeros_like(b)).to(TORCH_DTYPE[i.dtype]))
                if b.requires_grad else None
                for i, b in zip(inputs, bases)
            ]
        self.cases.append(entry)
        reseed(zlib.crc32(name.encode()) ^ 0x5EED)

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
# the Python side of the op table (mirrors OPS in golden.test.ts)


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


def matmul_op(xs, kw):
    return torch.matmul(xs[0], xs[1])


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


UNARY = {
    "neg": torch.neg, "abs": torch.abs, "exp": torch.exp, "exp2": torch.exp2, "log": torch.log,
    "log2": torch.log2, "log10": torch.log10, "log1p": torch.log1p, "expm1": torch.expm1,
    "sqrt": torch.sqrt, "rsqrt": torch.rsqrt, "square": torch.square, "reciprocal": torch.reciprocal,
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin, "acos": torch.acos,
    "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh, "tanh": torch.tanh,
    "sigmoid": torch.sigmoid, "relu": torch.relu, "erf": torch.erf, "sign": torch.sign,
    "floor": torch.floor, "ceil": torch.ceil, "round": torch.round, "trunc": torch.trunc,
    "logicalNot": torch.logical_not, "isnan": torch.isnan, "isinf": torch.isinf,
    "isfinite": torch.isfinite,
}

PY_OPS = {name: (lambda fn: lambda xs, kw: fn(xs[0]))(fn) for name, fn in UNARY.items()}
PY_OPS.update({
    # binary
    "add": add_op,
    "sub": sub_op,
    "mul": binop(lambda a, b: a * b),
    "div": div_op,
    "pow": binop(torch.pow),
    "minimum": binop(torch.minimum, True),
    "maximum": binop(torch.maximum, True),
    "remainder": binop(torch.remainder, True),
    "fmod": binop(torch.fmod, True),
    "atan2": binop(torch.atan2, True),
    "eq": binop(torch.eq), "ne": binop(torch.ne), "lt": binop(torch.lt),
    "le": binop(torch.le), "gt": binop(torch.gt), "ge": binop(torch.ge),
    "logicalAnd": binop(torch.logical_and, True),
    "logicalOr": binop(torch.logical_or, True),
    "logicalXor": binop(torch.logical_xor, True),
    "clamp": clamp_op,
    "addcmul": lambda xs, kw: torch.addcmul(xs[0], xs[1], xs[2], value=kw.get("value", 1)),
    "addcdiv": lambda xs, kw: torch.addcdiv(xs[0], xs[1], xs[2], value=kw.get("value", 1)),
    "lerp": lambda xs, kw: torch.lerp(xs[0], xs[1], xs[2] if len(xs) > 2 else kw["weight"]),
    # reductions
    "sum": reduce_op(torch.sum),
    "mean": reduce_op(torch.mean),
    "prod": reduce_op(torch.prod),
    "amax": reduce_op(torch.amax),
    "amin": reduce_op(torch.amin),
    "all": reduce_op(torch.all),
    "any": reduce_op(torch.any),
    "argmax": reduce_op(torch.argmax),
    "argmin": reduce_op(torch.argmin),
    "max": maxmin_op(torch.max),
    "min": maxmin_op(torch.min),
    "var": var_op(torch.var),
    "std": var_op(torch.std),
    "logsumexp": lambda xs, kw: torch.logsumexp(xs[0], dims(kw), keepdim=kw.get("keepdim", False)),
    "cumsum": lambda xs, kw: torch.cumsum(xs[0], kw["dim"]),
    "cumprod": lambda xs, kw: torch.cumprod(xs[0], kw["dim"]),
    "softmax": lambda xs, kw: torch.softmax(xs[0], kw["dim"]),
    "logSoftmax": lambda xs, kw: torch.log_softmax(xs[0], kw["dim"]),
    "norm": lambda xs, kw: torch.norm(xs[0], p=kw.get("p", 2), dim=dims(kw), keepdim=kw.get("keepdim", False)),
    # linear algebra
    "matmul": matmul_op,
    "mm": lambda xs, kw: torch.mm(xs[0], xs[1]),
    "bmm": lambda xs, kw: torch.bmm(xs[0], xs[1]),
    "outer": lambda xs, kw: torch.outer(xs[0], xs[1]),
    "dot": lambda xs, kw: torch.dot(xs[0], xs[1]),
    # movement
    "view": lambda xs, kw: xs[0].view(tuple(kw["shape"])),
    "reshape": lambda xs, kw: xs[0].reshape(tuple(kw["shape"])),
    "flatten": lambda xs, kw: torch.flatten(xs[0], kw.get("startDim", 0), kw.get("endDim", -1)),
    "unflatten": lambda xs, kw: torch.unflatten(xs[0], kw["dim"], tuple(kw["sizes"])),
    "squeeze": lambda xs, kw: xs[0].squeeze() if "dim" not in kw else xs[0].squeeze(kw["dim"]),
    "unsqueeze": lambda xs, kw: xs[0].unsqueeze(kw["dim"]),
    "permute": lambda xs, kw: xs[0].permute(*kw["dims"]),
    "transpose": lambda xs, kw: xs[0].transpose(kw["dim0"], kw["dim1"]),
    "t": lambda xs, kw: xs[0].t(),
    "expand": lambda xs, kw: xs[0].expand(tuple(kw["shape"])),
    "repeat": lambda xs, kw: xs[0].repeat(*kw["sizes"]),
    "cat": lambda xs, kw: torch.cat(xs, kw.get("dim", 0)),
    "stack": lambda xs, kw: torch.stack(xs, kw.get("dim", 0)),
    "split": lambda xs, kw: torch.split(xs[0], to_tuple(kw["splitSizeOrSections"]), kw.get("dim", 0)),
    "chunk": lambda xs, kw: torch.chunk(xs[0], kw["chunks"], kw.get("dim", 0)),
    "unbind": lambda xs, kw: torch.unbind(xs[0], kw.get("dim", 0)),
    "narrow": lambda xs, kw: xs[0].narrow(kw["dim"], kw["start"], kw["length"]),
    "select": lambda xs, kw: xs[0].select(kw["dim"], kw["index"]),
    "index": lambda xs, kw: xs[0][index_tuple(kw["index"])],
    "flip": lambda xs, kw: torch.flip(xs[0], to_tuple(kw["dims"]) if isinstance(kw["dims"], list) else (kw["dims"],)),
    "contiguous": lambda xs, kw: xs[0].contiguous(),
    "clone": lambda xs, kw: xs[0].clone(),
    # indexing
    "gather": lambda xs, kw: torch.gather(xs[0], kw["dim"], xs[1]),
    "scatter": lambda xs, kw: torch.scatter(xs[0], kw["dim"], xs[1], xs[2] if len(xs) > 2 else kw["value"]),
    "scatterAdd": lambda xs, kw: torch.scatter_add(xs[0], kw["dim"], xs[1], xs[2]),
    "indexSelect": lambda xs, kw: torch.index_select(xs[0], kw["dim"], xs[1]),
    "maskedFill": lambda xs, kw: xs[0].masked_fill(xs[1], kw["value"]),
    "tril": lambda xs, kw: torch.tril(xs[0], kw.get("diagonal", 0)),
    "triu": lambda xs, kw: torch.triu(xs[0], kw.get("diagonal", 0)),
    "oneHot": lambda xs, kw: F.one_hot(xs[0], kw.get("numClasses", -1)),
    "where": where_op,
    # convolution and pooling
    "conv1d": lambda xs, kw: F.conv1d(xs[0], xs[1], xs[2] if len(xs) > 2 else None, **conv_kw(kw)),
    "conv2d": lambda xs, kw: F.conv2d(xs[0], xs[1], xs[2] if len(xs) > 2 else None, **conv_kw(kw)),
    "maxPool2d": lambda xs, kw: F.max_pool2d(xs[0], to_tuple(kw["kernelSize"]), **pool_opts(kw)),
    "maxPool2dWithIndices": lambda xs, kw: F.max_pool2d(xs[0], to_tuple(kw["kernelSize"]), return_indices=True, **pool_opts(kw)),
    "avgPool2d": lambda xs, kw: F.avg_pool2d(xs[0], to_tuple(kw["kernelSize"]), **pool_opts(kw)),
    "maxPool1d": lambda xs, kw: F.max_pool1d(xs[0], kw["kernelSize"], **pool_opts(kw)),
    "avgPool1d": lambda xs, kw: F.avg_pool1d(xs[0], kw["kernelSize"], **pool_opts(kw)),
    # creation (values only)
    "arange": lambda xs, kw: torch.arange(*kw["args"], **({"dtype": TORCH_DTYPE[kw["dtype"]]} if "dtype" in kw else {})),
    "linspace": lambda xs, kw: torch.linspace(kw["start"], kw["end"], kw["steps"], **({"dtype": TORCH_DTYPE[kw["dtype"]]} if "dtype" in kw else {})),
    "eye": lambda xs, kw: torch.eye(*kw["args"], **({"dtype": TORCH_DTYPE[kw["dtype"]]} if "dtype" in kw else {})),
    "full": lambda xs, kw: torch.full(tuple(kw["shape"]), kw["value"], **({"dtype": TORCH_DTYPE[kw["dtype"]]} if "dtype" in kw else {})),
    "zeros": lambda xs, kw: torch.zeros(tuple(kw["shape"]), **({"dtype": TORCH_DTYPE[kw["dtype"]]} if "dtype" in kw else {})),
    "ones": lambda xs, kw: torch.ones(tuple(kw["shape"]), **({"dtype": TORCH_DTYPE[kw["dtype"]]} if "dtype" in kw else {})),
    "tensor": lambda xs, kw: torch.tensor(kw["data"]) if "dtype" not in kw else torch.tensor(kw["data"], dtype=TORCH_DTYPE[kw["dtype"]]),
    "zerosLike": lambda xs, kw: torch.zeros_like(xs[0]),
    "onesLike": lambda xs, kw: torch.ones_like(xs[0]),
    "fullLike": lambda xs, kw: torch.full_like(xs[0], kw["value"]),
})


# ---------------------------------------------------------------------------------------------
# elementwise

SPECIAL = [NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.5, 1.5, -0.5, 3.7, -3.7, 100.0, -100.0]

# the domain each unary op is differentiable on
DOMAIN = {
    "log": (0.1, 3), "log2": (0.1, 3), "log10": (0.1, 3), "sqrt": (0.1, 3), "rsqrt": (0.1, 3),
    "reciprocal": (0.2, 3), "log1p": (-0.9, 3), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9),
    "tan": (-1.2, 1.2),
}
NON_DIFF = {"logicalNot", "isnan", "isinf", "isfinite"}
INT_OK = {"neg", "abs", "sign", "square", "exp", "log", "sqrt", "sin", "sigmoid", "relu", "floor",
          "round", "reciprocal", "erf", "tanh", "logicalNot", "isnan", "isfinite", "cos", "exp2"}


def unary_input(op, *shape):
    if op in DOMAIN:
        lo, hi = DOMAIN[op]
        return uniform(lo, hi, *shape)
    if op in ("floor", "ceil", "round", "trunc", "sign"):
        return (randn(*shape) * 3).astype(np.float32)
    return randn(*shape)


def elementwise():
    fam = Family("elementwise")
    c = fam.case
    for op in UNARY:
        g = op not in NON_DIFF
        c(f"{op}/basic", op, [unary_input(op, 2, 3)], grad=g)
        c(f"{op}/scalar", op, [np.array(unary_input(op, 1)[0])], grad=g)
        c(f"{op}/transposed", op, [T(unary_input(op, 3, 2), layout={"transpose": [0, 1]})], grad=g)
        c(f"{op}/special", op, [np.array(SPECIAL, dtype=np.float32)], grad=False)
        if op not in ("isnan", "isinf", "isfinite"):
            c(f"{op}/empty", op, [np.zeros((0, 3), np.float32)], grad=g)
        if op in INT_OK:
            c(f"{op}/int32", op, [T(randint(-4, 5, 2, 3) if op not in ("log", "sqrt") else randint(1, 9, 2, 3), "int32")])
    c("abs/negative_zero_grad", "abs", [np.array([-0.0, 0.0, -2.0, 3.0], np.float32)])
    c("relu/zero_grad", "relu", [np.array([0.0, -1.0, 2.0, -0.0], np.float32)])
    c("sigmoid/saturate", "sigmoid", [np.array([-100, -20, 0, 20, 100], np.float32)])
    c("tanh/saturate", "tanh", [np.array([-100, -20, 0, 20, 100], np.float32)])
    c("exp/large", "exp", [np.array([80, 88, 89, -100, -104], np.float32)], grad=False)
    c("log/zero_and_negative", "log", [np.array([0.0, -0.0, -1.0, 1.0], np.float32)], grad=False)
    c("sqrt/negative", "sqrt", [np.array([-1.0, 0.0, 4.0], np.float32)], grad=False)
    c("round/half_even", "round", [np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 2.5000002], np.float32)])
    c("erf/wide", "erf", [np.array([-6, -3, -1, -0.1, 0, 0.1, 1, 3, 6], np.float32)])
    c("expm1/tiny", "expm1", [np.array([1e-10, -1e-7, 1e-5, 0.0], np.float32)])
    c("log1p/tiny", "log1p", [np.array([1e-10, -1e-7, 1e-5, 0.0], np.float32)])
    c("exp/float64", "exp", [T(rs.randn(2, 3), "float64")])
    c("sin/float64", "sin", [T(rs.randn(2, 3), "float64")])
    c("logicalNot/bool", "logicalNot", [T(np.array([True, False, True]), "bool")])

    # binary ops: same shape, broadcasting, scalars, layouts, empties
    BIN = ["add", "sub", "mul", "div", "pow", "minimum", "maximum", "remainder", "fmod", "atan2"]
    for op in BIN:
        pos = op in ("pow",)
        a = lambda *s: uniform(0.5, 2, *s) if pos else randn(*s)
        b = lambda *s: (randn(*s) if op not in ("div", "remainder", "fmod") else uniform(0.5, 2, *s) * np.sign(randn(*s)))
        c(f"{op}/same_shape", op, [a(2, 3), b(2, 3)])
        c(f"{op}/broadcast_row", op, [a(2, 3), b(3)])
        c(f"{op}/broadcast_col_row", op, [a(2, 1), b(1, 3)])
        c(f"{op}/broadcast_left", op, [a(3), b(2, 3)])
        c(f"{op}/broadcast_3d", op, [a(2, 1, 3), b(4, 1)])
        c(f"{op}/scalar_tensor", op, [a(2, 3), np.array(b(1)[0])])
        c(f"{op}/scalar_tensor_left", op, [np.array(a(1)[0]), b(2, 3)])
        c(f"{op}/both_scalar", op, [np.array(a(1)[0]), np.array(b(1)[0])])
        c(f"{op}/size1_dims", op, [a(1, 3, 1), b(1, 1, 2)])
        c(f"{op}/transposed", op, [T(a(3, 2), layout={"transpose": [0, 1]}), b(2, 3)])
        c(f"{op}/both_transposed", op, [T(a(3, 2), layout={"transpose": [0, 1]}), T(b(3, 2), layout={"transpose": [1, 0]})])
        c(f"{op}/sliced", op, [T(a(4, 3), layout={"slice": "::2, :"}), b(2, 3)])
        c(f"{op}/expanded", op, [T(a(1, 3), layout={"expand": [2, 3]}), b(2, 3)])
        c(f"{op}/empty", op, [a(0, 3), b(3)])
        c(f"{op}/float64", op, [T(a(2, 3).astype(np.float64), "float64"), T(b(2, 3).astype(np.float64), "float64")])
        c(f"{op}/scalar_other", op, [a(2, 3)], {"other": 1.5 if op != "pow" else 2.5})
        c(f"{op}/scalar_other_negative", op, [a(2, 3)], {"other": -0.75 if op != "pow" else -1.5})
        c(f"{op}/scalar_self", op, [b(2, 3) if op != "pow" else randn(2, 3)], {"self": 1.25 if op != "pow" else 2.0})

    c("add/alpha", "add", [randn(2, 3), randn(2, 3)], {"alpha": 2.5})
    c("add/alpha_broadcast", "add", [randn(2, 3), randn(3)], {"alpha": -0.5})
    c("sub/alpha", "sub", [randn(2, 3), randn(2, 3)], {"alpha": 3})
    c("add/scalar_other_inf", "add", [randn(2, 3)], {"other": INF}, grad=False)
    c("mul/scalar_other_nan", "mul", [randn(2, 3)], {"other": NAN}, grad=False)
    c("add/nan_inf", "add", [np.array([NAN, INF, -INF, INF, 1.0, 0.0], np.float32), np.array([1.0, 1.0, 1.0, -INF, NAN, -0.0], np.float32)], grad=False)
    c("mul/nan_inf", "mul", [np.array([NAN, INF, -INF, INF, 0.0, 0.0], np.float32), np.array([1.0, 2.0, -1.0, 0.0, INF, -1.0], np.float32)], grad=False)
    c("div/by_zero", "div", [np.array([1.0, -1.0, 0.0, NAN, INF], np.float32), np.array([0.0, 0.0, 0.0, 1.0, INF], np.float32)], grad=False)
    c("div/negative_zero", "div", [np.array([1.0, -1.0], np.float32), np.array([-0.0, -0.0], np.float32)], grad=False)

    # dtypes and promotion
    ia = lambda *s: randint(-6, 7, *s)
    inz = lambda *s: np.where(randint(0, 2, *s) == 0, -1, 1) * randint(1, 5, *s)
    for op in ["add", "sub", "mul", "maximum", "minimum", "remainder", "fmod", "div"]:
        other = inz(2, 3) if op in ("remainder", "fmod", "div") else ia(2, 3)
        c(f"{op}/int32", op, [T(ia(2, 3), "int32"), T(other, "int32")])
        c(f"{op}/int32_float32", op, [T(ia(2, 3), "int32"), randn(2, 3) if op not in ("remainder", "fmod", "div") else uniform(0.5, 2, 2, 3)])
        c(f"{op}/int32_scalar_int", op, [T(ia(2, 3), "int32")], {"other": 3})
        c(f"{op}/int32_scalar_float", op, [T(ia(2, 3), "int32")], {"other": 2.5})
    c("div/int32_true_division", "div", [T(np.array([7, -7, 6, 1]), "int32"), T(np.array([2, 2, 3, -4]), "int32")])
    c("div/int32_scalar_int_true_division", "div", [T(np.array([7, -7, 6, 1]), "int32")], {"other": 2})
    for mode in ["trunc", "floor"]:
        c(f"div/{mode}_float", "div", [np.array([7.5, -7.5, 6.0, -0.5, 1.0, -1.0], np.float32), np.array([2.0, 2.0, -4.0, 3.0, -3.0, 0.3], np.float32)], {"roundingMode": mode})
        c(f"div/{mode}_int32", "div", [T(np.array([7, -7, 6, -1, 0, 9]), "int32"), T(np.array([2, 2, -4, 3, -3, 3]), "int32")], {"roundingMode": mode})
        c(f"div/{mode}_scalar", "div", [np.array([7.5, -7.5, 6.0, -0.5], np.float32)], {"other": 2, "roundingMode": mode})
        c(f"div/{mode}_int32_scalar", "div", [T(np.array([7, -7, 6, -1]), "int32")], {"other": 2, "roundingMode": mode})
        c(f"div/{mode}_broadcast_grad", "div", [randn(2, 3) * 4, uniform(0.5, 2, 3)], {"roundingMode": mode})
    c("add/bool_int32", "add", [T(np.array([True, False, True]), "bool"), T(np.array([3, 4, -5]), "int32")])
    c("add/bool_bool", "add", [T(np.array([True, False, True, False]), "bool"), T(np.array([True, True, False, False]), "bool")])
    c("mul/bool_float32", "mul", [T(np.array([True, False, True]), "bool"), randn(3)])
    c("add/bool_scalar_int", "add", [T(np.array([True, False]), "bool")], {"other": 2})
    c("add/float32_float64", "add", [randn(2, 3), T(rs.randn(2, 3), "float64")])
    c("add/float32_float64_0dim", "add", [randn(2, 3), T(np.array(rs.randn()), "float64")])
    c("add/int32_float32_0dim", "add", [T(ia(2, 3), "int32"), np.array(randn(1)[0])])
    c("mul/float32_int32_0dim", "mul", [randn(2, 3), T(np.array(3), "int32")])
    c("remainder/negative_float", "remainder", [np.array([-7.5, 7.5, -7.5, 7.5, -0.0, 3.0], np.float32), np.array([2.0, -2.0, -2.0, 2.0, 2.0, 1.5], np.float32)])
    c("fmod/negative_float", "fmod", [np.array([-7.5, 7.5, -7.5, 7.5, -0.0, 3.0], np.float32), np.array([2.0, -2.0, -2.0, 2.0, 2.0, 1.5], np.float32)])
    c("remainder/int32_negative", "remainder", [T(np.array([-7, 7, -7, 7, 0, -6]), "int32"), T(np.array([2, -2, -2, 2, 3, 3]), "int32")])
    c("fmod/int32_negative", "fmod", [T(np.array([-7, 7, -7, 7, 0, -6]), "int32"), T(np.array([2, -2, -2, 2, 3, 3]), "int32")])

    # pow specifics
    c("pow/negative_base_int_exponent", "pow", [np.array([-2.0, -3.0, -0.5, -1.0, 2.0, -2.0], np.float32), np.array([2.0, 3.0, -1.0, 5.0, -2.0, 0.0], np.float32)])
    c("pow/negative_base_fractional", "pow", [np.array([-2.0, -0.5, 2.0], np.float32), np.array([0.5, 1.5, 0.5], np.float32)], grad=False)
    c("pow/zero_zero", "pow", [np.array([0.0, 0.0, 0.0, 2.0], np.float32), np.array([0.0, 1.0, -1.0, 0.0], np.float32)], grad=False)
    c("pow/zero_base_grad", "pow", [np.array([0.0, 0.0, 0.0, 1.0], np.float32), np.array([0.0, 1.0, 2.0, 0.0], np.float32)])
    c("pow/scalar_square", "pow", [randn(2, 3)], {"other": 2})
    c("pow/scalar_cube_negative_base", "pow", [randn(2, 3)], {"other": 3})
    c("pow/scalar_negative_int", "pow", [uniform(0.5, 2, 2, 3) * np.sign(randn(2, 3))], {"other": -2})
    c("pow/scalar_half", "pow", [uniform(0.1, 3, 2, 3)], {"other": 0.5})
    c("pow/scalar_zero_exponent", "pow", [np.array([0.0, -1.0, 2.0], np.float32)], {"other": 0})
    c("pow/int32", "pow", [T(np.array([2, -3, 0, 1, 5]), "int32"), T(np.array([3, 3, 0, 7, 2]), "int32")])
    c("pow/int32_scalar", "pow", [T(np.array([2, -3, 0, 1, 5]), "int32")], {"other": 2})
    c("pow/int32_scalar_float", "pow", [T(np.array([2, 3, 0, 1, 5]), "int32")], {"other": 0.5})
    c("pow/scalar_self_negative", "pow", [np.array([2.0, 3.0, -1.0, 0.5], np.float32)], {"self": -2})
    c("pow/inf_nan", "pow", [np.array([INF, -INF, NAN, NAN, 0.5, 2.0, -INF, 0.0], np.float32), np.array([2.0, 3.0, 0.0, 1.0, INF, -INF, -1.0, -2.0], np.float32)], grad=False)
    c("pow/one_base_nan_inf", "pow", [np.array([1.0, 1.0, 1.0, -1.0, -1.0], np.float32), np.array([NAN, INF, -INF, INF, -INF], np.float32)], grad=False)

    # minimum/maximum specifics
    for op in ["minimum", "maximum"]:
        c(f"{op}/nan", op, [np.array([NAN, 1.0, NAN, INF, -INF], np.float32), np.array([1.0, NAN, NAN, 1.0, 1.0], np.float32)], grad=False)
        c(f"{op}/ties_grad", op, [np.array([1.0, 2.0, 3.0, -1.0], np.float32), np.array([1.0, 1.0, 3.0, 0.0], np.float32)])
    c("atan2/quadrants", "atan2", [np.array([0.0, 0.0, -0.0, 1.0, -1.0, 1.0, -1.0, INF], np.float32), np.array([0.0, -1.0, -1.0, 0.0, 0.0, -1.0, -1.0, INF], np.float32)], grad=False)
    c("atan2/int32", "atan2", [T(np.array([1, -1, 2]), "int32"), T(np.array([1, 1, -3]), "int32")])

    # comparisons and logic
    for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
        x = np.array([1.0, 2.0, NAN, INF, -INF, 0.0, -0.0, 3.0], np.float32)
        y = np.array([1.0, 3.0, NAN, INF, 0.0, -0.0, 0.0, 2.0], np.float32)
        c(f"{op}/float_nan", op, [x, y])
        c(f"{op}/broadcast", op, [randint(0, 3, 2, 3).astype(np.float32), randint(0, 3, 3).astype(np.float32)])
        c(f"{op}/scalar_other", op, [np.array([1.0, 2.0, 2.5, NAN], np.float32)], {"other": 2})
        c(f"{op}/int32_float32", op, [T(np.array([1, 2, 3]), "int32"), np.array([1.0, 2.5, 2.9], np.float32)])
        c(f"{op}/int32", op, [T(np.array([1, 2, 3, -1]), "int32"), T(np.array([1, 3, 2, -1]), "int32")])
        c(f"{op}/int32_scalar_float", op, [T(np.array([1, 2, 3]), "int32")], {"other": 2.5})
        c(f"{op}/bool", op, [T(np.array([True, False, True, False]), "bool"), T(np.array([True, True, False, False]), "bool")])
        c(f"{op}/transposed", op, [T(randint(0, 3, 3, 2).astype(np.float32), layout={"transpose": [0, 1]}), randint(0, 3, 2, 3).astype(np.float32)])
        c(f"{op}/empty", op, [np.zeros((0, 2), np.float32), np.zeros((1, 2), np.float32)])
    for op in ["logicalAnd", "logicalOr", "logicalXor"]:
        c(f"{op}/bool", op, [T(np.array([True, False, True, False]), "bool"), T(np.array([True, True, False, False]), "bool")])
        c(f"{op}/float", op, [np.array([0.0, 1.5, NAN, -0.0, 2.0, 0.0], np.float32), np.array([0.0, 0.0, 1.0, 1.0, -3.0, NAN], np.float32)])
        c(f"{op}/int32_broadcast", op, [T(np.array([[0, 1, 2], [3, 0, -1]]), "int32"), T(np.array([1, 0, 0]), "int32")])
        c(f"{op}/bool_float", op, [T(np.array([True, False, True]), "bool"), np.array([0.0, 2.0, 0.5], np.float32)])
    c("logicalNot/float", "logicalNot", [np.array([0.0, 1.5, NAN, -0.0], np.float32)])
    c("isinf/int32", "isinf", [T(np.array([0, 1, -2]), "int32")])

    # clamp
    x = randn(3, 4) * 2
    c("clamp/min_only", "clamp", [x], {"min": -0.5})
    c("clamp/max_only", "clamp", [x], {"max": 0.5})
    c("clamp/both", "clamp", [x], {"min": -0.5, "max": 0.5})
    c("clamp/min_greater_than_max", "clamp", [x], {"min": 1.0, "max": -1.0})
    c("clamp/nan_inf", "clamp", [np.array([NAN, INF, -INF, 0.3], np.float32)], {"min": -1.0, "max": 1.0}, grad=False)
    c("clamp/inf_bounds", "clamp", [np.array([NAN, INF, -INF, 0.3, 5.0], np.float32)], {"min": -INF, "max": 1.0}, grad=False)
    c("clamp/boundary_grad", "clamp", [np.array([-1.0, -0.5, 0.0, 0.5, 1.0], np.float32)], {"min": -0.5, "max": 0.5})
    c("clamp/int32", "clamp", [T(randint(-5, 6, 2, 3), "int32")], {"min": -2, "max": 3})
    c("clamp/int32_float_bound", "clamp", [T(randint(-5, 6, 2, 3), "int32")], {"min": -2.5}, grad=False)
    c("clamp/scalar_input", "clamp", [np.array(1.7, np.float32)], {"max": 1.0})
    c("clamp/transposed", "clamp", [T(randn(3, 2), layout={"transpose": [0, 1]})], {"min": -0.3, "max": 0.4})
    c("clamp/tensor_bounds", "clamp", [randn(2, 3), np.full(3, -0.3, np.float32) + randn(3) * 0.1, np.full((2, 1), 0.4, np.float32)])
    c("clamp/empty", "clamp", [np.zeros((0, 3), np.float32)], {"min": 0.0})

    # ternary composites
    c("addcmul/basic", "addcmul", [randn(2, 3), randn(2, 3), randn(2, 3)], {"value": 0.5})
    c("addcmul/broadcast", "addcmul", [randn(3), randn(2, 1), randn(2, 3)])
    c("addcdiv/basic", "addcdiv", [randn(2, 3), randn(2, 3), uniform(0.5, 2, 2, 3)], {"value": -2})
    c("addcdiv/broadcast", "addcdiv", [randn(2, 3), randn(3), uniform(0.5, 2, 2, 1)])
    c("lerp/scalar_weight", "lerp", [randn(2, 3), randn(2, 3)], {"weight": 0.3})
    c("lerp/tensor_weight", "lerp", [randn(2, 3), randn(2, 3), uniform(0, 1, 2, 3)])
    c("lerp/broadcast", "lerp", [randn(2, 3), randn(3)], {"weight": 0.75})
    fam.write()


# ---------------------------------------------------------------------------------------------
# reductions


def reduce():
    fam = Family("reduce")
    c = fam.case
    for op in ["sum", "mean", "prod", "amax", "amin"]:
        make = distinct if op in ("amax", "amin") else (lambda *s: uniform(0.5, 1.5, *s) * np.sign(randn(*s)) if op == "prod" else randn(*s))
        c(f"{op}/all", op, [make(2, 3, 4)])
        c(f"{op}/dim0", op, [make(2, 3, 4)], {"dim": 0})
        c(f"{op}/dim_neg1", op, [make(2, 3, 4)], {"dim": -1})
        c(f"{op}/dim1_keepdim", op, [make(2, 3, 4)], {"dim": 1, "keepdim": True})
        c(f"{op}/scalar", op, [np.array(make(1)[0])])
        c(f"{op}/scalar_dim0", op, [np.array(make(1)[0])], {"dim": 0})
        c(f"{op}/size1_dim", op, [make(3, 1)], {"dim": 1})
        c(f"{op}/transposed", op, [T(make(4, 3), layout={"transpose": [0, 1]})], {"dim": 1})
        c(f"{op}/sliced", op, [T(make(4, 6), layout={"slice": "1:, ::2"})], {"dim": 0})
        c(f"{op}/1d", op, [make(7)], {"dim": 0})
        if op != "prod":
            c(f"{op}/dims_list", op, [make(2, 3, 4)], {"dim": [0, 2]})
            c(f"{op}/dims_list_keepdim_neg", op, [make(2, 3, 4)], {"dim": [-1, -3], "keepdim": True})
            c(f"{op}/all_keepdim", op, [make(2, 3)], {"dim": None, "keepdim": True})
        c(f"{op}/float64", op, [T(make(3, 4).astype(np.float64), "float64")], {"dim": 1})
    for op in ["sum", "prod", "amax", "amin"]:
        c(f"{op}/int32", op, [T(randint(-3, 4, 3, 4), "int32")], {"dim": 1})
        c(f"{op}/int32_all", op, [T(randint(-3, 4, 3, 4), "int32")])
    c("sum/bool", "sum", [T(np.array([[True, False, True], [True, True, True]]), "bool")], {"dim": 1})
    c("sum/bool_all", "sum", [T(np.array([True, False, True]), "bool")])
    c("prod/bool_all", "prod", [T(np.array([True, False, True]), "bool")])
    c("sum/empty_all", "sum", [np.zeros((0, 3), np.float32)])
    c("sum/empty_dim0", "sum", [np.zeros((0, 3), np.float32)], {"dim": 0})
    c("sum/empty_dim1", "sum", [np.zeros((0, 3), np.float32)], {"dim": 1})
    c("prod/empty_dim0", "prod", [np.zeros((0, 3), np.float32)], {"dim": 0})
    c("mean/empty_all", "mean", [np.zeros((0, 3), np.float32)], grad=False)
    c("sum/inf", "sum", [np.array([[1.0, INF, 2.0], [INF, -INF, 0.0], [NAN, 1.0, 1.0]], np.float32)], {"dim": 1}, grad=False)
    c("mean/nan", "mean", [np.array([[1.0, NAN, 2.0], [1.0, 2.0, 3.0]], np.float32)], {"dim": 1}, grad=False)
    c("prod/inf_zero", "prod", [np.array([[INF, 0.0], [INF, -2.0], [NAN, 0.0]], np.float32)], {"dim": 1}, grad=False)
    c("prod/with_zero_grad", "prod", [np.array([[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]], np.float32)], {"dim": 1})
    c("prod/two_zeros_grad", "prod", [np.array([0.0, 2.0, 0.0, 3.0], np.float32)])
    c("sum/large_1d", "sum", [randn(64)])
    for op in ["amax", "amin"]:
        c(f"{op}/nan", op, [np.array([[1.0, NAN, 2.0], [INF, 1.0, 0.0], [-INF, -INF, -INF]], np.float32)], {"dim": 1}, grad=False)
        c(f"{op}/ties_grad", op, [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], np.float32)], {"dim": 1})
        c(f"{op}/ties_grad_all", op, [np.array([[1.0, 3.0, 3.0], [-1.0, 3.0, -1.0]], np.float32)])

    # max/min: all elements, or (values, indices) along dim
    for op in ["max", "min"]:
        c(f"{op}/all", op, [distinct(3, 4)])
        c(f"{op}/all_ties_grad", op, [np.array([[1.0, 5.0, -5.0], [5.0, -5.0, 2.0]], np.float32)])
        c(f"{op}/all_nan", op, [np.array([1.0, NAN, 3.0], np.float32)], grad=False)
        c(f"{op}/dim1", op, [distinct(3, 4)], {"dim": 1})
        c(f"{op}/dim0_keepdim", op, [distinct(3, 4)], {"dim": 0, "keepdim": True})
        c(f"{op}/dim_neg1_3d", op, [distinct(2, 3, 4)], {"dim": -1})
        c(f"{op}/dim_transposed", op, [T(distinct(4, 3), layout={"transpose": [0, 1]})], {"dim": 1})
        c(f"{op}/scalar_dim0", op, [np.array(1.5, np.float32)], {"dim": 0})
        c(f"{op}/nan_dim", op, [np.array([[1.0, NAN, 2.0], [INF, 1.0, 0.0], [-INF, -INF, 5.0]], np.float32)], {"dim": 1}, grad=False)
        c(f"{op}/int32_dim", op, [T(np.array([[3, 1, 4], [1, 5, 9]]), "int32")], {"dim": 1})
        c(f"{op}/ties_first_index", op, [np.array([[2.0, 7.0, 7.0, 1.0], [1.0, 1.0, 0.0, 1.0]], np.float32)], {"dim": 1}, grad=False)
    for op in ["argmax", "argmin"]:
        c(f"{op}/all", op, [distinct(3, 4)])
        c(f"{op}/dim1", op, [distinct(3, 4)], {"dim": 1})
        c(f"{op}/dim0_keepdim", op, [distinct(3, 4)], {"dim": 0, "keepdim": True})
        c(f"{op}/dim_neg1", op, [distinct(2, 3, 4)], {"dim": -1})
        c(f"{op}/transposed", op, [T(distinct(4, 3), layout={"transpose": [0, 1]})], {"dim": 0})
        c(f"{op}/ties", op, [np.array([[2.0, 7.0, 7.0, 1.0], [1.0, 1.0, 0.0, 1.0]], np.float32)], {"dim": 1})
        c(f"{op}/ties_all", op, [np.array([[2.0, 7.0, 7.0, 0.0], [7.0, 0.0, 0.0, 1.0]], np.float32)])
        c(f"{op}/nan", op, [np.array([[1.0, NAN, 2.0], [INF, 1.0, NAN], [-INF, -INF, 5.0]], np.float32)], {"dim": 1})
        c(f"{op}/int32", op, [T(np.array([[3, 1, 4], [1, 5, 9]]), "int32")], {"dim": 0})
        c(f"{op}/scalar", op, [np.array(2.0, np.float32)])
        c(f"{op}/all_keepdim", op, [distinct(2, 3)], {"dim": None, "keepdim": True})

    # var / std
    for op in ["var", "std"]:
        for corr in [0, 1]:
            c(f"{op}/all_correction{corr}", op, [randn(3, 4)], {"correction": corr})
            c(f"{op}/dim1_correction{corr}", op, [randn(3, 4)], {"dim": 1, "correction": corr})
            c(f"{op}/dims_list_keepdim_correction{corr}", op, [randn(2, 3, 4)], {"dim": [0, 2], "correction": corr, "keepdim": True})
        c(f"{op}/dim_neg1_keepdim", op, [randn(2, 3, 4)], {"dim": -1, "keepdim": True})
        c(f"{op}/transposed", op, [T(randn(4, 3), layout={"transpose": [0, 1]})], {"dim": 0})
        c(f"{op}/single_element_correction1", op, [randn(3, 1)], {"dim": 1}, grad=False)
        c(f"{op}/single_element_correction0", op, [randn(3, 1)], {"dim": 1, "correction": 0})
        c(f"{op}/float64", op, [T(rs.randn(3, 5), "float64")], {"dim": 1})
        c(f"{op}/large_offset", op, [randn(8) + 1000], {"dim": 0}, ref64=True)

    # logsumexp / softmax / logSoftmax
    c("logsumexp/dim1", "logsumexp", [randn(3, 4)], {"dim": 1})
    c("logsumexp/dim0_keepdim", "logsumexp", [randn(3, 4)], {"dim": 0, "keepdim": True})
    c("logsumexp/dims_list", "logsumexp", [randn(2, 3, 4)], {"dim": [0, 2]})
    c("logsumexp/dim_neg1", "logsumexp", [randn(2, 3, 4)], {"dim": -1})
    # ref64: PyTorch's float32 backward is exp(x - result) with result ~ 1000 (ulp 6e-5)
    c("logsumexp/large", "logsumexp", [np.array([[1000.0, 1000.0, 999.0], [-1000.0, -1001.0, -1000.5]], np.float32)], {"dim": 1}, ref64=True)
    c("logsumexp/neg_inf", "logsumexp", [np.array([[-INF, 0.0, 1.0], [-INF, -INF, -INF]], np.float32)], {"dim": 1}, grad=False)
    c("logsumexp/neg_inf_grad", "logsumexp", [np.array([[-INF, 0.0, 1.0], [-INF, 2.0, -INF]], np.float32)], {"dim": 1})
    c("logsumexp/pos_inf_nan", "logsumexp", [np.array([[INF, 0.0], [NAN, 1.0], [INF, -INF]], np.float32)], {"dim": 1}, grad=False)
    c("logsumexp/transposed", "logsumexp", [T(randn(4, 3), layout={"transpose": [0, 1]})], {"dim": 1})
    c("logsumexp/scalar", "logsumexp", [np.array(0.7, np.float32)], {"dim": 0})
    c("logsumexp/int32", "logsumexp", [T(np.array([[1, 2], [3, 4]]), "int32")], {"dim": 1})
    c("logsumexp/empty_dim", "logsumexp", [np.zeros((2, 0), np.float32)], {"dim": 1}, grad=False)
    for op in ["softmax", "logSoftmax"]:
        c(f"{op}/dim1", op, [randn(3, 4)], {"dim": 1})
        c(f"{op}/dim0", op, [randn(3, 4)], {"dim": 0})
        c(f"{op}/dim_neg1_3d", op, [randn(2, 3, 4)], {"dim": -1})
        c(f"{op}/dim1_3d", op, [randn(2, 3, 4)], {"dim": 1})
        c(f"{op}/large_logits", op, [np.array([[1000.0, 999.0, 998.0], [-1000.0, 0.0, 1000.0]], np.float32)], {"dim": 1})
        c(f"{op}/neg_inf", op, [np.array([[-INF, 0.0, 1.0], [2.0, -INF, -INF]], np.float32)], {"dim": 1})
        c(f"{op}/all_neg_inf_row", op, [np.array([[-INF, -INF], [0.0, 1.0]], np.float32)], {"dim": 1}, grad=False)
        c(f"{op}/transposed", op, [T(randn(4, 3), layout={"transpose": [0, 1]})], {"dim": 1})
        c(f"{op}/scalar", op, [np.array(0.7, np.float32)], {"dim": 0})
        c(f"{op}/size1_dim", op, [randn(3, 1)], {"dim": 1})
        c(f"{op}/float64", op, [T(rs.randn(2, 5), "float64")], {"dim": 1})
        c(f"{op}/empty", op, [np.zeros((0, 3), np.float32)], {"dim": 1})

    # cumulative
    for op in ["cumsum", "cumprod"]:
        make = (lambda *s: uniform(0.5, 1.5, *s) * np.sign(randn(*s))) if op == "cumprod" else randn
        c(f"{op}/dim0", op, [make(3, 4)], {"dim": 0})
        c(f"{op}/dim1", op, [make(3, 4)], {"dim": 1})
        c(f"{op}/dim_neg1_3d", op, [make(2, 3, 4)], {"dim": -1})
        c(f"{op}/transposed", op, [T(make(4, 3), layout={"transpose": [0, 1]})], {"dim": 1})
        c(f"{op}/1d", op, [make(8)], {"dim": 0})
        c(f"{op}/scalar", op, [np.array(1.5, np.float32)], {"dim": 0})
        c(f"{op}/int32", op, [T(randint(-3, 4, 2, 4), "int32")], {"dim": 1})
        c(f"{op}/bool", op, [T(np.array([True, False, True, True]), "bool")], {"dim": 0})
        c(f"{op}/empty", op, [np.zeros((0, 3), np.float32)], {"dim": 1})
        c(f"{op}/nan_inf", op, [np.array([1.0, NAN, 2.0, INF, -INF], np.float32)], {"dim": 0}, grad=False)
        c(f"{op}/float64", op, [T(rs.randn(2, 4) * (0.5 if op == "cumprod" else 1), "float64")], {"dim": 1})
    c("cumprod/with_zero_grad", "cumprod", [np.array([2.0, 0.0, 3.0, 0.5], np.float32)], {"dim": 0})

    # all / any
    for op in ["all", "any"]:
        bools = np.array([[True, False, True], [True, True, True]])
        c(f"{op}/bool_all", op, [T(bools, "bool")])
        c(f"{op}/bool_dim1", op, [T(bools, "bool")], {"dim": 1})
        c(f"{op}/bool_dim0_keepdim", op, [T(bools, "bool")], {"dim": 0, "keepdim": True})
        c(f"{op}/float", op, [np.array([[0.0, 1.0, NAN], [2.0, -0.0, 3.0]], np.float32)], {"dim": 1})
        c(f"{op}/int32", op, [T(np.array([[0, 1, 2], [3, 4, -5]]), "int32")], {"dim": 1})
        c(f"{op}/empty", op, [T(np.zeros((0,), bool), "bool")])
        c(f"{op}/empty_dim", op, [T(np.zeros((2, 0), bool), "bool")], {"dim": 1})
        c(f"{op}/scalar", op, [T(np.array(True), "bool")])
        c(f"{op}/transposed", op, [T(np.array([[True, False], [True, True], [False, True]]), "bool", layout={"transpose": [0, 1]})], {"dim": 1})

    # norm
    for p in [1, 2, INF]:
        pn = {1: "p1", 2: "p2", INF: "pinf"}[p]
        c(f"norm/{pn}_all", "norm", [distinct(3, 4)], {"p": p})
        c(f"norm/{pn}_dim1", "norm", [distinct(3, 4)], {"p": p, "dim": 1})
        c(f"norm/{pn}_dim0_keepdim", "norm", [distinct(3, 4)], {"p": p, "dim": 0, "keepdim": True})
        c(f"norm/{pn}_dims_list", "norm", [distinct(2, 3, 4)], {"p": p, "dim": [1, 2]})
    c("norm/p3_dim1", "norm", [distinct(3, 4)], {"p": 3, "dim": 1})
    c("norm/p2_transposed", "norm", [T(distinct(4, 3), layout={"transpose": [0, 1]})], {"p": 2, "dim": 1})
    fam.write()


# ---------------------------------------------------------------------------------------------
# linear algebra


def linalg():
    fam = Family("linalg")
    c = fam.case
    c("matmul/1d_1d", "matmul", [randn(5), randn(5)])
    c("matmul/1d_2d", "matmul", [randn(3), randn(3, 4)])
    c("matmul/2d_1d", "matmul", [randn(3, 4), randn(4)])
    c("matmul/2d_2d", "matmul", [randn(3, 4), randn(4, 5)])
    c("matmul/2d_2d_single_row", "matmul", [randn(1, 4), randn(4, 1)])
    c("matmul/3d_3d", "matmul", [randn(2, 3, 4), randn(2, 4, 2)])
    c("matmul/3d_2d", "matmul", [randn(2, 3, 4), randn(4, 5)])
    c("matmul/2d_3d", "matmul", [randn(3, 4), randn(2, 4, 2)])
    c("matmul/1d_3d", "matmul", [randn(3), randn(2, 3, 4)])
    c("matmul/3d_1d", "matmul", [randn(2, 3, 4), randn(4)])
    c("matmul/broadcast_batch", "matmul", [randn(2, 1, 3, 4), randn(3, 4, 2)])
    c("matmul/broadcast_batch_both", "matmul", [randn(2, 1, 2, 3), randn(1, 3, 3, 2)])
    c("matmul/transposed_a", "matmul", [T(randn(4, 3), layout={"transpose": [0, 1]}), randn(4, 5)])
    c("matmul/transposed_b", "matmul", [randn(3, 4), T(randn(5, 4), layout={"transpose": [0, 1]})])
    c("matmul/transposed_both", "matmul", [T(randn(4, 3), layout={"transpose": [0, 1]}), T(randn(5, 4), layout={"transpose": [0, 1]})])
    c("matmul/batched_transposed", "matmul", [T(randn(2, 4, 3), layout={"transpose": [1, 2]}), T(randn(3, 2, 4), layout={"permute": [1, 2, 0]})])
    c("matmul/sliced", "matmul", [T(randn(6, 4), layout={"slice": "::2, :"}), T(randn(4, 6), layout={"slice": ":, 1::2"})])
    c("matmul/expanded", "matmul", [T(randn(1, 3, 4), layout={"expand": [2, 3, 4]}), randn(2, 4, 2)])
    c("matmul/empty_k", "matmul", [np.zeros((2, 0), np.float32), np.zeros((0, 3), np.float32)])
    c("matmul/empty_m", "matmul", [np.zeros((0, 4), np.float32), randn(4, 3)])
    c("matmul/float64", "matmul", [T(rs.randn(3, 4), "float64"), T(rs.randn(4, 2), "float64")])
    c("matmul/float64_batched", "matmul", [T(rs.randn(2, 3, 4), "float64"), T(rs.randn(4, 2), "float64")])
    c("matmul/larger", "matmul", [randn(8, 8), randn(8, 8)])
    c("matmul/inf_nan", "matmul", [np.array([[1.0, INF], [NAN, 1.0]], np.float32), np.array([[1.0, 0.0], [1.0, 1.0]], np.float32)], grad=False)
    c("mm/basic", "mm", [randn(3, 4), randn(4, 2)])
    c("mm/transposed", "mm", [T(randn(4, 3), layout={"transpose": [0, 1]}), T(randn(2, 4), layout={"transpose": [0, 1]})])
    c("mm/float64", "mm", [T(rs.randn(2, 3), "float64"), T(rs.randn(3, 2), "float64")])
    c("bmm/basic", "bmm", [randn(2, 3, 4), randn(2, 4, 2)])
    c("bmm/transposed", "bmm", [T(randn(2, 4, 3), layout={"transpose": [1, 2]}), randn(2, 4, 2)])
    c("bmm/permuted", "bmm", [T(randn(3, 2, 4), layout={"permute": [1, 0, 2]}), randn(2, 4, 3)])
    c("outer/basic", "outer", [randn(3), randn(4)])
    c("outer/sliced", "outer", [T(randn(6), layout={"slice": "::2"}), randn(2)])
    c("outer/empty", "outer", [np.zeros(0, np.float32), randn(3)])
    c("dot/basic", "dot", [randn(6), randn(6)])
    c("dot/sliced", "dot", [T(randn(8), layout={"slice": "1::2"}), randn(4)])
    c("dot/float64", "dot", [T(rs.randn(5), "float64"), T(rs.randn(5), "float64")])
    fam.write()


# ---------------------------------------------------------------------------------------------
# movement


def movement():
    fam = Family("movement")
    c = fam.case
    x = lambda *s: randn(*s)
    c("view/basic", "view", [x(2, 3, 4)], {"shape": [6, 4]})
    c("view/infer", "view", [x(2, 3, 4)], {"shape": [-1, 12]})
    c("view/to_scalar", "view", [x(1)], {"shape": []})
    c("view/from_scalar", "view", [np.array(2.5, np.float32)], {"shape": [1, 1]})
    c("view/size1_dims", "view", [x(4, 3)], {"shape": [1, 4, 1, 3]})
    c("view/transposed_compatible", "view", [T(x(4, 3, 2), layout={"transpose": [0, 1]})], {"shape": [3, 4, 2, 1]})
    c("view/empty", "view", [np.zeros((0, 4), np.float32)], {"shape": [2, 0, 2]})
    c("view/int32", "view", [T(randint(0, 9, 2, 3), "int32")], {"shape": [3, 2]})
    c("reshape/contiguous", "reshape", [x(2, 3, 4)], {"shape": [4, -1]})
    c("reshape/transposed_copy", "reshape", [T(x(3, 4), layout={"transpose": [0, 1]})], {"shape": [12]})
    c("reshape/sliced_copy", "reshape", [T(x(4, 6), layout={"slice": "::2, 1::2"})], {"shape": [3, 2]})
    c("reshape/expanded", "reshape", [T(x(1, 3), layout={"expand": [2, 3]})], {"shape": [6]})
    c("reshape/scalar", "reshape", [np.array(1.5, np.float32)], {"shape": [1]})
    c("reshape/bool", "reshape", [T(np.array([[True, False], [False, True]]), "bool", layout={"transpose": [0, 1]})], {"shape": [4]})
    c("flatten/all", "flatten", [x(2, 3, 4)])
    c("flatten/start1", "flatten", [x(2, 3, 4)], {"startDim": 1})
    c("flatten/middle", "flatten", [x(2, 3, 4, 2)], {"startDim": 1, "endDim": 2})
    c("flatten/negative", "flatten", [x(2, 3, 4)], {"startDim": -2, "endDim": -1})
    c("flatten/scalar", "flatten", [np.array(3.0, np.float32)])
    c("flatten/transposed", "flatten", [T(x(3, 4), layout={"transpose": [0, 1]})])
    c("unflatten/basic", "unflatten", [x(2, 12)], {"dim": 1, "sizes": [3, 4]})
    c("unflatten/infer", "unflatten", [x(2, 12)], {"dim": -1, "sizes": [2, -1, 3]})
    c("unflatten/dim0", "unflatten", [x(6, 2)], {"dim": 0, "sizes": [3, 2]})
    c("squeeze/all", "squeeze", [x(1, 3, 1, 2)])
    c("squeeze/dim", "squeeze", [x(1, 3, 1, 2)], {"dim": 2})
    c("squeeze/dim_not_1", "squeeze", [x(1, 3, 1, 2)], {"dim": 1})
    c("squeeze/neg_dim", "squeeze", [x(2, 1)], {"dim": -1})
    c("squeeze/scalar", "squeeze", [np.array(3.0, np.float32)])
    c("squeeze/to_scalar", "squeeze", [x(1, 1)])
    c("unsqueeze/dim0", "unsqueeze", [x(2, 3)], {"dim": 0})
    c("unsqueeze/dim_last", "unsqueeze", [x(2, 3)], {"dim": 2})
    c("unsqueeze/neg", "unsqueeze", [x(2, 3)], {"dim": -2})
    c("unsqueeze/scalar", "unsqueeze", [np.array(3.0, np.float32)], {"dim": 0})
    c("unsqueeze/transposed", "unsqueeze", [T(x(3, 2), layout={"transpose": [0, 1]})], {"dim": 1})
    c("permute/3d", "permute", [x(2, 3, 4)], {"dims": [2, 0, 1]})
    c("permute/negative", "permute", [x(2, 3, 4)], {"dims": [-1, -3, -2]})
    c("permute/identity", "permute", [x(2, 3)], {"dims": [0, 1]})
    c("permute/4d", "permute", [x(2, 1, 3, 2)], {"dims": [3, 1, 0, 2]})
    c("transpose/basic", "transpose", [x(2, 3)], {"dim0": 0, "dim1": 1})
    c("transpose/negative", "transpose", [x(2, 3, 4)], {"dim0": -1, "dim1": 0})
    c("transpose/same_dim", "transpose", [x(2, 3)], {"dim0": 1, "dim1": 1})
    c("t/2d", "t", [x(2, 3)])
    c("t/1d", "t", [x(4)])
    c("t/scalar", "t", [np.array(3.0, np.float32)])
    c("expand/basic", "expand", [x(3, 1)], {"shape": [3, 4]})
    c("expand/new_dims", "expand", [x(3)], {"shape": [2, 4, 3]})
    c("expand/minus_one", "expand", [x(1, 3)], {"shape": [2, -1]})
    c("expand/scalar", "expand", [np.array(1.5, np.float32)], {"shape": [2, 3]})
    c("expand/transposed", "expand", [T(x(1, 3), layout={"transpose": [0, 1]})], {"shape": [2, 3, 4]})
    c("expand/same", "expand", [x(2, 3)], {"shape": [2, 3]})
    c("repeat/basic", "repeat", [x(2, 3)], {"sizes": [2, 2]})
    c("repeat/new_dims", "repeat", [x(3)], {"sizes": [2, 1, 2]})
    c("repeat/ones", "repeat", [x(2, 3)], {"sizes": [1, 1]})
    c("repeat/transposed", "repeat", [T(x(3, 2), layout={"transpose": [0, 1]})], {"sizes": [1, 3]})
    c("repeat/zero", "repeat", [x(2, 3)], {"sizes": [0, 2]})
    c("repeat/int32", "repeat", [T(randint(0, 5, 3), "int32")], {"sizes": [2]})
    c("cat/dim0", "cat", [x(2, 3), x(1, 3), x(3, 3)], {"dim": 0})
    c("cat/dim1", "cat", [x(2, 3), x(2, 1)], {"dim": 1})
    c("cat/neg_dim", "cat", [x(2, 3, 2), x(2, 3, 1)], {"dim": -1})
    c("cat/transposed", "cat", [T(x(3, 2), layout={"transpose": [0, 1]}), x(2, 2)], {"dim": 1})
    c("cat/empty_piece", "cat", [x(2, 3), np.zeros((0, 3), np.float32), x(1, 3)], {"dim": 0})
    c("cat/single", "cat", [x(2, 3)], {"dim": 1})
    c("cat/int32_float32", "cat", [T(randint(0, 5, 2, 2), "int32"), x(1, 2)], {"dim": 0})
    c("cat/int32", "cat", [T(randint(0, 5, 2, 2), "int32"), T(randint(0, 5, 2, 2), "int32")], {"dim": 1})
    c("cat/bool_int32", "cat", [T(np.array([True, False]), "bool"), T(np.array([3, 4]), "int32")], {"dim": 0})
    c("cat/float64", "cat", [T(rs.randn(2), "float64"), T(rs.randn(3), "float64")], {"dim": 0})
    c("stack/dim0", "stack", [x(2, 3), x(2, 3)], {"dim": 0})
    c("stack/dim_last", "stack", [x(2, 3), x(2, 3), x(2, 3)], {"dim": 2})
    c("stack/neg_dim", "stack", [x(2, 3), x(2, 3)], {"dim": -2})
    c("stack/scalars", "stack", [np.array(1.0, np.float32), np.array(2.0, np.float32)], {"dim": 0})
    c("stack/transposed", "stack", [T(x(3, 2), layout={"transpose": [0, 1]}), x(2, 3)], {"dim": 1})
    c("split/size", "split", [x(5, 2)], {"splitSizeOrSections": 2, "dim": 0})
    c("split/sections", "split", [x(2, 6)], {"splitSizeOrSections": [1, 3, 2], "dim": 1})
    c("split/neg_dim", "split", [x(2, 3, 4)], {"splitSizeOrSections": 3, "dim": -1})
    c("split/zero_section", "split", [x(4, 2)], {"splitSizeOrSections": [0, 4], "dim": 0})
    c("chunk/even", "chunk", [x(6, 2)], {"chunks": 3})
    c("chunk/uneven", "chunk", [x(5, 2)], {"chunks": 3})
    c("chunk/more_than_size", "chunk", [x(2, 3)], {"chunks": 4, "dim": 1})
    c("chunk/neg_dim", "chunk", [x(2, 7)], {"chunks": 2, "dim": -1})
    c("unbind/dim0", "unbind", [x(3, 2)])
    c("unbind/dim1", "unbind", [x(2, 3)], {"dim": 1})
    c("narrow/basic", "narrow", [x(4, 5)], {"dim": 1, "start": 1, "length": 3})
    c("narrow/neg_dim", "narrow", [x(4, 5)], {"dim": -2, "start": 2, "length": 2})
    c("narrow/neg_start", "narrow", [x(6)], {"dim": 0, "start": -3, "length": 2})
    c("narrow/empty", "narrow", [x(3, 2)], {"dim": 0, "start": 1, "length": 0})
    c("narrow/transposed", "narrow", [T(x(5, 4), layout={"transpose": [0, 1]})], {"dim": 1, "start": 1, "length": 3})
    c("select/basic", "select", [x(3, 4)], {"dim": 0, "index": 1})
    c("select/neg_index", "select", [x(3, 4)], {"dim": 1, "index": -1})
    c("select/neg_dim", "select", [x(2, 3, 4)], {"dim": -2, "index": 2})
    c("select/1d_to_scalar", "select", [x(4)], {"dim": 0, "index": 3})
    c("select/transposed", "select", [T(x(4, 3), layout={"transpose": [0, 1]})], {"dim": 0, "index": 2})
    c("index/colon_last", "index", [x(2, 3, 4)], {"index": [":", -1, ":"]})
    c("index/step_slice", "index", [x(2, 6)], {"index": [":", "1:5:2"]})
    c("index/newaxis_ellipsis", "index", [x(2, 3, 4)], {"index": [None, "...", 1]})
    c("index/ellipsis_middle", "index", [x(2, 3, 4)], {"index": [0, "...", "::3"]})
    c("index/negative_slice", "index", [x(5)], {"index": ["-3:"]})
    c("index/negative_stop", "index", [x(5, 2)], {"index": [":-1", 1]})
    c("index/out_of_range_slice", "index", [x(4)], {"index": ["2:100"]})
    c("index/empty_slice", "index", [x(4, 2)], {"index": ["3:1"]})
    c("index/all_ints", "index", [x(3, 4)], {"index": [1, 2]})
    c("index/newaxis_end", "index", [x(3)], {"index": [":", None]})
    c("index/transposed", "index", [T(x(4, 3), layout={"transpose": [0, 1]})], {"index": ["1:", "::2"]})
    c("index/nested_slice_layout", "index", [T(x(6, 5), layout={"slice": "1:, ::2"})], {"index": ["::2", "1:"]})
    c("index/scalar_ellipsis", "index", [np.array(2.0, np.float32)], {"index": ["..."]})
    c("index/scalar_newaxis", "index", [np.array(2.0, np.float32)], {"index": [None]})
    c("flip/dim0", "flip", [x(3, 4)], {"dims": 0})
    c("flip/both", "flip", [x(3, 4)], {"dims": [0, 1]})
    c("flip/neg", "flip", [x(2, 3, 4)], {"dims": [-1]})
    c("flip/transposed", "flip", [T(x(4, 3), layout={"transpose": [0, 1]})], {"dims": [1]})
    c("flip/int32", "flip", [T(randint(0, 9, 5), "int32")], {"dims": [0]})
    c("contiguous/transposed", "contiguous", [T(x(3, 4), layout={"transpose": [0, 1]})])
    c("contiguous/already", "contiguous", [x(3, 4)])
    c("contiguous/sliced", "contiguous", [T(x(4, 6), layout={"slice": "1:3, ::2"})])
    c("contiguous/expanded", "contiguous", [T(x(3, 1), layout={"expand": [3, 4]})])
    c("clone/basic", "clone", [x(2, 3)])
    c("clone/transposed", "clone", [T(x(3, 2), layout={"transpose": [0, 1]})])
    c("clone/scalar", "clone", [np.array(1.25, np.float32)])
    c("clone/bool", "clone", [T(np.array([True, False]), "bool")])
    fam.write()


# ---------------------------------------------------------------------------------------------
# indexing


def indexing():
    fam = Family("indexing")
    c = fam.case
    I = lambda a: T(np.asarray(a), "int32")
    c("gather/dim1", "gather", [randn(3, 4), I([[0, 3], [1, 1], [2, 0]])], {"dim": 1})
    c("gather/dim0", "gather", [randn(3, 4), I([[0, 2, 1, 0], [2, 2, 0, 1]])], {"dim": 0})
    c("gather/neg_dim", "gather", [randn(2, 3, 4), I(randint(0, 4, 2, 3, 2))], {"dim": -1})
    c("gather/repeated_grad", "gather", [randn(2, 3), I([[0, 0, 0, 2], [1, 1, 2, 1]])], {"dim": 1})
    c("gather/smaller_index", "gather", [randn(4, 5), I([[1], [0]])], {"dim": 1})
    c("gather/transposed", "gather", [T(randn(4, 3), layout={"transpose": [0, 1]}), I([[0, 3], [2, 1], [1, 1]])], {"dim": 1})
    c("gather/int32", "gather", [I([[5, 6, 7], [8, 9, 10]]), I([[2, 0], [1, 1]])], {"dim": 1})
    c("gather/1d", "gather", [randn(5), I([4, 0, 0, 2])], {"dim": 0})
    c("gather/empty_index", "gather", [randn(2, 3), T(np.zeros((2, 0), np.int64), "int32")], {"dim": 1})
    c("scatter/dim1", "scatter", [randn(3, 4), I([[0, 3], [1, 2], [2, 0]]), randn(3, 2)], {"dim": 1})
    c("scatter/dim0", "scatter", [randn(3, 4), I([[0, 2, 1, 0]]), randn(1, 4)], {"dim": 0})
    c("scatter/value", "scatter", [randn(3, 4), I([[0, 3], [1, 2], [2, 0]])], {"dim": 1, "value": 9.5})
    c("scatter/neg_dim", "scatter", [randn(2, 4), I([[3, 1], [0, 2]]), randn(2, 2)], {"dim": -1})
    c("scatter/int32", "scatter", [I([[1, 2, 3], [4, 5, 6]]), I([[2], [0]]), I([[7], [8]])], {"dim": 1})
    c("scatterAdd/dim1", "scatterAdd", [randn(3, 4), I([[0, 3], [1, 2], [2, 0]]), randn(3, 2)], {"dim": 1})
    c("scatterAdd/repeated", "scatterAdd", [randn(2, 4), I([[1, 1, 1], [0, 3, 0]]), randn(2, 3)], {"dim": 1})
    c("scatterAdd/dim0", "scatterAdd", [np.zeros((3, 2), np.float32), I([[0, 1], [2, 0], [0, 0]]), randn(3, 2)], {"dim": 0})
    c("scatterAdd/3d", "scatterAdd", [randn(2, 3, 2), I(randint(0, 3, 2, 2, 2)), randn(2, 2, 2)], {"dim": 1})
    c("scatterAdd/int32", "scatterAdd", [I([[1, 2, 3]]), I([[0, 0, 2]]), I([[5, 6, 7]])], {"dim": 1})
    c("indexSelect/dim0", "indexSelect", [randn(4, 3), I([3, 0, 1])], {"dim": 0})
    c("indexSelect/dim1_repeated", "indexSelect", [randn(2, 4), I([1, 1, 3, 1])], {"dim": 1})
    c("indexSelect/neg_dim", "indexSelect", [randn(2, 3, 4), I([0, 3])], {"dim": -1})
    c("indexSelect/1d", "indexSelect", [randn(5), I([4, 4, 0])], {"dim": 0})
    c("indexSelect/empty", "indexSelect", [randn(3, 2), T(np.zeros(0, np.int64), "int32")], {"dim": 0})
    c("indexSelect/transposed", "indexSelect", [T(randn(3, 4), layout={"transpose": [0, 1]}), I([2, 0])], {"dim": 1})
    c("indexSelect/scalar_index", "indexSelect", [randn(3, 2), T(np.array(1), "int32")], {"dim": 0})
    c("indexSelect/int32", "indexSelect", [I([[1, 2], [3, 4], [5, 6]]), I([2, 0])], {"dim": 0})
    B = lambda a: T(np.asarray(a, dtype=bool), "bool")
    c("maskedFill/same_shape", "maskedFill", [randn(2, 3), B([[1, 0, 1], [0, 0, 1]])], {"value": -1.5})
    c("maskedFill/broadcast_row", "maskedFill", [randn(2, 3), B([0, 1, 1])], {"value": 0.0})
    c("maskedFill/broadcast_col", "maskedFill", [randn(2, 3), B([[1], [0]])], {"value": 2.0})
    c("maskedFill/neg_inf", "maskedFill", [randn(3, 3), B(np.triu(np.ones((3, 3)), 1))], {"value": -INF})
    c("maskedFill/transposed", "maskedFill", [T(randn(3, 2), layout={"transpose": [0, 1]}), B([[1, 0, 1], [0, 1, 0]])], {"value": 7.0})
    c("maskedFill/int32", "maskedFill", [I([[1, 2], [3, 4]]), B([[1, 0], [0, 1]])], {"value": -9})
    c("maskedFill/scalar_mask", "maskedFill", [randn(2, 2), B(True)], {"value": 1.0})
    for op in ["tril", "triu"]:
        c(f"{op}/square", op, [randn(4, 4)])
        c(f"{op}/wide", op, [randn(3, 5)])
        c(f"{op}/tall_diag1", op, [randn(5, 3)], {"diagonal": 1})
        c(f"{op}/diag_neg1", op, [randn(4, 4)], {"diagonal": -1})
        c(f"{op}/diag_big", op, [randn(3, 3)], {"diagonal": 5})
        c(f"{op}/batched", op, [randn(2, 3, 3)])
        c(f"{op}/transposed", op, [T(randn(4, 3), layout={"transpose": [0, 1]})])
        c(f"{op}/int32", op, [I(randint(1, 9, 3, 3))])
        c(f"{op}/bool", op, [B(np.ones((3, 3)))], {"diagonal": 0})
    c("oneHot/infer", "oneHot", [I([0, 2, 1, 2])])
    c("oneHot/given", "oneHot", [I([[0, 3], [1, 1]])], {"numClasses": 5})
    c("oneHot/scalar", "oneHot", [I(2)], {"numClasses": 3})
    c("oneHot/empty", "oneHot", [T(np.zeros(0, np.int64), "int32")], {"numClasses": 3})
    c("where/same_shape", "where", [B([[1, 0, 1], [0, 1, 1]]), randn(2, 3), randn(2, 3)])
    c("where/broadcast", "where", [B([[1], [0]]), randn(3), randn(2, 1)])
    c("where/broadcast_cond", "where", [B([1, 0, 1]), randn(2, 3), randn(2, 3)])
    c("where/scalar_other", "where", [B([1, 0, 1]), randn(3)], {"other": 0.0})
    c("where/scalar_self", "where", [B([1, 0, 1]), randn(3)], {"self": -2.5})
    c("where/scalar_tensors", "where", [B([1, 0, 1]), np.array(1.5, np.float32), np.array(-1.5, np.float32)])
    c("where/transposed", "where", [B([[1, 0], [0, 1], [1, 1]]), T(randn(2, 3), layout={"transpose": [0, 1]}), randn(3, 2)])
    c("where/int32", "where", [B([1, 0, 1]), I([1, 2, 3]), I([7, 8, 9])])
    c("where/int32_float32", "where", [B([1, 0, 1]), I([1, 2, 3]), randn(3)])
    c("where/nan_branch", "where", [B([1, 0, 1]), np.array([1.0, NAN, 2.0], np.float32), np.array([INF, 3.0, NAN], np.float32)])
    c("where/empty", "where", [B(np.zeros((0, 3))), np.zeros((0, 3), np.float32), randn(3)])
    fam.write()


# ---------------------------------------------------------------------------------------------
# convolution and pooling


def conv():
    fam = Family("conv")
    c = fam.case
    x = randn
    c("conv2d/basic", "conv2d", [x(1, 2, 5, 5), x(3, 2, 3, 3), x(3)])
    c("conv2d/no_bias", "conv2d", [x(2, 2, 4, 4), x(2, 2, 3, 3)])
    c("conv2d/stride2", "conv2d", [x(1, 2, 6, 6), x(2, 2, 3, 3), x(2)], {"stride": 2})
    c("conv2d/padding1", "conv2d", [x(1, 2, 4, 4), x(2, 2, 3, 3), x(2)], {"padding": 1})
    c("conv2d/stride2_padding1", "conv2d", [x(1, 1, 5, 5), x(2, 1, 3, 3)], {"stride": 2, "padding": 1})
    c("conv2d/dilation2", "conv2d", [x(1, 2, 6, 6), x(2, 2, 2, 2), x(2)], {"dilation": 2})
    c("conv2d/dilation_padding", "conv2d", [x(1, 1, 5, 5), x(2, 1, 3, 3)], {"dilation": 2, "padding": 2})
    c("conv2d/groups2", "conv2d", [x(1, 4, 4, 4), x(4, 2, 3, 3), x(4)], {"groups": 2})
    c("conv2d/depthwise", "conv2d", [x(1, 3, 4, 4), x(3, 1, 3, 3), x(3)], {"groups": 3, "padding": 1})
    c("conv2d/depthwise_multiplier", "conv2d", [x(1, 2, 4, 4), x(4, 1, 2, 2)], {"groups": 2})
    c("conv2d/nonsquare_kernel", "conv2d", [x(1, 2, 5, 6), x(2, 2, 2, 3), x(2)])
    c("conv2d/tuple_stride_padding", "conv2d", [x(1, 1, 5, 6), x(2, 1, 3, 3)], {"stride": [2, 1], "padding": [0, 1]})
    c("conv2d/tuple_dilation", "conv2d", [x(1, 1, 6, 6), x(1, 1, 2, 2)], {"dilation": [1, 3]})
    c("conv2d/1x1", "conv2d", [x(2, 3, 3, 3), x(4, 3, 1, 1), x(4)])
    c("conv2d/kernel_equals_input", "conv2d", [x(1, 2, 3, 3), x(2, 2, 3, 3)])
    c("conv2d/unbatched", "conv2d", [x(2, 4, 4), x(2, 2, 3, 3), x(2)])
    c("conv2d/padding_same", "conv2d", [x(1, 2, 5, 5), x(2, 2, 3, 3)], {"padding": "same"})
    c("conv2d/padding_same_dilated", "conv2d", [x(1, 1, 6, 6), x(1, 1, 3, 3)], {"padding": "same", "dilation": 2})
    c("conv2d/padding_valid", "conv2d", [x(1, 2, 5, 5), x(2, 2, 3, 3)], {"padding": "valid"})
    c("conv2d/padding_same_even_kernel", "conv2d", [x(1, 1, 5, 5), x(1, 1, 2, 2)], {"padding": "same"})
    c("conv2d/transposed_input", "conv2d", [T(x(1, 2, 5, 4), layout={"transpose": [2, 3]}), x(2, 2, 3, 3)])
    c("conv2d/permuted_weight", "conv2d", [x(1, 2, 4, 4), T(x(3, 3, 2, 2), layout={"permute": [3, 2, 0, 1]})])
    c("conv2d/float64", "conv2d", [T(rs.randn(1, 2, 4, 4), "float64"), T(rs.randn(2, 2, 3, 3), "float64"), T(rs.randn(2), "float64")], {"padding": 1})
    c("conv2d/stride_larger_than_kernel", "conv2d", [x(1, 1, 7, 7), x(1, 1, 2, 2)], {"stride": 3})
    c("conv1d/basic", "conv1d", [x(2, 2, 8), x(3, 2, 3), x(3)])
    c("conv1d/stride_padding", "conv1d", [x(1, 2, 8), x(2, 2, 3)], {"stride": 2, "padding": 1})
    c("conv1d/dilation", "conv1d", [x(1, 1, 9), x(2, 1, 3), x(2)], {"dilation": 3})
    c("conv1d/groups", "conv1d", [x(1, 4, 6), x(4, 1, 3)], {"groups": 4, "padding": 1})
    c("conv1d/unbatched", "conv1d", [x(2, 6), x(3, 2, 2), x(3)])
    c("conv1d/padding_same", "conv1d", [x(1, 2, 7), x(2, 2, 5)], {"padding": "same"})
    c("conv1d/transposed_input", "conv1d", [T(x(1, 6, 2), layout={"transpose": [1, 2]}), x(2, 2, 3)])

    d = lambda *s: distinct(*s)
    c("maxPool2d/k2", "maxPool2d", [d(1, 2, 4, 4)], {"kernelSize": 2})
    c("maxPool2d/k3_s2_p1", "maxPool2d", [d(1, 2, 5, 5)], {"kernelSize": 3, "stride": 2, "padding": 1})
    c("maxPool2d/k2_s1", "maxPool2d", [d(2, 1, 3, 4)], {"kernelSize": 2, "stride": 1})
    c("maxPool2d/dilation2", "maxPool2d", [d(1, 1, 6, 6)], {"kernelSize": 2, "dilation": 2})
    c("maxPool2d/dilation_padding", "maxPool2d", [d(1, 1, 6, 6)], {"kernelSize": 3, "dilation": 2, "padding": 1, "stride": 2})
    c("maxPool2d/ceil_mode", "maxPool2d", [d(1, 1, 5, 5)], {"kernelSize": 2, "ceilMode": True})
    c("maxPool2d/ceil_mode_stride", "maxPool2d", [d(1, 2, 6, 6)], {"kernelSize": 3, "stride": 2, "ceilMode": True})
    c("maxPool2d/ceil_mode_padding", "maxPool2d", [d(1, 1, 6, 6)], {"kernelSize": 3, "stride": 2, "padding": 1, "ceilMode": True})
    c("maxPool2d/nonsquare", "maxPool2d", [d(1, 1, 4, 6)], {"kernelSize": [2, 3], "stride": [2, 1]})
    c("maxPool2d/overlap_grad", "maxPool2d", [d(1, 1, 4, 4)], {"kernelSize": 3, "stride": 1})
    c("maxPool2d/unbatched", "maxPool2d", [d(2, 4, 4)], {"kernelSize": 2})
    c("maxPool2d/transposed", "maxPool2d", [T(d(1, 1, 4, 6), layout={"transpose": [2, 3]})], {"kernelSize": 2})
    c("maxPool2d/neg_inf_nan", "maxPool2d", [np.array([[[[-INF, -INF, 1.0, NAN], [-INF, -INF, 0.0, 2.0]]]], np.float32)], {"kernelSize": 2}, grad=False)
    c("maxPool2d/float64", "maxPool2d", [T(d(1, 1, 4, 4).astype(np.float64), "float64")], {"kernelSize": 2})
    c("maxPool2dWithIndices/k3_s2_p1", "maxPool2dWithIndices", [d(1, 2, 5, 5)], {"kernelSize": 3, "stride": 2, "padding": 1})
    c("avgPool2d/k2", "avgPool2d", [x(1, 2, 4, 4)], {"kernelSize": 2})
    c("avgPool2d/k3_s2_p1", "avgPool2d", [x(1, 2, 5, 5)], {"kernelSize": 3, "stride": 2, "padding": 1})
    c("avgPool2d/k3_s2_p1_exclude_pad", "avgPool2d", [x(1, 2, 5, 5)], {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False})
    c("avgPool2d/k2_s1_p1_exclude_pad", "avgPool2d", [x(1, 1, 3, 3)], {"kernelSize": 2, "stride": 1, "padding": 1, "countIncludePad": False})
    c("avgPool2d/nonsquare", "avgPool2d", [x(2, 1, 4, 6)], {"kernelSize": [2, 3], "stride": [1, 3]})
    c("avgPool2d/divisor_override", "avgPool2d", [x(1, 1, 4, 4)], {"kernelSize": 2, "divisorOverride": 3})
    c("avgPool2d/ceil_mode", "avgPool2d", [x(1, 1, 5, 5)], {"kernelSize": 2, "ceilMode": True})
    c("avgPool2d/transposed", "avgPool2d", [T(x(1, 1, 4, 6), layout={"transpose": [2, 3]})], {"kernelSize": 2})
    c("avgPool2d/float64", "avgPool2d", [T(rs.randn(1, 1, 4, 4), "float64")], {"kernelSize": 2, "stride": 1})
    c("maxPool1d/k2", "maxPool1d", [d(1, 2, 8)], {"kernelSize": 2})
    c("maxPool1d/k3_s2_p1", "maxPool1d", [d(2, 1, 7)], {"kernelSize": 3, "stride": 2, "padding": 1})
    c("maxPool1d/dilation_ceil", "maxPool1d", [d(1, 1, 8)], {"kernelSize": 2, "dilation": 2, "stride": 2, "ceilMode": True})
    c("avgPool1d/k2", "avgPool1d", [x(1, 2, 8)], {"kernelSize": 2})
    c("avgPool1d/k3_s2_p1", "avgPool1d", [x(2, 1, 7)], {"kernelSize": 3, "stride": 2, "padding": 1})
    c("avgPool1d/exclude_pad", "avgPool1d", [x(1, 1, 6)], {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False})
    fam.write()


# ---------------------------------------------------------------------------------------------
# creation (values only)


def creation():
    fam = Family("creation")
    c = lambda name, op, kw, inputs=(): fam.case(name, op, list(inputs), kw, grad=False)
    c("arange/end", "arange", {"args": [5]})
    c("arange/start_end", "arange", {"args": [1, 5]})
    c("arange/negative_step", "arange", {"args": [10, 0, -3]})
    c("arange/float_step", "arange", {"args": [0, 1, 0.25]})
    c("arange/float_step_inexact", "arange", {"args": [-1, 1, 0.3]})
    c("arange/float_start", "arange", {"args": [0.5, 4]})
    c("arange/float_negative_step", "arange", {"args": [1.5, -1, -0.5]})
    c("arange/tenths", "arange", {"args": [0, 1, 0.1]})
    c("arange/empty", "arange", {"args": [0]})
    c("arange/empty_range", "arange", {"args": [3, 3]})
    c("arange/dtype_float32", "arange", {"args": [4], "dtype": "float32"})
    c("arange/dtype_float64", "arange", {"args": [0, 1, 0.1], "dtype": "float64"})
    c("linspace/basic", "linspace", {"start": 0, "end": 1, "steps": 5})
    c("linspace/negative", "linspace", {"start": -1, "end": 1, "steps": 7})
    c("linspace/descending", "linspace", {"start": 3, "end": -2.5, "steps": 6})
    c("linspace/thirds", "linspace", {"start": 0, "end": 1, "steps": 4})
    c("linspace/one_step", "linspace", {"start": 2.5, "end": 7, "steps": 1})
    c("linspace/zero_steps", "linspace", {"start": 0, "end": 1, "steps": 0})
    c("linspace/many", "linspace", {"start": -3.3, "end": 7.1, "steps": 33})
    c("linspace/float64", "linspace", {"start": 0, "end": 1, "steps": 7, "dtype": "float64"})
    c("eye/square", "eye", {"args": [3]})
    c("eye/wide", "eye", {"args": [2, 4]})
    c("eye/tall", "eye", {"args": [4, 2]})
    c("eye/empty", "eye", {"args": [0]})
    c("eye/int32", "eye", {"args": [3], "dtype": "int32"})
    c("eye/bool", "eye", {"args": [2], "dtype": "bool"})
    c("full/float", "full", {"shape": [2, 3], "value": 7.5})
    c("full/int_value", "full", {"shape": [2, 2], "value": 7})
    c("full/bool_value", "full", {"shape": [3], "value": True})
    c("full/dtype_int32", "full", {"shape": [2], "value": -3, "dtype": "int32"})
    c("full/dtype_float32", "full", {"shape": [2], "value": 2, "dtype": "float32"})
    c("full/scalar_shape", "full", {"shape": [], "value": 1.5})
    c("full/empty", "full", {"shape": [0, 2], "value": 1.5})
    c("full/inf", "full", {"shape": [2], "value": -INF})
    c("zeros/basic", "zeros", {"shape": [2, 3]})
    c("zeros/int32", "zeros", {"shape": [3], "dtype": "int32"})
    c("ones/basic", "ones", {"shape": [2, 1, 2]})
    c("ones/bool", "ones", {"shape": [2], "dtype": "bool"})
    c("ones/scalar", "ones", {"shape": []})
    c("tensor/ints", "tensor", {"data": [[1, 2], [3, 4]]})
    c("tensor/floats", "tensor", {"data": [[1.5, 2], [3, 4]]})
    c("tensor/bools", "tensor", {"data": [True, False]})
    c("tensor/scalar", "tensor", {"data": 2.5})
    c("tensor/empty", "tensor", {"data": []})
    c("tensor/dtype_float32_from_ints", "tensor", {"data": [1, 2, 3], "dtype": "float32"})
    c("tensor/dtype_int32_from_floats", "tensor", {"data": [1.7, -1.7, 2.5], "dtype": "int32"})
    c("tensor/dtype_bool_from_floats", "tensor", {"data": [0.0, 0.5, -2.0], "dtype": "bool"})
    c("tril/ones", "tril", {}, [np.ones((3, 4), np.float32)])
    c("tril/ones_diag_neg1", "tril", {"diagonal": -1}, [np.ones((4, 4), np.float32)])
    c("triu/ones_diag1", "triu", {"diagonal": 1}, [np.ones((3, 3), np.float32)])
    c("triu/ones_bool_causal_mask", "triu", {"diagonal": 1}, [T(np.ones((4, 4), bool), "bool")])
    c("zerosLike/int32", "zerosLike", {}, [T(np.array([[1, 2, 3]]), "int32")])
    c("onesLike/float64", "onesLike", {}, [T(np.zeros((2, 2)), "float64")])
    c("fullLike/float32", "fullLike", {"value": 3.25}, [np.zeros((2, 3), np.float32)])
    c("fullLike/int32_float_value", "fullLike", {"value": 3.75}, [T(np.zeros((3,), np.int64), "int32")])
    fam.write()


# The other families' generators: each writes its own fixture when run as a script.
OTHER_GENERATORS = ["gen_nn_basic.py", "gen_nn_conv_loss.py", "gen_optim.py", "gen_safetensors.py"]


if __name__ == "__main__":
    import runpy

    for family in [elementwise, reduce, linalg, movement, indexing, conv, creation]:
        family()
    here = os.path.dirname(os.path.abspath(__file__))
    for script in OTHER_GENERATORS:
        runpy.run_path(os.path.join(here, script), run_name="__main__")
