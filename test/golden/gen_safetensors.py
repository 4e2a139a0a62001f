#!/usr/bin/python3
"""Writes the safetensors fixtures that test/io/safetensors.test.ts checks webtorch against, and
reads back files that webtorch wrote.

Run with Debian's torch (`apt-get install python3-torch`); the `safetensors` package is not needed
(Debian has none), so this script writes and reads the format itself, exactly as the reference
writer `safetensors.torch.save_file` does:

    8 bytes   N, the header size, a little-endian u64
    N bytes   the header: compact JSON (no spaces after "," and ":"), padded with spaces to a
              multiple of 8:
              {"__metadata__":{...},"<name>":{"dtype":"F32","shape":[2,3],"data_offsets":[b,e]},...}
              ("__metadata__" only when there is metadata, and first)
    the rest  the tensors' raw little-endian bytes, row-major, back to back, in header order

Tensors are ordered by dtype, the widest first (the reference sorts by its `Dtype` enum, descending:
U64 I64 F64 F32 U32 I32 BF16 F16 U16 I16 I8 U8 BOOL), then by name (byte order of the UTF-8).

Usage:

    /usr/bin/python3 test/golden/gen_safetensors.py && npx prettier --write test/golden/safetensors
        writes test/golden/safetensors/{mlp,dtypes,lstm}.safetensors and {mlp,dtypes,lstm}.json, and
        roundtrip.safetensors (webtorch's dtypes only, awkward names: it must save back identical).
        The output is deterministic; prettier only re-wraps the JSON (format:check covers it).

    /usr/bin/python3 test/golden/gen_safetensors.py --check FILE
        reads FILE, a state dict that webtorch saved: `npx vitest run test/io` loads mlp.safetensors
        and saves it back out to $TMPDIR/webtorch-mlp-roundtrip.safetensors (/tmp without TMPDIR).
        Checks that (1) this script's writer gives back the very same bytes for those tensors,
        (2) the tensors equal the ones in mlp.safetensors (int32 for I64 is the one difference
        allowed), and (3) torch's model with that state dict loaded gives the logits in mlp.json.
        Exits non-zero on any difference. The test suite runs this itself when
        WEBTORCH_PYTHON_CHECK names the python to use:

            WEBTORCH_PYTHON_CHECK=/usr/bin/python3 npx vitest run test/io

If the `safetensors` package happens to be importable, the script also asserts that its own writer
gives byte-for-byte what `safetensors.torch.save` gives for every fixture.
"""

import json
import os
import struct
import sys

import torch
from torch import nn

assert sys.byteorder == "little", "the files are little-endian; this script copies native bytes"

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "safetensors")

# torch dtype <-> safetensors dtype name (the ones torch 1.13 has).
ST_NAME = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
TORCH_DTYPE = {v: k for k, v in ST_NAME.items()}
# The reference's `Dtype` enum in declaration (ascending) order; the writer sorts descending.
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
ITEM_SIZE = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "F16": 2, "BF16": 2, "I32": 4, "F32": 4, "F64": 8, "I64": 8}


def tensor_bytes(t):
    """Row-major little-endian bytes of `t` (bfloat16 through its int16 bit pattern)."""
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def serialize(tensors, metadata=None):
    """The bytes `safetensors.torch.save(tensors, metadata)` gives."""
    order = sorted(tensors.items(), key=lambda kv: (-DTYPE_ORDER.index(ST_NAME[kv[1].dtype]), kv[0].encode("utf-8")))
    header = []
    if metadata is not None:
        # NOTE: the reference keeps metadata in a Rust HashMap (random order); we sort it.
        header.append('"__metadata__":' + json.dumps(dict(sorted(metadata.items())), separators=(",", ":"), ensure_ascii=False))
    blobs = []
    offset = 0
    for name, t in order:
        blob = tensor_bytes(t)
        info = {"dtype": ST_NAME[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        header.append(json.dumps(name, ensure_ascii=False) + ":" + json.dumps(info, separators=(",", ":")))
        blobs.append(blob)
        offset += len(blob)
    head = ("{" + ",".join(header) + "}").encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def deserialize(buf):
    """A safetensors file's bytes -> ({name: torch.Tensor}, metadata or None), validated."""
    if len(buf) < 8:
        raise ValueError(f"file too short ({len(buf)} bytes)")
    (n,) = struct.unpack("<Q", buf[:8])
    if 8 + n > len(buf):
        raise ValueError(f"header size {n} runs past the end of the file ({len(buf)} bytes)")
    header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    data = buf[8 + n :]
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    end = 0
    out = {}
    for name, info in entries:
        b, e = info["data_offsets"]
        if b != end or e < b:
            raise ValueError(f"{name}: data_offsets {[b, e]} do not follow the previous tensor (ends at {end})")
        count = 1
        for d in info["shape"]:
            count *= d
        if count * ITEM_SIZE[info["dtype"]] != e - b:
            raise ValueError(f"{name}: {info['dtype']} {info['shape']} needs {count * ITEM_SIZE[info['dtype']]} bytes, offsets give {e - b}")
        dtype = TORCH_DTYPE[info["dtype"]]
        raw = bytearray(data[b:e])
        if dtype == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) if raw else torch.empty(0, dtype=dtype)
        else:
            t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
        end = e
    if end != len(data):
        raise ValueError(f"the tensors cover {end} bytes of data, the file has {len(data)}")
    return out, metadata


def write(name, tensors, metadata=None):
    blob = serialize(tensors, metadata)
    try:
        import safetensors.torch as st  # not on Debian; checked when present

        ref = st.save(tensors, metadata)
        how = "byte-identical to"
        if ref != blob:
            how = "the same as (but for the order of metadata keys)"
            # NOTE: the reference writes metadata in HashMap order (random); allow only that.
            (n,) = struct.unpack("<Q", blob[:8])
            same = len(ref) == len(blob) and ref[:8] == blob[:8] and ref[8 + n :] == blob[8 + n :]
            assert same and json.loads(ref[8 : 8 + n]) == json.loads(blob[8 : 8 + n]), f"{name}: differs from safetensors.torch.save"
        print(f"{name}: {how} safetensors.torch.save")
    except ImportError:
        pass
    back, meta = deserialize(blob)
    assert meta == metadata and back.keys() == tensors.keys()
    for k, t in tensors.items():
        assert back[k].dtype == t.dtype and back[k].shape == t.shape and tensor_bytes(back[k]) == tensor_bytes(t), k
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(blob)


def enc(x):
    """JSON-safe floats: NaN and infinities as strings."""
    if isinstance(x, list):
        return [enc(v) for v in x]
    if isinstance(x, float) and x != x:
        return "nan"
    if x == float("inf"):
        return "inf"
    if x == float("-inf"):
        return "-inf"
    return x


def make_mlp():
    """A small real model: Linear -> BatchNorm1d -> ReLU -> Linear, trained for 3 steps so that the
    running statistics and num_batches_tracked (an int64 buffer) are not their defaults."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        x = torch.randn(16, 4) * 2 + 0.5
        y = torch.randint(0, 3, (16,))
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    return model


def mlp_input():
    g = torch.Generator().manual_seed(1)
    return torch.randn(5, 4, generator=g)


def gen_mlp():
    model = make_mlp()
    sd = model.state_dict()
    assert sd["1.num_batches_tracked"].dtype == torch.int64
    write("mlp.safetensors", dict(sd))
    x = mlp_input()
    with torch.no_grad():
        logits = model(x)
    fixture = {
        "torch_version": torch.__version__,
        "model": "nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)), eval mode",
        "keys": list(sd.keys()),
        "state_dict": {k: {"dtype": ST_NAME[v.dtype], "shape": list(v.shape), "data": v.flatten().tolist()} for k, v in sd.items()},
        "input": {"shape": list(x.shape), "data": x.flatten().tolist()},
        "logits": {"shape": list(logits.shape), "data": logits.flatten().tolist()},
    }
    with open(os.path.join(OUT, "mlp.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


def gen_dtypes():
    """Every dtype webtorch reads, including the converted ones (I64 -> int32, F16/BF16 -> float32),
    with the values torch reads back (as float64 for the float dtypes)."""
    special = [0.0, -0.0, 1.0, -2.5, 0.1, 65504.0, 6.1e-5, 6.0e-8, 1e-40, float("inf"), float("-inf"), float("nan"), 3.0e38]
    tensors = {
        "f16": torch.tensor(special, dtype=torch.float16),
        "bf16": torch.tensor(special, dtype=torch.bfloat16),
        "f16_2d": torch.arange(6, dtype=torch.float16).reshape(2, 3) / 4,
        "i64": torch.tensor([0, 1, -1, 2**31 - 1, -(2**31), 42], dtype=torch.int64),
        "i64_0d": torch.tensor(7, dtype=torch.int64),
        "f64": torch.tensor([[1.0 / 3, -1e300], [5e-324, float("nan")]], dtype=torch.float64),
        "f32_0d": torch.tensor(0.1, dtype=torch.float32),
        "f32_empty": torch.zeros(0, 3, dtype=torch.float32),
        "i32": torch.tensor([-(2**31), 2**31 - 1, 0], dtype=torch.int32),
        "bool": torch.tensor([[True, False, True]]),
    }
    write("dtypes.safetensors", tensors, metadata={"format": "pt", "source": "gen_safetensors.py"})
    fixture = {
        "torch_version": torch.__version__,
        "metadata": {"format": "pt", "source": "gen_safetensors.py"},
        "tensors": {
            k: {
                "file_dtype": ST_NAME[t.dtype],
                "shape": list(t.shape),
                "values": enc(t.double().flatten().tolist() if t.is_floating_point() else t.flatten().tolist()),
            }
            for k, t in tensors.items()
        },
    }
    with open(os.path.join(OUT, "dtypes.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


def gen_roundtrip():
    """Only webtorch's dtypes, with awkward names: webtorch must load this and save it back to the
    very same bytes."""
    g = torch.Generator().manual_seed(2)
    tensors = {
        "layer.0.weight": torch.randn(3, 2, generator=g),
        "layer.0.bias": torch.randn(3, generator=g),
        "10": torch.tensor([1.5, -2.0], dtype=torch.float64),
        "2": torch.tensor(-0.0, dtype=torch.float64),
        "count": torch.tensor(12, dtype=torch.int32),
        "ids": torch.tensor([[3, -7], [2**31 - 1, -(2**31)]], dtype=torch.int32),
        "mask": torch.tensor([True, False, False, True, True]),
        "empty": torch.zeros(2, 0),
        'quote"back\\slash': torch.tensor([float("inf"), float("-inf"), float("nan")]),
        "tab\tnew\nline\x01": torch.ones(1),
        "ünïcødé.wëight": torch.arange(4, dtype=torch.float32),
        "€uro": torch.tensor([False]),
    }
    write("roundtrip.safetensors", tensors, metadata={"format": "pt", "note": "ü \"quoted\""})


def gen_lstm():
    """A recurrent model's state dict as PyTorch saves it: a 2-layer bidirectional LSTM with a
    projection (every kind of key: weight_ih/hh, bias_ih/hh, weight_hr, _reverse), and its output
    on a fixed batch-first input. webtorch must load it into nn.LSTM unchanged, give the same output
    and save back the very same bytes."""
    torch.manual_seed(3)
    model = nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3, batch_first=True)
    sd = model.state_dict()
    write("lstm.safetensors", dict(sd))
    x = torch.randn(2, 5, 4, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        out, (hn, cn) = model(x)
    as_json = lambda t: {"shape": list(t.shape), "data": t.flatten().tolist()}  # noqa: E731
    fixture = {
        "torch_version": torch.__version__,
        "model": "nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3, batch_first=True)",
        "keys": list(sd.keys()),
        "input": as_json(x),
        "output": as_json(out),
        "hn": as_json(hn),
        "cn": as_json(cn),
    }
    with open(os.path.join(OUT, "lstm.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


def check(path):
    with open(path, "rb") as f:
        blob = f.read()
    tensors, metadata = deserialize(blob)
    problems = []
    if serialize(tensors, metadata) != blob:
        problems.append("the file's bytes differ from what the reference writer gives for its tensors")
    with open(os.path.join(OUT, "mlp.safetensors"), "rb") as f:
        ref, _ = deserialize(f.read())
    if tensors.keys() != ref.keys():
        problems.append(f"keys differ: {sorted(tensors)} vs {sorted(ref)}")
    for k in ref.keys() & tensors.keys():
        a, b = tensors[k], ref[k]
        want = torch.int32 if b.dtype == torch.int64 else b.dtype
        if a.dtype != want or a.shape != b.shape or not torch.equal(a.to(b.dtype), b):
            problems.append(f"{k}: {a.dtype} {list(a.shape)} differs from {b.dtype} {list(b.shape)}")
    if not problems:
        model = make_mlp()
        model.load_state_dict(tensors)  # copy_ converts the int32 num_batches_tracked back to int64
        with open(os.path.join(OUT, "mlp.json")) as f:
            fixture = json.load(f)
        with torch.no_grad():
            logits = model(mlp_input()).flatten()
        expected = torch.tensor(fixture["logits"]["data"])
        if not torch.allclose(logits, expected, rtol=1e-6, atol=1e-7):
            problems.append(f"logits differ: {logits.tolist()} vs {expected.tolist()}")
    for p in problems:
        print(f"FAIL {path}: {p}")
    if problems:
        sys.exit(1)
    print(f"OK {path}: {len(tensors)} tensors, reference layout, values and logits match")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
        return
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    os.makedirs(OUT, exist_ok=True)
    gen_mlp()
    gen_dtypes()
    gen_roundtrip()
    gen_lstm()
    print(f"wrote {OUT}/{{mlp,dtypes,lstm}}.{{safetensors,json}} and roundtrip.safetensors (torch {torch.__version__})")


if __name__ == "__main__":
    main()
