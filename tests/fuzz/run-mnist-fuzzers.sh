#!/bin/sh
# Builds the MNIST fuzzers (IDX readers; model loading + evaluation) with clang (libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs each, starting from its seed corpus in
# tests/fuzz/mnist-*-corpus.
#
# The code under test (examples/mnist and src/gguf) is compiled instrumented; the rest of the
# tensor library is linked from an existing build's libcgml.a (build it first: cmake --build build),
# which keeps the build to a minute instead of a sanitizer build of every kernel.
#
# usage: tests/fuzz/run-mnist-fuzzers.sh [seconds-each=600] [lib-build-dir=build] [targets="idx model"]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-600}
lib=${2:-$root/build}/libcgml.a
targets=${3:-"idx model"}
out=$root/build-fuzz-mnist
mkdir -p "$out"

flags="-std=c++17 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all"
objs=""
for src in "$root"/examples/mnist/mnist-data.cpp "$root"/examples/mnist/mnist-idx.cpp "$root"/examples/mnist/mnist-model.cpp \
           "$root"/examples/mnist/mnist-model-io.cpp "$root"/examples/mnist/mnist-options.cpp \
           "$root"/examples/mnist/mnist-output.cpp "$root"/src/gguf/*.cpp; do
    obj=$out/$(basename "$src" .cpp).o
    clang++ $flags -fsanitize=fuzzer-no-link -I"$root/include" -I"$root/src" -I"$root/examples/mnist" -c "$src" -o "$obj"
    objs="$objs $obj"
done
# a library built with the Vulkan backend (scripts/test.sh's, where glslc is present) needs its loader
libs="-lz -lpthread -lm"
if ar t "$lib" | grep -q '^vulkan-'; then libs="$libs -lvulkan"; fi
for t in $targets; do
    clang++ $flags -fsanitize=fuzzer -I"$root/include" -I"$root/examples/mnist" "$root/tests/fuzz/fuzz-mnist-$t.cpp" \
            $objs "$lib" $libs -o "$out/fuzz-mnist-$t"
done
for t in $targets; do
    # new inputs go to the first directory; the seeds stay untouched
    mkdir -p "$out/mnist-$t-corpus"
    max_len=16384; [ "$t" = model ] && max_len=65536
    "$out/fuzz-mnist-$t" -max_total_time="$secs" -max_len=$max_len -rss_limit_mb=2048 -print_final_stats=1 \
        "$out/mnist-$t-corpus" "$root/tests/fuzz/mnist-$t-corpus"
done
