#!/usr/bin/env bash
# Bad conditions for the Vulkan backend, as for bad-input.sh: non-zero exit with one clear
# message, no crash, no output file. No Vulkan driver (the loader is pointed at none) makes
# Vulkan0 unknown; CGML_VK_MEMORY_LIMIT (bytes) runs the device out of memory at each point a
# run allocates: the weights, the optimizer's persistent tensors, the graphs; CGML_VK_BREAK_SHADER
# hands the driver a corrupted shader, which must be named when the backend starts. Skipped
# (exit 77) where no Vulkan0 device exists.
#
#   vulkan-bad-input.sh MNIST_TRAIN MNIST_EVAL MNIST_MAKE_FIXTURES WORK_DIR

set -u
TRAIN=$1 EVAL=$2 MAKE_FIXTURES=$3 D=$4

. "$(dirname "${BASH_SOURCE[0]}")/expect.sh"
start_work_dir

"$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" NOPE >/dev/null 2>"$D/devices"
if ! grep -q "^  - Vulkan0 " "$D/devices"; then
    echo "no Vulkan0 device: skipped"
    exit 77
fi

T_ARGS=(--seed 1 --epochs 1 --batch-logical 10 --batch-physical 10 --val-split 0)
E_ARGS=(--batch-physical 10)
TRAIN_FC=("$TRAIN" mnist-fc "$OUT" "$D/images" "$D/labels" Vulkan0 "${T_ARGS[@]}")
NO_DRIVER=(env VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json)

# no driver: Vulkan0 is not registered; the list of devices shows what there is
expect_fail vk-no-driver-train "backend Vulkan0 not found, available"  "${NO_DRIVER[@]}" "${TRAIN_FC[@]}"
grep -q "^  - CPU " "$D/stderr" && ok || bad "vk-no-driver-train: the CPU is not listed"
! grep -q "Vulkan0 (" "$D/stderr" && ok || bad "vk-no-driver-train: Vulkan0 listed without a driver"
expect_fail vk-no-driver-eval  "backend Vulkan0 not found, available"  "${NO_DRIVER[@]}" "$EVAL" "$D/model-fc-zero.gguf" "$D/images" "$D/labels" Vulkan0 "${E_ARGS[@]}"

# out of device memory. mnist-fc with a batch of 10 needs about 1.6 MB of weights, 3.1 MB of
# gradient accumulators and AdamW moments and 1.6 MB for the optimizer graph; mnist-cnn's
# evaluation about 0.1 MB of weights and 0.5 MB for the forward graph.
expect_fail vk-oom-weights-train    "failed to allocate the model weights on Vulkan0" env CGML_VK_MEMORY_LIMIT=1 "${TRAIN_FC[@]}"
expect_fail vk-oom-persistent-train "error: out of memory on Vulkan0" env CGML_VK_MEMORY_LIMIT=2000000 "${TRAIN_FC[@]}"
grep -q "persistent tensors" "$D/stderr" && ok || bad "vk-oom-persistent-train: the cause is not named"
expect_fail vk-oom-graph-train      "error: out of memory on Vulkan0" env CGML_VK_MEMORY_LIMIT=5500000 "${TRAIN_FC[@]}"
grep -q "could not allocate the optimizer graph" "$D/stderr" && ok || bad "vk-oom-graph-train: the cause is not named"
expect_fail vk-oom-weights-eval     "failed to allocate the model weights on Vulkan0" \
                                    env CGML_VK_MEMORY_LIMIT=1 "$EVAL" "$D/model-cnn-zero.gguf" "$D/images" "$D/labels" Vulkan0 "${E_ARGS[@]}"
expect_fail vk-oom-graph-eval       "error: out of memory on Vulkan0" \
                                    env CGML_VK_MEMORY_LIMIT=200000 "$EVAL" "$D/model-cnn-zero.gguf" "$D/images" "$D/labels" Vulkan0 "${E_ARGS[@]}"
grep -q "could not allocate the forward graph" "$D/stderr" && ok || bad "vk-oom-graph-eval: the cause is not named"
# with room enough the same runs work
expect_ok vk-limit-enough-train env CGML_VK_MEMORY_LIMIT=20000000 "$TRAIN" mnist-fc "$D/fc-vk.gguf" "$D/images" "$D/labels" Vulkan0 "${T_ARGS[@]}"
expect_ok vk-limit-enough-eval  env CGML_VK_MEMORY_LIMIT=2000000 "$EVAL" "$D/model-cnn-zero.gguf" "$D/images" "$D/labels" Vulkan0 "${E_ARGS[@]}"

# a shader whose pipeline cannot be built: named at backend initialisation, before any work
for shader in mul_mat conv_2d opt_step; do
    expect_fail "vk-broken-$shader-train" "cannot build the compute pipeline of shader '$shader'" \
                env CGML_VK_BREAK_SHADER=$shader "${TRAIN_FC[@]}"
    grep -q "failed to initialise backend Vulkan0" "$D/stderr" && ok || bad "vk-broken-$shader-train: not reported at initialisation"
done
expect_fail vk-broken-eval "cannot build the compute pipeline of shader 'pool'" \
            env CGML_VK_BREAK_SHADER=pool "$EVAL" "$D/model-cnn-zero.gguf" "$D/images" "$D/labels" Vulkan0 "${E_ARGS[@]}"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
