#!/usr/bin/python3
"""Writes test/golden/nn_attention.json (and safetensors/attention.safetensors): PyTorch goldens for
F.scaledDotProductAttention, nn.MultiheadAttention and the Transformer modules, checked by
test/nn/attention.test.ts and test/nn/transformer.test.ts.

Run with Debian's torch (`apt-get install python3-torch`):

    /usr/bin/python3 test/golden/gen_nn_attention.py

NOTE: Debian's torch is 1.13, which has no F.scaled_dot_product_attention (PyTorch 2.0). The SDPA
reference below, `sdpa_reference`, is PyTorch 2's documented reference implementation (the
pseudo-code in the docstring of torch.nn.functional.scaled_dot_product_attention), written in
torch 1.13 ops; its masks broadcast (the documented code fills a [L, S] bias in place, which only
works for a [L, S] mask). Likewise torch 1.13's MultiheadAttention and Transformer layers have no
`is_causal`; the "causal" cases pass PyTorch 2's meaning, the causal mask
(`Transformer.generate_square_subsequent_mask`), explicitly.

Deterministic: each case seeds torch and numpy from the CRC32 of its name. Every parameter is
overwritten with randn * 0.5 (so that init is not what is compared), and everything runs in eval
mode with dropout 0, so that no random number is drawn in forward.

    {"torch_version": "...", "sdpa": [sdpa case], "modules": [module case]}

An SDPA case: {"name", "inputs": [q, k, v] (T + requires_grad), "kwargs": {"attnMask": T | null,
"isCausal": bool, "scale": number | null}, "output": T, "grad_output": T, "input_grads": [T, T, T]}.

A module case: {"name", "module": spec, "repr": str(module), "state": state_dict (in order),
"inputs": [T + requires_grad], "forward_kwargs": {camelCase: value or {"tensor": T}},
"outputs": [T | null] (MHA: output and weights), "grad_outputs": [T | null],
"input_grads": [T | null], "param_grads": {name: T}}. The backward pass is
`sum(out_i * grad_output_i)` over the outputs that are tensors.

A spec is {"type": "MultiheadAttention", "args": [...], "kwargs": {camelCase}}, or for
TransformerEncoder/Decoder {"type", "layer": spec, "num_layers": n, "norm": spec | null}.
The type "SelfAttention" is the hand-written module below (SelfAttention), and an activation
given as a function is {"function": "tanh"}.

T is {"data": [...row-major...], "shape": [...], "dtype": "float32" | "bool"}; NaN and infinities
are the strings "nan", "inf", "-inf".
"""

import json
import math
import os
import sys
import warnings
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_safetensors import serialize  # noqa: E402  (the reference writer, byte for byte)

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float32)

DTYPES = {torch.float32: "float32", torch.bool: "bool"}


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
    data = [bool(v) for v in flat] if dtype == "bool" else [enc_float(v) for v in flat]
    return {"data": data, "shape": list(t.shape), "dtype": dtype}


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def enc_kwargs(kw):
    out = {}
    for k, v in kw.items():
        if isinstance(v, torch.Tensor):
            v = {"tensor": enc(v)}
        elif callable(v):
            v = {"function": v.__name__}
        out[camel(k)] = v
    return out


rs = np.random.RandomState(0)


def reseed(name):
    global rs
    seed = zlib.crc32(name.encode())
    rs = np.random.RandomState(seed)
    torch.manual_seed(seed)


def randn(*shape, scale=1.0):
    return torch.tensor((rs.randn(*shape) * scale).astype(np.float32))


def bool_mask(*shape, keep_diagonal=True):
    """A random bool mask (about 30% True) with no all-True row in the last dim: PyTorch gives NaN
    for a row that masks every key, which would poison every gradient."""
    m = rs.uniform(size=shape) < 0.3
    m[..., 0] = False
    return torch.tensor(m)


def causal(n):
    """PyTorch's generate_square_subsequent_mask: -inf above the diagonal, 0 elsewhere."""
    return torch.triu(torch.full((n, n), float("-inf")), diagonal=1)


NAMES = set()


def check_name(name):
    assert name not in NAMES, name
    NAMES.add(name)


# ---- scaled dot-product attention ----


def sdpa_reference(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """PyTorch 2's documented reference for F.scaled_dot_product_attention, in torch 1.13 ops."""
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    attn_bias = torch.zeros(L, S, dtype=query.dtype)
    if is_causal:
        assert attn_mask is None
        temp_mask = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        attn_bias = attn_bias.masked_fill(temp_mask.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn_bias = attn_bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            attn_bias = attn_bias + attn_mask
    attn_weight = query @ key.transpose(-2, -1) * scale_factor
    attn_weight = attn_weight + attn_bias
    attn_weight = torch.softmax(attn_weight, dim=-1)
    assert dropout_p == 0.0
    return attn_weight @ value


SDPA = []


def sdpa_case(name, shapes, mask=None, is_causal=False, scale=None):
    check_name(name)
    reseed(name)
    q, k, v = [randn(*s).requires_grad_(True) for s in shapes]
    m = mask() if callable(mask) else mask
    out = sdpa_reference(q, k, v, attn_mask=m, is_causal=is_causal, scale=scale)
    go = randn(*out.shape)
    out.backward(go)
    SDPA.append(
        {
            "name": name,
            "inputs": [dict(enc(t), requires_grad=True) for t in (q, k, v)],
            "kwargs": {"attnMask": enc(m) if m is not None else None, "isCausal": is_causal, "scale": scale},
            "output": enc(out),
            "grad_output": enc(go),
            "input_grads": [enc(t.grad) for t in (q, k, v)],
        }
    )


L, S, B, E, H = 5, 4, 2, 8, 2
sdpa_case("sdpa/no_mask", [(B, L, E), (B, S, E), (B, S, 6)])
sdpa_case("sdpa/bool_mask", [(B, L, E), (B, S, E), (B, S, E)], mask=lambda: bool_mask(L, S))
sdpa_case("sdpa/float_mask", [(B, L, E), (B, S, E), (B, S, E)], mask=lambda: randn(L, S))
sdpa_case("sdpa/causal", [(B, L, E), (B, L, E), (B, L, E)], is_causal=True)
sdpa_case("sdpa/causal_rectangular", [(B, L, E), (B, S, E), (B, S, E)], is_causal=True)
sdpa_case("sdpa/scale", [(B, L, E), (B, S, E), (B, S, E)], scale=0.7)
sdpa_case("sdpa/batched_dims_broadcast_mask", [(B, H, L, 4), (B, H, S, 4), (B, H, S, 3)], mask=lambda: bool_mask(B, 1, L, S))
sdpa_case("sdpa/float_mask_per_head", [(B, H, L, 4), (B, H, S, 4), (B, H, S, 4)], mask=lambda: randn(H, L, S))
sdpa_case("sdpa/unbatched", [(L, E), (S, E), (S, E)])

# ---- modules ----


class SelfAttention(nn.Module):
    """The seeds' hand-written multi-head self-attention, as one writes it in PyTorch: bias-free
    q/k/v projections, heads folded into the batch for bmm, softmax of scores / sqrt(head_dim)."""

    def __init__(self, embed_dim, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = embed_dim // heads
        self.query = nn.Linear(embed_dim, embed_dim, bias=False)
        self.key = nn.Linear(embed_dim, embed_dim, bias=False)
        self.value = nn.Linear(embed_dim, embed_dim, bias=False)
        self.out = nn.Linear(embed_dim, embed_dim)

    def forward(self, x):  # x: [B, T, E]
        b, t, e = x.shape

        def split(y):  # [B, T, E] -> [B * heads, T, head_dim]
            return y.view(b, t, self.heads, self.head_dim).transpose(1, 2).reshape(b * self.heads, t, self.head_dim)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(self.head_dim)
        attn = torch.softmax(scores, dim=-1)
        y = torch.bmm(attn, v).view(b, self.heads, t, self.head_dim).transpose(1, 2).reshape(b, t, e)
        return self.out(y)


def build(spec):
    t = spec["type"]
    if t in ("TransformerEncoder", "TransformerDecoder"):
        layer = build(spec["layer"])
        norm = build(spec["norm"]) if spec["norm"] else None
        return getattr(nn, t)(layer, spec["num_layers"], norm=norm)
    kwargs = {k: v for k, v in spec["kwargs_py"].items()}
    if t == "SelfAttention":
        return SelfAttention(*spec["args"], **kwargs)
    return getattr(nn, t)(*spec["args"], **kwargs)


def public_spec(spec):
    out = {k: v for k, v in spec.items() if k != "kwargs_py"}
    if "kwargs_py" in spec:
        out["kwargs"] = enc_kwargs(spec["kwargs_py"])
    for k in ("layer", "norm"):
        if spec.get(k):
            out[k] = public_spec(spec[k])
    return out


def spec(type_, *args, **kwargs):
    return {"type": type_, "args": list(args), "kwargs_py": kwargs}


MODULES = []


def module_case(name, sp, inputs, forward_kwargs=None, same_qkv=False):
    """inputs: a function giving (tensor, requires_grad) pairs; with same_qkv the first input is
    passed as query, key and value (the packed self-attention path)."""
    check_name(name)
    reseed(name)
    m = build(sp)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(randn(*p.shape, scale=0.5))
    m.eval()
    ins = []
    for t, rg in inputs():
        if rg:
            t.requires_grad_(True)
        ins.append(t)
    fkw = forward_kwargs() if callable(forward_kwargs) else (forward_kwargs or {})
    args = [ins[0], ins[0], ins[0]] if same_qkv else ins
    out = m(*args, **fkw)
    outs = list(out) if isinstance(out, tuple) else [out]
    gos = [randn(*o.shape) if o is not None else None for o in outs]
    loss = sum((o * g).sum() for o, g in zip(outs, gos) if o is not None)
    loss.backward()
    MODULES.append(
        {
            "name": name,
            "module": public_spec(sp),
            "same_qkv": same_qkv,
            "repr": str(m),
            "state": {k: enc(v) for k, v in m.state_dict().items()},
            "inputs": [dict(enc(t), requires_grad=t.requires_grad) for t in ins],
            "forward_kwargs": enc_kwargs(fkw),
            "outputs": [enc(o) if o is not None else None for o in outs],
            "grad_outputs": [enc(g) if g is not None else None for g in gos],
            "input_grads": [enc(t.grad) if t.grad is not None else None for t in ins],
            "param_grads": {k: enc(p.grad) for k, p in m.named_parameters() if p.grad is not None},
        }
    )
    return m


def seq(*shape):
    return lambda: [(randn(*shape), True)]


def qkv(qs, ks, vs):
    return lambda: [(randn(*qs), True), (randn(*ks), True), (randn(*vs), True)]


MHA = lambda **kw: spec("MultiheadAttention", E, H, **kw)  # noqa: E731

module_case("mha/self_attention", MHA(), seq(L, B, E), same_qkv=True)
module_case("mha/cross_attention", MHA(), qkv((L, B, E), (S, B, E), (S, B, E)))
module_case("mha/kdim_vdim", MHA(kdim=6, vdim=3), qkv((L, B, E), (S, B, 6), (S, B, 3)))
module_case("mha/no_bias", MHA(bias=False), seq(L, B, E), same_qkv=True)
module_case("mha/add_bias_kv", MHA(add_bias_kv=True), qkv((L, B, E), (S, B, E), (S, B, E)),
            lambda: {"attn_mask": bool_mask(L, S), "key_padding_mask": bool_mask(B, S)})
module_case("mha/add_zero_attn", MHA(add_zero_attn=True), qkv((L, B, E), (S, B, E), (S, B, E)),
            lambda: {"attn_mask": randn(L, S)})
module_case("mha/bias_kv_zero_attn", MHA(add_bias_kv=True, add_zero_attn=True), qkv((L, B, E), (S, B, E), (S, B, E)))
module_case("mha/batch_first", MHA(batch_first=True), seq(B, L, E), same_qkv=True)
module_case("mha/batch_first_cross", MHA(batch_first=True), qkv((B, L, E), (B, S, E), (B, S, E)),
            lambda: {"key_padding_mask": bool_mask(B, S)})
module_case("mha/key_padding_bool", MHA(), qkv((L, B, E), (S, B, E), (S, B, E)), lambda: {"key_padding_mask": bool_mask(B, S)})
module_case("mha/key_padding_float", MHA(), qkv((L, B, E), (S, B, E), (S, B, E)), lambda: {"key_padding_mask": randn(B, S)})
module_case("mha/attn_mask_bool", MHA(), qkv((L, B, E), (S, B, E), (S, B, E)), lambda: {"attn_mask": bool_mask(L, S)})
module_case("mha/attn_mask_float", MHA(), qkv((L, B, E), (S, B, E), (S, B, E)), lambda: {"attn_mask": randn(L, S)})
module_case("mha/attn_mask_3d", MHA(), qkv((L, B, E), (S, B, E), (S, B, E)), lambda: {"attn_mask": randn(B * H, L, S)})
module_case("mha/masks_bool_and_padding", MHA(), qkv((L, B, E), (S, B, E), (S, B, E)),
            lambda: {"attn_mask": bool_mask(L, S), "key_padding_mask": bool_mask(B, S)})
module_case("mha/masks_float_and_bool_padding", MHA(), qkv((L, B, E), (S, B, E), (S, B, E)),
            lambda: {"attn_mask": randn(B * H, L, S), "key_padding_mask": bool_mask(B, S)})
module_case("mha/causal_mask", MHA(), seq(L, B, E), lambda: {"attn_mask": causal(L)}, same_qkv=True)
module_case("mha/need_weights_false", MHA(), seq(L, B, E), {"need_weights": False}, same_qkv=True)
module_case("mha/per_head_weights", MHA(), qkv((L, B, E), (S, B, E), (S, B, E)), {"average_attn_weights": False})
module_case("mha/unbatched", MHA(), qkv((L, E), (S, E), (S, E)), lambda: {"key_padding_mask": bool_mask(S), "attn_mask": randn(H, L, S)})
module_case("mha/unbatched_self", MHA(), seq(L, E), same_qkv=True)

# the seeds' hand-written self-attention
module_case("self_attention/seed", spec("SelfAttention", E, H), seq(B, L, E))

FF = 16
ENC = lambda **kw: spec("TransformerEncoderLayer", E, H, dim_feedforward=FF, dropout=0.0, **kw)  # noqa: E731
DEC = lambda **kw: spec("TransformerDecoderLayer", E, H, dim_feedforward=FF, dropout=0.0, **kw)  # noqa: E731

module_case("encoder_layer/relu", ENC(), seq(L, B, E))
module_case("encoder_layer/gelu", ENC(activation="gelu"), seq(L, B, E))
module_case("encoder_layer/function_activation", ENC(activation=torch.tanh), seq(L, B, E))
module_case("encoder_layer/norm_first", ENC(norm_first=True, layer_norm_eps=1e-6), seq(L, B, E))
module_case("encoder_layer/batch_first_masks", ENC(batch_first=True), seq(B, L, E),
            lambda: {"src_mask": bool_mask(L, L), "src_key_padding_mask": bool_mask(B, L)})
module_case("encoder_layer/causal", ENC(), seq(L, B, E), lambda: {"src_mask": causal(L)})
module_case("encoder_layer/unbatched", ENC(), seq(L, E))
module_case("encoder/two_layers_norm",
            {"type": "TransformerEncoder", "layer": ENC(), "num_layers": 2, "norm": spec("LayerNorm", E)},
            seq(L, B, E), lambda: {"mask": randn(L, L), "src_key_padding_mask": bool_mask(B, L)})
module_case("encoder/batch_first_no_norm",
            {"type": "TransformerEncoder", "layer": ENC(batch_first=True, norm_first=True), "num_layers": 2, "norm": None},
            seq(B, L, E))
module_case("decoder_layer/relu", DEC(), lambda: [(randn(L, B, E), True), (randn(S, B, E), True)])
module_case("decoder_layer/norm_first_gelu_masks", DEC(norm_first=True, activation="gelu"),
            lambda: [(randn(L, B, E), True), (randn(S, B, E), True)],
            lambda: {"tgt_mask": causal(L), "memory_mask": bool_mask(L, S), "tgt_key_padding_mask": bool_mask(B, L),
                     "memory_key_padding_mask": bool_mask(B, S)})
module_case("decoder_layer/batch_first", DEC(batch_first=True), lambda: [(randn(B, L, E), True), (randn(B, S, E), True)])
module_case("decoder/two_layers_norm",
            {"type": "TransformerDecoder", "layer": DEC(), "num_layers": 2, "norm": spec("LayerNorm", E)},
            lambda: [(randn(L, B, E), True), (randn(S, B, E), True)], lambda: {"tgt_mask": causal(L)})
module_case("transformer/small",
            spec("Transformer", d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=FF, dropout=0.0),
            lambda: [(randn(S, B, E), True), (randn(L, B, E), True)],
            lambda: {"tgt_mask": causal(L), "src_key_padding_mask": bool_mask(B, S), "memory_key_padding_mask": bool_mask(B, S)})
module_case("transformer/batch_first_norm_first_gelu",
            spec("Transformer", d_model=E, nhead=H, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=FF, dropout=0.0,
                 activation="gelu", batch_first=True, norm_first=True),
            lambda: [(randn(B, S, E), True), (randn(B, L, E), True)],
            lambda: {"src_mask": randn(S, S), "memory_mask": bool_mask(L, S)})


# ---- a PyTorch-written safetensors of a MultiheadAttention and a TransformerEncoderLayer ----


def gen_safetensors():
    name = "safetensors/attention"
    reseed(name)
    model = nn.ModuleDict({"mha": nn.MultiheadAttention(E, H, batch_first=True), "layer": nn.TransformerEncoderLayer(E, H, dim_feedforward=FF, dropout=0.0)})
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(randn(*p.shape, scale=0.5))
    model.eval()
    sd = model.state_dict()
    with open(os.path.join(HERE, "safetensors", "attention.safetensors"), "wb") as f:
        f.write(serialize(dict(sd)))
    x = randn(B, L, E)
    with torch.no_grad():
        mha_out, mha_w = model["mha"](x, x, x)
        layer_out = model["layer"](x.transpose(0, 1))
    return {
        "keys": list(sd.keys()),
        "input": enc(x),
        "mha_output": enc(mha_out),
        "mha_weights": enc(mha_w),
        "layer_output": enc(layer_out),
    }


def main():
    safet = gen_safetensors()
    data = {"torch_version": torch.__version__, "sdpa": SDPA, "modules": MODULES, "safetensors": safet,
            "square_subsequent_mask": {str(n): enc(nn.Transformer.generate_square_subsequent_mask(n)) for n in (1, 4)}}
    path = os.path.join(HERE, "nn_attention.json")
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(SDPA)} SDPA cases, {len(MODULES)} module cases, {os.path.getsize(path)} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
