"""A training loop that resumes from its checkpoint, as a script for SageMaker's managed spot does.

Standard library only. Counts STEPS steps (hyperparameter --steps, default 30), one every --step-seconds
(default 0.5), saving the step reached to checkpoints/step.txt after each (written beside it, then
renamed over it, as a careful script does). On start it resumes from that file when it is there and
prints "RESUMED-FROM <step> pid=<pid> executor=<parent pid>"; at the end it writes model/result.json
with the step it resumed from and every step it ran. It exits when its parent (the worker) dies.
"""
import argparse
import json
import os
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--step-seconds", type=float, default=0.5)
    args, _ = parser.parse_known_args()
    base = os.environ["SAGEMAKER_BASE_DIR"]
    state = os.path.join(base, "checkpoints", "step.txt")
    start = 0
    if os.path.exists(state):
        with open(state) as f:
            start = int(f.read().strip())
    parent = os.getppid()
    print("RESUMED-FROM %d pid=%d executor=%d" % (start, os.getpid(), parent), flush=True)
    ran = []
    for step in range(start + 1, args.steps + 1):
        time.sleep(args.step_seconds)
        if os.getppid() != parent:
            sys.exit(9)  # the worker is gone: a container's end would have ended this process
        ran.append(step)
        with open(state + ".tmp", "w") as f:
            f.write("%d\n" % step)
        os.replace(state + ".tmp", state)
        print("step %d" % step, flush=True)
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "result.json"), "w") as f:
        json.dump({"resumed_from": start, "ran": ran}, f)


if __name__ == "__main__":
    main()
