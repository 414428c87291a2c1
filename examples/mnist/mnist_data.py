"""MNIST IDX files (plain or gzip-compressed, told apart by content) as numpy arrays.

    images, labels = mnist_data.load_split(data_dir, "train")    # uint8 (60000, 28, 28), (60000,)
    x = mnist_data.images_to_float(images)                       # float32 in [0, 1], (N, 784)

The checks follow the C++ reader: magic number, dimensions, sizes against the file length,
matching image and label counts, labels 0-9. Problems raise MNISTDataError with one clear line.
"""

import gzip
import os
import struct
import subprocess
import sys

import numpy as np

MNIST_HW = 28
MNIST_NINPUT = MNIST_HW * MNIST_HW
MNIST_NCLASSES = 10

IDX_MAGIC_IMAGES = 0x00000803  # unsigned bytes, 3 dimensions
IDX_MAGIC_LABELS = 0x00000801  # unsigned bytes, 1 dimension

SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class MNISTDataError(Exception):
    pass


def read_file(path):
    """The file's bytes, gunzipped when they start with the gzip magic."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise MNISTDataError(f"{path}: cannot read: {e.strerror}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise MNISTDataError(f"{path}: corrupt gzip data: {e}") from None
    return data


def load_images(path):
    data = read_file(path)
    if len(data) < 16:
        raise MNISTDataError(f"{path}: too short for an IDX image header ({len(data)} bytes)")
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != IDX_MAGIC_IMAGES:
        raise MNISTDataError(f"{path}: bad magic number 0x{magic:08x} for an image file (expected 0x{IDX_MAGIC_IMAGES:08x})")
    if rows != MNIST_HW or cols != MNIST_HW:
        raise MNISTDataError(f"{path}: images are {rows}x{cols}, expected {MNIST_HW}x{MNIST_HW}")
    if len(data) != 16 + n * rows * cols:
        raise MNISTDataError(f"{path}: header says {n} images but the file holds {len(data) - 16} pixel bytes")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)


def load_labels(path):
    data = read_file(path)
    if len(data) < 8:
        raise MNISTDataError(f"{path}: too short for an IDX label header ({len(data)} bytes)")
    magic, n = struct.unpack(">II", data[:8])
    if magic != IDX_MAGIC_LABELS:
        raise MNISTDataError(f"{path}: bad magic number 0x{magic:08x} for a label file (expected 0x{IDX_MAGIC_LABELS:08x})")
    if len(data) != 8 + n:
        raise MNISTDataError(f"{path}: header says {n} labels but the file holds {len(data) - 8}")
    labels = np.frombuffer(data, dtype=np.uint8, offset=8)
    if n and labels.max() >= MNIST_NCLASSES:
        bad = int(np.argmax(labels >= MNIST_NCLASSES))
        raise MNISTDataError(f"{path}: label {labels[bad]} at index {bad} is not a digit 0-9")
    return labels


def find_file(data_dir, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.isfile(path):
            return path
    raise MNISTDataError(f"{data_dir}: neither {name} nor {name}.gz found")


def load_split(data_dir, split):
    images_name, labels_name = SPLIT_FILES[split]
    images = load_images(find_file(data_dir, images_name))
    labels = load_labels(find_file(data_dir, labels_name))
    if len(images) != len(labels):
        raise MNISTDataError(f"{data_dir}: {len(images)} {split} images but {len(labels)} labels")
    return images, labels


def images_to_float(images):
    """Pixels scaled to [0, 1] as the C++ dataset does, one flattened row-major image per row."""
    return (images.reshape(len(images), MNIST_NINPUT).astype(np.float32)) / np.float32(255.0)


def project_root():
    return os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def load_train_test(data_dir):
    """(train images, train labels, test images, test labels) from data_dir or, when it is None, from
    data/MNIST/raw in the project, which scripts/get-mnist.sh fills when it cannot be read."""
    if data_dir is None:
        data_dir = os.path.join(project_root(), "data", "MNIST", "raw")
        try:
            return load_split(data_dir, "train") + load_split(data_dir, "test")
        except MNISTDataError:
            pass
        script = os.path.join(project_root(), "scripts", "get-mnist.sh")
        print(f"fetching MNIST into {data_dir} with {script}", file=sys.stderr)
        if subprocess.call(["bash", script, data_dir]) != 0:
            raise MNISTDataError(f"{script} could not provide MNIST in {data_dir}")
    return load_split(data_dir, "train") + load_split(data_dir, "test")
