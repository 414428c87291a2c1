#!/usr/bin/env bash
# What on-the-fly augmentation costs per training epoch, measured against the same training
# without it in the same run:
#
#   bench/augment-cost.sh            # prints one line per architecture
#
# Seconds per epoch are the wall-time difference of two runs with the same seed that differ only
# in the number of epochs (EPOCHS vs 1), so loading, graph building and saving cancel out. Each
# measurement is taken REPEAT times, plain and augmented alternating, and the medians are
# compared: overhead = augmented / plain - 1. The augmentation is --augment plus AUG_ARGS.
#
# The overhead has two parts, told apart by a third run between the two: plain training on a
# copy of the images transformed once beforehand (bench/augment-images.cpp, --augment's ranges,
# so only with empty AUG_ARGS). That run pays no transform but trains on data like the augmented
# run's: "data" = transformed copy / plain - 1 is what moving the digits costs the products (the
# CPU GEMM skips the steps where a whole panel of pixels is zero, and shifted digits leave fewer
# such pixels), "transform" = augmented / transformed copy - 1 is the augmentation's own cost.
#
# Environment: THREADS (2), EPOCHS (3), REPEAT (3), ARCHS ("mnist-cnn mnist-fc"),
# AUG_ARGS (empty; e.g. "--aug-elastic 2"), BUILD_DIR (build), DATA_DIR (data/MNIST/raw).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
DATA_DIR=${DATA_DIR:-$ROOT/data/MNIST/raw}
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-3}
REPEAT=${REPEAT:-3}
ARCHS=${ARCHS:-mnist-cnn mnist-fc}
AUG_ARGS=${AUG_ARGS:-}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ "$EPOCHS" -lt 2 ]; then
    echo "augment-cost: EPOCHS must be at least 2 (the epoch time is a difference of runs)" >&2
    exit 1
fi
TRAIN="$BUILD_DIR/bin/mnist-train"
AUGMENT_IMAGES="$BUILD_DIR/bench/augment-images"
if [ ! -x "$TRAIN" ] || [ ! -x "$AUGMENT_IMAGES" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD_DIR" -j "$(nproc)" --target mnist-train augment-images >/dev/null
fi
bash "$ROOT/scripts/get-mnist.sh" "$DATA_DIR" >/dev/null
IMAGES="$DATA_DIR/train-images-idx3-ubyte"
SPLIT=1 # the third run needs --augment's own ranges
if [ -n "$AUG_ARGS" ]; then
    SPLIT=0
else
    "$AUGMENT_IMAGES" "$IMAGES" "$WORK/transformed-images-idx3-ubyte" 1
fi

# seconds ARCH EPOCHS [ARGS...]: wall time of one training run on $images
seconds() {
    local arch=$1 epochs=$2; shift 2
    local t0 t1
    t0=$(date +%s.%N)
    "$TRAIN" "$arch" "$WORK/model.gguf" "$images" "$DATA_DIR/train-labels-idx1-ubyte" \
        --threads "$THREADS" --seed 1 --epochs "$epochs" "$@" >/dev/null 2>"$WORK/train.log" || { cat "$WORK/train.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

# per_epoch ARCH [ARGS...]: seconds per epoch, from runs of EPOCHS and 1 epochs
per_epoch() {
    local long short
    long=$(seconds "$1" "$EPOCHS" "${@:2}")
    short=$(seconds "$1" 1 "${@:2}")
    awk -v l="$long" -v s="$short" -v e="$EPOCHS" 'BEGIN { print (l - s) / (e - 1) }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", 100 * (a / b - 1) }'; }

for arch in $ARCHS; do
    plain=() copy=() aug=()
    for ((r = 0; r < REPEAT; ++r)); do
        images=$IMAGES
        plain+=("$(per_epoch "$arch")")
        if [ "$SPLIT" -eq 1 ]; then
            images=$WORK/transformed-images-idx3-ubyte
            copy+=("$(per_epoch "$arch")")
            images=$IMAGES
        fi
        # shellcheck disable=SC2086
        aug+=("$(per_epoch "$arch" --augment $AUG_ARGS)")
    done
    mp=$(printf '%s\n' "${plain[@]}" | median)
    ma=$(printf '%s\n' "${aug[@]}" | median)
    printf '%s: %.2f s/epoch plain, %.2f s/epoch with --augment %s: overhead %s %% (medians of %d; plain: %s; augmented: %s)\n' \
        "$arch" "$mp" "$ma" "$AUG_ARGS" "$(percent "$ma" "$mp")" "$REPEAT" \
        "$(printf '%.2f ' "${plain[@]}")" "$(printf '%.2f ' "${aug[@]}")"
    if [ "$SPLIT" -eq 1 ]; then
        mc=$(printf '%s\n' "${copy[@]}" | median)
        printf '%s: %.2f s/epoch plain on the transformed copy: data %s %%, transform %s %% (copy: %s)\n' \
            "$arch" "$mc" "$(percent "$mc" "$mp")" "$(percent "$ma" "$mc")" "$(printf '%.2f ' "${copy[@]}")"
    fi
done
