#!/usr/bin/env bash
# Builds the web demo, serves it and tests it in headless chromium (see web-test.mjs).
#
#   run-web-tests.sh MNIST_WEB_NATIVE MNIST_TRAIN WORK_DIR
#
# Exits 77 (skipped) only when emscripten or chromium is missing; install them with
#   apt-get install emscripten chromium
# Screenshots are written to WORK_DIR/screenshots.

set -euo pipefail
NATIVE=$1
MNIST_TRAIN=$2
WORK=$3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../../.." && pwd)

if ! command -v emcc >/dev/null 2>&1; then
    echo "SKIP: emscripten is not installed (apt-get install emscripten); the web demo cannot be built"
    exit 77
fi
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed at $CHROMIUM (apt-get install chromium); the web demo cannot be tested"
    exit 77
fi
for tool in node npm python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is needed for the browser tests"; exit 1; }
done

mkdir -p "$WORK"
cd "$ROOT"
# The node-run programs' configuration compiles the library with -pthread; it must not define the
# page's modules (a single-threaded mnist-web linked from that library, written over the page's,
# faulted as soon as it trained). Configuring takes about a second.
NODE_CHECK="$WORK/node-config-check"
NODE_PATH=/usr/share/nodejs emcmake cmake -S examples/mnist/web -B "$NODE_CHECK" -DMNIST_WEB_NODE_TESTS=ON >/dev/null
NODE_TARGETS=$(cmake --build "$NODE_CHECK" --target help)
if grep -Eq '^\.\.\. mnist-web(-mt)?$' <<<"$NODE_TARGETS"; then
    echo "FAIL: the MNIST_WEB_NODE_TESTS configuration defines the page's module mnist-web"
    exit 1
fi
echo "ok: the MNIST_WEB_NODE_TESTS configuration leaves the page's modules alone"
# Models missing from examples/mnist/web are trained for 10 epochs here (build-web.sh's 30 for
# the shipped ones would take most of the suite's time on a 2-core machine).
WEB_BUILD_DIR="$WORK/build-web" MNIST_TRAIN="$MNIST_TRAIN" FC_EPOCHS=${FC_EPOCHS:-10} CNN_EPOCHS=${CNN_EPOCHS:-10} \
    scripts/build-web.sh
scripts/get-mnist.sh "$WORK/mnist" >/dev/null

if [ ! -d "$HERE/node_modules/playwright-core" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund)
fi

exec node "$HERE/web-test.mjs" --native "$NATIVE" --data "$WORK/mnist" --out "$WORK/screenshots" --chromium "$CHROMIUM"
