#!/usr/bin/env python3
"""libiv from Python: churn and retention, a conversion funnel, monthly cohorts, CLV
predictions, and the RV pattern use cases (a contact against the norm of its team, the
team it most resembles, who is stalled, what to do next).

    LIBIV_PATH=build/src/libiv.so.1 PYTHONPATH=bindings/python \\
        python3 examples/python/lifecycle_patterns.py [examples/data/sample.csv]
"""

import os
import sys

import libiv

here = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data", "sample.csv")

with libiv.load(path) as store:
    # Churn over the last activity window (the model's, 90 days), per team.
    with store.churn(by="team") as t:
        for r in t:
            print("%-10s active %4d -> lost %3d: churn %.1f%%, retention %.1f%%" % (
                r["team"], r["active_start"], r["lost"], 100 * r["churn"],
                100 * r["retention"]))

    # A funnel: visit, then a demo or a trial, then a purchase within 30 days.
    with store.funnel(["visit", ["demo", "trial"], "purchase"], window="30d") as t:
        for r in t:
            print("step %-13s %5d contacts  from first %s" % (
                r["step"], r["contacts"], "%.3f" % r["from_first"]))

    # Monthly cohorts: the share of the first cohort still active three months on.
    with store.cohorts(period="month") as t:
        first = [r for r in t if r["cohort"] == t[0]["cohort"]]
        print("cohort %s: %d contacts, month-3 retention %.2f" % (
            first[0]["cohort"], first[0]["contacts"], first[3]["rate"]))

    # Expected purchases next year and CLV (BG/NBD + Gamma-Gamma, 1%/month discount).
    with store.clv_predict("bgnbd", spend=True) as t:
        top = max(t, key=lambda r: r["clv"] or 0)
        print("highest CLV: %s (%.2f expected purchases, CLV %.0f)" % (
            top["contact"], top["expected_purchases"], top["clv"]))

    # One contact's RV trajectory against its team's norm (robust z per bucket).
    row, buckets = store.contact_vs_norm("C000001", where="team = east", buckets=12,
                                         per_bucket=True)
    with row, buckets:
        r = row[0]
        print("C000001 vs east: max |z| %.1f, anomaly %s, percentile %.2f" % (
            r["max_abs_z"], r["anomaly"], r["percentile"]))

    # Which team's median trajectory each western contact resembles most (DTW).
    with store.nearest_norm(["team = east", "team = west"], where="team = west",
                            buckets=12) as t:
        west = sum(1 for r in t if r["expression"] == "team = west")
        print("western contacts nearest the west norm: %d of %d" % (west, len(t)))

    # Stalled contacts and the next best action for one of them.
    with store.stalled() as t:
        print("stalled contacts:", len(t))
        who = t[0]["contact"]
    with store.next_best_action(who) as t:
        print("next for %s: %s (%.0f%% of successful contacts' next steps)" % (
            who, t[0]["type"], 100 * t[0]["share"]))

    # Segment versus segment on per-contact RV.
    with store.segment_compare("rv", "team = east", "team = west") as t:
        r = t[0]
        print("RV east - west: %.1f [%.1f, %.1f], Welch p %.3f" % (
            r["diff"], r["diff_ci_low"], r["diff_ci_high"], r["welch_p"]))
