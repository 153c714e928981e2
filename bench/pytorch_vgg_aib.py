#!/usr/bin/python3
"""The PyTorch side of `npm run bench`: the VGG-16-bn + IB attention model of
docs/method.md §8.1 (CIFAR, 32x32x3, K = 256), trained with SGD on
random data, timed after warm-up. A benchmark peer only: ibc never imports it.

Run with Debian's interpreter (python3-torch): /usr/bin/python3 bench/pytorch_vgg_aib.py
--config fp32 | fp32-channels-last | bf16-channels-last picks PyTorch's configuration
(bench/torch_peer.py). Prints one JSON line: {spec, backend, config, batch, steps, img_per_s, ms_per_step, gflops_per_s, ...,
peak_rss_mb} (peak_rss_mb: the process's resident-memory high-water mark).
"""
import argparse
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_peer import add_config_argument, autocast, forward_flops, prepare, steps_line, time_steps


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class VggAib(nn.Module):
    """Trunk to 16x16x256, attention at that point, the rest of VGG-16-bn as the encoder."""

    def __init__(self, classes=10, k=256):
        super().__init__()
        self.k = k
        trunk = []
        for cin, cout in [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256)]:
            trunk += conv_bn_relu(cin, cout)
        trunk.append(nn.MaxPool2d(2))
        self.trunk = nn.Sequential(*trunk)
        self.mean_head = nn.Conv2d(256, 1, 3, padding=1)
        self.std_head = nn.Conv2d(1, 1, 3, padding=1)
        enc = []
        for cin, cout in [(256, 512), (512, 512), (512, 512)]:
            enc += conv_bn_relu(cin, cout)
        enc.append(nn.MaxPool2d(2))
        for _ in range(3):
            enc += conv_bn_relu(512, 512)
        enc.append(nn.MaxPool2d(2))
        for _ in range(2):
            enc += conv_bn_relu(512, 512) + [nn.MaxPool2d(2)]
        enc += [nn.Conv2d(512, 512, 1), nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(512, 2 * k)]
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(nn.Linear(k, k), nn.ReLU(inplace=True), nn.Linear(k, classes))

    def forward(self, x):
        f = self.trunk(x)
        mu_a = torch.sigmoid(self.mean_head(f))
        sd_a = F.softplus(self.std_head(mu_a) - 5)
        a = mu_a + sd_a * torch.randn_like(mu_a)
        g = f + f * a
        s = self.encoder(g)
        mu_z, sd_z = s[:, : self.k], F.softplus(s[:, self.k:] - 5)
        z = mu_z + sd_z * torch.randn_like(mu_z)
        return self.decoder(z), mu_z, sd_z


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    add_config_argument(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model, x = prepare(VggAib(), torch.randn(args.batch, 3, 32, 32), args.config)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    y = torch.randint(0, 10, (args.batch,))
    beta, c = 0.01, 0.5

    def step():
        with autocast(args.config):
            logits, mu, sd = model(x)
            # The loss in float32 whatever the forward pass ran in (autocast's own advice for reductions).
            logits, mu, sd = logits.float(), mu.float(), sd.float()
            kl = (0.5 * (mu * mu + sd * sd - 1) - torch.log(sd)).sum(1).mean()
            loss = F.cross_entropy(logits, y) / math.log(2) + beta * c * kl / math.log(2)
        opt.zero_grad()
        loss.backward()
        opt.step()

    ms = time_steps(step, args.warmup, args.steps)
    flops = forward_flops(model, lambda: model(x[:1]))
    print(json.dumps(steps_line("specs/cifar10-vgg16-aib.ibspec", args.batch, args.steps, ms, flops, 3, args.config)))


if __name__ == "__main__":
    main()
