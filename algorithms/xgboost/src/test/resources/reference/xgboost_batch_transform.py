"""What SageMaker's XGBoost container writes in Batch Transform, from native XGBoost (Debian's python3-xgboost).

Usage: /usr/bin/python3 xgboost_batch_transform.py REQUEST.json
REQUEST: {"model": path of an xgboost-model, "inputs": [CSV files of features only, no label]}
Prints JSON: {"version", "csv": [per input, its lines], "jsonlines": [per input, its lines]}
The container (algorithm_mode/serve.py) reads a CSV payload into a DMatrix of float64 values with
empty cells as nan, predicts with the whole booster, and in Batch Transform (SAGEMAKER_BATCH) writes
"\n".join(map(str, preds.tolist())); its JSON form is {"score": value} per prediction.
"""
import json
import sys

import numpy as np
import xgboost as xgb


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    booster = xgb.Booster()
    booster.load_model(req["model"])
    booster.set_param("nthread", 1)
    csv, jsonl = [], []
    for path in req["inputs"]:
        with open(path) as f:
            lines = [line for line in f.read().strip().split("\n") if line.strip()]
        rows = np.array([["nan" if x == "" else x for x in line.split(",")] for line in lines]).astype(float)
        preds = booster.predict(xgb.DMatrix(rows), validate_features=False).tolist()
        csv.append([str(p) for p in preds])
        jsonl.append([json.dumps({"score": p}) for p in preds])
    print(json.dumps({"version": xgb.__version__, "csv": csv, "jsonlines": jsonl}))


if __name__ == "__main__":
    main()
