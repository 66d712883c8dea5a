#!/usr/bin/env python3
"""float64 NumPy references for 3x3 stride-1 convolutions (groups 1), the shapes Winograd runs:
input channels from 1 to 512 on small images (odd and even sizes, some smaller than a 4x4
tile), every padding form ("valid", "same", symmetric, four sides), bias on most and every fused
activation. conv2d is conv_grid.py's definition (a window slid over the zero-padded image); the
test runs each case with every algorithm in both layouts and reports each tile's error.

    python3 test/reference/winograd_grid.py   # JSON on stdout
"""
import json
import sys

import numpy as np

from conv_grid import ACTIVATIONS, activate, b64, conv2d, f32, same_pads

# (C, FN, H, W): every C from 1 to 512 that a tile's channel vectors split differently (tails of
# 1-3 lanes, exact multiples of 4 and 8), the large ones on small images to keep the grid fast.
SHAPES = [
    (1, 1, 5, 5), (1, 4, 9, 7), (2, 3, 6, 6), (3, 16, 11, 10), (4, 8, 8, 8), (5, 9, 7, 12),
    (7, 5, 3, 3), (8, 16, 14, 14), (13, 17, 10, 9), (16, 16, 2, 6), (31, 33, 9, 9), (32, 32, 12, 13),
    (64, 64, 8, 8), (100, 20, 6, 7), (128, 128, 7, 7), (256, 24, 5, 6), (512, 16, 6, 6), (512, 40, 4, 5),
]
PADS = [1, 0, "valid", "same", [1, 0], [0, 2, 1, 0], [2, 1, 0, 2], [2, 2]]


def resolve(pad, H, W):
    if pad == "same":
        return (*same_pads(H, 3, 1, 1), *same_pads(W, 3, 1, 1))
    if pad == "valid":
        return (0, 0, 0, 0)
    if isinstance(pad, int):
        return (pad,) * 4
    if len(pad) == 2:
        return (pad[0], pad[0], pad[1], pad[1])
    return tuple(pad)


def main():
    rng = np.random.default_rng(15)
    cases = []
    for i, (C, FN, H, W) in enumerate(SHAPES):
        pad = PADS[i % len(PADS)]
        top, bottom, left, right = resolve(pad, H, W)
        if H + top + bottom < 3 or W + left + right < 3:
            pad, (top, bottom, left, right) = 1, (1, 1, 1, 1)
        act = ACTIVATIONS[i % len(ACTIVATIONS)]
        N = 2 if i % 3 == 0 else 1
        x = f32(rng, (N, C, H, W))
        w = f32(rng, (FN, C, 3, 3))
        b = f32(rng, (FN,))
        slopes = f32(rng, (FN,))
        has_bias = i % 4 != 1
        o = dict(sy=1, sx=1, dh=1, dw=1, top=top, bottom=bottom, left=left, right=right, groups=1)
        y = conv2d(x.astype(np.float64), w.astype(np.float64), o)
        if has_bias:
            y += b.astype(np.float64)[None, :, None, None]
        alpha = float(np.float32(rng.uniform(0, 1))) if act == "leakyRelu" else slopes.astype(np.float64)
        y = activate(y, act, alpha)
        cases.append(dict(
            shapes=dict(x=list(x.shape), w=list(w.shape), y=list(y.shape)),
            pad=pad, activation=act, bias=has_bias,
            alpha=alpha if act == "leakyRelu" else None,
            x=b64(x, "<f4"), w=b64(w, "<f4"), b=b64(b, "<f4"), slopes=b64(slopes, "<f4"), y=b64(y, "<f8"),
        ))
    json.dump(dict(cases=cases), sys.stdout)


if __name__ == "__main__":
    main()
