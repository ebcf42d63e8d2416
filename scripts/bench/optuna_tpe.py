#!/usr/bin/env python3
"""Reference TPE runs for scripts/bench-tuning: Optuna's TPESampler (defaults, seeded) on the same
test functions and domains as io.kiln.tuning.bench.TestFunction.

    optuna_tpe.py FUNCTION TRIALS SEEDS [CHECKPOINTS]     e.g. optuna_tpe.py branin 50 10 20,50

Prints one JSON object: the simple regret (best value found minus the known minimum) of every seed
(0..SEEDS-1) after each checkpoint, and the wall time of all runs.
"""
import json
import math
import sys
import time

import optuna


def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
              [17, 8, 0.05, 10, 0.1, 14]]
HARTMANN_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
              [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j] * 1e-4) ** 2 for j in range(6))
        total += HARTMANN_ALPHA[i] * math.exp(-inner)
    return -total


def camel(x):
    a, b = x[0] ** 2, x[1] ** 2
    return (4 - 2.1 * a + a * a / 3) * a + x[0] * x[1] + (-4 + 4 * b) * b


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    total = math.sin(math.pi * w[0]) ** 2
    for v in w[:-1]:
        total += (v - 1) ** 2 * (1 + 10 * math.sin(math.pi * v + 1) ** 2)
    return total + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


FUNCTIONS = {
    "branin": (branin, 0.397887357729739, [(-5, 10), (0, 15)]),
    "hartmann6": (hartmann6, -3.32236801141551, [(0, 1)] * 6),
    "camel": (camel, -1.0316284534898774, [(-3, 3), (-2, 2)]),
    "rosenbrock4": (rosenbrock, 0.0, [(-5, 10)] * 4),
    "levy4": (levy, 0.0, [(-10, 10)] * 4),
}


def main():
    name, trials, seeds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    checkpoints = [int(c) for c in (sys.argv[4] if len(sys.argv) > 4 else "20,50").split(",")]
    f, minimum, bounds = FUNCTIONS[name]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    regret = {str(c): [] for c in checkpoints}
    start = time.time()
    for seed in range(seeds):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(lambda t: f([t.suggest_float("x%d" % i, lo, hi) for i, (lo, hi) in enumerate(bounds)]),
                       n_trials=trials)
        best = math.inf
        values = [t.value for t in study.trials]
        for n, v in enumerate(values, 1):
            best = min(best, v)
            if n in checkpoints:
                regret[str(n)].append(best - minimum)
    print(json.dumps({"function": name, "trials": trials, "seeds": seeds, "optuna": optuna.__version__,
                      "sampler": "TPESampler(seed) defaults", "regret": regret,
                      "seconds": time.time() - start}))


if __name__ == "__main__":
    main()
