"""The metrics SageMaker's XGBoost 1.7-1 container computes itself (metrics/custom_metrics.py), as it
defines them: scikit-learn's scores of XGBoost's raw margins, a class being margin > 0 for one output
and the largest margin's index for several.

Usage: /usr/bin/python3 container_metrics.py REQUEST.json
REQUEST: {"cases": [{"labels": [...], "margins": [...] or [[...], ...], "metrics": [...]}, ...]}
Prints JSON: {"sklearn": version, "results": [{metric: value, ...}, ...]}
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics as skm

AVERAGED = {
    "f1": lambda y, p: skm.f1_score(y, p, average="macro"),
    "f1_macro": lambda y, p: skm.f1_score(y, p, average="macro"),
    "f1_binary": lambda y, p: skm.f1_score(y, p, average="binary"),
    "precision": lambda y, p: skm.precision_score(y, p),
    "precision_macro": lambda y, p: skm.precision_score(y, p, average="macro"),
    "precision_micro": lambda y, p: skm.precision_score(y, p, average="micro"),
    "recall": lambda y, p: skm.recall_score(y, p),
    "recall_macro": lambda y, p: skm.recall_score(y, p, average="macro"),
    "recall_micro": lambda y, p: skm.recall_score(y, p, average="micro"),
    "accuracy": skm.accuracy_score,
    "balanced_accuracy": skm.balanced_accuracy_score,
}
REGRESSION = {
    "mse": skm.mean_squared_error,
    "rmse": lambda y, p: skm.mean_squared_error(y, p, squared=False),
    "mae": skm.mean_absolute_error,
    "r2": skm.r2_score,
}


def classes(margins):
    if margins.ndim == 2:
        return np.argmax(margins, axis=-1)
    return (margins > 0.0).astype(int)


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    results = []
    warnings.simplefilter("ignore")
    for case in req["cases"]:
        # float32 as XGBoost gives them, scored in float64 (the container scores the float32 arrays, which
        # differs from exact in the 7th digit)
        labels = np.asarray(case["labels"], dtype=np.float32).astype(np.float64)
        margins = np.asarray(case["margins"], dtype=np.float32).astype(np.float64)
        out = {}
        for m in case["metrics"]:
            if m in AVERAGED:
                out[m] = float(AVERAGED[m](labels, classes(margins)))
            else:
                out[m] = float(REGRESSION[m](labels, margins))
        results.append(out)
    print(json.dumps({"sklearn": sklearn.__version__, "results": results}))


if __name__ == "__main__":
    main()
