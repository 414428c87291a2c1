#!/usr/bin/python3
"""Loss, accuracy and learning-rate curves of a training run.

    scripts/plot-training.py LOG.jsonl OUT.png|OUT.svg

LOG.jsonl is mnist-train's --log: one JSON object per epoch with epoch, train/val loss and
accuracy (each with its standard error, *_unc), lr and seconds. Needs matplotlib
(Debian: python3-matplotlib).
"""
import json
import math
import sys


def load(path):
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"error: {path}:{n}: not a JSON line: {e}")
    if not rows:
        sys.exit(f"error: {path}: no epochs in the log")
    for key in ("epoch", "train_loss", "train_acc", "lr"):
        if key not in rows[0]:
            sys.exit(f"error: {path}: key '{key}' missing (not an mnist-train --log file?)")
    return rows


def series(rows, key, scale=1.0):
    vals = [r.get(key) for r in rows]
    return [math.nan if v is None else v * scale for v in vals]


def band(ax, x, y, unc, label, color):
    ax.plot(x, y, marker="o", ms=3, label=label, color=color)
    lo = [a - b if not (math.isnan(a) or math.isnan(b)) else math.nan for a, b in zip(y, unc)]
    hi = [a + b if not (math.isnan(a) or math.isnan(b)) else math.nan for a, b in zip(y, unc)]
    ax.fill_between(x, lo, hi, color=color, alpha=0.25, linewidth=0)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot-training.py LOG.jsonl OUT.png|OUT.svg")
    log_path, out_path = sys.argv[1], sys.argv[2]
    rows = load(log_path)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("error: matplotlib is missing (Debian: apt-get install python3-matplotlib)")

    x = series(rows, "epoch")
    fig, (ax_loss, ax_acc, ax_lr) = plt.subplots(1, 3, figsize=(14, 4.2))
    band(ax_loss, x, series(rows, "train_loss"), series(rows, "train_loss_unc"), "train", "tab:blue")
    if any(not math.isnan(v) for v in series(rows, "val_loss")):
        band(ax_loss, x, series(rows, "val_loss"), series(rows, "val_loss_unc"), "validation", "tab:orange")
    ax_loss.set_yscale("log")
    ax_loss.set_title("cross-entropy loss")
    band(ax_acc, x, series(rows, "train_acc", 100), series(rows, "train_acc_unc", 100), "train", "tab:blue")
    if any(not math.isnan(v) for v in series(rows, "val_acc")):
        band(ax_acc, x, series(rows, "val_acc", 100), series(rows, "val_acc_unc", 100), "validation", "tab:orange")
    ax_acc.set_title("accuracy (%)")
    ax_lr.plot(x, series(rows, "lr"), marker="o", ms=3, color="tab:green")
    ax_lr.set_title("learning rate at the epoch's last step")
    for ax in (ax_loss, ax_acc, ax_lr):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    ax_loss.legend()
    ax_acc.legend()
    total = sum(r.get("seconds") or 0 for r in rows)
    fig.suptitle(f"{log_path}: {len(rows)} epochs, {total:.0f} s")
    fig.tight_layout()
    tmp = out_path + ".tmp" + ("." + out_path.rsplit(".", 1)[-1] if "." in out_path else "")
    try:
        fig.savefig(tmp, dpi=110)
        import os
        os.replace(tmp, out_path)
    except Exception as e:
        try:
            import os
            os.remove(tmp)
        except OSError:
            pass
        sys.exit(f"error: {out_path}: {e}")


if __name__ == "__main__":
    main()
