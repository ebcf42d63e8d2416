"""scikit-learn references for Kiln's PCA and K-Means tests.

Reads a JSON request: {"op": "pca" | "kmeans", "data": CSV path (features only, no header), ...}
and prints JSON.
  pca:    {"k": n_components} -> PCA(svd_solver="full"): explained_variance, singular_values, mean,
          components (k x d, scikit-learn's order: largest variance first)
  svd:    {"k": n} -> numpy's SVD of the uncentred rows: the top k singular values and right singular vectors
  kmeans: {"k": clusters, "n_init": inits, "seed": s} -> KMeans(init="k-means++", n_init, algorithm="lloyd"):
          the best inertia of n_init runs, and the centers
  batch:  {"requests": [request, ...]} -> [answer, ...]: several in one process (scikit-learn imported once)
"""
import json
import sys

import numpy as np


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    if req["op"] == "batch":
        json.dump([answer(r) for r in req["requests"]], sys.stdout)
    else:
        json.dump(answer(req), sys.stdout)


def answer(req):
    # the values as Kiln (and SageMaker's algorithms) read them: float32, then computed in float64
    x = np.loadtxt(req["data"], delimiter=",", dtype=np.float32, ndmin=2).astype(np.float64)
    if req["op"] == "pca":
        from sklearn.decomposition import PCA
        p = PCA(n_components=req["k"], svd_solver="full").fit(x)
        out = {"explained_variance": p.explained_variance_.tolist(),
               "singular_values": p.singular_values_.tolist(),
               "mean": p.mean_.tolist(),
               "components": p.components_.tolist()}
    elif req["op"] == "svd":
        # PCA without centring (subtract_mean=false): the SVD of the rows as they are
        _, sv, vt = np.linalg.svd(x, full_matrices=False)
        out = {"singular_values": sv[:req["k"]].tolist(), "components": vt[:req["k"]].tolist()}
    elif req["op"] == "kmeans":
        from sklearn.cluster import KMeans
        km = KMeans(n_clusters=req["k"], n_init=req["n_init"], init="k-means++", algorithm="lloyd",
                    random_state=req.get("seed", 0)).fit(x)
        out = {"inertia": float(km.inertia_), "centers": km.cluster_centers_.tolist()}
    else:
        raise SystemExit("unknown op " + req["op"])
    return out


if __name__ == "__main__":
    main()
