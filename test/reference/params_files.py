#!/usr/bin/env python3
"""Python's side of test/params-files.test.ts: pickle and NumPy themselves, and a safetensors
reader and writer written here from the format's description (struct + json), so that zeroconv's
readers and writers are checked against implementations that share no code with them.

    python3 test/reference/params_files.py load-pickle [PATH]   # PATH, or base64 on stdin -> JSON arrays
    python3 test/reference/params_files.py dumps                 # JSON list of dicts on stdin -> JSON list of base64 pickles
    python3 test/reference/params_files.py write-pickles         # -> JSON: arrays, their pickles at protocols 2-5, refusals
    python3 test/reference/params_files.py write-safetensors     # -> JSON: arrays, metadata and a file (unaligned on purpose)
    python3 test/reference/params_files.py read-safetensors      # base64 on stdin -> JSON: header, order, arrays

Arrays travel as {"shape", "dtype", "data"}: data flat in C order, each value a Python float, which
json writes with repr, so float32 and float64 values survive exactly. Nothing here ever loads a
pickle it did not write itself or that the test did not write with zeroconv.
"""
import base64
import json
import os
import pickle
import struct
import sys
import warnings

import numpy as np


def summary(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "data": [float(v) for v in a.ravel(order="C")]}


def from_spec(spec):
    """{"shape", "dtype", "b64"}: little-endian bytes in C order, as zeroconv's tests send them."""
    dtype = np.dtype(spec["dtype"])  # the builtin singleton, as for any array NumPy makes
    raw = base64.b64decode(spec["b64"])
    return np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype).reshape(spec["shape"]).copy()


def load_pickle(argv):
    raw = open(argv[0], "rb").read() if argv else base64.b64decode(sys.stdin.read())
    with warnings.catch_warnings():
        # A DeprecationWarning for numpy.core would mean the file only loads by NumPy's grace.
        warnings.simplefilter("error")
        obj = pickle.loads(raw)
    assert type(obj) is dict, type(obj)
    return {k: summary(v) for k, v in obj.items()}


def dumps(_argv):
    """pickle.dumps(protocol=4) spelling the reconstructor numpy.core.multiarray, as NumPy 1.x does.

    NumPy 2 names it numpy._core.multiarray. pickle writes a function's __module__, and
    numpy.core.multiarray._reconstruct is the very same object, so setting __module__ makes this
    Python's own pickler write the spelling NumPy 1.x can load, byte for byte as NumPy 1.x would.
    """
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy 1.x writes numpy.core already
        from numpy.core import multiarray
    multiarray._reconstruct.__module__ = "numpy.core.multiarray"
    cases = [{k: from_spec(v) for k, v in case.items()} for case in json.loads(sys.stdin.read())]
    return [base64.b64encode(pickle.dumps(arrays, protocol=4)).decode() for arrays in cases]


class Call:
    """Pickles as a call of `fn(*args)`; made only to be written, never loaded."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def write_pickles(_argv):
    rng = np.random.default_rng(7)
    arrays = {
        "W1": rng.standard_normal((3, 1, 2, 2)),
        "b1": rng.standard_normal(5).astype(np.float32),
        "scalar": np.array(1.5, dtype=np.float32),
        "empty": np.zeros((0, 3)),
        "fortran": np.asfortranarray(rng.standard_normal((3, 4))),
        "fortran32": np.asfortranarray(rng.standard_normal((2, 3, 4)).astype(np.float32)),
        "transposed": np.arange(24.0).reshape(2, 3, 4).transpose(1, 0, 2),
        "strided": np.arange(20, dtype=np.float32)[::2],
        "big": rng.standard_normal((200, 100)).astype(np.float32),
        "größe": np.array([1.0, -2.0]),
    }
    pickles = {f"protocol {p}": pickle.dumps(arrays, protocol=p) for p in (2, 3, 4, 5)}
    refusals = {
        "i8": pickle.dumps({"a": np.arange(3)}, protocol=4),
        ">f8": pickle.dumps({"a": np.arange(3.0).astype(">f8")}, protocol=4),
        "f2": pickle.dumps({"a": np.arange(3.0).astype(np.float16)}, protocol=4),
        "object": pickle.dumps({"a": np.array([1.0, "x"], dtype=object)}, protocol=4),
        "structured": pickle.dumps({"a": np.zeros(2, dtype=[("x", "<f4"), ("y", "<f8")])}, protocol=4),
        "list": pickle.dumps([np.zeros(2)], protocol=4),
        "int value": pickle.dumps({"a": 1}, protocol=4),
        "os.system": pickle.dumps(Call(os.system, ("echo hi",)), protocol=2),
        "builtins.eval": pickle.dumps({"a": Call(eval, ("1+1",))}, protocol=4),
    }
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return {
        "arrays": {k: summary(v) for k, v in arrays.items()},
        "pickles": {k: b64(v) for k, v in pickles.items()},
        "refusals": {k: b64(v) for k, v in refusals.items()},
    }


# safetensors, from the format's description only.
DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}


def write_safetensors(_argv):
    """Tensors in insertion order, float32 before float64, JSON with spaces and no padding: a legal
    file whose float64 data starts at an offset that is not a multiple of 8."""
    rng = np.random.default_rng(11)
    arrays = {
        "conv.W": rng.standard_normal((3, 1, 2, 2)).astype(np.float32),
        "bias": rng.standard_normal(3),
        "zero-d": np.array(-0.25, dtype=np.float32),
        "empty": np.zeros((2, 0)),
        "affine.W": rng.standard_normal((5, 7)),
    }
    metadata = {"producer": "params_files.py", "note": "ünïcode"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, a in arrays.items():
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes(order="C")
        dtype = "F64" if a.dtype == np.float64 else "F32"
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    data = struct.pack("<Q", len(text)) + text + b"".join(blobs)
    assert (8 + len(text) + len(blobs[0])) % 8 != 0, "the float64 tensor should start unaligned"
    return {
        "arrays": {k: summary(v) for k, v in arrays.items()},
        "metadata": metadata,
        "file": base64.b64encode(data).decode(),
    }


def read_safetensors(_argv):
    data = base64.b64decode(sys.stdin.read())
    (n,) = struct.unpack("<Q", data[:8])
    text = data[8 : 8 + n].decode("utf-8")
    header = json.loads(text)
    body = data[8 + n :]
    metadata = header.pop("__metadata__", None)
    order = sorted(header, key=lambda k: header[k]["data_offsets"])
    end = 0
    arrays = {}
    for name in order:
        info = header[name]
        begin, stop = info["data_offsets"]
        assert begin == end, (name, begin, end)
        dtype = DTYPES[info["dtype"]]
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert stop - begin == count * dtype.itemsize, name
        arrays[name] = summary(np.frombuffer(body[begin:stop], dtype=dtype, count=count).reshape(info["shape"]))
        end = stop
    assert end == len(body), (end, len(body))
    return {"header_length": n, "header": text, "metadata": metadata, "order": order, "arrays": arrays}


COMMANDS = {
    "load-pickle": load_pickle,
    "dumps": dumps,
    "write-pickles": write_pickles,
    "write-safetensors": write_safetensors,
    "read-safetensors": read_safetensors,
}

if __name__ == "__main__":
    result = COMMANDS[sys.argv[1]](sys.argv[2:])
    sys.stdout.write(result if isinstance(result, str) else json.dumps(result))
