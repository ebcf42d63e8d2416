"""A scikit-learn training script as written for SageMaker's scikit-learn framework container.

Hyperparameters arrive as --key value arguments; the training CSV (label first, no header) in the
directory SM_CHANNEL_TRAIN names; the fitted estimator is dumped with joblib to
SM_MODEL_DIR/model.joblib, as the SageMaker SDK's scikit-learn examples do.
"""
import argparse
import glob
import os

import joblib
import numpy as np
from sklearn.ensemble import RandomForestClassifier


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=None)
    parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", type=str, default=os.environ["SM_CHANNEL_TRAIN"])
    args = parser.parse_args()

    data = np.vstack([np.loadtxt(p, delimiter=",", ndmin=2)
                      for p in sorted(glob.glob(os.path.join(args.train, "*.csv")))])
    x, y = data[:, 1:], data[:, 0]
    model = RandomForestClassifier(n_estimators=args.n_estimators, max_depth=args.max_depth, random_state=0, n_jobs=1)
    model.fit(x, y)
    print("trained on %d rows, training accuracy %.4f" % (len(y), model.score(x, y)))
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
