#!/bin/sh
# Builds the MNIST fuzzers (IDX readers, model loading + evaluation) with clang (libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs each, starting from its seed corpus in
# tests/fuzz/mnist-*-corpus.
#
# usage: tests/fuzz/run-mnist-fuzzers.sh [seconds-each=600] [build-dir=build-fuzz] [targets="idx model"]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-600}
build=${2:-$root/build-fuzz}
targets=${3:-"idx model"}

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCGML_SANITIZE=ON -DCGML_BUILD_TESTS=OFF -DCGML_BUILD_EXAMPLES=ON \
      -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link > /dev/null
cmake --build "$build" -j2 --target mnist-common
for t in $targets; do
    clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
            -I"$root/include" -I"$root/examples/mnist" "$root/tests/fuzz/fuzz-mnist-$t.cpp" \
            "$build/examples/mnist/libmnist-common.a" "$build/libcgml.a" -lz -lpthread -lm -o "$build/fuzz-mnist-$t"
done
for t in $targets; do
    # new inputs go to the first directory; the seeds stay untouched
    mkdir -p "$build/mnist-$t-corpus"
    max_len=16384; [ "$t" = model ] && max_len=65536
    "$build/fuzz-mnist-$t" -max_total_time="$secs" -max_len=$max_len -rss_limit_mb=2048 \
        "$build/mnist-$t-corpus" "$root/tests/fuzz/mnist-$t-corpus"
done
