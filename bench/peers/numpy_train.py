"""W7's NumPy stand-in: the book's SimpleConvNet training step in float64 NumPy.

conv (im2col in the book's kernel order, np.dot) -> relu -> max-pool 2x2/2 -> affine -> relu ->
affine -> softmax-with-loss, backward through all of it (the first layer's dx is skipped: nothing
uses it), then Adam (lr 0.001). Real MNIST training batches of 100, starting from the book's
weights. Prints one JSON line: the median step time over STEPS steps after WARMUP steps.

    python3 bench/peers/numpy_train.py <params.pkl> <mnist dir> [steps]

BLAS threads follow the environment (OPENBLAS_NUM_THREADS and friends).
"""
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the shared reader in test/reference
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "test" / "reference"))
from idx_reader import read_idx  # noqa: E402

WARMUP = 2
BATCH = 100


def out_size(n, f, stride, pad):
    return (n + 2 * pad - f) // stride + 1


def im2col(x, fh, fw, stride=1, pad=0):
    """[N, C, H, W] -> [N*OH*OW, C*FH*FW]: one strided slice per filter offset (the book's order)."""
    n, c, h, w = x.shape
    oh, ow = out_size(h, fh, stride, pad), out_size(w, fw, stride, pad)
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)]) if pad else x
    col = np.empty((n, c, fh, fw, oh, ow), dtype=x.dtype)
    for dy in range(fh):
        for dx in range(fw):
            col[:, :, dy, dx, :, :] = img[:, :, dy:dy + stride * oh:stride, dx:dx + stride * ow:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col, shape, fh, fw, stride=1, pad=0):
    """The adjoint of im2col: overlapping windows add up, the padding is dropped."""
    n, c, h, w = shape
    oh, ow = out_size(h, fh, stride, pad), out_size(w, fw, stride, pad)
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1), dtype=col.dtype)
    for dy in range(fh):
        for dx in range(fw):
            img[:, :, dy:dy + stride * oh:stride, dx:dx + stride * ow:stride] += col[:, :, dy, dx, :, :]
    return img[:, :, pad:h + pad, pad:w + pad]


def loss_and_grads(p, x, t):
    """Forward and backward of the book's SimpleConvNet; t holds class indices."""
    n = x.shape[0]
    fn, _, fh, fw = p["W1"].shape
    # conv
    col = im2col(x, fh, fw)
    col_w = p["W1"].reshape(fn, -1).T
    oh, ow = out_size(x.shape[2], fh, 1, 0), out_size(x.shape[3], fw, 1, 0)
    conv = (col @ col_w + p["b1"]).reshape(n, oh, ow, fn).transpose(0, 3, 1, 2)
    # relu
    mask1 = conv <= 0
    r1 = np.where(mask1, 0.0, conv)
    # max-pool 2x2 stride 2
    pcol = im2col(r1, 2, 2, 2).reshape(-1, 4)
    arg = np.argmax(pcol, axis=1)
    ph, pw = oh // 2, ow // 2
    pool = np.max(pcol, axis=1).reshape(n, ph, pw, fn).transpose(0, 3, 1, 2)
    # affine - relu - affine
    flat = pool.reshape(n, -1)
    a2 = flat @ p["W2"] + p["b2"]
    mask2 = a2 <= 0
    r2 = np.where(mask2, 0.0, a2)
    scores = r2 @ p["W3"] + p["b3"]
    # softmax with cross-entropy
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(y[np.arange(n), t] + 1e-7))

    g = {}
    dout = y.copy()
    dout[np.arange(n), t] -= 1
    dout /= n
    g["W3"], g["b3"] = r2.T @ dout, dout.sum(axis=0)
    dr2 = dout @ p["W3"].T
    dr2[mask2] = 0
    g["W2"], g["b2"] = flat.T @ dr2, dr2.sum(axis=0)
    dpool = (dr2 @ p["W2"].T).reshape(pool.shape)
    # pooling backward: the gradient goes to each window's argmax, col2im puts windows back
    dp = dpool.transpose(0, 2, 3, 1)
    dmax = np.zeros((dp.size, 4))
    dmax[np.arange(arg.size), arg] = dp.reshape(-1)
    dr1 = col2im(dmax.reshape(dp.size // fn, -1), r1.shape, 2, 2, 2)
    dr1[mask1] = 0
    # conv backward (dx not needed: this is the first layer)
    dc = dr1.transpose(0, 2, 3, 1).reshape(-1, fn)
    g["b1"] = dc.sum(axis=0)
    g["W1"] = (col.T @ dc).T.reshape(p["W1"].shape)
    return loss, g


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2, self.iter = lr, beta1, beta2, 0
        self.m, self.v = None, None

    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iter += 1
        lr_t = self.lr * np.sqrt(1 - self.beta2 ** self.iter) / (1 - self.beta1 ** self.iter)
        for k in params:
            self.m[k] += (1 - self.beta1) * (grads[k] - self.m[k])
            self.v[k] += (1 - self.beta2) * (grads[k] ** 2 - self.v[k])
            params[k] -= lr_t * self.m[k] / (np.sqrt(self.v[k]) + 1e-7)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    params_path, mnist_dir = Path(sys.argv[1]), Path(sys.argv[2])
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    with params_path.open("rb") as f:
        params = {k: np.asarray(v, dtype=np.float64).copy() for k, v in pickle.load(f).items()}
    images = read_idx(mnist_dir / "train-images-idx3-ubyte")
    labels = read_idx(mnist_dir / "train-labels-idx1-ubyte").astype(np.int64)
    n = WARMUP + steps
    x_all = (images[:n * BATCH].astype(np.float64) / 255.0).reshape(-1, 1, 28, 28)
    t_all = labels[:n * BATCH]

    adam = Adam()
    times, losses = [], []
    for i in range(n):
        x, t = x_all[i * BATCH:(i + 1) * BATCH], t_all[i * BATCH:(i + 1) * BATCH]
        t0 = time.perf_counter()
        loss, grads = loss_and_grads(params, x, t)
        adam.update(params, grads)
        dt = time.perf_counter() - t0
        losses.append(float(loss))
        if i >= WARMUP:
            times.append(dt)
    median = float(np.median(times))
    print(json.dumps({
        "steps": steps, "warmup": WARMUP, "median_s": median, "mean_s": float(np.mean(times)),
        "images_per_s": BATCH / median, "first_loss": losses[0], "last_loss": losses[-1],
        "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
