#!/bin/sh
# Builds the GGUF reader fuzzer with clang (libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer)
# and runs it, starting from the seed corpus in tests/fuzz/gguf-corpus.
#
# usage: tests/fuzz/run-gguf-fuzzer.sh [seconds=600] [build-dir=build-fuzz]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-600}
build=${2:-$root/build-fuzz}

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCGML_SANITIZE=ON -DCGML_BUILD_TESTS=OFF -DCGML_BUILD_EXAMPLES=OFF \
      -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link > /dev/null
cmake --build "$build" -j2 --target cgml
clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -I"$root/include" -I"$root/src" "$root/tests/fuzz/fuzz-gguf-reader.cpp" "$build/libcgml.a" \
        -lpthread -lm -o "$build/fuzz-gguf-reader"

# new inputs go to the first directory; the seeds stay untouched
mkdir -p "$build/gguf-corpus"
"$build/fuzz-gguf-reader" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 \
    -dict="$root/tests/fuzz/gguf.dict" "$build/gguf-corpus" "$root/tests/fuzz/gguf-corpus"
