#!/usr/bin/python3
"""PyTorch side of bench/run-bench.sh: trains one MNIST model as mnist-train does and times it.

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/torch-bench.py mnist-fc DATA_DIR --epochs 3

Same model as mnist-train (examples/mnist/mnist_torch.py), every parameter drawn from N(0, 0.01),
AdamW (lr 1e-3, betas 0.9/0.999, eps 1e-8, no weight decay), logical batch 1000, 5 % of the data
held out and evaluated after every epoch, 2 threads. The last lines are machine-readable:

    RESULT epoch_s=<mean seconds of the epochs after the first> eval_us=<us/image on the test set>
           test_acc=<percent> peak_rss_mb=<MB>
"""

import argparse
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "mnist"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mnist_data  # noqa: E402
import mnist_torch  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("arch", choices=mnist_torch.ARCHS)
    p.add_argument("data_dir")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    mnist_torch.seed_everything(args.seed)

    train_images, train_labels, test_images, test_labels = mnist_data.load_train_test(args.data_dir)
    x_train = torch.from_numpy(mnist_data.images_to_float(train_images))
    y_train = torch.from_numpy(train_labels.astype(np.int64))
    x_test = torch.from_numpy(mnist_data.images_to_float(test_images))
    y_test = torch.from_numpy(test_labels.astype(np.int64))

    model = mnist_torch.build_model(args.arch)
    with torch.no_grad():
        for prm in model.parameters():
            prm.normal_(0.0, 0.01)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}", flush=True)
    times = []
    mnist_torch.train(model, x_train, y_train, args.epochs, batch_size=1000, lr=1e-3, val_split=0.05,
                      seed=args.seed, log=lambda s: print(s, flush=True), epoch_times=times)
    epoch_s = sum(times[1:]) / len(times[1:]) if len(times) > 1 else times[0]

    mnist_torch.evaluate(model, x_test[:500], y_test[:500])  # warm-up, as the timed pass must not pay it
    t0 = time.perf_counter()
    r = mnist_torch.evaluate(model, x_test, y_test)
    eval_us = (time.perf_counter() - t0) * 1e6 / len(x_test)

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"RESULT epoch_s={epoch_s:.4f} eval_us={eval_us:.3f} test_acc={100.0 * r['accuracy']:.2f} "
          f"peak_rss_mb={peak_rss_mb:.1f}")


if __name__ == "__main__":
    main()
