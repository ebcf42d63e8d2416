"""Reference numbers for Kiln's XGBoost tests, from native XGBoost (Debian's python3-xgboost).

Usage: /usr/bin/python3 xgboost_reference.py REQUEST.json
REQUEST: {"model": path of Kiln's xgboost-model, "train": CSV (label first), "predict": CSV (label first),
          "params": {...}, "num_round": N}
Prints JSON: {"version", "loaded": predictions of Kiln's model loaded natively,
              "native": predictions of a model native XGBoost trains on the same data and params,
              "native_auc", "loaded_auc"}
"""
import json
import sys

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    train = np.loadtxt(req["train"], delimiter=",", ndmin=2)
    data = np.loadtxt(req["predict"], delimiter=",", ndmin=2)
    dpredict = xgb.DMatrix(data[:, 1:], missing=np.nan)
    loaded = xgb.Booster()
    loaded.load_model(req["model"])
    loaded_pred = loaded.predict(dpredict)
    params = dict(req["params"])
    if "," in params.get("eval_metric", ""):
        params["eval_metric"] = params["eval_metric"].split(",")
    dtrain = xgb.DMatrix(train[:, 1:], label=train[:, 0], missing=np.nan)
    native = xgb.train(params, dtrain, num_boost_round=int(req["num_round"]))
    native_pred = native.predict(dpredict)
    out = {
        "version": xgb.__version__,
        "loaded": [float(x) for x in loaded_pred],
        "native": [float(x) for x in native_pred],
    }
    if params.get("objective", "").startswith("binary:"):
        out["native_auc"] = float(roc_auc_score(data[:, 0], native_pred))
        out["loaded_auc"] = float(roc_auc_score(data[:, 0], loaded_pred))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
