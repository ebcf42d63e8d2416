"""Seconds per forward+backward (+ SGD step) of one batch of kiln_resnet_v2's network in PyTorch.

The PyTorch half of Kiln's DL4J network timing (NetBench in algorithms/dl4j's tests):
  python3 bench_resnet_v2.py NUM_LAYERS CHANNELS HEIGHT WIDTH BATCH THREADS ITERATIONS
prints the median and minimum over ITERATIONS after 3 warm-up ones.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_resnet_v2 import resnet_v2  # noqa: E402


def main(argv):
    layers, c, h, w, batch, threads, iters = (int(v) for v in argv[1:8])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = resnet_v2(layers, c, h, w, 10).train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.rand(batch, c, h, w)
    y = torch.arange(batch) % 10
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for i in range(-3, iters):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
        if i >= 0:
            times.append(time.perf_counter() - t0)
    times.sort()
    print("torch %s resnet-%d %dx%dx%d batch %d threads %d: median %.3f s, min %.3f s"
          % (torch.__version__, layers, c, h, w, batch, torch.get_num_threads(), times[len(times) // 2], times[0]))


if __name__ == "__main__":
    main(sys.argv)
