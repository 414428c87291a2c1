"""Shared pieces of the Python parity tests: skipping, data, subprocesses, pass/fail counting."""

import os
import shutil
import subprocess
import sys

SKIP = 77  # ctest SKIP_RETURN_CODE

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST_DIR = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(MNIST_DIR))
sys.path.insert(0, MNIST_DIR)


def require_torch():
    """Exits with the skip code, saying why, when PyTorch (or numpy) cannot be imported."""
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        print(f"SKIPPED: {sys.executable} cannot import PyTorch ({e}); install python3-torch")
        sys.exit(SKIP)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
            print(f"ok: {what}")
        else:
            self.failed += 1
            print(f"FAIL: {what}")
        return ok

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def run(cmd, log_path=None):
    """Runs cmd, returning (exit code, stdout); output is also kept in log_path."""
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    p = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log_path:
        with open(log_path, "w") as f:
            f.write(p.stdout)
    if p.returncode != 0:
        print(p.stdout[-4000:])
    return p.returncode, p.stdout


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def mnist_files(work_dir):
    """(images and labels of train and test, data set name) via scripts/get-mnist.sh, with
    Debian's Fashion-MNIST standing in when MNIST cannot be had; exits with the skip code when
    neither is available. Parity does not depend on which data set it is."""
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    data = os.path.join(work_dir, "data")
    rc, out = run(["bash", os.path.join(ROOT, "scripts", "get-mnist.sh"), data])
    if rc == 0:
        return [os.path.join(data, n) for n in names], "MNIST"
    fm = "/usr/share/datasets/fashion-mnist"
    found = []
    for n in names:
        cands = [p for p in (os.path.join(fm, n), os.path.join(fm, n + ".gz")) if os.path.isfile(p)]
        if not cands:
            print("SKIPPED: neither MNIST nor Fashion-MNIST is available")
            sys.exit(SKIP)
        found.append(cands[0])
    return found, "Fashion-MNIST"


def data_dir_of(files):
    """A directory holding the four files under their usual names (links where needed)."""
    d = os.path.dirname(files[0])
    if all(os.path.dirname(f) == d for f in files):
        return d
    raise RuntimeError("data files are spread over several directories")
