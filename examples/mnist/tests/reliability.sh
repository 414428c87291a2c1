#!/usr/bin/env bash
# Hostile and careless use of mnist-train and mnist-eval: bounded memory on gzip bombs and endless
# streams, outputs that never lose or clobber a file, one-line escaped errors, stdout write errors.
#
#   reliability.sh MNIST_TRAIN MNIST_EVAL MNIST_MAKE_FIXTURES WORK_DIR

set -u
TRAIN=$1 EVAL=$2 MAKE_FIXTURES=$3 D=$4

rm -rf "$D" && mkdir -p "$D" || exit 1
"$MAKE_FIXTURES" "$D" || { echo "fixture generation failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# 600 MB of address space: far more than these tiny runs need, far less than the hostile files ask for.
MEM_KB=600000
T_ARGS=(--seed 1 --epochs 1 --batch-logical 10 --batch-physical 10 --val-split 0)
E_ARGS=(--seed 1 --batch-physical 10)

# run NAME CMD...: runs under the memory limit (and a time limit: an endless read must not hang
# the suite), stdout and stderr to files; sets rc.
run() {
    local name=$1; shift
    ( ulimit -v $MEM_KB; exec timeout 120 "$@" ) >"$D/stdout" 2>"$D/stderr"
    rc=$?
}

# expect_error NAME MESSAGE CMD...: exit 1, exactly one error line (progress lines aside) containing
# MESSAGE, followed by nothing, and no ESC byte on stderr.
expect_error() {
    local name=$1 msg=$2; shift 2
    run "$name" "$@"
    if [ $rc -ne 1 ]; then
        bad "$name: exit code $rc (expected 1)"; head -c 600 "$D/stderr"; echo
    elif [ "$(grep -c '^error: ' "$D/stderr")" -ne 1 ] || ! tail -n 1 "$D/stderr" | grep -q '^error: '; then
        bad "$name: stderr is not one line"; head -c 600 "$D/stderr" | cat -A; echo
    elif grep -q $'\033' "$D/stderr"; then
        bad "$name: raw escape byte on stderr"
    elif ! tail -n 1 "$D/stderr" | grep -qF -- "$msg"; then
        bad "$name: stderr lacks '$msg'"; cat "$D/stderr"
    else
        ok
    fi
}

# --- bounded memory --------------------------------------------------------------------------
# Gzip members concatenated make one stream (zlib reads them in turn): 16 MiB of zeros compress
# to 16 KB, and a header member followed by N of those is a bomb of N*16 MiB made in no time.
head -c 16M /dev/zero | gzip -1 >"$D/zeros16.gz"
bomb() { # HEADER_HEX_ESCAPES N OUT
    printf "$1" | gzip -1 >"$3"
    for _ in $(seq "$2"); do cat "$D/zeros16.gz"; done >>"$3"
}
bomb '\x00\x00\x08\x01\x00\x00\x00\x0a' 32 "$D/labels-bomb.gz"                                 # 10 labels, 512 MiB
bomb '\x00\x00\x08\x03\x00\x00\x00\x14\x00\x00\x00\x1c\x00\x00\x00\x1c' 32 "$D/images-bomb.gz" # 20 images, 512 MiB
bomb '\x00\x00\x08\x03\x00\x0f\x42\x40\x00\x00\x00\x1c\x00\x00\x00\x1c' 48 "$D/images-huge.gz" # 10^6 images, present

expect_error train-labels-bomb "size mismatch"  "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels-bomb.gz" "${T_ARGS[@]}"
expect_error eval-labels-bomb  "size mismatch"  "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels-bomb.gz" "${E_ARGS[@]}"
expect_error eval-images-bomb  "size mismatch"  "$EVAL" "$D/model-fc-zero.gguf" "$D/images-bomb.gz" "$D/labels" "${E_ARGS[@]}"
expect_error train-images-bomb "size mismatch"  "$TRAIN" mnist-fc "$D/out.gguf" "$D/images-bomb.gz" "$D/labels" "${T_ARGS[@]}"
expect_error train-labels-endless "size mismatch" "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" <(cat "$D/labels" /dev/zero) "${T_ARGS[@]}"
expect_error eval-images-endless  "size mismatch" "$EVAL" "$D/model-fc-zero.gguf" <(cat "$D/images" /dev/zero) "$D/labels" "${E_ARGS[@]}"
expect_error eval-out-of-memory   "out of memory" "$EVAL" "$D/model-fc-zero.gguf" "$D/images-huge.gz" "$D/labels" "${E_ARGS[@]}"
expect_error eval-batch-vs-data   "must be a multiple of the physical batch" \
                                  "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" --batch-physical 16777216
rm -f "$D/labels-bomb.gz" "$D/images-bomb.gz" "$D/images-huge.gz" "$D/zeros16.gz"
[ ! -e "$D/out.gguf" ] && ok || bad "a failed run left out.gguf"

# --- outputs ---------------------------------------------------------------------------------
# a failed --predictions must not cost the existing model: refused before training
cp "$D/model-fc-zero.gguf" "$D/keep.gguf"
expect_error train-pred-dir "output directory" "$TRAIN" mnist-fc "$D/keep.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" \
             --eval-images "$D/images" --eval-labels "$D/labels" --predictions "$D/nonexistent/p.txt"
cmp -s "$D/keep.gguf" "$D/model-fc-zero.gguf" && ok || bad "train-pred-dir: keep.gguf lost or changed"

# fixed temp names are gone: an existing p.txt.tmp and a planted symlink q.txt.tmp survive
echo "mine" >"$D/p.txt.tmp"
echo "victim" >"$D/victim.txt"
ln -s victim.txt "$D/q.txt.tmp"
run eval-pred-tmp "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}" --predictions "$D/p.txt"
[ $rc -eq 0 ] && [ "$(cat "$D/p.txt.tmp")" = mine ] && ok || bad "eval-pred-tmp: rc $rc or p.txt.tmp overwritten"
run eval-pred-symlink-tmp "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}" --predictions "$D/q.txt"
[ $rc -eq 0 ] && [ "$(cat "$D/victim.txt")" = victim ] && [ -L "$D/q.txt.tmp" ] && ok || bad "eval-pred-symlink-tmp: victim.txt overwritten"
[ "$(grep -c '^0$' "$D/q.txt")" = 20 ] && ok || bad "eval-pred-symlink-tmp: predictions missing"

# outputs that are not regular files, equal an input, or equal each other
mkfifo "$D/fifo"
expect_error train-out-fifo "not a regular file" "$TRAIN" mnist-fc "$D/fifo" "$D/images" "$D/labels" "${T_ARGS[@]}"
[ -p "$D/fifo" ] && ok || bad "train-out-fifo: the FIFO was replaced"
cp "$D/images" "$D/images-copy"
expect_error train-out-is-input "is also an input" "$TRAIN" mnist-fc "$D/images-copy" "$D/images-copy" "$D/labels" "${T_ARGS[@]}"
cmp -s "$D/images" "$D/images-copy" && ok || bad "train-out-is-input: the input was overwritten"
ln "$D/images-copy" "$D/images-link"
expect_error train-out-hardlink "is also an input" "$TRAIN" mnist-fc "$D/images-link" "$D/images-copy" "$D/labels" "${T_ARGS[@]}"
expect_error train-pred-is-model "two different outputs" "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" \
             --eval-images "$D/images" --eval-labels "$D/labels" --predictions "$D/out.gguf"
expect_error train-pred-is-model2 "two different outputs" "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" \
             --eval-images "$D/images" --eval-labels "$D/labels" --predictions "$D/./out.gguf"
cp "$D/labels" "$D/labels-copy"
expect_error eval-pred-is-labels "is also an input" "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels-copy" "${E_ARGS[@]}" \
             --predictions "$D/labels-copy"
cmp -s "$D/labels" "$D/labels-copy" && ok || bad "eval-pred-is-labels: the labels were overwritten"
expect_error eval-pred-is-model "is also an input" "$EVAL" "$D/keep.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}" --predictions "$D/keep.gguf"

# the checkpoint resumed from is an input of the other outputs (by inode: a hard link is caught too)
run train-ckpt "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --checkpoint "$D/c.ckpt"
cp "$D/c.ckpt" "$D/c-copy.ckpt"
expect_error train-pred-is-resume "is also an input" "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" \
             --epochs 2 --eval-images "$D/images" --eval-labels "$D/labels" --predictions "$D/c.ckpt" --resume "$D/c.ckpt"
ln "$D/c.ckpt" "$D/c-link.gguf"
expect_error train-out-is-resume "is also an input" "$TRAIN" mnist-fc "$D/c-link.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" \
             --epochs 2 --resume "$D/c.ckpt"
expect_error train-log-is-resume "is also an input" "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" \
             --epochs 2 --log "$D/./c.ckpt" --resume "$D/c.ckpt"
cmp -s "$D/c.ckpt" "$D/c-copy.ckpt" && ok || bad "train-*-is-resume: the checkpoint was overwritten"
run train-resume-into-checkpoint "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" \
    --epochs 2 --checkpoint "$D/c.ckpt" --resume "$D/c.ckpt"
[ $rc -eq 0 ] && ! cmp -s "$D/c.ckpt" "$D/c-copy.ckpt" && ok || bad "train-resume-into-checkpoint: rc $rc or checkpoint not updated"
rm -f "$D/c.ckpt" "$D/c-copy.ckpt" "$D/c-link.gguf" "$D/out.gguf"

# symlinked outputs are refused (documented); a replaced file keeps its mode
echo "target" >"$D/target.gguf"
ln -s target.gguf "$D/link.gguf"
expect_error train-out-symlink "symbolic link" "$TRAIN" mnist-fc "$D/link.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}"
[ -L "$D/link.gguf" ] && [ "$(cat "$D/target.gguf")" = target ] && ok || bad "train-out-symlink: link or target changed"
cp "$D/model-fc-zero.gguf" "$D/mode.gguf" && chmod 600 "$D/mode.gguf"
run train-keep-mode "$TRAIN" mnist-fc "$D/mode.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}"
[ $rc -eq 0 ] && [ "$(stat -c %a "$D/mode.gguf")" = 600 ] && ! cmp -s "$D/mode.gguf" "$D/model-fc-zero.gguf" && ok ||
    bad "train-keep-mode: rc $rc, mode $(stat -c %a "$D/mode.gguf")"

# a temp left by a killed run (dead PID) is removed by the next run; a live process's is kept
sleep 600 & live=$!
echo stale >"$D/.out.gguf.tmp.2147483646.0badf00d"
echo live >"$D/.out.gguf.tmp.$live.0badf00d"
run train-stale-temps "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}"
[ $rc -eq 0 ] && [ ! -e "$D/.out.gguf.tmp.2147483646.0badf00d" ] && [ -e "$D/.out.gguf.tmp.$live.0badf00d" ] && ok ||
    bad "train-stale-temps: rc $rc, stale temp kept or live temp removed"
kill $live; wait $live 2>/dev/null
rm -f "$D/.out.gguf.tmp."*
leftover=$(ls -A "$D" | grep '\.tmp\.' || true)
[ -z "$leftover" ] && ok || bad "temporary files left behind: $leftover"

# results lost on a full stdout are an error
if [ -w /dev/full ]; then
    ( "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}" >/dev/full 2>"$D/stderr" ); rc=$?
    [ $rc -eq 1 ] && grep -qF "standard output" "$D/stderr" && ok || bad "eval >/dev/full: exit code $rc"
fi

# non-finite initial weights: an error, no model
rm -f "$D/out.gguf"
expect_error train-init-std-huge "non-finite" "$TRAIN" mnist-fc "$D/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --init-std 1e300
[ ! -e "$D/out.gguf" ] && ok || bad "train-init-std-huge: a model was saved"

# --- one-line, escaped errors ----------------------------------------------------------------
expect_error eval-arch-forged  "unsupported architecture 'x\\nmain: test_acc=99.99+-0.01%\\x1b[2J'" \
                               "$EVAL" "$D/model-arch-forged.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_error eval-tensor-forged "unexpected tensor fc3\\n\\x1b[31mforged" \
                               "$EVAL" "$D/model-tensor-forged.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_error eval-arch-nul     "NUL byte" "$EVAL" "$D/model-arch-nul.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_error eval-path-newline "cannot open" "$EVAL" "$D/model-fc-zero.gguf" "$D/no"$'\n'"error: forged" "$D/labels" "${E_ARGS[@]}"
head -c 40 "$D/model-fc-zero.gguf" >"$D/model-truncated.gguf"
expect_error eval-gguf-truncated "not a valid GGUF file (gguf:" "$EVAL" "$D/model-truncated.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
