#!/usr/bin/env bash
# MNIST speed of mnist.cpp against PyTorch + OpenBLAS on this machine, in one run:
#
#   bench/run-bench.sh            # writes bench/RESULTS.md and prints the same table
#
# Builds Release in build-bench/ (BUILD_DIR overrides), fetches MNIST with scripts/get-mnist.sh,
# trains FC and CNN with mnist-train and with bench/torch-bench.py (same model, N(0, 0.01) init,
# AdamW lr 1e-3, batch 1000, 5 % validation, 2 threads), evaluates both on the 10k test images and
# measures the peak memory of `mnist-train mnist-fc`.
#
# Seconds per epoch for mnist-train are the wall-time difference of two runs with the same seed
# that differ only in the number of epochs (FC: FC_EPOCHS vs 1, CNN: CNN_EPOCHS vs 1), so loading,
# graph building, evaluation and saving cancel out. PyTorch times its epochs in-process and
# reports the mean of those after the first. Every measurement is taken REPEAT times on both sides,
# alternating, and the table shows the medians (the spread is listed below it): on a small shared
# machine single runs vary by 10 % or more.
#
# Environment: THREADS (2), FC_EPOCHS (6), CNN_EPOCHS (3), REPEAT (5), BUILD_DIR, DATA_DIR,
# OUT (RESULTS.md).
# Needs python3-torch, libopenblas0-openmp and GNU time; installs them with apt-get when missing
# and running as root.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
DATA_DIR=${DATA_DIR:-$ROOT/data/MNIST/raw}
OUT=${OUT:-$ROOT/bench/RESULTS.md}
THREADS=${THREADS:-2}
FC_EPOCHS=${FC_EPOCHS:-6}
CNN_EPOCHS=${CNN_EPOCHS:-3}
REPEAT=${REPEAT:-5}
PYTHON=/usr/bin/python3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

log() { echo "run-bench: $*" >&2; }

if [ "$FC_EPOCHS" -lt 2 ] || [ "$CNN_EPOCHS" -lt 2 ]; then
    echo "run-bench: FC_EPOCHS and CNN_EPOCHS must be at least 2 (the epoch time is a difference of runs)" >&2
    exit 1
fi

# --- dependencies -------------------------------------------------------------------------------
missing=()
dpkg -s python3-torch >/dev/null 2>&1 || missing+=(python3-torch)
dpkg -s libopenblas0-openmp >/dev/null 2>&1 || missing+=(libopenblas0-openmp)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        log "installing ${missing[*]}"
        apt-get install -y --no-install-recommends "${missing[@]}" >&2
    else
        echo "run-bench: missing packages: ${missing[*]} (apt-get install them as root)" >&2
        exit 1
    fi
fi
# Without this, OpenBLAS may pick a generic kernel on CPUs it does not recognise.
if grep -qw avx512f /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=SkylakeX
fi

# --- build and data -----------------------------------------------------------------------------
log "building Release in $BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j2 --target mnist-train mnist-eval >/dev/null
BIN=$BUILD_DIR/bin
[ -x "$BIN/mnist-train" ] || BIN=$BUILD_DIR/examples/mnist
"$ROOT/scripts/get-mnist.sh" "$DATA_DIR" >&2

# PyTorch's side draws every parameter from N(0, 0.01); ask mnist-train for the same where it has
# a choice (older builds know only that initialisation).
INIT_ARGS=()
if "$BIN/mnist-train" --help 2>&1 | grep -q -- '--init-std'; then
    INIT_ARGS=(--init normal --init-std 0.01)
fi

TRAIN_IMAGES=$DATA_DIR/train-images-idx3-ubyte
TRAIN_LABELS=$DATA_DIR/train-labels-idx1-ubyte
TEST_IMAGES=$DATA_DIR/t10k-images-idx3-ubyte
TEST_LABELS=$DATA_DIR/t10k-labels-idx1-ubyte

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# Other processes on a small machine distort every timing here. Before each timed run, wait (up
# to QUIET_WAIT seconds) for a second in which the CPUs are at least 85 % idle; the busy share
# seen when each run started goes into the report.
QUIET_WAIT=${QUIET_WAIT:-120}
BUSY_SEEN=()
cpu_busy_percent() { # over one second, from /proc/stat
    local a b
    a=($(head -n1 /proc/stat)); sleep 1; b=($(head -n1 /proc/stat))
    local total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    local idle=$(( (b[4] - a[4]) + (b[5] - a[5]) ))
    echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
wait_for_quiet() {
    local waited=0 busy
    busy=$(cpu_busy_percent)
    while [ "$busy" -gt 15 ] && [ "$waited" -lt "$QUIET_WAIT" ]; do
        sleep 4; waited=$((waited + 5))
        busy=$(cpu_busy_percent)
    done
    [ "$busy" -gt 15 ] && log "machine still ${busy}% busy after ${QUIET_WAIT}s; timing anyway"
    BUSY_SEEN+=("$busy")
}

# --- mnist.cpp ----------------------------------------------------------------------------------
# run_train ARCH EPOCHS TAG: runs mnist-train under GNU time; leaves $WORK/TAG.{log,time,wall}.
run_train() {
    local arch=$1 epochs=$2 tag=$3 t0 t1
    wait_for_quiet
    log "mnist-train $arch, $epochs epochs"
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$WORK/$tag.time" "$BIN/mnist-train" "$arch" "$WORK/$tag.gguf" "$TRAIN_IMAGES" "$TRAIN_LABELS" \
        --epochs "$epochs" --seed 1 --threads "$THREADS" "${INIT_ARGS[@]}" --eval-images "$TEST_IMAGES" --eval-labels "$TEST_LABELS" \
        >"$WORK/$tag.log" 2>&1 || { cat "$WORK/$tag.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.4f\n", $2 - $1}' >"$WORK/$tag.wall"
}
wall_of()     { cat "$WORK/$1.wall"; }
rss_mb_of()   { awk -F: '/Maximum resident set size/ {printf "%.1f\n", $2 / 1024}' "$WORK/$1.time"; }
eval_us_of()  { sed -n 's/.*took .* ms, \([0-9.]*\) us\/image.*/\1/p' "$WORK/$1.log" | tail -n1; }
test_acc_of() { sed -n 's/.*eval_acc=\([0-9.]*\).*/\1/p' "$WORK/$1.log" | tail -n1; }

# median VALUES...: the middle value (the mean of the two middle ones for an even count)
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.4g", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
epoch_of() { # TAG1 TAGN N: seconds per epoch from a 1-epoch and an N-epoch run
    awk -v a="$(wall_of "$2")" -v b="$(wall_of "$1")" -v n="$3" 'BEGIN {printf "%.4f\n", (a - b) / (n - 1)}'
}

# --- PyTorch ------------------------------------------------------------------------------------
# run_torch ARCH EPOCHS TAG: leaves the RESULT line's fields in $WORK/TAG.result.
run_torch() {
    local arch=$1 epochs=$2 tag=$3
    wait_for_quiet
    log "PyTorch $arch, $epochs epochs"
    "$PYTHON" "$ROOT/bench/torch-bench.py" "$arch" "$DATA_DIR" --epochs "$epochs" --threads "$THREADS" \
        >"$WORK/$tag.log" 2>&1 || { cat "$WORK/$tag.log" >&2; exit 1; }
    grep '^RESULT ' "$WORK/$tag.log" | tail -n1 >"$WORK/$tag.result"
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$WORK/$1.result"; }

# Both sides, REPEAT rounds; each round runs every measurement once.
CPP_FC_EPOCHS=(); CPP_CNN_EPOCHS=(); CPP_FC_EVALS=(); CPP_CNN_EVALS=(); CPP_FC_RSSS=()
PT_FC_EPOCHS=(); PT_CNN_EPOCHS=(); PT_FC_EVALS=(); PT_CNN_EVALS=()
for r in $(seq 1 "$REPEAT"); do
    log "round $r of $REPEAT"
    run_train mnist-fc 1 "fc1_$r"
    run_train mnist-fc "$FC_EPOCHS" "fcN_$r"
    run_train mnist-cnn 1 "cnn1_$r"
    run_train mnist-cnn "$CNN_EPOCHS" "cnnN_$r"
    run_torch mnist-fc "$FC_EPOCHS" "tfc_$r"
    run_torch mnist-cnn "$CNN_EPOCHS" "tcnn_$r"
    CPP_FC_EPOCHS+=("$(epoch_of "fc1_$r" "fcN_$r" "$FC_EPOCHS")")
    CPP_CNN_EPOCHS+=("$(epoch_of "cnn1_$r" "cnnN_$r" "$CNN_EPOCHS")")
    CPP_FC_EVALS+=("$(eval_us_of "fcN_$r")")
    CPP_CNN_EVALS+=("$(eval_us_of "cnnN_$r")")
    CPP_FC_RSSS+=("$(rss_mb_of "fcN_$r")")
    PT_FC_EPOCHS+=("$(field "tfc_$r" epoch_s)")
    PT_CNN_EPOCHS+=("$(field "tcnn_$r" epoch_s)")
    PT_FC_EVALS+=("$(field "tfc_$r" eval_us)")
    PT_CNN_EVALS+=("$(field "tcnn_$r" eval_us)")
done
CPP_FC_EPOCH=$(median "${CPP_FC_EPOCHS[@]}")
CPP_CNN_EPOCH=$(median "${CPP_CNN_EPOCHS[@]}")
CPP_FC_EVAL=$(median "${CPP_FC_EVALS[@]}")
CPP_CNN_EVAL=$(median "${CPP_CNN_EVALS[@]}")
CPP_FC_RSS=$(printf '%s\n' "${CPP_FC_RSSS[@]}" | sort -g | tail -n1) # the largest: a peak is a bound
CPP_FC_ACC=$(test_acc_of fcN_1)
CPP_CNN_ACC=$(test_acc_of cnnN_1)
PT_FC_EPOCH=$(median "${PT_FC_EPOCHS[@]}")
PT_CNN_EPOCH=$(median "${PT_CNN_EPOCHS[@]}")
PT_FC_EVAL=$(median "${PT_FC_EVALS[@]}")
PT_CNN_EVAL=$(median "${PT_CNN_EVALS[@]}")
PT_FC_ACC=$(field tfc_1 test_acc)
PT_FC_RSS=$(field tfc_1 peak_rss_mb)
PT_CNN_ACC=$(field tcnn_1 test_acc)

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -------------------------------------------------------------------------------------
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
CPU_COUNT=$(grep -c '^processor' /proc/cpuinfo)
ISA=$(grep -m1 '^flags' /proc/cpuinfo | grep -ow -e avx512f -e avx2 -e fma | sort -u | tr '\n' ' ' | sed 's/ $//')
TORCH_VERSION=$("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo '?')
OPENBLAS_VERSION=$(dpkg-query -W -f '${Version}' libopenblas0-openmp 2>/dev/null || echo '?')
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' + local changes' || true)

# row NAME PYTORCH MNISTCPP MAX_RATIO UNIT: ratio = mnist.cpp / PyTorch, lower is better.
row() {
    awk -v name="$1" -v pt="$2" -v cpp="$3" -v tgt="$4" -v unit="$5" 'BEGIN {
        r = cpp / pt
        printf "| %s | %s %s | %s %s | %.3f× | ≤ %s× | %s |\n", name, pt, unit, cpp, unit, r, tgt, (r <= tgt ? "yes" : "no")
    }'
}

# Notes written by hand below this line of RESULTS.md survive a regeneration.
NOTES_MARKER='<!-- notes below are kept when run-bench.sh regenerates this file -->'
NOTES=""
if [ -f "$OUT" ] && grep -qF -- "$NOTES_MARKER" "$OUT"; then
    NOTES=$(sed -n "/$NOTES_MARKER/,\$p" "$OUT")
fi

{
    echo "# MNIST benchmark: mnist.cpp against PyTorch"
    echo
    echo "Generated by \`bench/run-bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT$DIRTY."
    echo
    echo "- CPU: $CPU_MODEL, $CPU_COUNT logical CPUs ($ISA), $THREADS threads for both sides"
    echo "- PyTorch $TORCH_VERSION (Debian python3-torch) with libopenblas0-openmp $OPENBLAS_VERSION,"
    echo "  OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
    echo "- load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER; CPU busy (%) in the second"
    echo "  before each of the $((6 * REPEAT)) timed runs: ${BUSY_SEEN[*]}"
    echo "- batch 1000 (mnist-train: one physical batch for FC, 10 of 100 for CNN), AdamW lr 1e-3, 5 % validation each epoch;"
    echo "  FC epoch time over $((FC_EPOCHS - 1)) epoch(s), CNN over $((CNN_EPOCHS - 1)); evaluation on the 10 000 test images;"
    echo "  medians of $REPEAT rounds (each round measures both sides once)"
    echo
    echo "| figure | PyTorch | mnist.cpp | ratio | target | met |"
    echo "|---|---|---|---|---|---|"
    row "FC training, s/epoch" "$PT_FC_EPOCH" "$CPP_FC_EPOCH" 0.75 s
    row "FC evaluation, µs/image" "$PT_FC_EVAL" "$CPP_FC_EVAL" 1.0 µs
    row "CNN training, s/epoch" "$PT_CNN_EPOCH" "$CPP_CNN_EPOCH" 0.25 s
    row "CNN evaluation, µs/image" "$PT_CNN_EVAL" "$CPP_CNN_EVAL" 0.25 µs
    awk -v cpp="$CPP_FC_RSS" -v pt="$PT_FC_RSS" 'BEGIN {
        printf "| peak RSS, `mnist-train mnist-fc` | %s MB (python process) | %s MB | — | ≤ 220 MB | %s |\n", pt, cpp, (cpp <= 220 ? "yes" : "no")
    }'
    echo
    echo "Test accuracy after these short runs (a sanity check, not a target): FC $CPP_FC_ACC % (mnist.cpp) /"
    echo "$PT_FC_ACC % (PyTorch), CNN $CPP_CNN_ACC % / $PT_CNN_ACC %."
    echo
    echo "Every round (mnist.cpp / PyTorch):"
    echo
    echo "- FC training, s/epoch: ${CPP_FC_EPOCHS[*]} / ${PT_FC_EPOCHS[*]}"
    echo "- FC evaluation, µs/image: ${CPP_FC_EVALS[*]} / ${PT_FC_EVALS[*]}"
    echo "- CNN training, s/epoch: ${CPP_CNN_EPOCHS[*]} / ${PT_CNN_EPOCHS[*]}"
    echo "- CNN evaluation, µs/image: ${CPP_CNN_EVALS[*]} / ${PT_CNN_EVALS[*]}"
    echo "- peak RSS of mnist-train mnist-fc, MB: ${CPP_FC_RSSS[*]}"
    if [ -n "$NOTES" ]; then
        echo
        echo "$NOTES"
    fi
} >"$OUT.tmp"
mv -f "$OUT.tmp" "$OUT"

cat "$OUT"
