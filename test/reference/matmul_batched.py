#!/usr/bin/env python3
"""NumPy's answers for test/matmul-batched.test.ts: batched, broadcast matrix products and their
gradients, in float64.

    python3 test/reference/matmul_batched.py < cases.json > results.json

Reads {"cases": [{"a": {shape, data}, "b": {shape, data}, "transposeA": bool, "transposeB": bool,
"bias": {shape, data} or null, "dy": {shape, data} or null}, ...]} from stdin and writes
{"results": [{"y": {shape, data}, "da", "db", "dbias"}, ...]} to stdout: y = np.matmul of the
operands (last two axes swapped where asked) plus the bias; with dy, the gradients of sum(dy * y),
each summed back to its operand's shape over the axes np.matmul broadcast it along. NumPy's
broadcasting and its matmul are the reference here, not a loop of ours.
"""
import json
import sys

import numpy as np


def array(t):
    return np.asarray(t["data"], dtype=np.float64).reshape(t["shape"])


def tensor(x):
    return {"shape": list(x.shape), "data": x.reshape(-1).tolist()}


def swap(x, yes):
    return np.swapaxes(x, -1, -2) if yes else x


def unbroadcast(g, shape):
    """Sums g over the axes that broadcasting added to or stretched in `shape`."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    stretched = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True).reshape(shape)


def run(case):
    a, b = array(case["a"]), array(case["b"])
    op_a, op_b = swap(a, case["transposeA"]), swap(b, case["transposeB"])
    y = np.matmul(op_a, op_b)
    if case.get("bias") is not None:
        y = y + array(case["bias"])
    result = {"y": tensor(y)}
    if case.get("dy") is not None:
        dy = array(case["dy"])
        d_op_a = np.matmul(dy, np.swapaxes(op_b, -1, -2))
        d_op_b = np.matmul(np.swapaxes(op_a, -1, -2), dy)
        result["da"] = tensor(unbroadcast(swap(d_op_a, case["transposeA"]), a.shape))
        result["db"] = tensor(unbroadcast(swap(d_op_b, case["transposeB"]), b.shape))
        result["dbias"] = tensor(dy.reshape(-1, dy.shape[-1]).sum(axis=0))
    return result


def main():
    cases = json.load(sys.stdin)["cases"]
    json.dump({"results": [run(c) for c in cases]}, sys.stdout)


if __name__ == "__main__":
    main()
