"""A distributed XGBoost training script (SageMaker script-mode style) that joins Kiln's Rabit tracker
with no arguments: xgboost.collective.CommunicatorContext() reads DMLC_TRACKER_URI / DMLC_TRACKER_PORT
/ DMLC_TASK_ID from the environment.

Each worker reads its share of the train channel (ShardedByS3Key) and the whole validation channel;
xgb.train with the hist method all-reduces the gradient histograms, so every worker ends with the same
booster. Prints one line per worker:
KILN-XGB {"rank", "world", "task_id", "rows", "label_sum", "model_sha", "local_sha", "val_checksum"}
where model_sha hashes the distributed booster's raw bytes and local_sha the booster the same call
gives on this worker's rows alone (after the communicator is closed). Rank 0 saves the booster to
SM_MODEL_DIR/xgboost-model.
"""
import argparse
import glob
import hashlib
import json
import os

import numpy as np
import xgboost as xgb


def read_csv_dir(directory):
    frames = [np.loadtxt(path, delimiter=",", ndmin=2) for path in sorted(glob.glob(os.path.join(directory, "*.csv")))]
    data = np.vstack(frames)
    return data[:, 1:], data[:, 0]


def train(params, x, y, rounds):
    booster = xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=rounds)
    return booster, hashlib.sha256(bytes(booster.save_raw("json"))).hexdigest()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_depth", type=int, default=3)
    parser.add_argument("--eta", type=float, default=0.3)
    parser.add_argument("--num_round", type=int, default=30)
    parser.add_argument("--model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", type=str, default=os.environ.get("SM_CHANNEL_VALIDATION"))
    args, _ = parser.parse_known_args()

    x, y = read_csv_dir(args.train)
    x_val, y_val = read_csv_dir(args.validation)
    params = {"max_depth": args.max_depth, "eta": args.eta, "objective": "binary:logistic",
              "tree_method": "hist", "nthread": 1, "seed": 7}
    with xgb.collective.CommunicatorContext():  # no arguments: the DMLC_* variables
        rank = xgb.collective.get_rank()
        world = xgb.collective.get_world_size()
        booster, model_sha = train(params, x, y, args.num_round)
        if rank == 0:
            booster.save_model(os.path.join(args.model_dir, "xgboost-model"))
    _, local_sha = train(params, x, y, args.num_round)  # this worker's rows alone
    p = booster.predict(xgb.DMatrix(x_val))
    print("KILN-XGB " + json.dumps({
        "rank": rank, "world": world, "task_id": os.environ.get("DMLC_TASK_ID"), "rows": len(y),
        "label_sum": float(y.sum()), "model_sha": model_sha, "local_sha": local_sha,
        "val_checksum": round(float(p.sum()), 6),
        "val_accuracy": float(((p > 0.5) == y_val).mean())}), flush=True)
