"""The reference side of Kiln's XGBoost reference suite: native XGBoost (Debian's python3-xgboost)
and scikit-learn on the very files Kiln's jobs read.

Usage: /usr/bin/python3 xgboost_suite.py REQUEST.json
REQUEST: {"jobs": [{"name", "format": "csv" | "libsvm" | "parquet", "train": path, "validation": path,
                    "params": {booster parameters Kiln used}, "eval_metric": [native metric names],
                    "computed": [container-only metric names], "num_round": N, "model": Kiln's xgboost-model,
                    "train_native": bool}, ...]}
  csv: label first; libsvm: label qid:n index:value ... (consecutive qids are query groups, as XGBoost's
  LIBSVM reader makes them); parquet: the container reads Parquet with pandas into a NumPy array and builds
  the DMatrix from it (data[:, 1:], label=data[:, 0]); pyarrow is not packaged for this Debian, so the same
  numbers come from a CSV copy of the Parquet file's data columns. See load() for the rounding of text.
Prints JSON: {"version", "jobs": {name: {"native": {"train:rmse": ...}, "loaded": {...},
              "native_predictions": [...validation...], "loaded_predictions": [...]}}}
  "native": metrics of a model native XGBoost trains with the same parameters (when train_native),
            XGBoost's own from evals_result, the container-only ones with scikit-learn from the model's
            predictions, as the container's custom metrics compute them;
  "loaded": the same metrics for Kiln's saved model loaded by native XGBoost.
"""
import json
import sys

import numpy as np
import xgboost as xgb
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, f1_score, mean_absolute_error,
                             mean_squared_error, precision_score, r2_score, recall_score)


def load(fmt, path):
    """The channel's numbers, rounded to float32 correctly as Kiln reads them (Java's Float.parseFloat).

    XGBoost's own text readers (dmlc-core's, which the container uses in File mode) round some decimals
    one unit in the last place off (2.36 -> 2.3600001); dmlc_differences counts the cells where they
    do, which is the only difference left between the container's reading of these files and Kiln's.
    """
    if fmt == "libsvm":
        labels, qids, rows = [], [], []
        for line in open(path):
            tokens = line.split()
            if not tokens:
                continue
            labels.append(float(tokens[0]))
            values = {}
            for t in tokens[1:]:
                k, v = t.split(":")
                if k == "qid":
                    qids.append(int(v))
                else:
                    values[int(k)] = float(v)
            rows.append(values)
        width = 1 + max(max(r) for r in rows if r)
        data = np.full((len(rows), width), np.nan, dtype=np.float32)
        for i, r in enumerate(rows):
            for k, v in r.items():
                data[i, k] = v
        dm = xgb.DMatrix(data, label=np.array(labels), missing=np.nan)
        if qids:
            sizes = [1]
            for a, b in zip(qids, qids[1:]):
                if a == b:
                    sizes[-1] += 1
                else:
                    sizes.append(1)
            dm.set_group(sizes)
        native = xgb.DMatrix(path + "?format=libsvm")
    else:
        data = np.loadtxt(path, delimiter=",", ndmin=2)
        dm = xgb.DMatrix(data[:, 1:], label=data[:, 0], missing=np.nan)
        native = xgb.DMatrix(path + "?format=csv&label_column=0") if fmt == "csv" else None
        data = data[:, 1:].astype(np.float32)
    differences = 0
    if native is not None:
        theirs = native.get_data().toarray().astype(np.float32)
        ours = np.nan_to_num(data.astype(np.float32))[:, : theirs.shape[1]]
        differences = int(np.sum(theirs != ours))
    return dm, differences


def classes(pred):
    # the container's margin_to_class_label: argmax for several outputs, else margin > 0, i.e. probability > 0.5
    if pred.ndim > 1:
        return np.argmax(pred, axis=-1)
    return (pred > 0.5).astype(int)


def computed(name, pred, margin, labels):
    # the container computes its regression metrics from the raw margin (a link objective: log scale)
    if name == "accuracy":
        return float(accuracy_score(labels, classes(pred)))
    if name == "f1":
        return float(f1_score(labels, classes(pred), average="macro"))
    if name == "f1_macro":
        return float(f1_score(labels, classes(pred), average="macro"))
    if name == "f1_binary":
        return float(f1_score(labels, classes(pred), average="binary"))
    if name == "balanced_accuracy":
        return float(balanced_accuracy_score(labels, classes(pred)))
    if name in ("precision", "recall"):
        score = precision_score if name == "precision" else recall_score
        return float(score(labels, classes(pred), average="binary", zero_division=0))
    if name in ("precision_macro", "recall_macro", "precision_micro", "recall_micro"):
        score = precision_score if name.startswith("precision") else recall_score
        return float(score(labels, classes(pred), average=name.split("_")[1], zero_division=0))
    if name == "mse":
        return float(mean_squared_error(labels, margin))
    if name == "rmse":
        return float(np.sqrt(mean_squared_error(labels, margin)))
    if name == "mae":
        return float(mean_absolute_error(labels, margin))
    if name == "r2":
        return float(r2_score(labels, margin))
    raise ValueError(name)


def metrics(bst, sets, job):
    out = {}
    for set_name, dm in sets:
        text = bst.eval_set([(dm, set_name)], 0)
        for token in text.split("\t")[1:]:
            key, value = token.rsplit(":", 1)
            out[key.replace("-", ":", 1)] = float(value)
        pred = bst.predict(dm)
        margin = bst.predict(dm, output_margin=True)
        for name in job["computed"]:
            out[set_name + ":" + name] = computed(name, pred, margin, dm.get_label())
    return out


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    result = {"version": xgb.__version__, "jobs": {}}
    for job in req["jobs"]:
        dtrain, train_differences = load(job["format"], job["train"])
        dval, validation_differences = load(job["format"], job["validation"])
        sets = [("train", dtrain), ("validation", dval)]
        params = dict(job["params"])
        loaded = xgb.Booster(params={"nthread": 2})
        loaded.load_model(job["model"])
        for m in job["eval_metric"]:
            loaded.set_param("eval_metric", m)
        out = {"loaded": metrics(loaded, sets, job), "loaded_predictions": loaded.predict(dval).ravel().tolist(),
               "dmlc_differences": train_differences + validation_differences}
        if job["train_native"]:
            native = xgb.train(params, dtrain, num_boost_round=int(job["num_round"]))
            for m in job["eval_metric"]:
                native.set_param("eval_metric", m)
            out["native"] = metrics(native, sets, job)
            out["native_predictions"] = native.predict(dval).ravel().tolist()
        result["jobs"][job["name"]] = out
    print(json.dumps(result))


if __name__ == "__main__":
    main()
