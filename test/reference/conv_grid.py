#!/usr/bin/env python3
"""float64 NumPy references for conv2d, its gradients and conv2dTranspose, over a grid that crosses
every option: strides 1-3 per axis, padding in all four forms ("valid", "same", symmetric pairs,
four sides), dilation 1-3, groups 1 / 2 / C with channel multipliers 1 and 2, every fused
activation, odd and even sizes, 1-pixel images and windows larger than the unpadded image.

Each op is computed by its definition -- a window slid over the zero-padded array, one output
pixel at a time -- with no im2col and nothing shared with zeroconv. Layout is the test's business:
it runs every case in NCHW and in NHWC (transposing the inputs) against these NCHW numbers.

    python3 test/reference/conv_grid.py [CASES [FEW]]   # JSON on stdout; FEW: then few-channel cases

Inputs are random floats rounded to float32, so zeroconv sees exactly the numbers used here.
Arrays travel as base64 of little-endian bytes: float32 for inputs, float64 for expected values.
"""
import base64
import json
import math
import sys

import numpy as np

ACTIVATIONS = ["linear", "relu", "relu6", "leakyRelu", "prelu", "elu", "sigmoid"]


def same_pads(size, k, s, d):
    """TensorFlow's SAME (ONNX's SAME_UPPER): ceil(size / s) outputs, the odd pixel after."""
    span = (k - 1) * d + 1
    total = max((math.ceil(size / s) - 1) * s + span - size, 0)
    return total // 2, total - total // 2


def out_len(size, before, after, k, s, d):
    return (size + before + after - ((k - 1) * d + 1)) // s + 1


def windows(xp, oy, ox, o, FH, FW):
    """The window of output pixel (oy, ox): xp[:, :, rows][:, :, :, cols], [N, C, FH, FW]."""
    rows = oy * o["sy"] + np.arange(FH) * o["dh"]
    cols = ox * o["sx"] + np.arange(FW) * o["dw"]
    return xp[:, :, rows][:, :, :, cols]


def pad4(x, o):
    return np.pad(x, ((0, 0), (0, 0), (o["top"], o["bottom"]), (o["left"], o["right"])))


def conv2d(x, w, o):
    N, C, H, W = x.shape
    FN, Cg, FH, FW = w.shape
    G = o["groups"]
    FNg = FN // G
    outH = out_len(H, o["top"], o["bottom"], FH, o["sy"], o["dh"])
    outW = out_len(W, o["left"], o["right"], FW, o["sx"], o["dw"])
    xp = pad4(x, o)
    y = np.zeros((N, FN, outH, outW))
    for oy in range(outH):
        for ox in range(outW):
            win = windows(xp, oy, ox, o, FH, FW)
            for g in range(G):
                wg = w[g * FNg:(g + 1) * FNg]
                y[:, g * FNg:(g + 1) * FNg, oy, ox] = np.einsum("nchw,fchw->nf", win[:, g * Cg:(g + 1) * Cg], wg)
    return y


def conv2d_backprop(x_shape, w, x, dy, o):
    """dL/dx and dL/dw of L = sum(dy * conv2d(x, w)): every window's share scattered back."""
    N, C, H, W = x_shape
    FN, Cg, FH, FW = w.shape
    G = o["groups"]
    FNg = FN // G
    _, _, outH, outW = dy.shape
    dxp = np.zeros((N, C, H + o["top"] + o["bottom"], W + o["left"] + o["right"]))
    dw = np.zeros(w.shape)
    xp = pad4(x, o)
    for oy in range(outH):
        for ox in range(outW):
            rows = oy * o["sy"] + np.arange(FH) * o["dh"]
            cols = ox * o["sx"] + np.arange(FW) * o["dw"]
            win = windows(xp, oy, ox, o, FH, FW)
            for g in range(G):
                fs = slice(g * FNg, (g + 1) * FNg)
                cs = slice(g * Cg, (g + 1) * Cg)
                share = np.einsum("nf,fchw->nchw", dy[:, fs, oy, ox], w[fs])
                # A window's taps are distinct pixels (dilation >= 1), so one fancy-indexed add is exact.
                block = dxp[:, cs]  # a view: the add lands in dxp
                block[:, :, rows[:, None], cols[None, :]] += share
                dw[fs] += np.einsum("nf,nchw->fchw", dy[:, fs, oy, ox], win[:, cs])
    dx = dxp[:, :, o["top"]:o["top"] + H, o["left"]:o["left"] + W]
    return dx, dw


def activate(y, kind, alpha):
    if kind == "linear":
        return y
    if kind == "relu":
        return np.maximum(y, 0)
    if kind == "relu6":
        return np.minimum(np.maximum(y, 0), 6)
    if kind == "leakyRelu":
        return np.where(y < 0, y * alpha, y)
    if kind == "prelu":
        return np.where(y < 0, y * np.asarray(alpha)[None, :, None, None], y)
    if kind == "elu":
        return np.where(y < 0, np.expm1(np.minimum(y, 0)), y)
    if kind == "sigmoid":
        return 1 / (1 + np.exp(-y))
    raise ValueError(kind)


def f32(rng, shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def b64(a, dtype):
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode()


def draw(rng, i):
    """Case i of the grid: each factor cycles through its levels at its own period, so that every
    level of every factor appears, and the rest of the case is random."""
    groups_kind = i % 4  # 0: 1 group, 1: 2 groups, 2: depthwise x1, 3: depthwise x2
    Cg = 1 if groups_kind >= 2 else int(rng.integers(1, 4))
    G = 1 if groups_kind == 0 else 2 if groups_kind == 1 else int(rng.integers(2, 5))
    mult = 2 if groups_kind == 3 else 1
    C = Cg * G
    FN = G * (mult if groups_kind >= 2 else int(rng.integers(1, 4)))
    sy, sx = 1 + i % 3, 1 + (i // 3) % 3
    dh, dw = 1 + (i // 9) % 3, 1 + (i // 2) % 3
    FH, FW = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    size_kind = (i // 5) % 4  # 0: odd, 1: even, 2: a 1-pixel image, 3: window larger than the image
    if size_kind == 2:
        H = W = 1
    elif size_kind == 3:
        H, W = max(1, (FH - 1) * dh), max(1, (FW - 1) * dw)
    else:
        H, W = [int(rng.integers(2, 6)) * 2 + (1 - size_kind) for _ in range(2)]
    pad, o = draw_pad(rng, i, H, W, FH, FW, sy, sx, dh, dw)
    act = ACTIVATIONS[i % len(ACTIVATIONS)]
    return dict(N=1 + i % 2, C=C, H=H, W=W, FN=FN, Cg=Cg, FH=FH, FW=FW, act=act,
                opts=dict(stride=[sy, sx], dilation=[dh, dw], pad=pad, groups=G), o=dict(o, groups=G))


def draw_few(rng, j):
    """Case j of the few-channel grid: one group of 1 to 4 input channels (a network's first layer,
    which NHWC convolves directly), filter counts across 8-filter panels, rows wide enough for
    windows wholly inside the image beside the cut ones."""
    C = 1 + j % 4
    FN = (5, 13, 30, 9)[(j // 4) % 4]
    sy, sx = 1 + j % 2, 1 + (j // 2) % 2
    dh, dw = 1 + (j // 3) % 2, 1 + (j // 6) % 2
    FH, FW = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    H, W = int(rng.integers(5, 10)), int(rng.integers(17, 24))
    pad, o = draw_pad(rng, j, H, W, FH, FW, sy, sx, dh, dw)
    act = ACTIVATIONS[j % len(ACTIVATIONS)]
    return dict(N=1 + j % 3, C=C, H=H, W=W, FN=FN, Cg=C, FH=FH, FW=FW, act=act,
                opts=dict(stride=[sy, sx], dilation=[dh, dw], pad=pad, groups=1), o=dict(o, groups=1))


def draw_pad(rng, i, H, W, FH, FW, sy, sx, dh, dw):
    """The pad option of case i in one of its five forms, and its sides, widened where the window
    would not fit."""
    pad_kind = i % 5
    if pad_kind == 0:
        pad, pads = "valid", (0, 0, 0, 0)
    elif pad_kind == 1:
        pad = "same"
        pads = same_pads(H, FH, sy, dh) + same_pads(W, FW, sx, dw)
    elif pad_kind == 2:
        p = int(rng.integers(0, 3))
        pad, pads = p, (p, p, p, p)
    elif pad_kind == 3:
        ph, pw = int(rng.integers(0, 3)), int(rng.integers(0, 3))
        pad, pads = [ph, pw], (ph, ph, pw, pw)
    else:
        pads = tuple(int(v) for v in rng.integers(0, 4, size=4))
        pad = list(pads)
    top, bottom, left, right = pads
    # Windows larger than the unpadded image need the padding to make room for them.
    need_h = (FH - 1) * dh + 1 - (H + top + bottom)
    need_w = (FW - 1) * dw + 1 - (W + left + right)
    if need_h > 0 or need_w > 0:
        top, bottom = top + max(need_h, 0), bottom
        left, right = left + max(need_w, 0), right
        pad = [top, bottom, left, right]
    return pad, dict(sy=sy, sx=sx, dh=dh, dw=dw, top=top, bottom=bottom, left=left, right=right)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 240
    few = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    rng = np.random.default_rng(20261203)
    cases = []
    for i in range(count + few):
        c = draw(rng, i) if i < count else draw_few(rng, i - count)
        o = c["o"]
        x = f32(rng, (c["N"], c["C"], c["H"], c["W"]))
        w = f32(rng, (c["FN"], c["Cg"], c["FH"], c["FW"]))
        b = f32(rng, (c["FN"],))
        slopes = f32(rng, (c["FN"],))
        alpha = float(np.float32(rng.uniform(0, 1))) if c["act"] == "leakyRelu" else slopes.astype(np.float64)
        y_lin = conv2d(x.astype(np.float64), w.astype(np.float64), o) + b[None, :, None, None]
        y = activate(y_lin, c["act"], alpha)
        dy = f32(rng, y.shape)
        dx, dw = conv2d_backprop(x.shape, w.astype(np.float64), x.astype(np.float64), dy.astype(np.float64), o)
        cases.append(dict(
            shapes=dict(x=list(x.shape), w=list(w.shape), y=list(y.shape)),
            opts=c["opts"], activation=c["act"],
            alpha=alpha if c["act"] == "leakyRelu" else None,
            x=b64(x, "<f4"), w=b64(w, "<f4"), b=b64(b, "<f4"), slopes=b64(slopes, "<f4"), dy=b64(dy, "<f4"),
            y=b64(y, "<f8"), dx=b64(dx, "<f8"), dw=b64(dw, "<f8"), db=b64(dy.astype(np.float64).sum(axis=(0, 2, 3)), "<f8"),
        ))
    json.dump(dict(cases=cases), sys.stdout)


if __name__ == "__main__":
    main()
