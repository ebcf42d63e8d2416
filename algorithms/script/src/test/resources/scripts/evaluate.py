"""Test helper (not a training script): loads a model a script job left in model.tar.gz and prints its
accuracy on a held-out CSV (label first), as one line "accuracy <fraction> <rows>".

Usage: evaluate.py xgboost|sklearn <model file> <held-out csv>
"""
import sys

import numpy as np

kind, model_path, data_path = sys.argv[1:4]
data = np.loadtxt(data_path, delimiter=",", ndmin=2)
x, y = data[:, 1:], data[:, 0]
if kind == "xgboost":
    import xgboost as xgb
    booster = xgb.Booster()
    booster.load_model(model_path)
    predicted = (booster.predict(xgb.DMatrix(x)) > 0.5).astype(float)
else:
    import joblib
    predicted = joblib.load(model_path).predict(x)
print("accuracy %.6f %d" % ((predicted == y).mean(), len(y)))
