"""Prints repr() and json.dumps() of doubles given as big-endian hex bit patterns (kiln PythonTextTest)."""
import json
import struct
import sys

with open(sys.argv[1]) as f:
    request = json.load(f)
values = [struct.unpack(">d", bytes.fromhex(h))[0] for h in request["bits"]]
print(json.dumps({"repr": [repr(v) for v in values], "json": [json.dumps(v) for v in values],
                  "list": str(values[:5])}))
