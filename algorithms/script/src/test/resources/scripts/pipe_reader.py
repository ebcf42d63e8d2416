"""Reads a Pipe-mode channel as SageMaker gives it: the FIFOs SM_INPUT_DIR/data/train_0 and train_1, one
pass (epoch) each. Standard library only. Writes what it saw to SM_MODEL_DIR/pipe.json: whether each
is a FIFO, the records (lines) read from each, and the channel's mode from inputdataconfig.json.
"""
import json
import os
import stat

data = os.path.join(os.environ["SM_INPUT_DIR"], "data")
report = {"mode": json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "inputdataconfig.json")))
          ["train"]["TrainingInputMode"]}
for epoch in (0, 1):
    path = os.path.join(data, "train_%d" % epoch)
    report["fifo_%d" % epoch] = stat.S_ISFIFO(os.stat(path).st_mode)
    with open(path, "rb") as f:
        report["records_%d" % epoch] = sum(1 for line in f if line.strip())
report["listing"] = sorted(os.listdir(data))
print("pipe report " + json.dumps(report, sort_keys=True))
with open(os.path.join(os.environ["SM_MODEL_DIR"], "pipe.json"), "w") as f:
    json.dump(report, f, sort_keys=True)
