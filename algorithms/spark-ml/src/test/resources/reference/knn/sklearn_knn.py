"""scikit-learn's k nearest neighbours of test rows among train rows (label-first CSV files).

Request (JSON file named by argv[1]): {"cases": {name: {"train": path, "test": path, "k": k,
"task": "classifier"|"regressor"}}}; prints {name: answer} (one Python start for every case).
The features are cast to float32 first (what Kiln reads), then searched in float64.
Each answer: {"indices": [[...]], "distances": [[...]] (Euclidean), "predictions": [...], "metric": accuracy or mse,
"kth_tie": [bool] (another train row lies at the k-th distance, so the neighbour set is not unique)}.
"""
import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors


def load(path):
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    return data[:, 1:].astype(np.float32).astype(np.float64), data[:, 0]


def case(req):
    xtr, ytr = load(req["train"])
    xte, yte = load(req["test"])
    k = req["k"]
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(xtr)
    dist, idx = nn.kneighbors(xte)
    exact = ((xte[:, None, :] - xtr[None, :, :]) ** 2).sum(axis=2)
    ties = []
    for q in range(len(xte)):
        kth = np.sort(exact[q])[k - 1]
        ties.append(bool(np.sum(np.abs(exact[q] - kth) <= 1e-9 * max(1.0, kth)) > 1))
    if req["task"] == "classifier":
        model = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(xtr, ytr)
        pred = model.predict(xte)
        metric = accuracy_score(yte, pred)
    else:
        model = KNeighborsRegressor(n_neighbors=k, algorithm="brute").fit(xtr, ytr)
        pred = model.predict(xte)
        metric = mean_squared_error(yte, pred)
    return {"indices": idx.tolist(), "distances": dist.tolist(), "predictions": pred.tolist(),
            "metric": float(metric), "kth_tie": ties}


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    print(json.dumps({name: case(c) for name, c in req["cases"].items()}))


main()
