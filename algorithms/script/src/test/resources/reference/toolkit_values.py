"""The SageMaker training toolkit's value formats, computed by Python itself, for PythonValuesTest.

Reads {"values": [hyperparameter strings]} from the JSON file named by its argument; for each value writes what the toolkit's
formulas give (sagemaker_training: environment.read_hyperparameters decodes each value with
json.loads, keeping the string when it is not JSON; mapping.to_env_vars writes a str as it is and
anything else with json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True);
mapping.to_cmd_args writes str(value), a mapping as k=v pairs joined by commas, keys sorted).
"""
import json
import sys


def decode(value):
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return value


def env_value(v):
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def arg_value(v):
    if v is None:
        return ""
    if hasattr(v, "items"):
        return ",".join("%s=%s" % (k, x) for k, x in sorted(v.items()))
    return str(v)


with open(sys.argv[1]) as f:
    request = json.load(f)
out = []
for value in request["values"]:
    v = decode(value)
    out.append({"env": env_value(v), "arg": arg_value(v), "type": type(v).__name__})
json.dump(out, sys.stdout)
