#!/usr/bin/env bash
# Time to 99 %: wall time until mnist-cnn first reaches 99.0 % test accuracy, mnist.cpp against
# PyTorch with the same model, augmentation and schedule, in one run:
#
#   bench/time-to-99.sh          # one line per seed and side, then the medians and their ratio
#
# The fast recipe is --recipe best with a short run: the cosine decay spans EPOCHS epochs, so the
# learning rate is already small at the end of the last ones, and the last AUG_OFF epochs train
# without augmentation. It leaves out the 30-epoch recipe's weight decay (--weight-decay 0), as
# the PyTorch side does.
# mnist.cpp: `mnist-train mnist-cnn --recipe best --weight-decay 0 --epochs EPOCHS --eval-each-epoch`
# evaluates the 10k test images after every epoch; the time is that of the first epoch at >= 99.0 %, counted
# from the start of the program (loading the data included). PyTorch: bench/time-to-99-torch.py
# with the settings of --recipe best (TORCH_ARGS), timed the same way from the start of the
# interpreter. Seeds 1..SEEDS, alternating sides; a side that does not get there within EPOCHS
# counts as not reached.
#
# PyTorch runs with OMP_WAIT_POLICY=PASSIVE unless the environment sets it: on a shared machine its
# spinning OpenMP threads otherwise collapse (one epoch took 171 s instead of about 5 s at load
# average 6), which would measure the other work on the machine rather than PyTorch.
#
# Environment: THREADS (2), SEEDS (3), EPOCHS (5), AUG_OFF (1), BUILD_DIR (build), DATA_DIR (data/MNIST/raw),
# TORCH_ARGS (the PyTorch side's recipe; keep it equal to mnist-train's --recipe best for mnist-cnn).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
DATA_DIR=${DATA_DIR:-$ROOT/data/MNIST/raw}
THREADS=${THREADS:-2}
SEEDS=${SEEDS:-3}
EPOCHS=${EPOCHS:-5}
AUG_OFF=${AUG_OFF:-1}
# --recipe best for mnist-cnn without its weight decay (examples/mnist/mnist-options.cpp)
TORCH_ARGS=${TORCH_ARGS:---batch 100 --lr 0.005 --schedule cosine --warmup 300 --val-split 0 --translate 1 --rotate 5 --scale 0.05 --shear 5}
PYTHON=/usr/bin/python3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

TRAIN="$BUILD_DIR/bin/mnist-train"
if [ ! -x "$TRAIN" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD_DIR" -j "$(nproc)" --target mnist-train >/dev/null
fi
bash "$ROOT/scripts/get-mnist.sh" "$DATA_DIR" >/dev/null

# first_at_99 LOG: "EPOCH SECONDS" of the first line at >= 99.0 %, or "- -"
first_at_99() {
    sed -n 's/.*epoch \([0-9]*\): eval_acc=\([0-9.]*\).* t=\([0-9.]*\) s.*/\1 \2 \3/p' "$1" |
        awk '$2 >= 99.0 { print $1, $3; found = 1; exit } END { if (!found) print "- -" }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ours=() theirs=()
for ((seed = 1; seed <= SEEDS; ++seed)); do
    "$TRAIN" mnist-cnn "$WORK/model.gguf" "$DATA_DIR/train-images-idx3-ubyte" "$DATA_DIR/train-labels-idx1-ubyte" \
        --recipe best --weight-decay 0 --epochs "$EPOCHS" --aug-off-epochs "$AUG_OFF" --seed "$seed" --threads "$THREADS" --eval-each-epoch \
        --eval-images "$DATA_DIR/t10k-images-idx3-ubyte" --eval-labels "$DATA_DIR/t10k-labels-idx1-ubyte" \
        >"$WORK/ours.log" 2>"$WORK/ours.err" || { cat "$WORK/ours.err" >&2; exit 1; }
    read -r e t < <(first_at_99 "$WORK/ours.log")
    echo "mnist.cpp seed $seed: 99.0 % after epoch $e, $t s"
    [ "$t" != "-" ] && ours+=("$t")

    # shellcheck disable=SC2086
    OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} "$PYTHON" "$ROOT/bench/time-to-99-torch.py" "$DATA_DIR" --seed "$seed" --epochs "$EPOCHS" --threads "$THREADS" \
        --aug-off-epochs "$AUG_OFF" --stop-at 99.0 $TORCH_ARGS >"$WORK/torch.log" || exit 1
    read -r e t < <(first_at_99 "$WORK/torch.log")
    echo "PyTorch   seed $seed: 99.0 % after epoch $e, $t s"
    [ "$t" != "-" ] && theirs+=("$t")
done

mo=$(printf '%s\n' "${ours[@]+"${ours[@]}"}" | grep . | median)
mt=$(printf '%s\n' "${theirs[@]+"${theirs[@]}"}" | grep . | median)
echo "median time to 99.0 %: mnist.cpp $mo s (${#ours[@]}/$SEEDS seeds reached it), PyTorch $mt s (${#theirs[@]}/$SEEDS)"
if [ "$mo" != "-" ] && [ "$mt" != "-" ]; then
    awk -v o="$mo" -v t="$mt" 'BEGIN { printf "PyTorch / mnist.cpp: %.2f\n", t / o }'
fi
