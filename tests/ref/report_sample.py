#!/usr/bin/env python3
"""Reference values for tests/test_report.c, computed from examples/data/sample.csv with the
standard library alone (csv, datetime), independently of libiv:
  - contacts per monthly cohort (month, UTC, of each contact's earliest interaction);
  - contacts reaching step 1 of the report's default funnel (any visit, open, click or
    download: in ordered mode a contact enters at its first step-1 interaction)."""
import collections
import csv
import datetime
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "examples", "data", "sample.csv")
first, step1 = {}, set()
with open(path, newline="") as f:
    for row in csv.DictReader(f):
        t = datetime.datetime.fromisoformat(row["ts"].replace("Z", "+00:00"))
        t = t.astimezone(datetime.timezone.utc)
        c = row["contact"]
        if c not in first or t < first[c]:
            first[c] = t
        if row["type"] in ("visit", "open", "click", "download"):
            step1.add(c)
cohorts = collections.Counter(t.strftime("%Y-%m") for t in first.values())
for month in ("2023-01", "2024-11", "2024-12"):
    print("cohort %s: %d contacts" % (month, cohorts[month]))
print("funnel step 1: %d contacts" % len(step1))
