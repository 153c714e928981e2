#!/usr/bin/python3
"""The PyTorch twins of the three Fashion-MNIST specs, for `npm run bench` and
`npm run bench:e2e`: specs/fashion-small-baseline.ibspec, -aib.ibspec and
-aib-qt.ibspec (all extend specs/base/fashion-small.ibspec), written from the
specs and the method notes (docs/method.md). A benchmark peer only: ibc never imports it.

What matches ibc (src/compiler/network/*, src/runtime/engine/init-params.ts,
src/runtime/engine/executor/losses.ts, src/runtime/data/load-dataset.ts):
- three stages conv3x3 'same' (bias on) -> batchnorm (eps 1e-5, momentum 0.1)
  -> relu -> maxpool 2 of 8, 16, 32 channels (28 -> 14 -> 7 -> 3);
- baseline: flatten (288), linear 10; plain cross-entropy in nats;
- aib: at stage2, mu_a = sigmoid(conv3x3 16->1), sd_a = softplus(conv3x3 1->1
  (mu_a) - 5), a = mu_a + sd_a * eps; g = f + f * a; encoder = stage3, flatten,
  linear 288 -> 2K (K = 64); mu_z, sd_z = softplus(s - 5); z = mu_z + sd_z * eps';
  decoder linear 64, relu, linear 10; loss CE/ln2 + beta c KL/ln2 (beta 0.01,
  c 0.5, the standard VIB KL);
- aib-qt: the map snapped to the nearest of 20 anchors (linspace 0..1, trained
  at the full rate) with a straight-through gradient, + 0.4 vq + 0.1 commit;
- n samples (train 1, eval 4): each Sample tiles its inputs n times along the
  batch (sample-major), so the logits of the n*n draws are averaged;
- `init he`: conv kernels N(0, sqrt(2 / fan_in)) with zero biases; linear
  weights and biases U(+-1/sqrt(fan_in)) (PyTorch's default); batchnorm 1 / 0;
- Adam lr 1e-3, betas 0.9 / 0.999, eps 1e-8, no weight decay; batch 64;
- data: Fashion-MNIST IDX files, x / 255 normalised with mean 0.2860, std
  0.3530; the same 10% validation rows ibc holds out (its seeded permutation,
  ported below); evaluation at batch 500 after every epoch.
Layout is NCHW here and NHWC in ibc; random streams differ, so the numbers
match in distribution, not digit for digit.

Run with Debian's interpreter (python3-torch):
  /usr/bin/python3 bench/pytorch_fashion_small.py --mode steps --variant aib
    times training steps on random data; one JSON line
    {spec, backend, config, batch, steps, img_per_s, ms_per_step, gflops_per_s, threads,
     forward_gflop_per_image, peak_rss_mb}
  --config fp32 | fp32-channels-last | bf16-channels-last (both modes) picks PyTorch's
    configuration (bench/torch_peer.py)
  /usr/bin/python3 bench/pytorch_fashion_small.py --mode train --variant aib
    the whole job `ibc train SPEC` does (3 epochs with evaluation): one JSON line
    per epoch, then {spec, variant, ..., wall_seconds, val_top1, test_top1, peak_rss_mb}.
"""
import time

STARTED = time.perf_counter()  # before `import torch`: wall_seconds covers the whole script

import argparse
import gzip
import json
import math
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_peer import add_config_argument, autocast, channels_last, forward_flops, peak_rss_mb, prepare, steps_line, time_steps

SPECS = {
    "baseline": "specs/fashion-small-baseline.ibspec",
    "aib": "specs/fashion-small-aib.ibspec",
    "aib-qt": "specs/fashion-small-aib-qt.ibspec",
}
DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530
CLASSES = 10
K = 64
BETA, KL_SCALE = 0.01, 0.5
ANCHORS, VQ_WEIGHT, COMMIT_WEIGHT = 20, 0.4, 0.1
STD_OFFSET = -5.0
SEED = 1


# ---------------------------------------------------------------- the model


def he_conv(cin, cout):
    conv = nn.Conv2d(cin, cout, 3, padding=1, bias=True)
    nn.init.normal_(conv.weight, 0.0, math.sqrt(2.0 / (cin * 9)))
    nn.init.zeros_(conv.bias)
    return conv


def stage(cin, cout):
    return nn.Sequential(he_conv(cin, cout), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True), nn.MaxPool2d(2))


def torch_default_linear(fan_in, units):
    """nn.Linear's own initialisation is ibc's `torchDefault`: U(+-1/sqrt(fan_in)) for weight and bias."""
    return nn.Linear(fan_in, units)


def sample(mean, std, n):
    """ibc's Sample: tile mean and std n times along the batch (row s*B + b), then mean + std * eps."""
    if n > 1:
        mean = mean.repeat(n, *([1] * (mean.dim() - 1)))
        std = std.repeat(n, *([1] * (std.dim() - 1)))
    return mean + std * torch.randn_like(mean)


class FashionSmall(nn.Module):
    def __init__(self, variant):
        super().__init__()
        self.variant = variant
        self.stage1 = stage(1, 8)
        self.stage2 = stage(8, 16)
        self.stage3 = stage(16, 32)
        if variant == "baseline":
            self.classifier = torch_default_linear(288, CLASSES)
            return
        self.mean_head = he_conv(16, 1)
        self.std_head = he_conv(1, 1)
        self.anchors = nn.Parameter(torch.linspace(0, 1, ANCHORS)) if variant == "aib-qt" else None
        self.encoder_dense = torch_default_linear(288, 2 * K)
        self.decoder = nn.Sequential(torch_default_linear(K, 64), nn.ReLU(inplace=True), torch_default_linear(64, CLASSES))

    def forward(self, x, samples):
        """Returns (logits, extras): extras holds mu_z, sd_z and, quantized, a and the anchors chosen."""
        f = self.stage2(self.stage1(x))
        if self.variant == "baseline":
            return self.classifier(torch.flatten(self.stage3(f), 1)), {}
        batch = x.shape[0]
        n = max(samples, 1)
        mu_a = torch.sigmoid(self.mean_head(f))
        sd_a = F.softplus(self.std_head(mu_a) + STD_OFFSET)
        a = sample(mu_a, sd_a, samples)
        extras = {}
        if self.anchors is not None:
            # Nearest anchor per pixel (ties: the lowest index), straight-through to a.
            nearest = torch.argmin((a.unsqueeze(-1) - self.anchors) ** 2, dim=-1)
            hard = self.anchors[nearest]
            extras["a"], extras["hard"] = a, hard
            a = a + (hard - a).detach()
        tiled = f.repeat(n, 1, 1, 1) if n > 1 else f
        g = tiled + tiled * a
        s = self.encoder_dense(torch.flatten(self.stage3(g), 1))
        mu_z = s[:, :K]
        sd_z = F.softplus(s[:, K:] + STD_OFFSET)
        z = sample(mu_z, sd_z, samples)
        logits = self.decoder(z)
        if logits.shape[0] != batch:
            logits = logits.reshape(-1, batch, CLASSES).mean(0)
        extras["mu_z"], extras["sd_z"] = mu_z, sd_z
        return logits, extras


def loss_of(model, logits, extras, y):
    # In float32 whatever the forward pass ran in (autocast's own advice for reductions).
    logits = logits.float()
    extras = {key: value.float() for key, value in extras.items()}
    ce = F.cross_entropy(logits, y)
    if model.variant == "baseline":
        return ce
    mu, sd = extras["mu_z"], extras["sd_z"]
    kl = (0.5 * (mu * mu + sd * sd - 1 - 2 * torch.log(torch.clamp(sd, min=1e-38)))).sum(1).mean()
    total = ce / math.log(2) + BETA * KL_SCALE * kl / math.log(2)
    if model.variant == "aib-qt":
        a, hard = extras["a"], extras["hard"]
        vq = ((hard - a.detach()) ** 2).mean()
        commit = ((a - hard.detach()) ** 2).mean()
        total = total + VQ_WEIGHT * vq + COMMIT_WEIGHT * commit
    return total


def make_optimizer(model):
    return torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)


# ---------------------------------------------------------------- timing steps


def measure_steps(args):
    torch.manual_seed(SEED)
    model, x = prepare(FashionSmall(args.variant), torch.randn(args.batch, 1, 28, 28), args.config)
    model.train()
    opt = make_optimizer(model)
    y = torch.randint(0, CLASSES, (args.batch,))

    def step():
        with autocast(args.config):
            logits, extras = model(x, 1)
            loss = loss_of(model, logits, extras, y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    ms = time_steps(step, args.warmup, args.steps)
    model.eval()
    flops = forward_flops(model, lambda: model(x[:1], 1))
    model.train()
    print(json.dumps(steps_line(SPECS[args.variant], args.batch, args.steps, ms, flops, 6, args.config)))


# ---------------------------------------------------------------- the whole job


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def u32(x):
    return x & 0xFFFFFFFF


def imul(a, b):
    return (a * b) & 0xFFFFFFFF


def rotl(x, k):
    return u32((x << k) | (x >> (32 - k)))


class IbcRandom:
    """src/support/random.ts, ported to pick the same validation rows: xoshiro128**
    seeded through splitmix32, streams derived by FNV-1a name hashes."""

    def __init__(self, state):
        self.s = [u32(v) for v in state]
        if (self.s[0] | self.s[1] | self.s[2] | self.s[3]) == 0:
            self.s[0] = 1

    @staticmethod
    def splitmix32(seed):
        s = [u32(seed)]

        def nxt():
            s[0] = u32(s[0] + 0x9E3779B9)
            z = s[0]
            z = imul(z ^ (z >> 16), 0x85EBCA6B)
            z = imul(z ^ (z >> 13), 0xC2B2AE35)
            return u32(z ^ (z >> 16))

        return nxt

    @classmethod
    def from_seed(cls, seed):
        nxt = cls.splitmix32(seed)
        return cls([nxt(), nxt(), nxt(), nxt()])

    def derive(self, name):
        h = 0x811C9DC5
        for ch in name:
            h = imul(h ^ ord(ch), 0x01000193)
        nxt = self.splitmix32(self.s[0] ^ imul(h, 0x9E3779B1) ^ self.s[2])
        return IbcRandom([nxt() ^ self.s[1], nxt() ^ self.s[3], nxt(), nxt()])

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        result = imul(rotl(imul(s1, 5), 7), 9)
        t = u32(s1 << 9)
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = int(self.next_uint32() / 4294967296 * (i + 1))
            p[i], p[j] = p[j], p[i]
        return p


def split_validation(n, fraction, seed):
    """ibc's splitValidation: round(fraction * n) rows from the seeded permutation; both parts keep file order."""
    held = max(1, round(fraction * n))  # n * 0.1 is never a .5 tie for these sizes, so Python's rounding agrees
    perm = IbcRandom.from_seed(seed).derive("validation-split").permutation(n)
    return sorted(perm[held:]), sorted(perm[:held])


def to_tensor(images):
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    return ((x - MEAN) / STD).unsqueeze(1)


def evaluate(model, x, y, batch, samples, config):
    model.eval()
    correct = 0
    with torch.no_grad(), autocast(config):
        for start in range(0, x.shape[0], batch):
            logits, _ = model(x[start:start + batch], samples)
            correct += (logits.argmax(1) == y[start:start + batch]).sum().item()
    model.train()
    return correct / x.shape[0]


def train_job(args):
    torch.manual_seed(SEED)
    train_images = read_idx(f"{DATA}/train-images-idx3-ubyte.gz")
    train_labels = read_idx(f"{DATA}/train-labels-idx1-ubyte.gz")
    test_images = read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz")
    test_labels = read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz")
    train_rows, val_rows = split_validation(len(train_labels), 0.1, SEED)
    if args.limit_train is not None:
        # As `ibc train --limit-train N`: the first N training rows, validation cut in proportion.
        train_rows = train_rows[:args.limit_train]
        val_rows = val_rows[:max(1, round(0.1 * args.limit_train))]
    x_train, y_train = to_tensor(train_images[train_rows]), torch.from_numpy(train_labels[train_rows].astype(np.int64))
    x_val, y_val = to_tensor(train_images[val_rows]), torch.from_numpy(train_labels[val_rows].astype(np.int64))
    x_test, y_test = to_tensor(test_images), torch.from_numpy(test_labels.astype(np.int64))

    model = FashionSmall(args.variant)
    if channels_last(args.config):
        model = model.to(memory_format=torch.channels_last)
        x_train, x_val, x_test = (t.contiguous(memory_format=torch.channels_last) for t in (x_train, x_val, x_test))
    model.train()
    opt = make_optimizer(model)
    count = x_train.shape[0]
    train_seconds = 0.0
    val_top1 = test_top1 = 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(count)
        seen, correct, loss_sum = 0, 0, 0.0
        for begin in range(0, count, args.batch):  # the last, partial batch included, as in ibc
            rows = order[begin:begin + args.batch]
            x, y = x_train[rows], y_train[rows]
            with autocast(args.config):
                logits, extras = model(x, args.train_samples)
                loss = loss_of(model, logits, extras, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += len(rows)
            loss_sum += loss.item() * len(rows)
            correct += (logits.argmax(1) == y).sum().item()
        epoch_train = time.perf_counter() - start
        train_seconds += epoch_train
        val_top1 = evaluate(model, x_val, y_val, args.eval_batch, args.eval_samples, args.config)
        test_top1 = evaluate(model, x_test, y_test, args.eval_batch, args.eval_samples, args.config)
        print(json.dumps({
            "epoch": epoch,
            "train_loss": round(loss_sum / seen, 4),
            "train_top1": round(correct / seen, 4),
            "val_top1": round(val_top1, 4),
            "test_top1": round(test_top1, 4),
            "train_seconds": round(epoch_train, 2),
            "epoch_seconds": round(time.perf_counter() - start, 2),
        }), flush=True)
    print(json.dumps({
        "spec": SPECS[args.variant],
        "variant": args.variant,
        "backend": "pytorch-%s-cpu" % torch.__version__,
        "config": args.config,
        "threads": torch.get_num_threads(),
        "epochs": args.epochs,
        "train_images": count,
        "train_seconds": round(train_seconds, 2),
        "wall_seconds": round(time.perf_counter() - STARTED, 2),
        "val_top1": round(val_top1, 4),
        "test_top1": round(test_top1, 4),
        "peak_rss_mb": peak_rss_mb(),
    }))


def main():
    parser = argparse.ArgumentParser(description="PyTorch twins of the Fashion-MNIST specs (a benchmark peer of ibc).")
    parser.add_argument("--mode", choices=["steps", "train"], required=True)
    parser.add_argument("--variant", choices=sorted(SPECS), required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=50, help="steps mode: timed steps")
    parser.add_argument("--warmup", type=int, default=5, help="steps mode: untimed steps first")
    parser.add_argument("--threads", type=int, default=2)
    add_config_argument(parser)
    parser.add_argument("--epochs", type=int, default=3, help="train mode")
    parser.add_argument("--eval-batch", type=int, default=500, help="train mode")
    parser.add_argument("--train-samples", type=int, default=1, help="train mode")
    parser.add_argument("--eval-samples", type=int, default=4, help="train mode")
    parser.add_argument("--limit-train", type=int, default=None, help="train mode: only the first N training images (as ibc train --limit-train)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.mode == "steps":
        measure_steps(args)
    else:
        train_job(args)


if __name__ == "__main__":
    main()
