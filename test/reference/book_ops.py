#!/usr/bin/env python3
"""Expected numbers for test/book.test.ts, computed the way the book computes them.

"Deep Learning from Scratch" ch.7 builds its CNN layers from NumPy slicing: im2col/col2im by one
strided slice per kernel offset, Convolution as a matrix product over the im2col matrix, Pooling
as a max over im2col rows. This script writes those algorithms out again (in float64) and runs
them on fixed, seeded inputs; test/book.test.ts feeds the same inputs to zeroconv and compares.

    python3 test/reference/book_ops.py            # rewrites test/fixtures/book_ops.json
    python3 test/reference/book_ops.py OUT.json   # writes elsewhere (the test checks the two agree)

Inputs are random floats rounded to float32, so zeroconv (which works in float32) sees exactly the
numbers used here. Pooling's dout is a multiple of 2**-12, so the sums in pooling backward are
exact in float32 too. Numbers are written with 9 significant digits (enough to recover any float32).
Pooling here has pad 0 only: the book pads pooling windows with 0, zeroconv with -infinity.
"""
import json
import sys
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "book_ops.json"


# --- the book's algorithms ----------------------------------------------------------------------

def out_size(size, window, stride, pad):
    return (size + 2 * pad - window) // stride + 1


def im2col(img, fh, fw, stride=1, pad=0):
    """[N, C, H, W] -> [N*out_h*out_w, C*fh*fw]: rows (n, oy, ox), columns (c, fy, fx)."""
    N, C, H, W = img.shape
    out_h, out_w = out_size(H, fh, stride, pad), out_size(W, fw, stride, pad)
    padded = np.pad(img, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, C, fh, fw, out_h, out_w))
    for y in range(fh):
        y_max = y + stride * out_h
        for x in range(fw):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = padded[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def col2im(col, shape, fh, fw, stride=1, pad=0):
    """The reverse of im2col: every entry added back where it was taken from; padding dropped."""
    N, C, H, W = shape
    out_h, out_w = out_size(H, fh, stride, pad), out_size(W, fw, stride, pad)
    col = col.reshape(N, out_h, out_w, C, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for y in range(fh):
        y_max = y + stride * out_h
        for x in range(fw):
            x_max = x + stride * out_w
            padded[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
    return padded[:, :, pad:pad + H, pad:pad + W]


class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x):
        FN, C, FH, FW = self.W.shape
        N, C, H, W = x.shape
        out_h, out_w = out_size(H, FH, self.stride, self.pad), out_size(W, FW, self.stride, self.pad)
        self.x = x
        self.col = im2col(x, FH, FW, self.stride, self.pad)
        self.col_W = self.W.reshape(FN, -1).T
        out = self.col @ self.col_W + self.b
        return out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = (self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


class Pooling:
    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def forward(self, x):
        N, C, H, W = x.shape
        out_h = out_size(H, self.pool_h, self.stride, 0)  # the book leaves pad out of pooling's size
        out_w = out_size(W, self.pool_w, self.stride, 0)
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad).reshape(-1, self.pool_h * self.pool_w)
        self.x = x
        self.arg_max = np.argmax(col, axis=1)
        return np.max(col, axis=1).reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        pool_size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, pool_size))
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dcol = dmax.reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


# --- fixed inputs --------------------------------------------------------------------------------

# (name, N, C, H, W, FN, FH, FW, stride, pad)
CONV_CASES = [
    ("stride 1 pad 0", 1, 1, 5, 5, 2, 3, 3, 1, 0),
    ("stride 2 pad 1, C=3, N=2", 2, 3, 7, 7, 4, 3, 3, 2, 1),
    ("stride 3 pad 2", 1, 2, 8, 9, 3, 3, 3, 3, 2),
    ("non-square 2x4 filter, pad 1", 1, 2, 6, 7, 3, 2, 4, 1, 1),
    ("non-square 5x3 filter, stride 2 pad 2", 2, 2, 9, 8, 4, 5, 3, 2, 2),
    ("1x1 output, last row and column left over", 2, 3, 4, 4, 2, 3, 3, 2, 0),
    ("filter equal to input", 2, 2, 5, 4, 3, 5, 4, 1, 0),
    ("1x1 filter, stride 2", 1, 3, 5, 6, 4, 1, 1, 2, 0),
    ("pad 2 around a 2x2 filter: windows wholly in padding", 1, 2, 3, 4, 2, 2, 2, 1, 2),
]

# (name, N, C, H, W, pool_h, pool_w, stride); pad is always 0
POOL_CASES = [
    ("2x2 stride 2 (the book's)", 2, 3, 6, 6, 2, 2, 2),
    ("2x2 stride 2, odd sizes left over", 1, 2, 5, 7, 2, 2, 2),
    ("3x3 stride 2, overlapping", 1, 2, 7, 7, 3, 3, 2),
    ("2x2 stride 1, overlapping", 2, 1, 5, 5, 2, 2, 1),
    ("non-square 3x2 pool, stride 1", 1, 3, 6, 5, 3, 2, 1),
    ("3x3 stride 3, last column left over", 1, 1, 9, 8, 3, 3, 3),
    ("pool equal to input", 2, 2, 4, 4, 4, 4, 4),
    ("non-square 2x3 pool, stride 2", 1, 2, 6, 9, 2, 3, 2),
]


def rand32(rng, shape):
    """Uniform in [-1, 1), rounded to float32 and held as float64."""
    return (rng.random(shape) * 2 - 1).astype(np.float32).astype(np.float64)


def tensor(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float("%.9g" % v) for v in a.ravel()]}


def conv_case(seed, name, N, C, H, W, FN, FH, FW, stride, pad):
    rng = np.random.default_rng(seed)
    x = rand32(rng, (N, C, H, W))
    w = rand32(rng, (FN, C, FH, FW))
    b = rand32(rng, (FN,))
    layer = Convolution(w, b, stride, pad)
    out = layer.forward(x)
    dout = rand32(rng, out.shape)
    dx = layer.backward(dout)
    col = im2col(x, FH, FW, stride, pad)
    col_in = rand32(rng, col.shape)
    return {
        "name": name, "stride": stride, "pad": pad, "FH": FH, "FW": FW,
        "x": tensor(x), "W": tensor(w), "b": tensor(b),
        "im2col": tensor(col),
        "col2im_col": tensor(col_in), "col2im": tensor(col2im(col_in, x.shape, FH, FW, stride, pad)),
        "out": tensor(out), "dout": tensor(dout), "dx": tensor(dx), "dW": tensor(layer.dW), "db": tensor(layer.db),
    }


def pool_case(seed, name, N, C, H, W, ph, pw, stride):
    rng = np.random.default_rng(seed)
    x = rand32(rng, (N, C, H, W))
    windows = np.sort(im2col(x, ph, pw, stride, 0).reshape(-1, ph * pw), axis=1)
    assert ph * pw == 1 or np.all(windows[:, -1] > windows[:, -2]), f"{name}: a window's maximum is tied"
    layer = Pooling(ph, pw, stride, 0)
    out = layer.forward(x)
    dout = rng.integers(-4096, 4096, out.shape) / 4096.0
    dx = layer.backward(dout)
    return {
        "name": name, "poolH": ph, "poolW": pw, "stride": stride,
        "x": tensor(x), "out": tensor(out), "dout": tensor(dout), "dx": tensor(dx),
    }


def dump(v, indent=""):
    """JSON with one line per tensor: small diffs, readable keys."""
    if isinstance(v, dict) and "data" not in v:
        inner = indent + "  "
        items = [f"{inner}{json.dumps(k)}: {dump(x, inner)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(v, list) and v and isinstance(v[0], dict):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + dump(x, inner) for x in v) + "\n" + indent + "]"
    return json.dumps(v, separators=(",", ":"))


def main():
    fixture = {
        "generated_by": "python3 test/reference/book_ops.py",
        "conv": [conv_case(100 + i, *c) for i, c in enumerate(CONV_CASES)],
        "pool": [pool_case(200 + i, *c) for i, c in enumerate(POOL_CASES)],
    }
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(fixture) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
