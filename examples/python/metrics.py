#!/usr/bin/env python3
"""libiv from Python: load an interaction log, group metrics, drill down, re-score with a
different model, compare two teams, and fit a CLV model.

    LIBIV_PATH=build/src/libiv.so.1 PYTHONPATH=bindings/python \\
        python3 examples/python/metrics.py [examples/data/sample.csv]
"""

import os
import sys

import libiv

here = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data", "sample.csv")

print("libiv", libiv.__version__)
with libiv.load(path) as store:
    r = store.last_ingest
    print("%s: %d rows read, %d accepted, %d rejected, %d contacts"
          % (os.path.basename(path), r.rows_read, r.rows_accepted, r.rows_rejected,
             store.contacts))

    # Interaction Value and cost per RV unit by channel (undefined values are None).
    with store.metrics(by=["channel"]) as t:
        for row in sorted(t, key=lambda r: r["iv"] or 0, reverse=True):
            cpr = row["cost_per_rv"]
            print("  %-13s n=%6d  iv=%6.3f  cost/RV=%s" % (
                row["channel"], row["n"], row["iv"] or float("nan"),
                "undefined" if cpr is None else "%.4f" % cpr))

    # The interactions behind one KPI.
    with store.drill({"channel": "post"}, by="channel") as d:
        print("post: %d interactions, first: %s" % (len(d), d[0]))

    # Re-score the same history with another model: no re-ingestion.
    with libiv.Model() as model:
        model.set_type("visit", rv=0)
        with store.metrics(model=model, start="2024-01-01") as t:
            print("2024 RV without visits:", t[0]["rv"])

    # Segment vs segment on a per-contact metric (doc/GUIDE.md §3 `compare`).
    with store.compare("rv", "team = east", "team = west") as c:
        row = c[0]
        print("RV per contact east vs west: diff %.1f, Welch p %.3f, MWU p %.3f"
              % (row["diff"], row["welch_p"], row["mwu_p"]))

    # BG/NBD on the purchase history.
    with store.clv_fit("bgnbd") as bg:
        print("BG/NBD", {k: round(v, 4) for k, v in bg.params.items()},
              "loglik %.2f" % bg.loglik)

    # Results export like the CLI's.
    with store.metrics(by="stage") as t:
        print(t.to_csv().splitlines()[0])
