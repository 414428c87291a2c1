#!/usr/bin/env bash
# Builds the web demo into examples/mnist/web/: installs Emscripten with apt when it is missing,
# compiles the library and the web API to WebAssembly (build directory build-web/), trains the FC
# and CNN models with the native mnist-train when they are missing, and puts the gzip-compressed
# MNIST files where the page fetches them. Then serve it with scripts/serve-web.py.
#
#   scripts/build-web.sh
#
# Environment: WEB_BUILD_DIR (default build-web), NATIVE_BUILD_DIR (default build; mnist-train is
# built there if needed), MNIST_TRAIN (a ready mnist-train binary), FC_EPOCHS and CNN_EPOCHS
# (default 30) for the models, RETRAIN=1 to train them again, WEB_THREADS=0 to skip the threaded
# module.

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

WEB_DIR=examples/mnist/web
WEB_BUILD_DIR=${WEB_BUILD_DIR:-build-web}
NATIVE_BUILD_DIR=${NATIVE_BUILD_DIR:-build}
JOBS=$(nproc 2>/dev/null || echo 2)

# Debian's Emscripten runs its tools with the system Node, which finds their modules here.
export NODE_PATH=/usr/share/nodejs

if ! command -v emcmake >/dev/null 2>&1 || ! command -v cmake >/dev/null 2>&1; then
    echo "build-web: installing emscripten and cmake with apt"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends emscripten cmake
fi

# Two modules: mnist-web (one thread; the page, and the training worker's fallback) and
# mnist-web-mt (pthreads; the training worker on a cross-origin isolated page).
echo "== WebAssembly build ($WEB_BUILD_DIR, $WEB_BUILD_DIR-mt)"
emcmake cmake -S "$WEB_DIR" -B "$WEB_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DMNIST_WEB_THREADS=OFF >/dev/null
cmake --build "$WEB_BUILD_DIR" -j "$JOBS"
if [ "${WEB_THREADS:-1}" = 1 ]; then
    emcmake cmake -S "$WEB_DIR" -B "$WEB_BUILD_DIR-mt" -DCMAKE_BUILD_TYPE=Release -DMNIST_WEB_THREADS=ON >/dev/null
    cmake --build "$WEB_BUILD_DIR-mt" -j "$JOBS"
fi

echo "== MNIST data ($WEB_DIR/data)"
mkdir -p "$WEB_DIR/data"
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
need_data=0
for f in "${FILES[@]}"; do [ -s "$WEB_DIR/data/$f.gz" ] || need_data=1; done
RAW_DIR="$WEB_BUILD_DIR/mnist-raw"
if [ "$need_data" = 1 ] || [ ! -s "$WEB_DIR/mnist-fc.gguf" ] || [ ! -s "$WEB_DIR/mnist-cnn.gguf" ] || [ "${RETRAIN:-0}" = 1 ]; then
    scripts/get-mnist.sh "$RAW_DIR"
fi
if [ "$need_data" = 1 ]; then
    for f in "${FILES[@]}"; do
        gzip -9 -n -c "$RAW_DIR/$f" > "$WEB_DIR/data/$f.gz.tmp"
        mv "$WEB_DIR/data/$f.gz.tmp" "$WEB_DIR/data/$f.gz"
    done
fi

echo "== Models ($WEB_DIR/mnist-fc.gguf, $WEB_DIR/mnist-cnn.gguf)"
train_model() { # ARCH EPOCHS
    local out="$WEB_DIR/$1.gguf"
    if [ -s "$out" ] && [ "${RETRAIN:-0}" != 1 ]; then
        echo "$out exists (RETRAIN=1 trains it again)"
        return
    fi
    if [ -z "${MNIST_TRAIN:-}" ]; then
        MNIST_TRAIN="$NATIVE_BUILD_DIR/bin/mnist-train"
        if [ ! -x "$MNIST_TRAIN" ]; then
            cmake -S . -B "$NATIVE_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
            cmake --build "$NATIVE_BUILD_DIR" -j "$JOBS" --target mnist-train
        fi
    fi
    "$MNIST_TRAIN" "$1" "$out" "$RAW_DIR/train-images-idx3-ubyte" "$RAW_DIR/train-labels-idx1-ubyte" \
        --recipe best --epochs "$2" --seed 1 \
        --eval-images "$RAW_DIR/t10k-images-idx3-ubyte" --eval-labels "$RAW_DIR/t10k-labels-idx1-ubyte" \
        2>&1 | tee "$WEB_BUILD_DIR/$1.train.log"
    # The page shows the test accuracy measured here.
    grep -o 'eval_acc=[0-9.]*' "$WEB_BUILD_DIR/$1.train.log" | tail -1 | cut -d= -f2 \
        > "$WEB_DIR/$1.accuracy.txt.tmp" && mv "$WEB_DIR/$1.accuracy.txt.tmp" "$WEB_DIR/$1.accuracy.txt"
}
train_model mnist-fc "${FC_EPOCHS:-30}"
train_model mnist-cnn "${CNN_EPOCHS:-30}"

echo "== Done: scripts/serve-web.py, then open http://localhost:8000/"
