"""scikit-learn's side of scripts/bench-sparkml (io.kiln.bench.SparkMlBenchmark).

Reads a JSON request {"tasks": [task, ...]} and prints [answer, ...] as JSON. Every task names CSV
files the Kiln job and Spark MLlib read too (no header, label first where labelled), read as float32
(as Kiln reads them) and computed in float64. Each answer has "read_s" (pandas.read_csv) and "fit_s"
(the estimator's fit, plus the queries' search for k-NN), wall seconds, and the task's quality:
  logistic:   {"train", "test"} -> StandardScaler + LogisticRegression(lbfgs): accuracy, auc
  ridge:      {"train", "test"} -> StandardScaler + Ridge(alpha=1): rmse
  onehot:     {"train", "test", "dim"}: libsvm files (1-based indices) of one-hot rows ->
              LogisticRegression on the sparse one-hot matrix (scikit-learn has no factorization
              machine): accuracy, auc
  kmeans:     {"data", "k", "n_init", "seed"} -> KMeans(k-means++, lloyd): inertia (best of n_init)
  pca:        {"data", "k"} -> PCA(svd_solver="full"): explained_variance (k, largest first),
              total_variance (the sum of every column's variance, ddof 1)
  knn:        {"train", "test", "k", "task", "recall_queries"} -> KNeighborsClassifier / Regressor
              (algorithm "auto"): accuracy or mse; kth_sq: the squared distance of the k-th exact
              neighbour of each of the first recall_queries test rows (NearestNeighbors)
Threads: the caller sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS; k-NN uses n_jobs=2.
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def load(path):
    t0 = time.perf_counter()
    x = pd.read_csv(path, header=None, dtype=np.float32).to_numpy().astype(np.float64)
    return x, time.perf_counter() - t0


def answer(t):
    from sklearn import metrics
    op = t["op"]
    if op in ("logistic", "ridge", "knn"):
        tr, r1 = load(t["train"])
        te, r2 = load(t["test"])
        out = {"read_s": r1 + r2}
        y, x, yt, xt = tr[:, 0], tr[:, 1:], te[:, 0], te[:, 1:]
        t0 = time.perf_counter()
        if op == "logistic":
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler
            m = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x, y)
            out["fit_s"] = time.perf_counter() - t0
            s = m.decision_function(xt)
            out["accuracy"] = float(np.mean((s > 0) == (yt > 0.5)))
            out["auc"] = float(metrics.roc_auc_score(yt, s))
        elif op == "ridge":
            from sklearn.linear_model import Ridge
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler
            m = make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(x, y)
            out["fit_s"] = time.perf_counter() - t0
            out["rmse"] = float(np.sqrt(np.mean((m.predict(xt) - yt) ** 2)))
        else:
            from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors
            k = t["k"]
            est = KNeighborsClassifier if t["task"] == "classifier" else KNeighborsRegressor
            m = est(n_neighbors=k, n_jobs=2).fit(x, y)
            p = m.predict(xt)
            out["fit_s"] = time.perf_counter() - t0
            if t["task"] == "classifier":
                out["accuracy"] = float(np.mean(p == yt))
            else:
                out["mse"] = float(np.mean((p - yt) ** 2))
            q = xt[: t["recall_queries"]]
            d, _ = NearestNeighbors(n_neighbors=k, n_jobs=2).fit(x).kneighbors(q)
            out["kth_sq"] = (d[:, -1] ** 2).tolist()
        return out
    if op == "onehot":
        from sklearn.datasets import load_svmlight_file
        from sklearn.linear_model import LogisticRegression

        t0 = time.perf_counter()
        x, y = load_svmlight_file(t["train"], n_features=t["dim"], zero_based=False)
        xt, yt = load_svmlight_file(t["test"], n_features=t["dim"], zero_based=False)
        out = {"read_s": time.perf_counter() - t0}
        t0 = time.perf_counter()
        m = LogisticRegression(max_iter=1000).fit(x, y)
        out["fit_s"] = time.perf_counter() - t0
        s = m.decision_function(xt)
        out["accuracy"] = float(np.mean((s > 0) == (yt > 0.5)))
        out["auc"] = float(metrics.roc_auc_score(yt, s))
        return out
    x, r = load(t["data"])
    out = {"read_s": r}
    t0 = time.perf_counter()
    if op == "kmeans":
        from sklearn.cluster import KMeans
        km = KMeans(n_clusters=t["k"], n_init=t["n_init"], init="k-means++", algorithm="lloyd",
                    random_state=t.get("seed", 0)).fit(x)
        out["fit_s"] = time.perf_counter() - t0
        out["inertia"] = float(km.inertia_)
    elif op == "pca":
        from sklearn.decomposition import PCA
        p = PCA(n_components=t["k"], svd_solver="full").fit(x)
        out["fit_s"] = time.perf_counter() - t0
        out["explained_variance"] = p.explained_variance_.tolist()
        out["total_variance"] = float(np.var(x, axis=0, ddof=1).sum())
    else:
        raise SystemExit("unknown op " + op)
    return out


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    json.dump([answer(t) for t in req["tasks"]], sys.stdout)


if __name__ == "__main__":
    main()
