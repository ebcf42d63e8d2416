"""Prints many lines fast, for the log-batching test (standard library only).

Arguments (from the job's hyperparameters): --lines N lines to stdout ("out <rank> <i>") and, every
tenth, one to stderr ("err <rank> <i>"); the rank is this host's index in SM_HOSTS.
"""
import argparse
import json
import os
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--lines", type=int, default=1000)
args, _ = parser.parse_known_args()
rank = json.loads(os.environ["SM_HOSTS"]).index(os.environ["SM_CURRENT_HOST"])
for i in range(args.lines):
    print("out %d %d" % (rank, i))
    if i % 10 == 0:
        print("err %d %d" % (rank, i), file=sys.stderr)
sys.stdout.flush()
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
    f.write("done\n")
