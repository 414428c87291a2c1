# The checks shared by the bad-input scripts. The caller sets D (its work directory) and
# MAKE_FIXTURES, then calls start_work_dir.

# A fresh $D holding the fixtures; OUT and PRED are output paths that must not appear.
start_work_dir() {
    rm -rf "$D" && mkdir -p "$D" || exit 1
    "$MAKE_FIXTURES" "$D" || { echo "fixture generation failed"; echo "0 passed, 1 failed"; exit 1; }
    passed=0 failed=0
    : >"$D/stdout"; : >"$D/stderr"
    OUT="$D/out.gguf"
    PRED="$D/pred.txt"
}

ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect_fail NAME MESSAGE CMD...: non-zero exit (not a signal), MESSAGE on stderr, no output files.
expect_fail() {
    local name=$1 msg=$2; shift 2
    rm -f "$OUT" "$PRED"
    local before; before=$(ls -A "$D")
    "$@" >"$D/stdout" 2>"$D/stderr"
    local rc=$?
    if [ $rc -eq 0 ]; then
        bad "$name: exited 0"
    elif [ $rc -ge 128 ]; then
        bad "$name: crashed with exit code $rc"; cat "$D/stderr"
    elif ! grep -qF -- "$msg" "$D/stderr"; then
        bad "$name: stderr lacks '$msg'"; cat "$D/stderr"
    elif [ "$(ls -A "$D")" != "$before" ]; then
        bad "$name: left an output file behind"
    else
        ok
    fi
}

# expect_ok NAME CMD...: exit 0.
expect_ok() {
    local name=$1; shift
    "$@" >"$D/stdout" 2>"$D/stderr"
    local rc=$?
    if [ $rc -ne 0 ]; then
        bad "$name: exit code $rc"; cat "$D/stderr"
        return 1
    fi
    ok
}

