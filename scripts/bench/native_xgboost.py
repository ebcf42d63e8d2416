"""Native XGBoost (Debian's python3-xgboost) on the benchmark data: the peer Kiln is measured against.

Usage: native_xgboost.py TRAIN_CSV TEST_CSV ROUNDS NTHREAD
Prints one RESULT line: read, DMatrix and train seconds, and AUC on the test rows.
"""
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score

train_csv, test_csv, rounds, nthread = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
reps = int(sys.argv[5]) if len(sys.argv) > 5 else 1
times = []
for _ in range(reps):
    t0 = time.time()
    train = pd.read_csv(train_csv, header=None, dtype=np.float32).to_numpy()
    t1 = time.time()
    dtrain = xgb.DMatrix(train[:, 1:], label=train[:, 0], nthread=nthread)
    t2 = time.time()
    params = {"objective": "binary:logistic", "max_depth": 6, "tree_method": "hist", "eta": 0.3,
              "eval_metric": "logloss", "nthread": nthread, "base_score": 0.5}
    booster = xgb.train(params, dtrain, num_boost_round=rounds, evals=[(dtrain, "train")], verbose_eval=False)
    t3 = time.time()
    times.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0))
test = pd.read_csv(test_csv, header=None, dtype=np.float32).to_numpy()
auc = roc_auc_score(test[:, 0], booster.predict(xgb.DMatrix(test[:, 1:])))
best = sorted(times, key=lambda t: t[3])[len(times) // 2]  # the run with the median total
print("RESULT version=%s read_seconds=%.3f dmatrix_seconds=%.3f train_seconds=%.3f auc=%.5f totals=%s"
      % (xgb.__version__, best[0], best[1], best[2], auc, ",".join("%.2f" % t[3] for t in times)))
