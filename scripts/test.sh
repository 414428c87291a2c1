#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds in Release and runs every ctest test
# (unit and integration), then builds with AddressSanitizer and UndefinedBehaviorSanitizer and
# runs the unit tests again.
#
#   scripts/test.sh
#
# BUILD_DIR (default build) selects the build directory; the sanitizer build goes to
# $BUILD_DIR-sanitize. Extra ctest arguments can be given in CTEST_ARGS.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build}
JOBS=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh --test

# The Vulkan backend is built (and its conformance test run, on lavapipe in CI) wherever the
# Vulkan headers and glslc are present; the sanitizer build leaves it out, since the software
# driver's own allocations would be reported as leaks.
VULKAN=OFF
if command -v glslc >/dev/null 2>&1 && [ -f /usr/include/vulkan/vulkan.h ]; then
    VULKAN=ON
fi

echo "== Release build (GGML_VULKAN=$VULKAN), all tests"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCGML_SANITIZE=OFF -DGGML_VULKAN=$VULKAN
cmake --build "$BUILD_DIR" -j "$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure ${CTEST_ARGS:-}

echo "== Sanitizer build, unit tests"
cmake -S . -B "$BUILD_DIR-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCGML_SANITIZE=ON -DGGML_VULKAN=OFF
cmake --build "$BUILD_DIR-sanitize" -j "$JOBS"
ctest --test-dir "$BUILD_DIR-sanitize" --output-on-failure -L unit ${CTEST_ARGS:-}

echo "== all tests passed"
