#!/usr/bin/env python3
"""float64 NumPy references for maxPool2d and avgPool2d and their gradients, over a grid that
crosses every option: windows 1-3 per axis, strides 1-3, padding in all four forms and "same",
dilation 1-2 (max), ceil mode on and off, countIncludePad on and off (avg), odd and even sizes,
1-pixel images and windows larger than the unpadded image.

Each op is its definition: every window's taps enumerated over the padded grid, a tap being an
element of x, padding, or (a ceil-mode window hanging past the padding) outside. The maximum is
the first largest element of x in row-major window order; the average divides by the window's
elements of x, plus its padding taps when countIncludePad. Nothing is shared with zeroconv; the
test runs every case in NCHW and in NHWC against these NCHW numbers.

    python3 test/reference/pool_grid.py [CASES]   # JSON on stdout (base64 little-endian arrays)
"""
import base64
import json
import math
import sys

import numpy as np


def same_pads(size, k, s, d):
    span = (k - 1) * d + 1
    total = max((math.ceil(size / s) - 1) * s + span - size, 0)
    return total // 2, total - total // 2


def starts(size, before, after, span, stride, ceil):
    """Window starts in padded coordinates (PyTorch's and ONNX's rule for ceil mode)."""
    padded = before + size + after
    if padded < span:
        return []
    steps = (padded - span) / stride
    count = (math.ceil(steps) if ceil else math.floor(steps)) + 1
    if ceil and (count - 1) * stride >= before + size:
        count -= 1
    return [i * stride for i in range(count)]


def pool(x, kind, o):
    N, C, H, W = x.shape
    sh = (o["fh"] - 1) * o["dh"] + 1
    sw = (o["fw"] - 1) * o["dw"] + 1
    ys = starts(H, o["top"], o["bottom"], sh, o["sy"], o["ceil"])
    xs = starts(W, o["left"], o["right"], sw, o["sx"], o["ceil"])
    y = np.zeros((N, C, len(ys), len(xs)))
    dx = np.zeros(x.shape)
    dy = o["dy"]
    for i, y0 in enumerate(ys):
        for j, x0 in enumerate(xs):
            inside, pads = [], 0
            for fy in range(o["fh"]):
                r = y0 + fy * o["dh"] - o["top"]
                for fx in range(o["fw"]):
                    q = x0 + fx * o["dw"] - o["left"]
                    if 0 <= r < H and 0 <= q < W:
                        inside.append((r, q))
                    elif -o["top"] <= r < H + o["bottom"] and -o["left"] <= q < W + o["right"]:
                        pads += 1
            if not inside:
                return None  # zeroconv refuses such geometry; the grid draws again
            vals = np.stack([x[:, :, r, q] for r, q in inside], axis=-1)  # [N, C, taps]
            if kind == "max":
                first = np.argmax(vals, axis=-1)  # the first maximum, row-major window order
                y[:, :, i, j] = np.take_along_axis(vals, first[..., None], axis=-1)[..., 0]
                for t, (r, q) in enumerate(inside):
                    dx[:, :, r, q] += np.where(first == t, dy[:, :, i, j], 0)
            else:
                d = len(inside) + (pads if o["include"] else 0)
                y[:, :, i, j] = vals.sum(axis=-1) / d
                for r, q in inside:
                    dx[:, :, r, q] += dy[:, :, i, j] / d
    return y, dx


def b64(a, dtype):
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode()


def draw(rng, i):
    kind = "max" if i % 2 == 0 else "avg"
    fh, fw = 1 + (i // 2) % 3, 1 + (i // 6) % 3
    sy, sx = 1 + (i // 3) % 3, 1 + (i // 4) % 3
    dh, dw = (1 + (i // 5) % 2, 1 + (i // 7) % 2) if kind == "max" else (1, 1)
    size_kind = (i // 8) % 4  # odd, even, a 1-pixel image, window larger than the image
    if size_kind == 2:
        H = W = 1
    elif size_kind == 3:
        H, W = max(1, (fh - 1) * dh), max(1, (fw - 1) * dw)
    else:
        H, W = [int(rng.integers(2, 6)) * 2 + (1 - size_kind) for _ in range(2)]
    pad_kind = i % 5
    if pad_kind == 0:
        pad, pads = "valid", (0, 0, 0, 0)
    elif pad_kind == 1:
        pad, pads = "same", same_pads(H, fh, sy, dh) + same_pads(W, fw, sx, dw)
    elif pad_kind == 2:
        p = int(rng.integers(0, 2))
        pad, pads = p, (p, p, p, p)
    elif pad_kind == 3:
        ph, pw = int(rng.integers(0, 2)), int(rng.integers(0, 2))
        pad, pads = [ph, pw], (ph, ph, pw, pw)
    else:
        pads = tuple(int(v) for v in rng.integers(0, 3, size=4))
        pad = list(pads)
    top, bottom, left, right = pads
    need_h = (fh - 1) * dh + 1 - (H + top + bottom)
    need_w = (fw - 1) * dw + 1 - (W + left + right)
    if need_h > 0 or need_w > 0:  # room for a window larger than the image
        bottom += max(need_h, 0)
        right += max(need_w, 0)
        pad = [top, bottom, left, right]
    opts = dict(window=[fh, fw], stride=[sy, sx], pad=pad, ceilMode=bool((i // 10) % 2))
    if kind == "max":
        opts["dilation"] = [dh, dw]
    else:
        opts["countIncludePad"] = bool((i // 20) % 2)
    o = dict(fh=fh, fw=fw, sy=sy, sx=sx, dh=dh, dw=dw, top=top, bottom=bottom, left=left, right=right,
             ceil=opts["ceilMode"], include=opts.get("countIncludePad", False))
    return kind, dict(N=1 + i % 2, C=1 + i % 3, H=H, W=W), opts, o


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rng = np.random.default_rng(20261204)
    cases = []
    i = 0
    while len(cases) < count:
        kind, s, opts, o = draw(rng, i)
        i += 1
        x = rng.uniform(-1, 1, size=(s["N"], s["C"], s["H"], s["W"])).astype(np.float32)
        # A probe for the output's shape, then the real dy of that shape.
        probe = pool(x.astype(np.float64), kind, dict(o, dy=np.zeros((s["N"], s["C"], 64, 64))))
        if probe is None:
            continue
        dy = rng.uniform(-1, 1, size=probe[0].shape).astype(np.float32)
        y, dx = pool(x.astype(np.float64), kind, dict(o, dy=dy.astype(np.float64)))
        cases.append(dict(kind=kind, opts=opts, x_shape=list(x.shape), y_shape=list(y.shape),
                          x=b64(x, "<f4"), dy=b64(dy, "<f4"), y=b64(y, "<f8"), dx=b64(dx, "<f8")))
    json.dump(dict(cases=cases), sys.stdout)


if __name__ == "__main__":
    main()
