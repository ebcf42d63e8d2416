"""An XGBoost training script as written for SageMaker's XGBoost framework container (script mode).

Hyperparameters arrive as --key value arguments; the data as CSV files (label first, no header,
SageMaker's convention) in the directories SM_CHANNEL_TRAIN and SM_CHANNEL_VALIDATION name; the
booster is saved to SM_MODEL_DIR/xgboost-model, as the container's own training does.
"""
import argparse
import glob
import os

import numpy as np
import xgboost as xgb


def read_csv_dir(directory):
    frames = [np.loadtxt(path, delimiter=",", ndmin=2) for path in sorted(glob.glob(os.path.join(directory, "*.csv")))]
    data = np.vstack(frames)
    return data[:, 1:], data[:, 0]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_depth", type=int, default=3)
    parser.add_argument("--eta", type=float, default=0.3)
    parser.add_argument("--num_round", type=int, default=50)
    parser.add_argument("--objective", type=str, default="binary:logistic")
    parser.add_argument("--model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", type=str, default=os.environ.get("SM_CHANNEL_VALIDATION"))
    args, _ = parser.parse_known_args()

    x_train, y_train = read_csv_dir(args.train)
    x_val, y_val = read_csv_dir(args.validation)
    dtrain = xgb.DMatrix(x_train, label=y_train)
    dval = xgb.DMatrix(x_val, label=y_val)
    params = {"max_depth": args.max_depth, "eta": args.eta, "objective": args.objective,
              "eval_metric": "error", "nthread": 1, "seed": 7}
    booster = xgb.train(params, dtrain, num_boost_round=args.num_round,
                        evals=[(dtrain, "train"), (dval, "validation")], verbose_eval=10)
    predictions = (booster.predict(dval) > 0.5).astype(float)
    print("validation accuracy: %.4f on %d rows" % ((predictions == y_val).mean(), len(y_val)))
    booster.save_model(os.path.join(args.model_dir, "xgboost-model"))
