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

echo "== Release build, all tests"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCGML_SANITIZE=OFF
cmake --build "$BUILD_DIR" -j "$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure ${CTEST_ARGS:-}

echo "== Sanitizer build, unit tests"
cmake -S . -B "$BUILD_DIR-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCGML_SANITIZE=ON
cmake --build "$BUILD_DIR-sanitize" -j "$JOBS"
ctest --test-dir "$BUILD_DIR-sanitize" --output-on-failure -L unit ${CTEST_ARGS:-}

echo "== all tests passed"
