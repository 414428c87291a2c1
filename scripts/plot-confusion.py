#!/usr/bin/python3
"""Confusion matrix and a grid of misclassified test digits from a --predictions file.

    scripts/plot-confusion.py PREDICTIONS TEST_IMAGES TEST_LABELS OUT.png|OUT.svg

PREDICTIONS is the file written by mnist-eval/mnist-train --predictions (one digit per line, in
the order of the test set); the IDX files may be plain or gzip-compressed. The grid shows up to
4 misclassified digits of each confusion (true -> predicted), the most frequent first, 48 in all.
Needs matplotlib (Debian: python3-matplotlib).
"""
import collections
import gzip
import os
import struct
import sys


def read_idx(path, magic):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 8 or struct.unpack(">I", data[:4])[0] != magic:
        sys.exit(f"error: {path}: not an IDX file of the expected kind")
    n = struct.unpack(">I", data[4:8])[0]
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        if (rows, cols) != (28, 28) or len(data) < 16 + n * 784:
            sys.exit(f"error: {path}: expected {n} images of 28x28")
        return [data[16 + i * 784:16 + (i + 1) * 784] for i in range(n)]
    if len(data) < 8 + n:
        sys.exit(f"error: {path}: truncated")
    return list(data[8:8 + n])


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: plot-confusion.py PREDICTIONS TEST_IMAGES TEST_LABELS OUT.png|OUT.svg")
    pred_path, img_path, lbl_path, out_path = sys.argv[1:]
    images = read_idx(img_path, 0x803)
    labels = read_idx(lbl_path, 0x801)
    try:
        with open(pred_path) as f:
            pred = [int(line) for line in f if line.strip()]
    except ValueError:
        sys.exit(f"error: {pred_path}: expected one digit per line")
    if len(pred) != len(labels) or len(images) != len(labels):
        sys.exit(f"error: {len(pred)} predictions for {len(labels)} labels and {len(images)} images")
    if any(p < 0 or p > 9 for p in pred):
        sys.exit(f"error: {pred_path}: predictions must be digits 0-9")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
    except ImportError:
        sys.exit("error: matplotlib is missing (Debian: apt-get install python3-matplotlib)")

    cm = np.zeros((10, 10), dtype=np.int64)
    for t, p in zip(labels, pred):
        cm[t, p] += 1
    correct = int(np.trace(cm))
    pairs = collections.Counter((t, p) for t, p in zip(labels, pred) if t != p)
    # up to 4 examples of each confusion, the most frequent confusions first
    wrong = []
    for (t, p), _ in pairs.most_common():
        wrong += [i for i in range(len(labels)) if labels[i] == t and pred[i] == p][:4]
    wrong = wrong[:48]

    fig = plt.figure(figsize=(15, 6.5))
    ax = fig.add_axes([0.03, 0.08, 0.36, 0.82])
    off = cm.astype(float).copy()
    np.fill_diagonal(off, np.nan)
    ax.imshow(off, cmap="Reds")
    for t in range(10):
        for p in range(10):
            if cm[t, p]:
                ax.text(p, t, str(cm[t, p]), ha="center", va="center", fontsize=8,
                        color="tab:green" if t == p else ("white" if cm[t, p] > 0.6 * np.nanmax(off) else "black"), fontweight="bold" if t == p else "normal")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"confusion matrix: {correct}/{len(labels)} correct ({100.0 * correct / len(labels):.2f}%)")

    ncols, nrows = 8, 6
    for k, i in enumerate(wrong):
        sub = fig.add_axes([0.43 + (k % ncols) * 0.07, 0.78 - (k // ncols) * 0.145, 0.06, 0.12])
        sub.imshow(np.frombuffer(images[i], dtype=np.uint8).reshape(28, 28), cmap="gray_r")
        sub.set_xticks([])
        sub.set_yticks([])
        sub.set_title(f"#{i}: {labels[i]}\u2192{pred[i]}", fontsize=7)
    fig.text(0.70, 0.95, f"misclassified digits (true\u2192predicted), most frequent confusions first; {len(labels) - correct} in all",
             ha="center", fontsize=11)
    ext = os.path.splitext(out_path)[1]
    tmp = f"{out_path}.tmp.{os.getpid()}{ext}"
    try:
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, out_path)
    except Exception as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        sys.exit(f"error: {out_path}: {e}")


if __name__ == "__main__":
    main()
