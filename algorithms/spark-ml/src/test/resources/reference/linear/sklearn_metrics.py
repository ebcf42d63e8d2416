"""scikit-learn's values of Linear Learner's metrics on given scores and labels.

Request (JSON file named by argv[1]):
{"binary": {"scores": [...], "labels": [...], "threshold": t, "beta": b},
 "multiclass": {"probabilities": [[...], ...], "labels": [...], "k": k, "beta": b},
 "regression": {"predictions": [...], "labels": [...]}}
Prints the metrics by Linear Learner's names (channel prefix left out).
"""
import json
import sys

import numpy as np
from sklearn import metrics


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    out = {}
    b = req["binary"]
    s = np.array(b["scores"])
    y = np.array(b["labels"]).astype(int)
    p = (s >= b["threshold"]).astype(int)
    out["binary_classification_accuracy"] = metrics.accuracy_score(y, p)
    out["binary_f_beta"] = metrics.fbeta_score(y, p, beta=b["beta"], zero_division=0)
    out["precision"] = metrics.precision_score(y, p, zero_division=0)
    out["recall"] = metrics.recall_score(y, p, zero_division=0)
    out["roc_auc_score"] = metrics.roc_auc_score(y, s)
    m = req["multiclass"]
    prob = np.array(m["probabilities"])
    y = np.array(m["labels"]).astype(int)
    pred = prob.argmax(axis=1)
    classes = list(range(prob.shape[1]))
    out["multiclass_accuracy"] = metrics.accuracy_score(y, pred)
    out["multiclass_top_k_accuracy"] = metrics.top_k_accuracy_score(y, prob, k=m["k"], labels=classes)
    out["macro_precision"] = metrics.precision_score(y, pred, average="macro", labels=classes, zero_division=0)
    out["macro_recall"] = metrics.recall_score(y, pred, average="macro", labels=classes, zero_division=0)
    out["macro_f_beta"] = metrics.fbeta_score(y, pred, beta=m["beta"], average="macro", labels=classes,
                                              zero_division=0)
    # the true class's rank among the probabilities (1 = highest), discounted as DCG discounts
    ranks = (prob > prob[np.arange(len(y)), y][:, None]).sum(axis=1) + 1
    out["dcg"] = float(np.mean(1 / np.log2(1 + ranks)))
    r = req["regression"]
    yp = np.array(r["predictions"])
    y = np.array(r["labels"])
    out["mse"] = metrics.mean_squared_error(y, yp)
    out["rmse"] = float(np.sqrt(out["mse"]))
    out["absolute_loss"] = metrics.mean_absolute_error(y, yp)
    print(json.dumps({k: float(v) for k, v in out.items()}))


main()
