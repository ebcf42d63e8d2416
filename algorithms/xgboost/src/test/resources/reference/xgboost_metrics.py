"""Reference metrics for Kiln's XGBoost jobs, from native XGBoost (Debian's python3-xgboost 1.7.4) and
scikit-learn, on one machine and the whole of each channel.

Usage: /usr/bin/python3 xgboost_metrics.py REQUEST.json
REQUEST: {"model": path of Kiln's xgboost-model,
          "channels": {"validation": CSV path (label first), ...},
          "native": [XGBoost metric names], "container": [container metric names],
          "train": optional {"csv": path, "validation": path, "params": {...}, "num_round": N,
                             "early_stopping": {"rounds": R, "metric": name, "maximize": bool}}}
Prints JSON: {"version": ..., "metrics": {"<channel>:<metric>": value}, "rounds": rounds in Kiln's model,
              "native": (with "train") {"best_iteration", "rounds", "predictions": on the validation CSV,
                                         "metrics": the native model's metrics as above}}
Container metrics are computed as SageMaker's XGBoost container computes them (metrics/custom_metrics.py):
scikit-learn's scores of the raw margins, a class being margin > 0 (one output) or the largest margin.
"""
import json
import sys
import warnings

import numpy as np
import xgboost as xgb
from sklearn import metrics as skm

CONTAINER = {
    "accuracy": lambda y, c, m: skm.accuracy_score(y, c),
    "balanced_accuracy": lambda y, c, m: skm.balanced_accuracy_score(y, c),
    "f1": lambda y, c, m: skm.f1_score(y, c, average="macro"),
    "f1_macro": lambda y, c, m: skm.f1_score(y, c, average="macro"),
    "f1_binary": lambda y, c, m: skm.f1_score(y, c, average="binary"),
    "precision": lambda y, c, m: skm.precision_score(y, c),
    "precision_macro": lambda y, c, m: skm.precision_score(y, c, average="macro"),
    "precision_micro": lambda y, c, m: skm.precision_score(y, c, average="micro"),
    "recall": lambda y, c, m: skm.recall_score(y, c),
    "recall_macro": lambda y, c, m: skm.recall_score(y, c, average="macro"),
    "recall_micro": lambda y, c, m: skm.recall_score(y, c, average="micro"),
    "mse": lambda y, c, m: skm.mean_squared_error(y, m),
    "rmse": lambda y, c, m: skm.mean_squared_error(y, m, squared=False),
    "mae": lambda y, c, m: skm.mean_absolute_error(y, m),
    "r2": lambda y, c, m: skm.r2_score(y, m),
    # what Kiln reported as f1 before: class 1's F1 (for the comparison in the multi-class test)
    "f1_class1": lambda y, c, m: skm.f1_score(y, c, labels=[1], average="macro"),
}


def load(path):
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    return xgb.DMatrix(data[:, 1:], label=data[:, 0], missing=np.nan), data[:, 0]


def evaluate(booster, channels, native, container):
    out = {}
    for name, path in channels.items():
        d, y = load(path)
        if native:
            b = booster.copy()
            b.set_param([("eval_metric", m) for m in native])
            line = b.eval_set([(d, name)])
            for token in line.split("\t")[1:]:
                key, value = token.rsplit(":", 1)
                data_name, metric = key.split("-", 1)
                out[data_name + ":" + metric] = float(value)
        if container:
            # scored in float64 (the container scores the float32 arrays, which differs in the 7th digit)
            margins = booster.predict(d, output_margin=True).astype(np.float64)
            y = y.astype(np.float64)
            classes = np.argmax(margins, axis=-1) if margins.ndim == 2 else (margins > 0.0).astype(int)
            for m in container:
                out[name + ":" + m] = float(CONTAINER[m](y, classes, margins))
    return out


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    warnings.simplefilter("ignore")
    kiln = xgb.Booster()
    kiln.load_model(req["model"])
    out = {"version": xgb.__version__, "rounds": kiln.num_boosted_rounds(),
           "metrics": evaluate(kiln, req["channels"], req.get("native", []), req.get("container", []))}
    if "train" in req:
        t = req["train"]
        dtrain, _ = load(t["csv"])
        dvalid, _ = load(t["validation"])
        params = dict(t["params"])
        callbacks = []
        es = t.get("early_stopping")
        if es:
            callbacks.append(xgb.callback.EarlyStopping(rounds=es["rounds"], metric_name=es["metric"],
                                                        data_name="validation", maximize=es["maximize"],
                                                        save_best=True))
        model = xgb.train(params, dtrain, num_boost_round=int(t["num_round"]),
                          evals=[(dtrain, "train"), (dvalid, "validation")], callbacks=callbacks,
                          verbose_eval=False)
        out["native"] = {
            "best_iteration": int(model.attr("best_iteration")) if model.attr("best_iteration") else None,
            "rounds": model.num_boosted_rounds(),
            "predictions": [float(x) for x in model.predict(dvalid)],
            "metrics": evaluate(model, req["channels"], req.get("native", []), req.get("container", [])),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
