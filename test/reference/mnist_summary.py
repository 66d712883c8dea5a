#!/usr/bin/env python3
"""What an independent reader sees in the four MNIST IDX files, for test/mnist.test.ts.

    python3 test/reference/mnist_summary.py MNIST_DIR

Reads the uncompressed IDX files with struct and np.frombuffer (no code shared with zeroconv's
parser) and prints JSON: per split the image count, image size, label count, the first 20 labels
and the sum of all pixel bytes (and of all label bytes); plus the 784 pixel bytes of training
image 5. Sums are exact integers, so a loader that drops, repeats or shifts a byte disagrees.
"""
import json
import sys
from pathlib import Path

import numpy as np

from idx_reader import read_idx


def split(directory, prefix):
    images = read_idx(directory / f"{prefix}-images-idx3-ubyte")
    labels = read_idx(directory / f"{prefix}-labels-idx1-ubyte")
    return images, labels, {
        "images": int(images.shape[0]),
        "rows": int(images.shape[1]),
        "cols": int(images.shape[2]),
        "labels": int(labels.shape[0]),
        "first_labels": labels[:20].tolist(),
        # uint64: the pixel sum of the training set (~ 1.6e9) would wrap a uint32.
        "pixel_sum": int(images.sum(dtype=np.uint64)),
        "label_sum": int(labels.sum(dtype=np.uint64)),
    }


def main():
    directory = Path(sys.argv[1])
    train_images, _, train = split(directory, "train")
    _, _, test = split(directory, "t10k")
    print(json.dumps({"train": train, "test": test, "train_image_5": train_images[5].ravel().tolist()}))


if __name__ == "__main__":
    main()
