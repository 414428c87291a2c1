#!/usr/bin/env bash
# From a fresh Debian 12 machine to a trained and evaluated mnist-fc model:
# installs what is missing, builds in Release, gets MNIST, trains, evaluates.
#
#   scripts/build-and-run.sh [mnist-train options, e.g. --epochs 1]
#
# BUILD_DIR (default build) selects the build directory.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build}
JOBS=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j "$JOBS" --target mnist-train mnist-eval
scripts/get-mnist.sh data/MNIST/raw

"$BUILD_DIR/bin/mnist-train" mnist-fc mnist-fc-f32.gguf \
    data/MNIST/raw/train-images-idx3-ubyte data/MNIST/raw/train-labels-idx1-ubyte "$@"
"$BUILD_DIR/bin/mnist-eval" mnist-fc-f32.gguf \
    data/MNIST/raw/t10k-images-idx3-ubyte data/MNIST/raw/t10k-labels-idx1-ubyte
