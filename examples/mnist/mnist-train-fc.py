#!/usr/bin/python3
"""Trains the fully connected MNIST model (784-500-10) with PyTorch and writes it as GGUF.

    examples/mnist/mnist-train-fc.py mnist-fc-f32.gguf [DATA_DIR] [--epochs N] [--seed S] ...

The model file runs in mnist-eval exactly like one written by `mnist-train mnist-fc`.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mnist_torch  # noqa: E402

if __name__ == "__main__":
    sys.exit(mnist_torch.run_cli("mnist-fc", default_epochs=20, default_batch_size=500))
