#!/usr/bin/python3
"""mnist-cnn trained by PyTorch with the recipe of `mnist-train --recipe best`, for bench/time-to-99.sh.

    bench/time-to-99-torch.py DATA_DIR --seed S [--epochs N] [--threads T] [--lr F] [--batch N] [--schedule constant|cosine] [--warmup STEPS]
                              [--translate PX] [--rotate DEG] [--scale F] [--shear DEG]
                              [--val-split F] [--aug-off-epochs N]

The same model (examples/mnist/mnist_torch.py), Glorot-uniform weights and zero biases (mnist-cnn's
default), AdamW, --batch images per step (default 1000), --val-split held out (default 5 %), and the same augmentation: per
image a rotation, scale, horizontal shear and shift drawn uniformly from the ranges, applied with
bilinear sampling and zeros outside (affine_grid / grid_sample, pixel centres aligned), new
draws every epoch, none in the last --aug-off-epochs epochs. After every epoch it evaluates the 10k test images and prints
    epoch N: eval_acc=XX.XX% t=SECONDS
counting from the start of the program (imports and data loading included).
"""

import time

T_START = time.time()

import argparse  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "mnist"))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import mnist_data  # noqa: E402
import mnist_torch  # noqa: E402


def augment(x, gen, translate, rotate, scale, shear):
    """x: (N, 784) in [0, 1]; returns the batch with a random transform per image."""
    n = x.shape[0]

    def uniform(r):
        return (torch.rand(n, generator=gen, dtype=torch.float64) * 2 - 1) * r

    return transform(x, uniform(rotate), 1 + uniform(scale), uniform(shear), uniform(translate), uniform(translate))


def transform(x, angle, s, shear, tx, ty):
    """The transform of include/ggml-opt-augment.h, one set of float64 parameters (N,) per image."""
    n = x.shape[0]
    a = angle * math.pi / 180
    h = torch.tan(shear * math.pi / 180)
    # forward map M = R(a) H(h) S(s), R = [[cos, sin], [-sin, cos]] with y pointing down
    m00, m01 = torch.cos(a) * s, (torch.cos(a) * h + torch.sin(a)) * s
    m10, m11 = -torch.sin(a) * s, (-torch.sin(a) * h + torch.cos(a)) * s
    det = m00 * m11 - m01 * m10
    i00, i01, i10, i11 = m11 / det, -m01 / det, -m10 / det, m00 / det
    c = (mnist_torch.MNIST_HW - 1) / 2.0
    # normalised coordinates u = (p - c) / c: u_in = M^-1 u_out - M^-1 t / c
    theta = torch.stack([
        torch.stack([i00, i01, -(i00 * tx + i01 * ty) / c], 1),
        torch.stack([i10, i11, -(i10 * tx + i11 * ty) / c], 1)], 1).float()
    img = x.reshape(n, 1, mnist_torch.MNIST_HW, mnist_torch.MNIST_HW)
    grid = F.affine_grid(theta, img.shape, align_corners=True)
    return F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=True).reshape(n, -1)


def glorot(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=1000, help="images per optimizer step")
    ap.add_argument("--schedule", choices=("constant", "cosine"), default="constant")
    ap.add_argument("--warmup", type=int, default=0, help="optimizer steps of linear warmup to --lr")
    ap.add_argument("--translate", type=float, default=0.0)
    ap.add_argument("--rotate", type=float, default=0.0)
    ap.add_argument("--scale", type=float, default=0.0)
    ap.add_argument("--shear", type=float, default=0.0)
    ap.add_argument("--val-split", type=float, default=0.05, help="fraction held out (mnist-train's --val-split)")
    ap.add_argument("--aug-off-epochs", type=int, default=0, help="no augmentation in the last N epochs")
    ap.add_argument("--stop-at", type=float, default=101.0, help="stop once the test accuracy reaches this (%%)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    mnist_torch.seed_everything(args.seed)
    x, y, x_test, y_test = mnist_data.load_train_test(args.data_dir)
    x = torch.as_tensor(mnist_data.images_to_float(x))
    y = torch.as_tensor(y.astype("int64"))
    x_test = mnist_data.images_to_float(x_test)
    y_test = y_test.astype("int64")

    model = mnist_torch.build_model("mnist-cnn")
    glorot(model)
    gen = torch.Generator().manual_seed(args.seed)
    batch = args.batch
    perm = torch.randperm(len(x), generator=gen)
    ntrain = int(math.floor((1.0 - args.val_split) * (len(x) // batch) + 1e-6)) * batch
    x_train, y_train = x[perm[:ntrain]], y[perm[:ntrain]]
    steps_total = args.epochs * (ntrain // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    augmenting = args.translate > 0 or args.rotate > 0 or args.scale > 0 or args.shear > 0

    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(ntrain, generator=gen)
        for i in range(0, ntrain, batch):
            # ggml_opt_lr_schedule_value: linear warmup, then the cosine over the remaining steps
            if step < args.warmup:
                lr = args.lr * (step + 1) / args.warmup
            elif args.schedule == "cosine":
                span = steps_total - args.warmup
                t = min(1.0, (step - args.warmup) / span) if span > 0 else 1.0
                lr = args.lr * 0.5 * (1 + math.cos(math.pi * t))
            else:
                lr = args.lr
            for g in opt.param_groups:
                g["lr"] = lr
            idx = order[i:i + batch]
            xb = x_train[idx]
            if augmenting and epoch <= args.epochs - args.aug_off_epochs:
                xb = augment(xb, gen, args.translate, args.rotate, args.scale, args.shear)
            loss = F.cross_entropy(model(xb), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
        acc = 100.0 * mnist_torch.evaluate(model, x_test, y_test)["accuracy"]
        print(f"epoch {epoch}: eval_acc={acc:.2f}% t={time.time() - T_START:.3f} s", flush=True)
        if acc >= args.stop_at:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
