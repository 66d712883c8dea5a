#!/usr/bin/env python3
"""The book's trained SimpleConvNet on two synthetic digits, for test/book-params.test.ts.

    python3 test/reference/book_params.py PATH/TO/params.pkl > out.json

Loads the weights the book publishes (ch07/params.pkl: W1 (30,1,5,5), b1, W2 (4320,100), b2,
W3 (100,10), b3; float64), draws a deterministic input x [2, 1, 28, 28] in [0, 1] (a "0" and a
"7", smooth strokes the way MNIST digits look) and prints JSON with the weights, x and the book's
forward pass in float64: conv (stride 1, pad 0) -> relu -> 2x2 stride-2 pooling -> affine ->
relu -> affine. Weights and x are printed in full precision; results to 9 significant digits.
The weights are never written to the repository: the test runs this script each time.
"""
import json
import pickle
import sys

import numpy as np

sys.dont_write_bytecode = True  # importing book_ops must leave no __pycache__ in the repository
from book_ops import Convolution, Pooling  # noqa: E402


def stroke(points, width=1.3):
    """A 28x28 image of a smooth pen stroke through `points` (row, column), values in [0, 1]."""
    yy, xx = np.mgrid[0:28, 0:28].astype(np.float64)
    dist = np.full((28, 28), np.inf)
    for (y0, x0), (y1, x1) in zip(points[:-1], points[1:]):
        dy, dx = y1 - y0, x1 - x0
        t = np.clip(((yy - y0) * dy + (xx - x0) * dx) / (dy * dy + dx * dx), 0.0, 1.0)
        dist = np.minimum(dist, np.hypot(yy - (y0 + t * dy), xx - (x0 + t * dx)))
    return np.exp(-0.5 * (dist / width) ** 2)


def digit_zero():
    angles = np.linspace(0.0, 2.0 * np.pi, 49)
    return stroke(list(zip(14.0 + 8.0 * np.sin(angles), 14.0 + 5.5 * np.cos(angles))))


def digit_seven():
    return stroke([(6.0, 8.0), (6.0, 20.0), (13.0, 16.5), (22.0, 12.0)])


def main():
    with open(sys.argv[1], "rb") as f:
        params = pickle.load(f)
    W1, b1, W2, b2, W3, b3 = (np.asarray(params[k], dtype=np.float64) for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    x = np.stack([digit_zero(), digit_seven()])[:, None, :, :]

    conv = Convolution(W1, b1, stride=1, pad=0).forward(x)      # [2, 30, 24, 24]
    relu = np.maximum(conv, 0)
    pool = Pooling(2, 2, stride=2).forward(relu)                 # [2, 30, 12, 12]
    hidden = np.maximum(pool.reshape(2, -1) @ W2 + b2, 0)      # [2, 100]
    scores = hidden @ W3 + b3                                   # [2, 10]

    def full(a):
        return {"shape": list(a.shape), "data": a.ravel().tolist()}

    def rounded(a):
        return {"shape": list(a.shape), "data": [float("%.9g" % v) for v in a.ravel()]}

    json.dump({
        "W1": full(W1), "b1": full(b1), "W2": full(W2), "b2": full(b2), "W3": full(W3), "b3": full(b3),
        "x": full(x),
        "conv": rounded(conv), "relu": rounded(relu), "pool": rounded(pool),
        "hidden": rounded(hidden), "scores": rounded(scores),
        "predicted": scores.argmax(axis=1).tolist(),
    }, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
