"""The MNIST models of mnist-train in PyTorch: definitions, GGUF export/import, training, evaluation.

    model = mnist_torch.build_model("mnist-cnn")
    mnist_torch.train(model, x_train, y_train, epochs=10, batch_size=1000, lr=1e-3, val_split=0.05, seed=1)
    result = mnist_torch.evaluate(model, x_test, y_test)     # logits, per-batch losses, accuracy
    mnist_torch.save_gguf(model, "mnist-cnn", "model.gguf")
    arch, model = mnist_torch.load_gguf("model.gguf")

Images are float32 rows of 784 pixels in [0, 1] (row-major 28x28), as in the C++ dataset.

Tensor layouts. ggml lists dimensions innermost first (ne), PyTorch outermost first, so a PyTorch
tensor of shape (a, b, c, d) holds exactly the bytes of a ggml tensor with ne (d, c, b, a):
- fc*.weight (out, in) is ggml ne (in, out); conv*.kernel (cout, cin, 3, 3) is ne (3, 3, cin, cout),
  both computing the same cross-correlation; conv*.bias (c,) is stored as ne (1, 1, c).
- Before its dense layer the ggml CNN permutes the pooled [7, 7, 16, N] tensor (ne: x, y, channel,
  image) to [16, 7, 7, N], channels innermost, and flattens it: input k = c + 16*(x + 7*y). The
  PyTorch model therefore flattens (N, 16, 7, 7) as (N, 7, 7, 16), channels last, and dense.weight
  (10, 784) then matches ggml's (784, 10) element for element.
"""

import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import gguf

MNIST_HW = 28
MNIST_NINPUT = MNIST_HW * MNIST_HW
MNIST_NCLASSES = 10
MNIST_NHIDDEN = 500
MNIST_CNN_NCB = 8
MNIST_NBATCH_PHYSICAL = 500

ARCHS = ("mnist-fc", "mnist-cnn")


class MnistFC(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(MNIST_NINPUT, MNIST_NHIDDEN)
        self.fc2 = nn.Linear(MNIST_NHIDDEN, MNIST_NCLASSES)

    def forward(self, x):  # x: (N, 784)
        return self.fc2(F.relu(self.fc1(x)))


class MnistCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, MNIST_CNN_NCB, 3, padding=1)
        self.conv2 = nn.Conv2d(MNIST_CNN_NCB, 2 * MNIST_CNN_NCB, 3, padding=1)
        self.dense = nn.Linear((MNIST_HW // 4) ** 2 * 2 * MNIST_CNN_NCB, MNIST_NCLASSES)

    def forward(self, x):  # x: (N, 784)
        x = x.reshape(-1, 1, MNIST_HW, MNIST_HW)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.permute(0, 2, 3, 1).flatten(1)  # channels innermost, as the ggml graph flattens
        return self.dense(x)


def build_model(arch):
    if arch == "mnist-fc":
        return MnistFC()
    if arch == "mnist-cnn":
        return MnistCNN()
    raise ValueError(f"unknown architecture {arch!r} (expected mnist-fc or mnist-cnn)")


# GGUF name -> (PyTorch parameter, ggml ne), in the order mnist-train writes them.
def _tensor_map(arch):
    ncb = MNIST_CNN_NCB
    if arch == "mnist-fc":
        return [
            ("fc1.weight", "fc1.weight", (MNIST_NINPUT, MNIST_NHIDDEN, 1, 1)),
            ("fc1.bias", "fc1.bias", (MNIST_NHIDDEN, 1, 1, 1)),
            ("fc2.weight", "fc2.weight", (MNIST_NHIDDEN, MNIST_NCLASSES, 1, 1)),
            ("fc2.bias", "fc2.bias", (MNIST_NCLASSES, 1, 1, 1)),
        ]
    if arch == "mnist-cnn":
        ndense = (MNIST_HW // 4) ** 2 * 2 * ncb
        return [
            ("conv1.kernel", "conv1.weight", (3, 3, 1, ncb)),
            ("conv1.bias", "conv1.bias", (1, 1, ncb, 1)),
            ("conv2.kernel", "conv2.weight", (3, 3, ncb, 2 * ncb)),
            ("conv2.bias", "conv2.bias", (1, 1, 2 * ncb, 1)),
            ("dense.weight", "dense.weight", (ndense, MNIST_NCLASSES, 1, 1)),
            ("dense.bias", "dense.bias", (MNIST_NCLASSES, 1, 1, 1)),
        ]
    raise ValueError(f"unknown architecture {arch!r}")


def to_gguf_writer(model, arch):
    w = gguf.GGUFWriter()
    w.add_string("general.architecture", arch)
    params = dict(model.named_parameters())
    for name, pname, ne in _tensor_map(arch):
        data = params[pname].detach().cpu().to(torch.float32).contiguous().numpy()
        w.add_tensor(name, data, ne=ne)
    return w


def save_gguf(model, arch, path):
    to_gguf_writer(model, arch).write(path)


def load_gguf(path):
    """(arch, model) from a GGUF file; raises gguf.GGUFError naming the problem."""
    f = gguf.read(path)
    kv = f.kv.get("general.architecture")
    if kv is None or kv.type != gguf.STRING:
        raise gguf.GGUFError(f"{path}: missing string key general.architecture")
    arch = kv.value
    if arch not in ARCHS:
        raise gguf.GGUFError(f"{path}: unsupported architecture {arch!r}")
    model = build_model(arch)
    params = dict(model.named_parameters())
    expected = _tensor_map(arch)
    for name, pname, ne in expected:
        t = f.tensors.get(name)
        if t is None:
            raise gguf.GGUFError(f"{path}: tensor {name} is missing")
        if t.ggml_type != gguf.GGML_TYPE_F32 or tuple(t.ne) != ne:
            raise gguf.GGUFError(f"{path}: tensor {name} has type {t.ggml_type} and ne {t.ne}, expected f32 {ne}")
        p = params[pname]
        with torch.no_grad():
            p.copy_(torch.from_numpy(np.array(t.data, dtype=np.float32)).reshape(p.shape))
    extra = set(f.tensors) - {e[0] for e in expected}
    if extra:
        raise gguf.GGUFError(f"{path}: unexpected tensors {sorted(extra)} for architecture {arch}")
    return arch, model


def seed_everything(seed):
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)


def train(model, x, y, epochs, batch_size, lr, val_split, seed, log=print, epoch_times=None):
    """AdamW (ggml's defaults: betas 0.9/0.999, eps 1e-8, no weight decay) on mini-batches.

    As mnist-train: one shuffle sets the last val_split of the data aside for validation, and the
    training part is reshuffled every epoch. Returns the training time in seconds; a list passed as
    epoch_times receives the seconds of each epoch, its validation included.
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(x)
    y = torch.as_tensor(y, dtype=torch.long)
    perm = torch.randperm(len(x), generator=gen)
    nbatches = len(x) // batch_size
    ntrain = int(math.floor((1.0 - val_split) * nbatches + 1e-6)) * batch_size
    if ntrain < batch_size:
        raise ValueError("the validation split leaves no training batch")
    x_train, y_train = x[perm[:ntrain]], y[perm[:ntrain]]
    x_val, y_val = x[perm[ntrain:]], y[perm[ntrain:]]

    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    t_start = time.time()
    for epoch in range(1, epochs + 1):
        t_epoch = time.perf_counter()
        model.train()
        order = torch.randperm(ntrain, generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, ntrain, batch_size):
            idx = order[i:i + batch_size]
            logits = model(x_train[idx])
            loss = F.cross_entropy(logits, y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == y_train[idx]).sum().item()
        msg = f"epoch {epoch:3d}/{epochs}: train loss={loss_sum / ntrain:.5f} acc={100.0 * correct / ntrain:.2f}%"
        if len(x_val) > 0:
            r = evaluate(model, x_val, y_val)
            msg += f", val loss={r['loss']:.5f} acc={100.0 * r['accuracy']:.2f}%"
        if epoch_times is not None:
            epoch_times.append(time.perf_counter() - t_epoch)
        log(f"{msg} ({time.time() - t_start:.1f} s)")
    return time.time() - t_start


def evaluate(model, x, y, batch_size=MNIST_NBATCH_PHYSICAL):
    """Logits and statistics computed as ggml_opt_result reports them.

    loss: mean of the per-batch mean cross-entropies, uncertainty the standard error of that mean;
    accuracy: fraction of argmax hits, uncertainty sqrt(p(1-p)/(n-1)).
    """
    model.eval()
    x = torch.as_tensor(x)
    y = torch.as_tensor(y, dtype=torch.long)
    logits, batch_losses = [], []
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            out = model(x[i:i + batch_size])
            logits.append(out)
            batch_losses.append(F.cross_entropy(out.double(), y[i:i + batch_size]).item())
    logits = torch.cat(logits)
    pred = logits.argmax(1)
    n = len(y)
    losses = np.array(batch_losses)
    loss = float(losses.mean())
    loss_unc = float(math.sqrt(losses.var() / (len(losses) - 1))) if len(losses) > 1 else float("nan")
    acc = float((pred == y).sum().item()) / n
    acc_unc = math.sqrt(acc * (1.0 - acc) / (n - 1)) if n > 1 else float("nan")
    return {"logits": logits.numpy(), "pred": pred.numpy(), "loss": loss, "loss_unc": loss_unc,
            "accuracy": acc, "accuracy_unc": acc_unc, "ncorrect": int((pred == y).sum().item()), "n": n}


def top2_margin(logits):
    """Per row: largest logit minus the second largest."""
    s = np.sort(np.asarray(logits, dtype=np.float64), axis=1)
    return s[:, -1] - s[:, -2]


def run_cli(arch, default_epochs, default_batch_size, argv=None):
    """The command line shared by mnist-train-fc.py and mnist-train-cnn.py."""
    import argparse
    import sys

    import mnist_data

    script = "mnist-train-fc.py" if arch == "mnist-fc" else "mnist-train-cnn.py"
    p = argparse.ArgumentParser(
        prog=script,
        description=f"Trains {arch} with PyTorch on MNIST, reports its test accuracy and writes a GGUF "
                    "model that mnist-eval runs.")
    p.add_argument("model", metavar="OUT.gguf", help="model file to write")
    p.add_argument("data_dir", metavar="DATA_DIR", nargs="?",
                   help="directory with the four MNIST IDX files, plain or .gz "
                        "(default: data/MNIST/raw, filled by scripts/get-mnist.sh)")
    p.add_argument("--epochs", type=int, default=default_epochs, help=f"default {default_epochs}")
    p.add_argument("--batch-size", type=int, default=default_batch_size,
                   help=f"images per optimizer step (default {default_batch_size})")
    p.add_argument("--lr", type=float, default=1e-3, help="AdamW learning rate (default 1e-3)")
    p.add_argument("--val-split", type=float, default=0.05,
                   help="fraction of the training images held out for validation (default 0.05)")
    p.add_argument("--seed", type=int, default=None, help="makes initialisation and shuffling reproducible")
    p.add_argument("--threads", type=int, default=2, help="PyTorch CPU threads (default 2)")
    p.add_argument("--train-limit", type=int, default=None, help="train on the first N training images only")
    p.add_argument("--predictions", metavar="PATH",
                   help="write per test image the predicted digit and the gap between the two largest "
                        "logits, one 'DIGIT GAP' line per image")
    args = p.parse_args(argv)

    if args.epochs < 1 or args.batch_size < 1 or not (0.0 <= args.val_split < 1.0) or args.threads < 1:
        p.error("--epochs, --batch-size and --threads must be positive and --val-split in [0, 1)")

    torch.set_num_threads(args.threads)
    seed = args.seed if args.seed is not None else int.from_bytes(__import__("os").urandom(4), "little")
    seed_everything(seed)

    try:
        train_images, train_labels, test_images, test_labels = mnist_data.load_train_test(args.data_dir)
    except mnist_data.MNISTDataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.train_limit is not None:
        train_images, train_labels = train_images[:args.train_limit], train_labels[:args.train_limit]

    x_train = torch.from_numpy(mnist_data.images_to_float(train_images))
    y_train = torch.from_numpy(train_labels.astype(np.int64))
    x_test = torch.from_numpy(mnist_data.images_to_float(test_images))
    y_test = torch.from_numpy(test_labels.astype(np.int64))

    print(f"{arch}: training on {len(x_train)} images, {args.epochs} epochs, batch {args.batch_size}, "
          f"lr {args.lr}, seed {seed}, {args.threads} threads", flush=True)
    model = build_model(arch)
    try:
        t_train = train(model, x_train, y_train, args.epochs, args.batch_size, args.lr, args.val_split, seed,
                        log=lambda s: print(s, flush=True))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"Training took {t_train:.1f} s")

    r = evaluate(model, x_test, y_test)
    print(f"Test loss: {r['loss']:.6f}+-{r['loss_unc']:.6f}, "
          f"Test accuracy: {100.0 * r['accuracy']:.2f}+-{100.0 * r['accuracy_unc']:.2f}%")

    try:
        save_gguf(model, arch, args.model)
        if args.predictions:
            gaps = top2_margin(r["logits"])
            with open(args.predictions, "w") as f:
                for d, g in zip(r["pred"], gaps):
                    f.write(f"{int(d)} {g:.9g}\n")
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"GGUF model saved to '{args.model}'")
    return 0
