#!/usr/bin/env bash
# Whether training and evaluating on a Vulkan device reaches the CPU's accuracy:
#
#   bench/vulkan-vs-cpu.sh           # one line per architecture; status 1 if a difference is too large
#
# For each architecture, mnist-train trains on the full training set with the same seed and the
# same number of epochs once on the CPU and once on DEVICE, and mnist-eval evaluates each model on
# the 10k test images on the device it was trained on. The two test accuracies may differ by at most
# MAX_DIFF percentage points (the floating-point sums run in a different order on the device, so the
# runs are not bitwise equal). Wall times of each training and evaluation are printed too; on a
# software device (lavapipe) they say little about a GPU.
#
# Environment: DEVICE (Vulkan0), EPOCHS (1), ARCHS ("mnist-fc mnist-cnn"), SEED (1),
# MAX_DIFF (0.3), TRAIN_ARGS (empty; extra mnist-train options for both runs),
# BUILD_DIR (build, configured with -DGGML_VULKAN=ON), DATA_DIR (data/MNIST/raw),
# KEEP (empty; a directory to keep the models and logs in).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
DATA_DIR=${DATA_DIR:-$ROOT/data/MNIST/raw}
DEVICE=${DEVICE:-Vulkan0}
EPOCHS=${EPOCHS:-1}
ARCHS=${ARCHS:-mnist-fc mnist-cnn}
SEED=${SEED:-1}
MAX_DIFF=${MAX_DIFF:-0.3}
TRAIN_ARGS=${TRAIN_ARGS:-}
if [ -n "${KEEP:-}" ]; then
    WORK=$KEEP
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi

TRAIN="$BUILD_DIR/bin/mnist-train"
EVAL="$BUILD_DIR/bin/mnist-eval"
if [ ! -x "$TRAIN" ] || [ ! -x "$EVAL" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DGGML_VULKAN=ON >/dev/null
    cmake --build "$BUILD_DIR" -j "$(nproc)" --target mnist-train mnist-eval >/dev/null
fi
bash "$ROOT/scripts/get-mnist.sh" "$DATA_DIR" >/dev/null

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# run ARCH BACKEND: trains and evaluates; prints "ACCURACY TRAIN_SECONDS EVAL_SECONDS"
run() {
    local arch=$1 backend=$2 tag="$1-$2" t0 train_s eval_s acc
    t0=$(now)
    # shellcheck disable=SC2086
    "$TRAIN" "$arch" "$WORK/$tag.gguf" "$DATA_DIR/train-images-idx3-ubyte" "$DATA_DIR/train-labels-idx1-ubyte" \
        "$backend" --seed "$SEED" --epochs "$EPOCHS" $TRAIN_ARGS >"$WORK/$tag.train.log" 2>&1 ||
        { echo "vulkan-vs-cpu: training $arch on $backend failed:" >&2; tail -5 "$WORK/$tag.train.log" >&2; exit 1; }
    train_s=$(elapsed "$t0")
    t0=$(now)
    "$EVAL" "$WORK/$tag.gguf" "$DATA_DIR/t10k-images-idx3-ubyte" "$DATA_DIR/t10k-labels-idx1-ubyte" "$backend" \
        --seed "$SEED" >"$WORK/$tag.eval.log" 2>&1 ||
        { echo "vulkan-vs-cpu: evaluating $arch on $backend failed:" >&2; tail -5 "$WORK/$tag.eval.log" >&2; exit 1; }
    eval_s=$(elapsed "$t0")
    acc=$(sed -n 's/^main: test_acc=\([0-9.]*\)+-.*/\1/p' "$WORK/$tag.eval.log")
    [ -n "$acc" ] || { echo "vulkan-vs-cpu: no test accuracy in $WORK/$tag.eval.log" >&2; exit 1; }
    echo "$acc $train_s $eval_s"
}

status=0
for arch in $ARCHS; do
    read -r cpu_acc cpu_train cpu_eval <<<"$(run "$arch" CPU)"
    read -r dev_acc dev_train dev_eval <<<"$(run "$arch" "$DEVICE")"
    desc=$(sed -n "s/.*using $DEVICE (\(.*\)) as primary backend.*/\1/p" "$WORK/$arch-$DEVICE.train.log")
    diff=$(awk -v a="$dev_acc" -v b="$cpu_acc" 'BEGIN { printf "%+.2f", a - b }')
    verdict=$(awk -v d="$diff" -v m="$MAX_DIFF" 'BEGIN { print (d <= m && -d <= m) ? "ok" : "FAIL" }')
    printf '%s, %d epoch(s), seed %s: CPU %.2f%% (train %s s, eval %s s), %s [%s] %.2f%% (train %s s, eval %s s): difference %s points (limit %s): %s\n' \
        "$arch" "$EPOCHS" "$SEED" "$cpu_acc" "$cpu_train" "$cpu_eval" "$DEVICE" "$desc" "$dev_acc" "$dev_train" "$dev_eval" \
        "$diff" "$MAX_DIFF" "$verdict"
    [ "$verdict" = ok ] || status=1
done
exit $status
