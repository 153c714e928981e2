#!/usr/bin/python3
"""The PyTorch peer of `npm run bench:data` (ibc bench --suite data): torchvision's ImageFolder and
DataLoader with the reference's transforms (Resize(256), RandomCrop(224), RandomHorizontalFlip,
ToTensor, Normalize; CenterCrop(224) for evaluation) on an image folder. A benchmark peer only:
ibc never imports it. Run with Debian's /usr/bin/python3 (python3-torch, python3-torchvision).

--mode pipeline --folder DIR   every batch of --epochs passes over DIR (no model): images/s per epoch
--mode train --folder DIR      one epoch of a small CNN over DIR/train, then DIR/test evaluated: the
                               twin of the spec `ibc bench --suite data` writes (conv 16 s2, BN, ReLU,
                               maxpool 2; conv 32 s2, BN, ReLU, maxpool 2; global average pool;
                               linear), Adam 1e-3, batch --batch
Prints one JSON line.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torchvision.transforms as T
from torch.utils.data import DataLoader
from torchvision.datasets import ImageFolder

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
TRAIN = T.Compose([T.Resize(256), T.RandomCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)])
EVAL = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])


def loader(folder, transform, batch, workers, shuffle):
    return DataLoader(ImageFolder(folder, transform=transform), batch_size=batch, shuffle=shuffle, num_workers=workers)


def pipeline(args):
    data = loader(args.folder, TRAIN, args.batch, args.workers, True)
    rates = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        seen = 0
        for images, labels in data:
            seen += labels.shape[0]
        rates.append(round(seen / (time.perf_counter() - start), 1))
    return {"side": "pytorch", "folder": args.folder, "images": seen, "batch": args.batch, "workers": args.workers, "epoch_img_per_s": rates,
            "torch": torch.__version__}


def small_cnn(classes):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, classes),
    )


def train(args):
    torch.manual_seed(1)
    train_data = loader(f"{args.folder}/train", TRAIN, args.batch, args.workers, True)
    test_data = loader(f"{args.folder}/test", EVAL, args.batch, args.workers, False)
    model = small_cnn(len(train_data.dataset.classes))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = nn.CrossEntropyLoss()
    start = time.perf_counter()
    model.train()
    seen = 0
    for images, labels in train_data:
        optimizer.zero_grad()
        loss(model(images), labels).backward()
        optimizer.step()
        seen += labels.shape[0]
    trained = time.perf_counter() - start
    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for images, labels in test_data:
            correct += (model(images).argmax(1) == labels).sum().item()
            total += labels.shape[0]
    return {"side": "pytorch", "train_images": seen, "train_img_per_s": round(seen / trained, 1), "test_top1": correct / max(1, total),
            "seconds": round(time.perf_counter() - start, 2)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["pipeline", "train"], required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(json.dumps(pipeline(args) if args.mode == "pipeline" else train(args)), flush=True)


if __name__ == "__main__":
    main()
