"""scikit-learn's reference for Linear Learner: the same split, the same standardisation.

Request (JSON file named by argv[1]): {"task": "binary"|"multiclass"|"regression",
"train": csv path, "test": csv path} with the label in the first column.
Prints JSON: binary -> accuracy, auc; multiclass -> accuracy; regression -> rmse; and the
version of scikit-learn.
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.preprocessing import StandardScaler


def load(path):
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    return data[:, 1:], data[:, 0]


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    x_train, y_train = load(req["train"])
    x_test, y_test = load(req["test"])
    scaler = StandardScaler().fit(x_train)
    x_train = scaler.transform(x_train)
    x_test = scaler.transform(x_test)
    out = {"sklearn": sklearn.__version__}
    task = req["task"]
    if task == "regression":
        model = Ridge(alpha=1.0).fit(x_train, y_train)
        out["rmse"] = float(np.sqrt(mean_squared_error(y_test, model.predict(x_test))))
    else:
        model = LogisticRegression(max_iter=10000).fit(x_train, y_train)
        out["accuracy"] = float(accuracy_score(y_test, model.predict(x_test)))
        if task == "binary":
            out["auc"] = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
    print(json.dumps(out))


main()
