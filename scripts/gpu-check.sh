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

# A machine without the Vulkan loader gets it from .deb packages carried in .gl/ (unpacked
# into /, as root); the NVIDIA driver's ICD is named where the loader does not find it itself.
if ls .gl/*.deb >/dev/null 2>&1; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
NV_ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$NV_ICD" ]; then export VK_DRIVER_FILES=$NV_ICD; fi

command -v vulkaninfo >/dev/null 2>&1 && vulkaninfo --summary 2>&1 | tee -a "$LOG" | grep -E "deviceName|driverName" || true
# SKIP_BUILD=1: use a build carried in $BUILD_DIR (for a machine without glslc or the headers)
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DGGML_VULKAN=ON -DCGML_BUILD_TESTS=ON | tee -a "$LOG" | grep "Vulkan backend" ||
        { say "the Vulkan backend is not built here (no loader, headers or glslc)"; exit 1; }
    cmake --build "$BUILD_DIR" -j "$(nproc)" --target cgml mnist-train mnist-eval test-backend-conformance test-mnist-backend-step
fi
# Vulkan0 must be the GPU, not a software device
DEVICES=$("$BUILD_DIR"/bin/mnist-train mnist-fc "$OUT_DIR/probe.gguf" "$DATA/t10k-images-idx3-ubyte.gz" \
          "$DATA/t10k-labels-idx1-ubyte.gz" NOPE 2>&1 | grep "^  - " || true)
say "$DEVICES"
echo "$DEVICES" | grep -q "^  - Vulkan0 " || { say "no Vulkan0 device: check the driver (VK_DRIVER_FILES)"; exit 1; }

say "== conformance"
"$BUILD_DIR"/tests/test-backend-conformance 2>&1 | tee -a "$LOG"
say "== one optimizer step of each model, device against CPU"
"$BUILD_DIR"/examples/mnist/test-mnist-backend-step 2>&1 | tee -a "$LOG"

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
