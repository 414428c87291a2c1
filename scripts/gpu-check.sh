#!/usr/bin/env bash
# On a machine with a GPU: builds with the Vulkan backend, runs its conformance test on the real
# device, trains and evaluates both MNIST models on Vulkan0 for 5 epochs, and trains the same
# models with PyTorch CUDA for comparison. Figures go to stdout and to $OUT_DIR/gpu-check.txt.
#
#   scripts/gpu-check.sh [DATA_DIR]        (default ../shared/data/mnist)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATA=${1:-../shared/data/mnist}
BUILD_DIR=${BUILD_DIR:-build-gpu}
OUT_DIR=${OUT:-$BUILD_DIR}
EPOCHS=${EPOCHS:-5}
mkdir -p "$OUT_DIR"
LOG="$OUT_DIR/gpu-check.txt"
: > "$LOG"
say() { echo "$*" | tee -a "$LOG"; }

command -v vulkaninfo >/dev/null 2>&1 && vulkaninfo --summary 2>&1 | tee -a "$LOG" | grep -E "deviceName|driverName" || true
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DGGML_VULKAN=ON -DCGML_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target cgml mnist-train mnist-eval test-backend-conformance

say "== conformance"
"$BUILD_DIR"/tests/test-backend-conformance 2>&1 | tee -a "$LOG"

for arch in mnist-fc mnist-cnn; do
    say "== $arch on Vulkan0, $EPOCHS epochs"
    /usr/bin/time -f "$arch train wall_s=%e" "$BUILD_DIR"/bin/mnist-train "$arch" "$OUT_DIR/$arch-vk.gguf" \
        "$DATA/train-images-idx3-ubyte.gz" "$DATA/train-labels-idx1-ubyte.gz" Vulkan0 --epochs "$EPOCHS" --seed 1 \
        2>&1 | tee -a "$LOG"
    /usr/bin/time -f "$arch eval wall_s=%e" "$BUILD_DIR"/bin/mnist-eval "$OUT_DIR/$arch-vk.gguf" \
        "$DATA/t10k-images-idx3-ubyte.gz" "$DATA/t10k-labels-idx1-ubyte.gz" Vulkan0 2>&1 | tee -a "$LOG"
    say "== $arch with PyTorch CUDA, $EPOCHS epochs"
    /usr/bin/python3 bench/torch-cuda-bench.py "$arch" "$DATA" --epochs "$EPOCHS" 2>&1 | tee -a "$LOG" || say "PyTorch CUDA run failed"
done
say "== done"
