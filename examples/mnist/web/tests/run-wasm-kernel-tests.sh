#!/usr/bin/env bash
# Builds the kernel tests tests/test-ops-mul-mat and tests/test-ops-conv for WebAssembly (the
# configuration MNIST_WEB_NODE_TESTS of examples/mnist/web) and runs them under node: they check
# the WebAssembly SIMD kernels, the ones the page trains with, against plain reference loops.
#
#   run-wasm-kernel-tests.sh WORK_DIR
#
# Exits 77 (skipped) only when emscripten or node is missing (apt-get install emscripten nodejs).

set -euo pipefail
WORK=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../../.." && pwd)

for tool in emcc emcmake node; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed (apt-get install emscripten nodejs); the WebAssembly kernels cannot be built"
        exit 77
    fi
done

# Debian's emscripten runs its JavaScript tools with the node modules of Debian's packages (acorn)
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
BUILD="$WORK/build-web-node"
mkdir -p "$WORK"
emcmake cmake -S "$ROOT/examples/mnist/web" -B "$BUILD" -DMNIST_WEB_NODE_TESTS=ON >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target test-ops-mul-mat test-ops-conv >/dev/null
status=0
for name in test-ops-mul-mat test-ops-conv; do
    echo "== $name (WebAssembly, node)"
    # node's fetch would make the module look for its .wasm over the network instead of the file
    node --no-experimental-fetch "$BUILD/$name.js" || status=1
done
exit $status
