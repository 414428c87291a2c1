"""A model trained by PyTorch, evaluated by mnist-eval, gives PyTorch's test accuracy (to 0.01%)
and PyTorch's predicted digit on every test image whose two largest logits differ by more than
1e-4 (closer calls may go either way in float32).

    test-pytorch-to-cpp.py ARCH MNIST_EVAL WORK_DIR        ARCH: fc or cnn
"""

import os
import re
import sys

import parity_common as pc

MARGIN = 1e-4


def main():
    arch, mnist_eval, work = sys.argv[1], sys.argv[2], sys.argv[3]
    pc.require_torch()
    import mnist_data

    work = pc.fresh_dir(os.path.join(work, f"pytorch-to-cpp-{arch}"))
    files, dataset = pc.mnist_files(os.path.dirname(work))
    print(f"data set: {dataset}")
    train_images, train_labels, test_images, test_labels = files
    checks = pc.Checks()

    # Few images and one epoch at a raised learning rate: parity needs a model well away from its
    # initialisation, not a good one, and the test stays fast.
    model = os.path.join(work, f"mnist-{arch}.gguf")
    pred_py = os.path.join(work, "pred-pytorch.txt")
    limit = "10000" if arch == "fc" else "5000"
    rc, out = pc.run([sys.executable, os.path.join(pc.MNIST_DIR, f"mnist-train-{arch}.py"), model, pc.data_dir_of(files),
                      "--epochs", "1", "--seed", "1", "--train-limit", limit, "--lr", "0.01", "--val-split", "0", "--predictions", pred_py],
                     os.path.join(work, "train.log"))
    print(out)
    if not checks.check(rc == 0, f"mnist-train-{arch}.py exits 0"):
        checks.finish()
    m = re.search(r"Test loss: (\S+)\+-(\S+), Test accuracy: ([0-9.]+)\+-([0-9.]+)%", out)
    checks.check(m is not None, "PyTorch prints 'Test loss: L+-U, Test accuracy: A+-U%'")
    checks.check(re.search(r"Training took [0-9.]+ s", out) is not None, "PyTorch prints the training time")

    pred_cpp = os.path.join(work, "pred-mnist-eval.txt")
    rc, out_eval = pc.run([mnist_eval, model, test_images, test_labels, "--seed", "1", "--predictions", pred_cpp],
                          os.path.join(work, "eval.log"))
    print(out_eval)
    if not checks.check(rc == 0, "mnist-eval loads the PyTorch model and exits 0"):
        checks.finish()
    m_eval = re.search(r"test_acc=([0-9.]+)\+-([0-9.]+)%", out_eval)
    checks.check(m_eval is not None, "mnist-eval prints test_acc")
    m_loss = re.search(r"test_loss=([0-9.]+)\+-([0-9.]+)", out_eval)
    if m and m_loss:
        # both average the same 500-image batch losses; float32 rounding differs slightly
        loss_py, loss_cpp = float(m.group(1)), float(m_loss.group(1))
        checks.check(abs(loss_py - loss_cpp) <= 1e-4 * max(1.0, loss_py),
                     f"test loss: PyTorch {loss_py:.6f}, mnist-eval {loss_cpp:.6f}")
    if m and m_eval:
        acc_py, acc_cpp = float(m.group(3)), float(m_eval.group(1))
        checks.check(abs(acc_py - acc_cpp) <= 0.01 + 1e-9,
                     f"test accuracy: PyTorch {acc_py:.2f}%, mnist-eval {acc_cpp:.2f}% (must agree to 0.01%)")

    labels = mnist_data.load_labels(test_labels)
    py = [line.split() for line in open(pred_py)]
    digits_py = [int(p[0]) for p in py]
    margins = [float(p[1]) for p in py]
    digits_cpp = [int(line) for line in open(pred_cpp)]
    if not checks.check(len(digits_py) == len(labels) == len(digits_cpp),
                        f"one prediction per test image ({len(digits_py)} PyTorch, {len(digits_cpp)} mnist-eval, {len(labels)} images)"):
        checks.finish()
    correct_py = sum(int(d == l) for d, l in zip(digits_py, labels))
    correct_cpp = sum(int(d == l) for d, l in zip(digits_cpp, labels))
    print(f"correct: PyTorch {correct_py}, mnist-eval {correct_cpp} of {len(labels)}")

    clear = [i for i in range(len(labels)) if margins[i] > MARGIN]
    differ = [i for i in clear if digits_py[i] != digits_cpp[i]]
    for i in differ[:10]:
        print(f"  image {i}: PyTorch {digits_py[i]} (gap {margins[i]:.3g}), mnist-eval {digits_cpp[i]}")
    checks.check(not differ, f"same digit on all {len(clear)} images with a top-two gap > {MARGIN} "
                             f"({len(labels) - len(clear)} closer calls not compared); {len(differ)} differ")
    checks.finish()


if __name__ == "__main__":
    main()
