"""Reads an unsigned-byte IDX file (MNIST's format) with struct and NumPy, for the reference scripts."""
import struct
import sys

import numpy as np


def read_idx(path):
    raw = path.read_bytes()
    zero, dtype, ndims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(f">{ndims}I", raw[4:4 + 4 * ndims])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndims)
    if data.size != int(np.prod(dims)):
        sys.exit(f"{path}: {data.size} elements after the header, dimensions {dims} need {int(np.prod(dims))}")
    return data.reshape(dims)
