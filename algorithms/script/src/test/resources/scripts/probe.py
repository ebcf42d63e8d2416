"""Kiln's script-mode probe: reports every file and variable of SageMaker's container contract it sees.

Standard library only. Prints one line, "KILN-PROBE <json>", with what it found; rank 0 (the first
host) also writes it to SM_MODEL_DIR/probe.json and a file to SM_OUTPUT_DATA_DIR. The hyperparameter
"mode" makes it fail: "failure-file" writes output/failure and exits 3; "raise" raises ValueError;
"wait-for-stop" waits for SIGTERM, then writes SM_MODEL_DIR/stopped.txt and exits 0; "last-rank-fails":
the last host raises after a second, the others print their pid and sleep two minutes; "orphan"
starts a child process that sleeps five minutes and exits without waiting for it. In "last-rank-fails"
the sleepers write "sigterm-<host>" into KILN_TEST_MARKERS (when set) on SIGTERM and exit 0, and each
starts a child that ignores SIGTERM (it prints "stubborn pid=<pid>").
"checkpoint": prints "KILN-CHECKPOINT <json>" with the files it found in checkpoints/, writes
checkpoints/<host>/step-1.txt (rank 0 also appends "resumed" to checkpoints/state.txt), waits (at
most a minute) for the file KILN_TEST_GO, then writes checkpoints/<host>/final.txt.
"checkpoint-link": writes checkpoints/ok.txt and a symbolic link checkpoints/link.txt to KILN_TEST_OUTSIDE.
"""
import json
import os
import signal
import subprocess
import sys
import time

# reported as "<set>": the report goes to the job log
SECRETS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def files_under(directory):
    found = {}
    for dirpath, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, directory)] = f.read().decode("utf-8", "replace")
    return found


def main():
    base = os.environ["SAGEMAKER_BASE_DIR"]
    config = os.path.join(base, "input", "config")
    hps = json.loads(os.environ["SM_HPS"])
    report = {
        "argv": sys.argv[1:],
        "cwd": os.getcwd(),
        "env": {k: ("<set>" if k in SECRETS else v) for k, v in os.environ.items()
                if k.startswith(("SM_", "SAGEMAKER_", "AWS_")) or k in ("TRAINING_JOB_NAME", "CURRENT_HOST")
                or k.startswith("KILN_TEST_")},
        "hyperparameters.json": read_json(os.path.join(config, "hyperparameters.json")),
        "resourceconfig.json": read_json(os.path.join(config, "resourceconfig.json")),
        "inputdataconfig.json": read_json(os.path.join(config, "inputdataconfig.json")),
        "hps_types": {k: type(v).__name__ for k, v in hps.items()},
        "channels": {c: files_under(os.environ["SM_CHANNEL_" + c.upper()]) for c in json.loads(os.environ["SM_CHANNELS"])},
        "dirs": {d: os.path.isdir(os.path.join(base, d)) for d in
                 ("model", "output/data", "output/intermediate", "checkpoints", "code", "input/data")},
    }
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    report["secret_in_a_file"] = bool(secret) and any(secret in text for text in files_under(base).values())
    sys.stderr.write("probe on %s: stderr works\n" % os.environ["SM_CURRENT_HOST"])
    print("KILN-PROBE " + json.dumps(report, sort_keys=True), flush=True)

    mode = hps.get("mode", "ok")
    if mode == "wait-for-stop":
        def on_sigterm(signum, frame):
            with open(os.path.join(os.environ["SM_MODEL_DIR"], "stopped.txt"), "w") as f:
                f.write("SIGTERM seen by %s\n" % os.environ["SM_CURRENT_HOST"])
            sys.exit(0)
        signal.signal(signal.SIGTERM, on_sigterm)
        print("waiting for SIGTERM", flush=True)
        time.sleep(120)
        sys.exit(4)
    if mode == "failure-file":
        with open(os.path.join(base, "output", "failure"), "w") as f:
            f.write("Training diverged: loss is nan at epoch 3\nsecond line not shown\n")
        sys.exit(3)
    if mode == "raise":
        raise ValueError("boom at epoch 3")
    resources = read_json(os.path.join(config, "resourceconfig.json"))
    if mode == "orphan":
        child = subprocess.Popen(["sleep", "300"])
        print("child pid=%d" % child.pid, flush=True)
        time.sleep(2.5)
        os._exit(0)
    if mode == "last-rank-fails":
        if resources["current_host"] == resources["hosts"][-1]:
            time.sleep(2)
            raise RuntimeError("rank %d died" % resources["hosts"].index(resources["current_host"]))
        def on_sigterm(signum, frame):
            markers = os.environ.get("KILN_TEST_MARKERS")
            if markers:
                with open(os.path.join(markers, "sigterm-" + resources["current_host"]), "w") as f:
                    f.write("SIGTERM at %.3f\n" % time.time())
            print("SIGTERM seen, exiting cleanly", flush=True)
            sys.exit(0)
        signal.signal(signal.SIGTERM, on_sigterm)
        stubborn = subprocess.Popen([sys.executable, "-c", "import signal, time\n"
                                     "signal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(300)\n"])
        print("stubborn pid=%d" % stubborn.pid, flush=True)
        print("sleeping pid=%d" % os.getpid(), flush=True)
        time.sleep(120)
        sys.exit(5)
    if mode == "checkpoint":
        checkpoint(base, resources)
        return
    if mode == "checkpoint-link":
        ckpt = os.path.join(base, "checkpoints")
        with open(os.path.join(ckpt, "ok.txt"), "w") as f:
            f.write("a regular file\n")
        os.symlink(os.environ["KILN_TEST_OUTSIDE"], os.path.join(ckpt, "link.txt"))
        return
    if resources["current_host"] == resources["hosts"][0]:
        with open(os.path.join(os.environ["SM_MODEL_DIR"], "probe.json"), "w") as f:
            json.dump(report, f, sort_keys=True)
        with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "out.txt"), "w") as f:
            f.write("written by %s\n" % resources["current_host"])


def checkpoint(base, resources):
    ckpt = os.path.join(base, "checkpoints")
    host = resources["current_host"]
    print("KILN-CHECKPOINT " + json.dumps({"host": host, "restored": files_under(ckpt)}, sort_keys=True), flush=True)
    os.makedirs(os.path.join(ckpt, host), exist_ok=True)
    with open(os.path.join(ckpt, host, "step-1.txt"), "w") as f:
        f.write("step 1 on %s\n" % host)
    if host == resources["hosts"][0]:
        with open(os.path.join(ckpt, "state.txt"), "a") as f:
            f.write("resumed\n")
    go = os.environ["KILN_TEST_GO"]
    deadline = time.time() + 60
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.1)
    with open(os.path.join(ckpt, host, "final.txt"), "w") as f:
        f.write("final on %s\n" % host)


if __name__ == "__main__":
    main()
