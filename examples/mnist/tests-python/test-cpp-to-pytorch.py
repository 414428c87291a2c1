"""A model trained by mnist-train (one short epoch) loads in PyTorch, whose logits on 1,000 test
images match the C++ logits within 1e-4 absolute; and the Python GGUF writer, given the keys and
tensors read from mnist-train's file, writes the same bytes.

    test-cpp-to-pytorch.py ARCH MNIST_TRAIN MNIST_PYTHON_HELPER WORK_DIR        ARCH: fc or cnn
"""

import os
import struct
import sys

import parity_common as pc

NTEST = 1000
NTRAIN = {"fc": 20000, "cnn": 10000}
TOLERANCE = 1e-4


def write_idx_subset(images, labels, n, work):
    """The first n images and labels as plain IDX files."""
    img_path, lbl_path = os.path.join(work, "train-images-subset"), os.path.join(work, "train-labels-subset")
    with open(img_path, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28))
        f.write(images[:n].tobytes())
    with open(lbl_path, "wb") as f:
        f.write(struct.pack(">II", 0x801, n))
        f.write(labels[:n].tobytes())
    return img_path, lbl_path


def main():
    arch, mnist_train, helper, work = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    pc.require_torch()
    import numpy as np
    import torch

    import gguf
    import mnist_data
    import mnist_torch

    torch.set_num_threads(2)
    work = pc.fresh_dir(os.path.join(work, f"cpp-to-pytorch-{arch}"))
    files, dataset = pc.mnist_files(os.path.dirname(work))
    print(f"data set: {dataset}")
    train_images, train_labels, test_images, _ = files
    checks = pc.Checks()

    img_path, lbl_path = write_idx_subset(mnist_data.load_images(train_images), mnist_data.load_labels(train_labels),
                                          NTRAIN[arch], work)
    model_path = os.path.join(work, f"mnist-{arch}.gguf")
    # A raised learning rate gets logits well away from the default initialisation in a few steps, so
    # that the comparison below is not between near-zero numbers.
    rc, _ = pc.run([mnist_train, f"mnist-{arch}", model_path, img_path, lbl_path, "--epochs", "1", "--seed", "1",
                    "--lr", "0.01"],
                   os.path.join(work, "train.log"))
    if not checks.check(rc == 0, f"mnist-train mnist-{arch} exits 0"):
        checks.finish()

    logits_path = os.path.join(work, "logits-cpp.f32")
    rc, _ = pc.run([helper, "logits", model_path, test_images, NTEST, logits_path], os.path.join(work, "logits.log"))
    if not checks.check(rc == 0, "the C++ side computes logits"):
        checks.finish()
    logits_cpp = np.fromfile(logits_path, dtype="<f4").reshape(NTEST, 10)

    try:
        loaded_arch, model = mnist_torch.load_gguf(model_path)
    except gguf.GGUFError as e:
        checks.check(False, f"PyTorch loads the model: {e}")
        checks.finish()
    checks.check(loaded_arch == f"mnist-{arch}", f"architecture read back: {loaded_arch}")

    x = torch.from_numpy(mnist_data.images_to_float(mnist_data.load_images(test_images)[:NTEST]))
    model.eval()
    with torch.no_grad():
        logits_py = model(x).numpy()
    diff = np.abs(logits_py.astype(np.float64) - logits_cpp)
    worst = np.unravel_index(np.argmax(diff), diff.shape)
    print(f"logits range [{logits_py.min():.3f}, {logits_py.max():.3f}]; largest difference {diff.max():.3g} "
          f"at image {worst[0]}, class {worst[1]}")
    checks.check(np.isfinite(logits_cpp).all() and diff.max() <= TOLERANCE,
                 f"PyTorch and C++ logits on {NTEST} test images agree within {TOLERANCE}")
    # A model whose logits barely depend on the input would pass trivially: make sure it learnt.
    checks.check(np.std(logits_py) > 0.3, f"the logits vary between images and classes (std {np.std(logits_py):.3f})")

    # The C++ writer's file, read and written again by the Python module, byte for byte.
    original = open(model_path, "rb").read()
    rewritten = gguf.writer_from(gguf.read_bytes(original)).to_bytes()
    checks.check(rewritten == original, f"Python rewrites mnist-train's GGUF byte-identically ({len(original)} bytes)")
    # And the PyTorch model's own export is the same file again.
    exported = mnist_torch.to_gguf_writer(model, loaded_arch).to_bytes()
    checks.check(exported == original, "exporting the loaded PyTorch model gives the same bytes")
    checks.finish()


if __name__ == "__main__":
    main()
