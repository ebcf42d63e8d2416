#!/usr/bin/env python3
"""The reference for the XGBoost part of scripts/bench-tuning: Optuna's TPE tuning native XGBoost
(Debian's python3-xgboost) on the same digits split, search space and budget as Kiln's benchmark.

    optuna_xgboost.py TRAIN_CSV VALIDATION_CSV TRIALS SEEDS      (CSV: label first, no header)

Prints: RESULT tpe=<median best validation mlogloss> runs=[...]
"""
import sys

import numpy as np
import optuna
import xgboost as xgb

optuna.logging.set_verbosity(optuna.logging.WARNING)
train = np.loadtxt(sys.argv[1], delimiter=",")
valid = np.loadtxt(sys.argv[2], delimiter=",")
trials = int(sys.argv[3])
seeds = [int(s) for s in sys.argv[4].split(",")]
dtrain = xgb.DMatrix(train[:, 1:], label=train[:, 0])
dvalid = xgb.DMatrix(valid[:, 1:], label=valid[:, 0])


def objective(trial):
    params = {
        "objective": "multi:softprob", "num_class": 10, "eval_metric": "mlogloss", "tree_method": "hist",
        "base_score": 0.5, "nthread": 1,
        "max_depth": trial.suggest_int("max_depth", 2, 8),
        "eta": trial.suggest_float("eta", 0.02, 0.5, log=True),
        "min_child_weight": trial.suggest_float("min_child_weight", 0.1, 10, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
    }
    result = {}
    xgb.train(params, dtrain, num_boost_round=60, evals=[(dvalid, "validation")], evals_result=result,
              verbose_eval=False)
    return result["validation"]["mlogloss"][-1]


bests = []
for seed in seeds:
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)
    bests.append(study.best_value)
print("RESULT tpe=%.6f runs=%s" % (float(np.median(bests)), [round(b, 5) for b in bests]))
