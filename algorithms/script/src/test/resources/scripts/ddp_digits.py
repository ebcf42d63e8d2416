"""Data-parallel softmax regression on the digits set with torch DistributedDataParallel (gloo).

Every worker reads its shard of the train channel (ShardedByS3Key) and trains full-batch; DDP
all-reduces (averages) the gradients, so with equal shards the job trains the same model as one
worker on all rows. On the first epoch each rank prints one KILN-DDP line: its rows, a checksum of
its local data, the checksum of the gradient it computed alone, and of the all-reduced gradient
DDP left in .grad. Rank 0 writes model/weights.json (weight rows by class, bias) and model.pt.
Runs alone too (WORLD_SIZE 1, no process group), or under torchrun (each rank's shard from
TRAIN_DIR_RANK_<rank>). KILN-FIRST-LINE / KILN-LAST-LINE carry the epoch seconds of its first and
last line, for scripts/bench-script-mode.
"""
import argparse
import glob
import json
import os
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F

print("KILN-FIRST-LINE %.6f" % time.time(), flush=True)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=100)
parser.add_argument("--lr", type=float, default=0.05)
args = parser.parse_args()

rank = int(os.environ["RANK"])
world = int(os.environ["WORLD_SIZE"])
torch.set_num_threads(1)
if world > 1:
    dist.init_process_group("gloo")  # env:// from MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE


def load(directory):
    rows = []
    for name in sorted(glob.glob(os.path.join(directory, "*.csv"))):
        with open(name) as f:
            rows += [[float(v) for v in line.split(",")] for line in f if line.strip()]
    data = torch.tensor(rows, dtype=torch.float64)
    return data[:, 1:] / 16.0, data[:, 0].long()  # label first (SageMaker's CSV convention)


# under plain torchrun (the benchmark's baseline) each rank names its shard's directory itself
x, y = load(os.environ.get("TRAIN_DIR_RANK_%d" % rank, os.environ.get("SM_CHANNEL_TRAIN")))
torch.manual_seed(0)
model = torch.nn.Linear(x.shape[1], 10).double()
net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
opt = torch.optim.Adam(net.parameters(), lr=args.lr)
for epoch in range(args.epochs):
    if epoch == 0:
        local = torch.autograd.grad(F.cross_entropy(model(x), y), list(model.parameters()))
        local_checksum = float(sum(g.sum() + g.abs().sum() for g in local))
    opt.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    if epoch == 0:
        reduced = float(sum(p.grad.sum() + p.grad.abs().sum() for p in model.parameters()))
        print("KILN-DDP " + json.dumps({"rank": rank, "world": world, "rows": len(y),
                                        "data_checksum": float(x.sum() + y.sum()),
                                        "local_grad": local_checksum, "reduced_grad": reduced}), flush=True)
    opt.step()
    if epoch % 25 == 0 or epoch == args.epochs - 1:
        print("rank %d epoch %d loss %.5f" % (rank, epoch, loss.item()), flush=True)

if rank == 0 and "SM_MODEL_DIR" in os.environ:
    out = os.environ["SM_MODEL_DIR"]
    with open(os.path.join(out, "weights.json"), "w") as f:
        json.dump({"weight": model.weight.tolist(), "bias": model.bias.tolist(), "scale": 16.0}, f)
    torch.save(model.state_dict(), os.path.join(out, "model.pt"))
if world > 1:
    dist.destroy_process_group()
print("KILN-LAST-LINE %.6f" % time.time(), flush=True)
