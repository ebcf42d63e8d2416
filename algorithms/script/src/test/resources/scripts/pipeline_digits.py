"""Pipeline-parallel MLP on the digits set over two ranks with torch.distributed send/recv (gloo).

Rank 0 holds only the first layer (64 -> 32, ReLU), rank 1 only the second (32 -> 10) and the loss.
Each step rank 0 sends its activations to rank 1; rank 1 computes the loss, backpropagates and sends
the activations' gradient back; rank 0 backpropagates it through its layer. Each rank prints its
parameter count (KILN-PIPE params), rank 1 the loss of every epoch (KILN-PIPE loss). Rank 0 writes
model/stage0.pt, rank 1 its stage to its own model/ (discarded, as every rank but 0's).
"""
import glob
import json
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F

rank = int(os.environ["RANK"])
world = int(os.environ["WORLD_SIZE"])
assert world == 2, "this pipeline has two stages"
torch.set_num_threads(1)
dist.init_process_group("gloo")
rows = []
for name in sorted(glob.glob(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "*.csv"))):
    with open(name) as f:
        rows += [[float(v) for v in line.split(",")] for line in f if line.strip()]
data = torch.tensor(rows)
x, y = data[:, 1:] / 16.0, data[:, 0].long()  # label first
epochs = int(json.loads(os.environ["SM_HPS"]).get("epochs", 30))
torch.manual_seed(rank)
stage = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU()) if rank == 0 else torch.nn.Linear(32, 10)
print("KILN-PIPE " + json.dumps({"rank": rank, "params": sum(p.numel() for p in stage.parameters())}), flush=True)
opt = torch.optim.Adam(stage.parameters(), lr=0.02)
for epoch in range(epochs):
    opt.zero_grad()
    if rank == 0:
        h = stage(x)
        dist.send(h.detach(), dst=1)
        grad = torch.empty_like(h)
        dist.recv(grad, src=1)
        h.backward(grad)
    else:
        h = torch.empty(len(y), 32)
        dist.recv(h, src=0)
        h.requires_grad_()
        loss = F.cross_entropy(stage(h), y)
        loss.backward()
        dist.send(h.grad, dst=0)
        print("KILN-PIPE " + json.dumps({"rank": rank, "epoch": epoch, "loss": loss.item()}), flush=True)
    opt.step()
torch.save(stage.state_dict(), os.path.join(os.environ["SM_MODEL_DIR"], "stage%d.pt" % rank))
dist.destroy_process_group()
