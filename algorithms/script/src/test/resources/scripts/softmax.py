"""Softmax regression by full-batch gradient descent, standard library only, in SageMaker script-mode
style: hyperparameters as --key value, the train channel's CSVs (label first) from SM_CHANNEL_TRAIN,
model.json into SM_MODEL_DIR, checkpoints in SAGEMAKER_BASE_DIR/checkpoints (resumed from when
present), a failure file for a bad hyperparameter or data line (ClientError: the user's mistake).

Each epoch prints `epoch=N loss=X` on rank 0 (the job's MetricDefinition reads the loss) and sleeps
--sleep seconds, so a stop or an executor's loss lands mid-training.
"""
import argparse
import glob
import json
import math
import os
import signal
import sys
import time

base = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
failure = os.path.join(base, "output", "failure")
model_dir = os.environ["SM_MODEL_DIR"]
checkpoints = os.path.join(base, "checkpoints")


def fail(message):
    with open(failure, "w") as f:
        f.write("ClientError: " + message + "\n")
    sys.exit(2)


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=str, default="20")
parser.add_argument("--lr", type=str, default="0.5")
parser.add_argument("--sleep", type=str, default="0")
args, _ = parser.parse_known_args()
try:
    epochs = int(args.epochs)
    if epochs < 1:
        raise ValueError
except ValueError:
    fail("hyperparameter epochs='%s' is not a positive integer; give a whole number of epochs such as 20" % args.epochs)
lr = float(args.lr)
pause = float(args.sleep)

rows, labels = [], []
for path in sorted(glob.glob(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "**", "*"), recursive=True)):
    if not os.path.isfile(path):
        continue
    name = os.path.relpath(path, os.environ["SM_CHANNEL_TRAIN"])
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            cells = line.strip().split(",")
            try:
                values = [float(c) for c in cells]
            except ValueError:
                bad = None
                for c in cells:
                    try:
                        float(c)
                    except ValueError:
                        bad = c
                        break
                fail("%s line %d: '%s' is not a number; every column of the train channel is a number" % (name, n, bad))
            labels.append(int(values[0]))
            rows.append(values[1:])
if not rows:
    fail("the train channel holds no rows")

classes = max(labels) + 1
features = len(rows[0])
mean = [sum(r[j] for r in rows) / len(rows) for j in range(features)]
std = [math.sqrt(sum((r[j] - mean[j]) ** 2 for r in rows) / len(rows)) or 1.0 for j in range(features)]
x = [[(r[j] - mean[j]) / std[j] for j in range(features)] for r in rows]
w = [[0.0] * (features + 1) for _ in range(classes)]
start = 0

state = os.path.join(checkpoints, "state.json")
if os.path.exists(state):
    with open(state) as f:
        saved = json.load(f)
    w, start = saved["w"], saved["epoch"]
    print("Resumed from the checkpoint after epoch %d" % start, flush=True)

rank = json.loads(os.environ["SM_HOSTS"]).index(os.environ["SM_CURRENT_HOST"])
stopped = []
signal.signal(signal.SIGTERM, lambda *_: stopped.append(True))


def save_model(epoch):
    with open(os.path.join(model_dir, "model.json"), "w") as f:
        json.dump({"w": w, "mean": mean, "std": std, "epochs": epoch}, f)


for epoch in range(start, epochs):
    grad = [[0.0] * (features + 1) for _ in range(classes)]
    loss = 0.0
    for xi, yi in zip(x, labels):
        z = [row[-1] + sum(a * b for a, b in zip(row, xi)) for row in w]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        s = sum(e)
        p = [v / s for v in e]
        loss -= math.log(max(p[yi], 1e-12))
        for c in range(classes):
            g = p[c] - (1.0 if c == yi else 0.0)
            for j in range(features):
                grad[c][j] += g * xi[j]
            grad[c][-1] += g
    for c in range(classes):
        for j in range(features + 1):
            w[c][j] -= lr * grad[c][j] / len(x)
    if rank == 0:
        print("epoch=%d loss=%.6f" % (epoch + 1, loss / len(x)), flush=True)
    save_model(epoch + 1)
    os.makedirs(checkpoints, exist_ok=True)
    with open(state + ".tmp", "w") as f:
        json.dump({"w": w, "epoch": epoch + 1}, f)
    os.replace(state + ".tmp", state)
    if stopped:
        print("SIGTERM: stopping after epoch %d" % (epoch + 1), flush=True)
        break
    time.sleep(pause)
