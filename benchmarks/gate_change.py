#!/usr/bin/env python3
"""The deploy gate benchmark's change: benchmarks/change.json for a service of
its own, planned around now, with a security impact that needs no extra
approver. Usage: gate_change.py change.json out.json"""
import datetime
import json
import sys

c = json.load(open(sys.argv[1]))
now = datetime.datetime.now(datetime.timezone.utc)
c.update(service="gate-bench", environment="staging", title="Gate benchmark release")
c["planned_window"] = {"start": (now - datetime.timedelta(hours=1)).isoformat(),
                       "end": (now + datetime.timedelta(hours=3)).isoformat(), "timezone": "UTC"}
for k in c["security_impact"]:
    c["security_impact"][k] = {"answer": "no", "note": ""}
json.dump(c, open(sys.argv[2], "w"))
