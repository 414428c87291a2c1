#!/usr/bin/env bash
# Bad input to mnist-train and mnist-eval: each case must exit non-zero with its message, leave
# no output file behind, and never crash. A few valid tiny runs check the happy path around them.
#
#   bad-input.sh MNIST_TRAIN MNIST_EVAL MNIST_MAKE_FIXTURES WORK_DIR

set -u
TRAIN=$1 EVAL=$2 MAKE_FIXTURES=$3 D=$4

. "$(dirname "${BASH_SOURCE[0]}")/expect.sh"
start_work_dir

T_ARGS=(--seed 1 --epochs 1 --batch-logical 10 --batch-physical 10 --val-split 0)
E_ARGS=(--seed 1 --batch-physical 10)

# mnist-train: data
expect_fail train-unknown-arch   "unknown architecture 'mnist-rnn'"       "$TRAIN" mnist-rnn "$OUT" "$D/images" "$D/labels" "${T_ARGS[@]}"
expect_fail train-missing-images "cannot open"                            "$TRAIN" mnist-fc "$OUT" "$D/nope" "$D/labels" "${T_ARGS[@]}"
expect_fail train-missing-labels "cannot open"                            "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/nope" "${T_ARGS[@]}"
expect_fail train-empty-file     "file too short"                         "$TRAIN" mnist-fc "$OUT" "$D/empty" "$D/labels" "${T_ARGS[@]}"
expect_fail train-bad-magic      "bad IDX magic"                          "$TRAIN" mnist-fc "$OUT" "$D/images-bad-magic" "$D/labels" "${T_ARGS[@]}"
expect_fail train-labels-magic   "bad IDX magic"                          "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/images" "${T_ARGS[@]}"
expect_fail train-truncated      "size mismatch"                          "$TRAIN" mnist-fc "$OUT" "$D/images-truncated" "$D/labels" "${T_ARGS[@]}"
expect_fail train-wrong-dims     "images are 32x32"                       "$TRAIN" mnist-fc "$OUT" "$D/images-wrong-dims" "$D/labels" "${T_ARGS[@]}"
expect_fail train-count-mismatch "image and label counts differ"          "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels-30" "${T_ARGS[@]}"
expect_fail train-label-range    "is not a digit 0-9"                     "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels-bad-value" "${T_ARGS[@]}"
expect_fail train-shard-multiple "must be a multiple of 10"               "$TRAIN" mnist-fc "$OUT" "$D/images-15" "$D/labels-15" "${T_ARGS[@]}"
expect_fail train-gz-truncated   "truncated gzip"                         "$TRAIN" mnist-fc "$OUT" "$D/images-gz-truncated.gz" "$D/labels" "${T_ARGS[@]}"
expect_fail train-gz-corrupt     "gzip"                                   "$TRAIN" mnist-fc "$OUT" "$D/images-gz-corrupt.gz" "$D/labels" "${T_ARGS[@]}"

# mnist-train: options and environment
expect_fail train-unknown-option "unknown option --bogus"                 "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --bogus 1
expect_fail train-missing-value  "option --epochs needs a value"          "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --epochs
expect_fail train-epochs-zero    "--epochs expects a positive integer"    "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --epochs 0
expect_fail train-epochs-text    "--epochs expects a positive integer"    "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --epochs abc
expect_fail train-seed-negative  "--seed expects"                         "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --seed -4
expect_fail train-init-unknown    "--init expects normal or glorot"        "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --init foo
expect_fail train-init-std-glorot "--init-std applies to --init normal"   "$TRAIN" mnist-cnn "$OUT" "$D/images" "$D/labels" --init glorot --init-std 0.1
expect_fail train-init-std-neg   "--init-std expects a positive number"   "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --init-std -1
expect_fail train-threads        "--threads expects"                      "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --threads 0
expect_fail train-val-split      "--val-split expects a number in [0, 1)" "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --val-split 1.5
expect_fail train-optimizer      "--optimizer expects adamw or sgd"       "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --optimizer lbfgs
expect_fail train-lr             "--lr expects a positive number"         "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --lr -1
expect_fail train-aug-rotate     "--aug-rotate: augmentation: rotate = 200 is outside [0, 180]" \
                                 "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --aug-rotate 200
expect_fail train-aug-translate  "--aug-translate: augmentation: translate = 15 is outside [0, 14]" \
                                 "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --augment --aug-translate 15
expect_fail train-aug-text       "--aug-scale expects a number"           "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --aug-scale x
expect_fail train-aug-unknown    "unknown option --aug-blur"              "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --aug-blur 1
expect_fail train-augment-value  "option --augment takes no value"        "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --augment=1
expect_fail train-eval-each      "--eval-each-epoch needs --eval-images"  "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --eval-each-epoch
expect_fail train-aug-off          "--aug-off-epochs expects a non-negative integer" \
                                 "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --augment --aug-off-epochs -1
expect_fail train-recipe         "--recipe expects best or default"       "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --recipe fastest
expect_fail train-batch-multiple "must be a positive multiple of the physical batch" \
                                 "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --batch-logical 30 --batch-physical 20
expect_fail train-batch-vs-data  "must be a multiple of the logical batch" "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels"
expect_fail train-val-too-large  "leaves no training batch" \
                                 "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --batch-logical 20 --batch-physical 10 --val-split 0.6
expect_fail train-backend        "backend NOPE not found, available"     "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" NOPE "${T_ARGS[@]}"
expect_fail train-output-dir     "output directory"                       "$TRAIN" mnist-fc "$D/no-such-dir/out.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}"
expect_fail train-positional     "usage: mnist-train"                     "$TRAIN" mnist-fc "$OUT" "$D/images"
expect_fail train-predictions    "--predictions needs --eval-images"      "$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" --predictions "$PRED"

# mnist-eval: model files
expect_fail eval-missing-model   "cannot open model file"                 "$EVAL" "$D/nope.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-not-gguf        "not a valid GGUF file"                  "$EVAL" "$D/model-not-gguf.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-wrong-arch      "unsupported architecture 'mnist-rnn'"   "$EVAL" "$D/model-wrong-arch.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-no-arch         "missing key general.architecture"       "$EVAL" "$D/model-no-arch.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-arch-mismatch   "tensor conv1.kernel is missing"         "$EVAL" "$D/model-arch-mismatch.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-missing-tensor  "tensor fc2.bias is missing"             "$EVAL" "$D/model-missing-tensor.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-wrong-type      "tensor fc1.bias has type f16"           "$EVAL" "$D/model-wrong-type.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-wrong-shape     "tensor fc1.weight has shape [784, 400, 1, 1], expected [784, 500, 1, 1]" \
                                 "$EVAL" "$D/model-wrong-shape.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-cnn-wrong-shape "tensor conv2.kernel has shape"          "$EVAL" "$D/model-cnn-wrong-shape.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-extra-tensor    "unexpected tensor fc3.weight"           "$EVAL" "$D/model-extra-tensor.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
expect_fail eval-predictions     "tensor fc2.bias is missing"             "$EVAL" "$D/model-missing-tensor.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}" --predictions "$PRED"
expect_fail eval-batch           "must be a multiple of the physical batch" "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels"
expect_fail eval-bad-labels      "is not a digit 0-9"                     "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels-bad-value" "${E_ARGS[@]}"
expect_fail eval-backend         "backend NOPE not found, available"      "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" NOPE "${E_ARGS[@]}"
expect_fail eval-train-option    "unknown option --epochs"                "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" --epochs 3

expect_ok train-help "$TRAIN" --help && { grep -q "usage: mnist-train" "$D/stdout" && ok || bad "train --help: no usage"; }
expect_ok eval-help  "$EVAL" --help  && { grep -q "usage: mnist-eval"  "$D/stdout" && ok || bad "eval --help: no usage"; }

# Zero weights give equal logits, so every prediction is 0: 2 of the 20 labels (10%), loss ln(10).
for arch in fc cnn; do
    if expect_ok "eval-zero-$arch" env -u NO_COLOR "$EVAL" "$D/model-$arch-zero.gguf" "$D/images.gz" "$D/labels.gz" "${E_ARGS[@]}" --predictions "$PRED"; then
        grep -qF "main: test_acc=10.00+-" "$D/stdout" && ok || { bad "eval-zero-$arch: accuracy"; cat "$D/stdout"; }
        grep -qF "main: test_loss=2.302585+-" "$D/stdout" && ok || { bad "eval-zero-$arch: loss"; cat "$D/stdout"; }
        grep -qF "main: predicted digit is 0" "$D/stdout" && ok || bad "eval-zero-$arch: predicted digit"
        grep -qE "^mnist_model_eval: model evaluation on 20 images took [0-9.]+ ms, [0-9.]+ us/image$" "$D/stdout" && ok || bad "eval-zero-$arch: timing line"
        grep -qE "^main: loaded model in [0-9.]+ ms$" "$D/stdout" && ok || bad "eval-zero-$arch: load line"
        # not a terminal: the digit is drawn with '#'/'_' and no escape sequences
        [ "$(grep -cE '^([#_] ){28}$' "$D/stdout")" = 28 ] && ok || bad "eval-zero-$arch: digit drawing"
        ! grep -q $'\033' "$D/stdout" && ok || bad "eval-zero-$arch: colour codes on a pipe"
        [ "$(grep -c '^0$' "$PRED")" = 20 ] && ok || bad "eval-zero-$arch: predictions file"
    fi
done

# On a terminal the digit is drawn with 24-bit colour, unless NO_COLOR is set ('script' gives a tty).
if command -v script >/dev/null 2>&1; then
    cmd=$(printf '%q ' "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}")
    script -qec "env -u NO_COLOR $cmd" /dev/null >"$D/tty-colour" 2>&1 </dev/null
    grep -q $'\033\[48;2;' "$D/tty-colour" && ok || bad "terminal: no 24-bit colour codes"
    script -qec "env NO_COLOR=1 $cmd" /dev/null >"$D/tty-plain" 2>&1 </dev/null
    ! grep -q $'\033\[48;2;' "$D/tty-plain" && grep -qE '^([#_] ){28}' "$D/tty-plain" && ok || bad "terminal with NO_COLOR: colour codes or no '#'/'_' drawing"
fi

# gzip and plain files give the same result
expect_ok eval-plain "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}" &&
    { grep -qF "main: test_acc=10.00+-" "$D/stdout" && ok || bad "eval-plain: accuracy"; }

# tiny training runs: a model comes out, the same seed gives the same bytes, another seed does not
for arch in mnist-fc mnist-cnn; do
    expect_ok "train-tiny-$arch-a" "$TRAIN" $arch "$D/$arch-a.gguf" "$D/images.gz" "$D/labels" "${T_ARGS[@]}" --seed 5
    expect_ok "train-tiny-$arch-b" "$TRAIN" $arch "$D/$arch-b.gguf" "$D/images" "$D/labels.gz" "${T_ARGS[@]}" --seed 5
    expect_ok "train-tiny-$arch-c" "$TRAIN" $arch "$D/$arch-c.gguf" "$D/images" "$D/labels" "${T_ARGS[@]}" --seed 6
    cmp -s "$D/$arch-a.gguf" "$D/$arch-b.gguf" && ok || bad "$arch: same seed, different model files"
    ! cmp -s "$D/$arch-a.gguf" "$D/$arch-c.gguf" && ok || bad "$arch: different seeds, same model file"
    expect_ok "eval-tiny-$arch" "$EVAL" "$D/$arch-a.gguf" "$D/images" "$D/labels" "${E_ARGS[@]}"
done

# augmented tiny runs: the transforms follow the seed, not the thread count (mnist-fc's training
# is itself thread-independent), and they change the model
A_ARGS=(--recipe best "${T_ARGS[@]}" --seed 5 --aug-elastic 2)
expect_ok train-aug-a "$TRAIN" mnist-fc "$D/aug-a.gguf" "$D/images" "$D/labels" "${A_ARGS[@]}" --threads 1
expect_ok train-aug-b "$TRAIN" mnist-fc "$D/aug-b.gguf" "$D/images" "$D/labels" "${A_ARGS[@]}" --threads 2
cmp -s "$D/aug-a.gguf" "$D/aug-b.gguf" && ok || bad "augmented mnist-fc: 1 and 2 threads gave different model files"
! cmp -s "$D/aug-a.gguf" "$D/mnist-fc-a.gguf" && ok || bad "augmented mnist-fc: the same model file as without augmentation"
# (--recipe best turns the CNN's augmentation off for its last 5 epochs: keep it on in this short run)
expect_ok train-aug-cnn "$TRAIN" mnist-cnn "$D/aug-cnn.gguf" "$D/images" "$D/labels" "${A_ARGS[@]}" --aug-off-epochs 0

# --recipe default after --recipe best is the seed's training again (the CNN's best recipe also
# drops the validation split): the same model file as without either
R_ARGS=(--seed 1 --epochs 1 --batch-logical 10 --batch-physical 10)
expect_ok train-recipe-plain "$TRAIN" mnist-cnn "$D/recipe-plain.gguf" "$D/images" "$D/labels" "${R_ARGS[@]}"
expect_ok train-recipe-reset "$TRAIN" mnist-cnn "$D/recipe-reset.gguf" "$D/images" "$D/labels" --recipe best --recipe default "${R_ARGS[@]}"
cmp -s "$D/recipe-plain.gguf" "$D/recipe-reset.gguf" && ok || bad "--recipe best --recipe default: not the default training"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
