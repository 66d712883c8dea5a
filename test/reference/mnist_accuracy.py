#!/usr/bin/env python3
"""Test accuracy of the book's trained SimpleConvNet on the 10000 MNIST test images, in float64.

    python3 test/reference/mnist_accuracy.py PARAMS_PKL MNIST_DIR

PARAMS_PKL is the book's ch07/params.pkl (a dict of float64 arrays: W1 (30,1,5,5), b1 (30,),
W2 (4320,100), b2 (100,), W3 (100,10), b3 (10,)); MNIST_DIR holds the uncompressed t10k IDX
files. Inputs are bytes / 255.0 as float64, shape (10000, 1, 28, 28), as the book's load_mnist
gives with normalize=True, flatten=False. The network is the book's: conv 5x5 (stride 1, pad 0)
+ b1 -> relu -> 2x2 max-pool stride 2 -> flatten (N, 4320) -> affine -> relu -> affine -> argmax.
Everything is written here again, with nothing shared with zeroconv or the book's code.

Prints JSON: {"correct", "total", "predicted_first_100", "scores_first_2"}. Scores are printed
with repr precision so a float32 implementation can be compared with a tolerance.
"""
import json
import pickle
import sys
from pathlib import Path

import numpy as np

from idx_reader import read_idx
from numpy.lib.stride_tricks import sliding_window_view

BATCH = 500  # keeps the im2col matrix near 500*576*25*8 bytes = 58 MB


def conv(x, w, b):
    """Cross-correlation, stride 1, no padding: each output pixel is one window dotted with each filter."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = h - kh + 1, wd - kw + 1
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))          # (n, c, oh, ow, kh, kw)
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)
    out = cols @ w.reshape(f, c * kh * kw).T + b                       # (n*oh*ow, f)
    return out.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)


def max_pool_2x2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def scores(p, x):
    h = max_pool_2x2(np.maximum(conv(x, p["W1"], p["b1"]), 0.0))
    h = h.reshape(h.shape[0], -1)                                      # channel-major, as NCHW flattens
    h = np.maximum(h @ p["W2"] + p["b2"], 0.0)
    return h @ p["W3"] + p["b3"]


def main():
    params_path, mnist_dir = Path(sys.argv[1]), Path(sys.argv[2])
    with params_path.open("rb") as f:
        params = {k: np.asarray(v, dtype=np.float64) for k, v in pickle.load(f).items()}
    expected = {"W1": (30, 1, 5, 5), "b1": (30,), "W2": (4320, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}
    for name, shape in expected.items():
        if params[name].shape != shape:
            sys.exit(f"{params_path}: {name} has shape {params[name].shape}, expected {shape}")

    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte")
    labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte")
    x = (images.astype(np.float64) / 255.0).reshape(-1, 1, 28, 28)

    predicted, first_scores = [], None
    for start in range(0, len(x), BATCH):
        s = scores(params, x[start:start + BATCH])
        if first_scores is None:
            first_scores = s[:2]
        predicted.append(np.argmax(s, axis=1))
    predicted = np.concatenate(predicted)

    print(json.dumps({
        "correct": int((predicted == labels).sum()),
        "total": int(len(labels)),
        "predicted_first_100": predicted[:100].tolist(),
        "scores_first_2": first_scores.tolist(),
    }))


if __name__ == "__main__":
    main()
