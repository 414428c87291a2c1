#!/usr/bin/python3
"""Trains the convolutional MNIST model with PyTorch and writes it as GGUF.

    examples/mnist/mnist-train-cnn.py mnist-cnn-f32.gguf [DATA_DIR] [--epochs N] [--seed S] ...

Layers as in `mnist-train mnist-cnn`: conv 3x3 (1->8), relu, max-pool 2, conv 3x3 (8->16), relu,
max-pool 2, dense (784->10). The model file runs in mnist-eval like one written by mnist-train.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mnist_torch  # noqa: E402

if __name__ == "__main__":
    sys.exit(mnist_torch.run_cli("mnist-cnn", default_epochs=30, default_batch_size=500))
