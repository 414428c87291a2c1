#!/usr/bin/python3
"""PyTorch CUDA peer of the Vulkan backend in scripts/gpu-check.sh: the same MNIST model, optimizer
and batch as mnist-train (AdamW lr 1e-3, logical batch 1000, 5 % held out), trained on the GPU.

    /usr/bin/python3 bench/torch-cuda-bench.py mnist-fc DATA_DIR --epochs 5

Last line: RESULT epoch_s=<mean seconds of the epochs after the first> eval_ms=<ms for the test
set> test_acc=<percent> device=<name>
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "mnist"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import mnist_data  # noqa: E402
import mnist_torch  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("arch", choices=mnist_torch.ARCHS)
    p.add_argument("data_dir")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if not torch.cuda.is_available():
        print("error: no CUDA device", file=sys.stderr)
        sys.exit(1)
    dev = torch.device("cuda")
    mnist_torch.seed_everything(args.seed)
    tr_i, tr_l, te_i, te_l = mnist_data.load_train_test(args.data_dir)
    x = torch.from_numpy(mnist_data.images_to_float(tr_i)).to(dev)
    y = torch.from_numpy(tr_l.astype(np.int64)).to(dev)
    xt = torch.from_numpy(mnist_data.images_to_float(te_i)).to(dev)
    yt = torch.from_numpy(te_l.astype(np.int64)).to(dev)
    n_train = int(len(x) * 0.95) // 1000 * 1000
    model = mnist_torch.build_model(args.arch).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    times = []
    for epoch in range(args.epochs):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        perm = torch.randperm(n_train, device=dev)
        for b in range(0, n_train, 1000):
            idx = perm[b:b + 1000]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        print(f"epoch {epoch}: {times[-1]:.4f} s", flush=True)
    with torch.no_grad():
        model(xt[:1000])
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        acc = (model(xt).argmax(1) == yt).float().mean().item()
        torch.cuda.synchronize()
        eval_ms = (time.perf_counter() - t0) * 1e3
    epoch_s = sum(times[1:]) / len(times[1:]) if len(times) > 1 else times[0]
    print(f"RESULT epoch_s={epoch_s:.4f} eval_ms={eval_ms:.3f} test_acc={100 * acc:.2f} "
          f"device={torch.cuda.get_device_name(0).replace(' ', '_')}")


if __name__ == "__main__":
    main()
