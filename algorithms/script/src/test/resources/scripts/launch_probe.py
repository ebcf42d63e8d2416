"""Reports the distributed-launch variables a worker's process sees (standard library only).

Prints one line: KILN-LAUNCH {"env": {...}, "horovod_store": ...}. With Horovod's Gloo variables it
also does the Gloo store's round trip against the driver's rendezvous store, as Horovod's HTTPStore
does: PUT /global/rank_<r>, then GET every rank's key until all are there (404 while missing), then
DELETE /global/<r> (finished), and reports the values it read. With PROBE_FAIL_LOCAL_RANK set, that local rank exits 1 after a
second and every other process sleeps 120 s.
"""
import http.client
import json
import os
import time

NAMES = ["MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK",
         "GROUP_WORLD_SIZE", "ROLE_RANK", "ROLE_WORLD_SIZE", "ROLE_NAME", "NODE_RANK", "TF_CONFIG",
         "SM_CURRENT_HOST", "SM_HOSTS", "TORCHELASTIC_RUN_ID"]
env = {k: v for k, v in os.environ.items() if k in NAMES or k.startswith("HOROVOD_")}
report = {"env": env, "pid": os.getpid()}


def request(method, path, body=None):
    c = http.client.HTTPConnection(env["HOROVOD_GLOO_RENDEZVOUS_ADDR"], int(env["HOROVOD_GLOO_RENDEZVOUS_PORT"]),
                                   timeout=5)
    c.request(method, path, body=body, headers={"Content-Length": str(len(body or b""))})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


if "HOROVOD_GLOO_RENDEZVOUS_ADDR" in env:
    rank, size = int(env["HOROVOD_RANK"]), int(env["HOROVOD_SIZE"])
    put = request("PUT", "/global/rank_%d" % rank, ("hello from %d" % rank).encode())[0]
    values = {}
    deadline = time.time() + 30
    while len(values) < size and time.time() < deadline:
        for r in range(size):
            status, data = request("GET", "/global/rank_%d" % r)
            if status == 200:
                values[r] = data.decode()
        time.sleep(0.05)
    report["horovod_store"] = {"put": put, "values": values,
                               "missing": request("GET", "/other/none")[0],
                               "bad": request("GET", "/nokey")[0]}
    request("DELETE", "/global/%d" % rank)
print("KILN-LAUNCH " + json.dumps(report, sort_keys=True), flush=True)
# for the test of a failing local process: one local rank fails, the others would sleep
if os.environ.get("PROBE_FAIL_LOCAL_RANK") is not None:
    if os.environ["PROBE_FAIL_LOCAL_RANK"] == env.get("LOCAL_RANK"):
        time.sleep(1)
        raise SystemExit("local rank %s fails" % env["LOCAL_RANK"])
    time.sleep(120)
