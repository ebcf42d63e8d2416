"""A training curve a hyperparameter decides, for the metrics and tuning tests (standard library only).

Each epoch e = 1..--epochs prints "epoch <e>: validation:loss=<quality + 1/e> train:loss=<...>",
sleeping --sleep seconds between epochs, and writes model/model.txt with the last loss. A
MetricDefinition reads validation:loss; lower --quality is better.
"""
import argparse
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--quality", type=float, required=True)
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--sleep", type=float, default=0.2)
args, _ = parser.parse_known_args()
model = os.path.join(os.environ["SM_MODEL_DIR"], "model.txt")
for e in range(1, args.epochs + 1):
    loss = args.quality + 1.0 / e
    print("epoch %d: validation:loss=%.6f\ttrain:loss=%.6f" % (e, loss, loss / 2), flush=True)
    with open(model, "w") as f:
        f.write("%d %.6f\n" % (e, loss))
    if e < args.epochs:
        time.sleep(args.sleep)
print("finished; validation:loss=n/a (not a number: no metric value)", file=sys.stderr)
