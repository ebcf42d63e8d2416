"""PyTorch's half of scripts/bench-dl4j: the Image Classification digit job of Kiln, done in PyTorch.

  python3 bench_image_classification.py DATA_DIR EPOCHS THREADS SIDE

DATA_DIR is what io.kiln.bench.ImageClassificationBenchmark wrote (train/, validation/ PNGs,
train_lst/train.lst, validation_lst/validation.lst: MXNet .lst lines "index<TAB>label<TAB>file").
The same PNG bytes, decoded with PIL to 8-bit gray and divided by 255 (Kiln's Augmenter: no mean
subtraction, the network's bn_data normalises), trained as Kiln's ClassificationWorker trains them:

- the network: kiln_resnet_v2.resnet_v2(20, 1, SIDE, SIDE, 10), the twin of Kiln's DL4J ResNet;
- the order: Kiln's EpochLoop.permutation(n, ClassificationWorker.SEED, epoch, rank 0), a Fisher-Yates shuffle
  driven by java.util.Random seeded SEED + epoch * 7919 (reimplemented below, exactly as the Java
  API documents Random), batches of mini_batch_size 32 in that order, the last one shorter;
- the optimiser: MXNet's SGD as Kiln's MxnetSgd applies it (mom = mu*mom - lr*(g + wd*w);
  w += mom), which for a fixed learning rate is exactly torch.optim.SGD(momentum=mu,
  weight_decay=wd, dampening 0) (its buffer b = mu*b + g + wd*w is -mom/lr). Weight decay only on
  convolution and dense weights (Kiln: DL4J's l2 on those, never on biases or BatchNorm);
- the loss: softmax cross-entropy averaged over the batch (DL4J's MCXENT, minibatch-averaged);
- no augmentation (augmentation_type unset: the centre crop of a same-size image is the image);
- validation after each epoch in inference mode (BatchNorm running statistics), batches of 32.

Seconds per epoch are measured as Kiln's "Epoch[n] Time cost": from the epoch's first batch to the
end of its validation pass (batch assembly from the decoded images included). Weight initialisation
draws differ from DL4J's (torch.manual_seed(1)); the shapes and scheme (He normal) are the same.

Prints one line "RESULT <json>": epoch_seconds, validation_accuracy, train_accuracy per epoch,
decode_seconds, torch (version), threads.
"""
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_resnet_v2 import resnet_v2  # noqa: E402

SEED = 0x1C5EED  # ClassificationWorker.SEED
BATCH = 32
LEARNING_RATE = 0.1
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-4


class JavaRandom:
    """java.util.Random: the 48-bit linear congruential generator its API documentation specifies."""

    MULTIPLIER = 0x5DEECE66D
    MASK = (1 << 48) - 1

    def __init__(self, seed):
        self.seed = (seed ^ self.MULTIPLIER) & self.MASK

    def next(self, bits):
        self.seed = (self.seed * self.MULTIPLIER + 0xB) & self.MASK
        r = self.seed >> (48 - bits)
        return r - (1 << 32) if r >= (1 << 31) else r  # Java's (int) cast

    def next_int(self, bound):
        r = self.next(31)
        m = bound - 1
        if bound & m == 0:
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            if ((u - r + m + (1 << 31)) & 0xFFFFFFFF) - (1 << 31) >= 0:  # Java int overflow test
                return r
            u = self.next(31)


def permutation(n, epoch, rank=0):
    """EpochLoop.permutation with ClassificationWorker.SEED: Kiln's order of a worker's images in an epoch."""
    order = list(range(n))
    rnd = JavaRandom(SEED + epoch * 7919 + rank * 104729)
    for i in range(n - 1, 0, -1):
        j = rnd.next_int(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def read(data_dir, channel):
    """(uint8 images [n, 1, side, side], int64 labels [n]) of a channel, in its .lst's order."""
    images, labels = [], []
    with open(os.path.join(data_dir, channel + "_lst", channel + ".lst")) as lst:
        for line in lst:
            if not line.strip():
                continue
            _, label, name = line.rstrip("\n").split("\t")
            with Image.open(os.path.join(data_dir, channel, name)) as img:
                if img.mode != "L":
                    raise SystemExit("%s/%s: mode %s, not 8-bit gray" % (channel, name, img.mode))
                images.append(np.asarray(img, dtype=np.uint8))
            labels.append(int(float(label)))
    return torch.from_numpy(np.stack(images)[:, None]), torch.tensor(labels, dtype=torch.int64)


def batch(images, rows):
    return images[rows].to(torch.float32).div_(255.0)


def main(argv):
    data_dir, epochs, threads, side = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    t0 = time.perf_counter()
    x_train, y_train = read(data_dir, "train")
    x_val, y_val = read(data_dir, "validation")
    decode_seconds = time.perf_counter() - t0
    if x_train.shape[2:] != (side, side):
        raise SystemExit("images are %s, not %dx%d" % (tuple(x_train.shape[2:]), side, side))

    net = resnet_v2(20, 1, side, side, 10)
    decayed = [p for name, p in net.named_parameters() if name.endswith("weight") and p.dim() > 1]
    others = [p for name, p in net.named_parameters() if not (name.endswith("weight") and p.dim() > 1)]
    opt = torch.optim.SGD([{"params": decayed, "weight_decay": WEIGHT_DECAY},
                           {"params": others, "weight_decay": 0.0}], lr=LEARNING_RATE, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(y_train)
    steps = (n + BATCH - 1) // BATCH
    out = {"epoch_seconds": [], "validation_accuracy": [], "train_accuracy": []}
    for epoch in range(epochs):
        order = torch.tensor(permutation(n, epoch), dtype=torch.int64)
        start = time.perf_counter()
        net.train()
        correct = 0
        for step in range(steps):
            rows = order[step * BATCH:(step + 1) * BATCH]
            x, y = batch(x_train, rows), y_train[rows]
            opt.zero_grad()
            logits = net(x)
            loss = loss_fn(logits, y)
            loss.backward()
            opt.step()
            correct += int((logits.argmax(1) == y).sum())
        net.eval()
        right = 0
        with torch.no_grad():
            for i in range(0, len(y_val), BATCH):
                rows = torch.arange(i, min(i + BATCH, len(y_val)))
                right += int((net(batch(x_val, rows)).argmax(1) == y_val[rows]).sum())
        seconds = time.perf_counter() - start
        out["epoch_seconds"].append(round(seconds, 3))
        out["validation_accuracy"].append(right / len(y_val))
        out["train_accuracy"].append(correct / n)
        print("Epoch[%d] Train-accuracy=%.6f Validation-accuracy=%.6f Time cost=%.3f"
              % (epoch, correct / n, right / len(y_val), seconds), flush=True)
    out["decode_seconds"] = round(decode_seconds, 3)
    out["torch"] = torch.__version__
    out["threads"] = "intra-op %d, inter-op %d" % (torch.get_num_threads(), torch.get_num_interop_threads())
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv)
