#!/usr/bin/env bash
# SIGINT, SIGTERM and SIGKILL at each stage of mnist-train and mnist-eval, on tiny data:
#   - during training (a real signal from outside, sent once the run has printed its third epoch;
#     the run is far too long to end first): exit 130, the checkpoint written and named, how to
#     resume printed, the existing output untouched, no temporary file left;
#   - during a save (signal-at-rename.so, preloaded, sends the signals from inside rename(), when
#     the temporary file is complete and not yet in place):
#       one signal during the final save: the save finishes, exit 130, the model complete;
#       a second signal: the process ends at once, the temporary files are removed, the existing
#       files untouched (model, predictions, checkpoint);
#       SIGKILL: the temporary file stays (nothing can remove it), and the next run removes it.
#
#   signals.sh MNIST_TRAIN MNIST_EVAL MNIST_MAKE_FIXTURES SIGNAL_AT_RENAME_SO WORK_DIR

set -u
TRAIN=$1 EVAL=$2 MAKE_FIXTURES=$3 SHIM=$4 D=$5

rm -rf "$D" && mkdir -p "$D" || exit 1
"$MAKE_FIXTURES" "$D" || { echo "fixture generation failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

T_ARGS=(--seed 1 --batch-logical 10 --batch-physical 10 --val-split 0)
echo "previous model" >"$D/original"
echo "previous predictions" >"$D/original-pred"
echo "previous checkpoint" >"$D/original-ckpt"
fresh() { # the outputs as a user would have them before the run
    rm -f "$D/out.gguf" "$D/out.gguf.ckpt" "$D/p.txt" "$D/ck"
    cp "$D/original" "$D/out.gguf"
}
no_temps() { # NAME: no temporary file of any output left in $D
    local left; left=$(ls -A "$D" | grep '\.tmp\.' || true)
    [ -z "$left" ] && ok || bad "$1: temporary files left: $left"
}
unchanged() { # NAME FILE ORIGINAL
    cmp -s "$2" "$3" && ok || bad "$1: $(basename "$2") changed or lost"
}

# train_until_epoch3 SIGNAL ARGS...: starts a run of a million epochs, waits until it has printed
# its third epoch's line, sends SIGNAL; sets rc, the run's stderr in $D/stderr.
train_until_epoch3() {
    local sig=$1; shift
    rm -f "$D/fifo" && mkfifo "$D/fifo"
    "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --epochs 1000000 "$@" >/dev/null 2>"$D/fifo" &
    local pid=$!
    exec 4<"$D/fifo" # kept open to the end: the run must never write to a FIFO without a reader
    : >"$D/stderr"
    while IFS= read -r line <&4; do
        printf '%s\n' "$line" >>"$D/stderr"
        case $line in *"epoch 0003/"*) break ;; esac
    done
    kill "-$sig" "$pid"
    cat <&4 >>"$D/stderr" # until the run ends
    exec 4<&-
    wait "$pid"
    rc=$?
}

# --- a signal during training ------------------------------------------------------------------
for sig in INT TERM; do
    fresh
    train_until_epoch3 $sig
    name="SIG$sig during training"
    [ $rc -eq 130 ] && ok || { bad "$name: exit $rc, expected 130"; tail -n 5 "$D/stderr"; }
    grep -q "stopped by SIG$sig; the training state is saved in $D/out.gguf.ckpt" "$D/stderr" && ok ||
        { bad "$name: the checkpoint is not named"; tail -n 5 "$D/stderr"; }
    grep -q -- "--resume $D/out.gguf.ckpt" "$D/stderr" && ok || bad "$name: no resume hint"
    [ -s "$D/out.gguf.ckpt" ] && ok || bad "$name: no checkpoint"
    unchanged "$name" "$D/out.gguf" "$D/original"
    no_temps "$name"
done

# with --checkpoint: the checkpoint goes there, and the run resumes from it
fresh
train_until_epoch3 INT --checkpoint "$D/ck"
[ $rc -eq 130 ] && [ -s "$D/ck" ] && [ ! -e "$D/out.gguf.ckpt" ] && ok || bad "SIGINT with --checkpoint: exit $rc or no checkpoint"
grep -q -- "--resume $D/ck" "$D/stderr" && ok || bad "SIGINT with --checkpoint: no resume hint"
no_temps "SIGINT with --checkpoint"
e=$(sed -n 's/.*epoch \([0-9]*\)\/1000000.*/\1/p' "$D/stderr" | tail -n 1)
"$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --epochs $((10#$e + 1)) --resume "$D/ck" \
    >/dev/null 2>"$D/resume.log"
rc=$?
[ $rc -eq 0 ] && ! cmp -s "$D/out.gguf" "$D/original" && ok || { bad "resume after SIGINT: exit $rc"; tail -n 3 "$D/resume.log"; }

# --- signals during a save ----------------------------------------------------------------------
# at_rename SUFFIX SIGNALS CMD...: runs CMD with the signals sent at the rename to *SUFFIX; sets rc
at_rename() {
    local suffix=$1 signals=$2; shift 2
    SIGNAL_AT_RENAME="$suffix" SIGNAL_AT_RENAME_SIGNALS="$signals" LD_PRELOAD="$SHIM" "$@" >"$D/stdout" 2>"$D/stderr"
    rc=$?
}
EVAL_OUT=(--eval-images "$D/images" --eval-labels "$D/labels" --predictions "$D/p.txt")

# one signal during the final save: the save completes (model and predictions), then exit 130
fresh
at_rename /out.gguf 2 "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --epochs 1 "${EVAL_OUT[@]}"
[ $rc -eq 130 ] && ok || { bad "SIGINT during the final save: exit $rc, expected 130"; cat "$D/stderr"; }
grep -q "stopped by SIGINT after the training; the model in $D/out.gguf is complete" "$D/stderr" && ok ||
    { bad "SIGINT during the final save: no message"; tail -n 3 "$D/stderr"; }
"$EVAL" "$D/out.gguf" "$D/images" "$D/labels" --batch-physical 10 >/dev/null 2>&1 && ok || bad "SIGINT during the final save: the model does not load"
[ "$(wc -l <"$D/p.txt")" = 20 ] && ok || bad "SIGINT during the final save: the predictions are missing"
no_temps "SIGINT during the final save"

# a second signal during the final save: ends at once; model and predictions as they were
fresh
cp "$D/original-pred" "$D/p.txt"
at_rename /out.gguf 15,2 "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --epochs 1 "${EVAL_OUT[@]}"
[ $rc -eq 130 ] && ! grep -q "model saved" "$D/stderr" && ok || { bad "second signal during the final save: exit $rc"; cat "$D/stderr"; }
unchanged "second signal during the final save" "$D/out.gguf" "$D/original"
unchanged "second signal during the final save" "$D/p.txt" "$D/original-pred"
no_temps "second signal during the final save"

# a second signal during a checkpoint's save: the previous checkpoint stays
fresh
cp "$D/original-ckpt" "$D/ck"
at_rename /ck 2,2 "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --epochs 3 --checkpoint "$D/ck"
[ $rc -eq 130 ] && ok || { bad "second signal during a checkpoint: exit $rc"; cat "$D/stderr"; }
unchanged "second signal during a checkpoint" "$D/ck" "$D/original-ckpt"
unchanged "second signal during a checkpoint" "$D/out.gguf" "$D/original"
no_temps "second signal during a checkpoint"

# mnist-eval: a signal while the predictions are saved removes the temporary file
cp "$D/original-pred" "$D/p.txt"
at_rename /p.txt 2 "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" --batch-physical 10 --predictions "$D/p.txt"
[ $rc -eq 130 ] && ok || { bad "mnist-eval, SIGINT during the save: exit $rc"; cat "$D/stderr"; }
unchanged "mnist-eval, SIGINT during the save" "$D/p.txt" "$D/original-pred"
no_temps "mnist-eval, SIGINT during the save"

# SIGKILL during a save leaves its temporary file; the next run recognises it and removes it
fresh
at_rename /out.gguf 9 "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --epochs 1
left=$(ls -A "$D" | grep '^\.out\.gguf\.tmp\.[0-9]*\.[0-9a-f]*$' || true)
[ $rc -eq 137 ] && [ -n "$left" ] && ok || bad "SIGKILL during the save: exit $rc, temporary file '$left'"
unchanged "SIGKILL during the save" "$D/out.gguf" "$D/original"
"$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --epochs 1 >/dev/null 2>"$D/stderr"
rc=$?
[ $rc -eq 0 ] && ! cmp -s "$D/out.gguf" "$D/original" && ok || { bad "the run after SIGKILL: exit $rc"; cat "$D/stderr"; }
no_temps "the run after SIGKILL"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
